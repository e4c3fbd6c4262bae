//! Audit log entries as auditors read them.

use async_graphql::{Context, Enum, Object, Result, ID};
use entity::audit_log;

use crate::graphql::error::internal;
use crate::graphql::scalars::DateTime;
use crate::service::{self};

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
            let kind = crate::graphql::ids::Kind::from_name(kind)?;
            let key = key.parse::<i64>().ok().filter(|k| *k > 0)?;
            Some(crate::graphql::ids::encode(kind, key))
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
