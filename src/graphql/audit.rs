//! `auditLog`: the audit log (审计日志), newest first, for auditors and office
//! administrators only (DOMAIN.md §7). Read-only: entries are appended by the mutations
//! themselves (`service::audit::append`).

use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use entity::audit_log;

use super::access::{Allow, AUDIT_READERS};
use super::connection::{connection, Conn, TotalCount};
use super::error::{for_query, internal, user_error};
use super::scalars::{Date, DateTime};
use super::state;
use crate::domain::UserError;
use crate::service::{self, audit::AuditFilter, page::PageArgs};

#[derive(Default)]
pub struct AuditQuery;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::audit::AuditOutcome")]
/// How a mutation ended.
pub enum AuditOutcome {
    /// It made the change it was asked for.
    Success,
    /// It changed nothing and answered `userErrors`.
    UserError,
    /// The caller was refused (UNAUTHENTICATED or FORBIDDEN).
    Refused,
    /// Something unexpected failed (INTERNAL).
    Error,
}

/// Filters of `auditLog`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct AuditLogFilter {
    /// Entries of this user.
    pub actor_user_id: Option<i64>,
    /// Entries of this operation: a mutation field such as `submitReply`, or a command
    /// such as `cli:user add`.
    pub operation: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Entries about this object (its global ID).
    pub target: Option<ID>,
    /// On or after this date (China time).
    pub from: Option<Date>,
    /// On or before this date (China time).
    pub to: Option<Date>,
}

/// Longest operation name or target a filter may give: longer ones match nothing anyway.
const MAX_FILTER_TEXT: usize = 200;

fn bounded(value: Option<String>, field: &str) -> Result<Option<String>> {
    match value {
        Some(v) if v.chars().count() > MAX_FILTER_TEXT => Err(user_error(UserError::invalid(
            &["filter", field],
            format!("不能超过 {MAX_FILTER_TEXT} 个字符 (at most {MAX_FILTER_TEXT} characters)"),
        ))),
        other => Ok(other),
    }
}

impl AuditLogFilter {
    fn into_service(self) -> Result<AuditFilter> {
        Ok(AuditFilter {
            actor_user_id: self.actor_user_id,
            operation: bounded(self.operation, "operation")?,
            outcome: self.outcome.map(Into::into),
            // Stored as `Reply:21`; asked for by the object's global ID, as everywhere in
            // the API (a text that is no global ID is matched as it is).
            target: bounded(
                self.target
                    .map(|id| super::ids::readable(&id).unwrap_or(id.0)),
                "target",
            )?,
            from: self.from.map(|d| d.0),
            to: self.to.map(|d| d.0),
        })
    }
}

/// One entry of the audit log.
pub struct AuditEntry(pub audit_log::Model);

#[Object]
impl AuditEntry {
    /// The entry's number; larger numbers were appended later.
    async fn id(&self) -> i64 {
        self.0.id
    }

    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }

    /// The signed-in user who acted; null for the public and the command line.
    async fn actor_user_id(&self) -> Option<i64> {
        self.0.actor_user_id
    }

    /// The user's name at the time.
    async fn actor_name(&self) -> Option<&str> {
        self.0.actor_name.as_deref()
    }

    /// The role the user acted in: `ANONYMOUS`, `OFFICE_ADMIN`, `OFFICE_STAFF`, …
    async fn role(&self) -> &str {
        &self.0.role
    }

    /// The mutation field (`submitReply`) or command (`cli:user add`).
    async fn operation(&self) -> &str {
        &self.0.operation
    }

    /// The global ID of the object acted on, when there is one; for a system chore, what
    /// it acted on (`system:feedback purge`: `12 PublicFeedback`, the rows erased).
    async fn target(&self) -> Option<ID> {
        let stored = self.0.target.as_deref()?;
        let global = stored.split_once(':').and_then(|(kind, key)| {
            let kind = super::ids::Kind::from_name(kind)?;
            let key = key.parse::<i64>().ok().filter(|k| *k > 0)?;
            Some(super::ids::encode(kind, key))
        });
        Some(global.unwrap_or_else(|| ID(stored.to_owned())))
    }

    /// What else the entry says, as a JSON object: `{"backdated": {"publishedAt":
    /// "2022-09-19T06:52:00Z"}}` names each date the caller gave in the past (an archive
    /// moved into banli). Null when there is nothing more.
    async fn details(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        let text = self.0.details.as_deref()?;
        serde_json::from_str(text).ok().map(async_graphql::Json)
    }

    async fn outcome(&self, ctx: &Context<'_>) -> Result<AuditOutcome> {
        service::audit::AuditOutcome::parse(&self.0.outcome)
            .map(Into::into)
            .ok_or_else(|| {
                // Only an edit made outside banli can store another value.
                internal(
                    ctx,
                    &anyhow::anyhow!(
                        "audit log row {} has an unknown outcome {:?}",
                        self.0.id,
                        self.0.outcome
                    ),
                )
            })
    }

    /// The user error codes (`NOT_FOUND`, `INVALID`, …); empty on success.
    async fn error_codes(&self) -> Vec<&str> {
        self.0
            .error_codes
            .as_deref()
            .map(|codes| codes.split(',').collect())
            .unwrap_or_default()
    }

    async fn client_ip(&self) -> Option<&str> {
        self.0.client_ip.as_deref()
    }

    /// The request id, as in the server's log lines.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The hash of the entry before (64 zeros for the first).
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }

    /// SHA-256 over `prevHash` and every field of this entry; `banli audit verify`
    /// recomputes it.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

#[Object]
impl AuditQuery {
    /// The audit log, newest first: one entry per mutation, whether it succeeded, was
    /// refused or failed. AUDITOR and OFFICE_ADMIN only.
    #[graphql(guard = "Allow(AUDIT_READERS)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<AuditEntry>> {
        let db = state(ctx)?.db.clone();
        let filter = filter.unwrap_or_default().into_service()?;
        let page = service::audit::list(&db, &filter, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, filter) = (db.clone(), filter.clone());
            async move { service::audit::count(&db, &filter).await }
        });
        Ok(connection(page, total, AuditEntry))
    }
}
