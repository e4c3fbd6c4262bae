//! One audit row per mutation: success, user error or refusal.
//!
//! Each root mutation field runs with a unit of work ([`Work`]: its audit entry with actor,
//! role, operation, target, client IP and request id), which [`super::state`] binds to the
//! database handle the resolver passes to its service. The write transaction that commits
//! the change appends the entry in itself; when nothing commits — a refusal, user errors,
//! an unexpected error — the entry is appended here, after the resolver, before the
//! response leaves. Nothing the client sent is stored except the
//! id of the object acted on: no passwords, tokens, CAPTCHA answers or phone numbers.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextResolve, ResolveInfo,
};
use async_graphql::{Request, ServerError, ServerResult, Value, Variables};

use super::request::{CurrentWork, RequestAuth, RequestId};
use super::AppState;
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

pub struct AuditTrail;

impl ExtensionFactory for AuditTrail {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AuditTrailExtension {
            variables: Mutex::new(Variables::default()),
        })
    }
}

struct AuditTrailExtension {
    /// The request's variables, to read the target id of `input: $input`.
    variables: Mutex<Variables>,
}

impl AuditTrailExtension {
    /// The global id the mutation's `input` names, if any.
    fn target(&self, info: &ResolveInfo<'_>) -> Option<String> {
        let variables = match self.variables.lock() {
            Ok(v) => v.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let (_, input) = info
            .field
            .arguments
            .iter()
            .find(|(name, _)| name.node.as_str() == "input")?;
        let input = input
            .node
            .clone()
            .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
            .ok()?;
        let Value::Object(fields) = input else {
            return None;
        };
        TARGET_FIELDS.iter().find_map(|key| match fields.get(*key) {
            Some(Value::String(id)) => super::ids::readable(id),
            _ => None,
        })
    }
}

fn error_code(error: &ServerError) -> Option<String> {
    let code = error.extensions.as_ref()?.get("code")?;
    match code {
        Value::String(code) => Some(code.clone()),
        _ => None,
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for AuditTrailExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut variables) = self.variables.lock() {
            *variables = request.variables.clone();
        }
        next.run(ctx, request.data(CurrentWork::default())).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let is_mutation = info.path_node.parent.is_none()
            && info.parent_type == "MutationRoot"
            && !UNAUDITED.contains(&info.name);
        let Some(state) = ctx.data_opt::<AppState>().filter(|_| is_mutation) else {
            return next.run(ctx, info).await;
        };
        let caller = ctx.data_opt::<Caller>();
        let principal = caller.and_then(Caller::principal);
        let entry = NewAuditEntry {
            occurred_at: state.clock.now(),
            actor_user_id: principal.map(|p| p.user_id),
            actor_name: principal.map(|p| p.username.clone()),
            role: caller.map_or("ANONYMOUS", Caller::role_name).to_owned(),
            operation: info.name.to_owned(),
            target: self.target(&info),
            outcome: AuditOutcome::Success,
            error_codes: Vec::new(),
            client_ip: ctx
                .data_opt::<RequestAuth>()
                .and_then(|a| a.client_ip.clone()),
            request_id: ctx.data_opt::<RequestId>().map(|r| r.0.clone()),
            details: None,
        };
        let work = Work::new(entry, state.audit.key().cloned());
        let slot = ctx.data_opt::<CurrentWork>();
        if let Some(slot) = slot {
            slot.set(Some(Arc::clone(&work)));
        }
        let result = next.run(ctx, info).await;
        if let Some(slot) = slot {
            slot.set(None);
        }
        if !work.is_recorded() {
            let mut entry = work.entry();
            // User errors were noted by the resolver; a success without a commit changed
            // nothing and keeps its outcome.
            if let Err(error) = &result {
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
                return result;
            }
            if let Err(error) = audit::append_now(&state.db, &state.audit, &entry).await {
                // The mutation itself changed nothing; its answer stands, the log says why
                // its audit row is missing.
                tracing::error!(?error, operation = %entry.operation, "appending an audit row");
            }
        }
        result
    }
}
