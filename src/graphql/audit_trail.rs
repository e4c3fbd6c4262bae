//! One audit row per mutation: success, user error or refusal.
//!
//! The mutation root is wrapped ([`AuditedMutations`]), so the trail acts where mutations
//! run and nowhere else: a schema extension would wrap the resolution of every field of
//! every query too (and async-graphql resolves fields on a faster path when a schema has no
//! extensions at all, see [`super::Schemas`]).
//!
//! Each root mutation field runs with a unit of work ([`Work`]: its audit entry with actor,
//! role, operation, target, client IP and request id), which [`super::state`] binds to the
//! database handle the resolver passes to its service. The write transaction that commits
//! the change appends the entry in itself; when nothing commits — a refusal, user errors,
//! an unexpected error — the entry is appended here, after the resolver, before the
//! response leaves. Nothing the client sent is stored except the
//! id of the object acted on: no passwords, tokens, CAPTCHA answers or phone numbers.

use std::borrow::Cow;
use std::sync::Arc;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{resolve_container, ContainerType};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerError, ServerResult,
    Value,
};

use super::request::{with_work, RequestAuth, RequestId};
use super::{AppState, MutationRoot};
use crate::domain::access::Caller;
use crate::service::audit::{self, AuditOutcome, NewAuditEntry};
use crate::service::work::Work;

/// The input fields that name the object a mutation acts on (recorded as `Type:id`;
/// creates record the new object instead, see `WriteTxn::audit_created`), in order of preference.
const TARGET_FIELDS: [&str; 6] = [
    "id",
    "assignmentId",
    "replyId",
    "requestId",
    "suggestionId",
    "sessionId",
];

/// Mutations that leave no audit row: `createCaptcha` changes no business data (it stores
/// a hash that expires in minutes) and is anonymous traffic; logging every CAPTCHA would
/// let anyone grow the audit log at will and queue each form view behind the log's lock.
const UNAUDITED: [&str; 1] = ["createCaptcha"];

/// The mutation root with its audit trail: the same type in the schema (`MutationRoot`),
/// each root field resolved inside its unit of work.
#[derive(Default)]
pub struct AuditedMutations(MutationRoot);

impl OutputType for AuditedMutations {
    fn type_name() -> Cow<'static, str> {
        MutationRoot::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        MutationRoot::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl ObjectType for AuditedMutations {}

impl ContainerType for AuditedMutations {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        let name = ctx.field().name();
        // Boxed: the merged root's future is nested too deep to be laid out inside this one.
        let resolve: std::pin::Pin<
            Box<dyn std::future::Future<Output = ServerResult<Option<Value>>> + Send + '_>,
        > = Box::pin(self.0.resolve_field(ctx));
        let Some(state) = ctx
            .data_opt::<AppState>()
            .filter(|_| !UNAUDITED.contains(&name))
        else {
            return resolve.await;
        };
        let caller = ctx.data_opt::<Caller>();
        let principal = caller.and_then(Caller::principal);
        let entry = NewAuditEntry {
            occurred_at: state.clock.now(),
            actor_user_id: principal.map(|p| p.user_id),
            actor_name: principal.map(|p| p.username.clone()),
            role: caller.map_or("ANONYMOUS", Caller::role_name).to_owned(),
            operation: name.to_owned(),
            target: target(ctx),
            outcome: AuditOutcome::Success,
            error_codes: Vec::new(),
            client_ip: ctx
                .data_opt::<RequestAuth>()
                .and_then(|a| a.client_ip.clone()),
            request_id: ctx.data_opt::<RequestId>().map(|r| r.0.clone()),
            details: None,
        };
        let work = Work::new(entry, state.audit.key().cloned());
        let result = with_work(Arc::clone(&work), resolve).await;
        if !work.is_recorded() {
            record_uncommitted(state, &work, &result).await;
        }
        result
    }
}

/// Appends the entry of a mutation whose resolver committed nothing. User errors were
/// noted by the resolver; a success without a commit changed nothing and keeps its
/// outcome.
async fn record_uncommitted(state: &AppState, work: &Work, result: &ServerResult<Option<Value>>) {
    let mut entry = work.entry();
    if let Err(error) = result {
        let code = error_code(error);
        entry.outcome = match code.as_deref() {
            Some("UNAUTHENTICATED" | "FORBIDDEN") => AuditOutcome::Refused,
            _ => AuditOutcome::Error,
        };
        entry.error_codes = code.into_iter().collect();
    }
    // Refusals of callers who are not signed in are sampled per client and minute.
    let sampled_out = entry.outcome == AuditOutcome::Refused
        && entry.actor_user_id.is_none()
        && !state
            .audit
            .refusals
            .admit(entry.client_ip.as_deref(), entry.occurred_at);
    if sampled_out {
        return;
    }
    if let Err(error) = audit::append_now(&state.db, &state.audit, &entry).await {
        // The mutation itself changed nothing; its answer stands, the log says why its
        // audit row is missing.
        tracing::error!(?error, operation = %entry.operation, "appending an audit row");
    }
}

/// The global id the mutation's `input` names, if any.
fn target(ctx: &Context<'_>) -> Option<String> {
    let arguments = ctx.field().arguments().ok()?;
    let (_, input) = arguments
        .into_iter()
        .find(|(name, _)| name.as_str() == "input")?;
    let Value::Object(fields) = input else {
        return None;
    };
    TARGET_FIELDS.iter().find_map(|key| match fields.get(*key) {
        Some(Value::String(id)) => super::ids::readable(id),
        _ => None,
    })
}

fn error_code(error: &ServerError) -> Option<String> {
    let code = error.extensions.as_ref()?.get("code")?;
    match code {
        Value::String(code) => Some(code.clone()),
        _ => None,
    }
}
