//! `auditLog`: the audit log (审计日志), newest first, for auditors and office
//! administrators only (docs/domain.md §7). Read-only: entries are appended by the mutations
//! themselves (`service::audit::append`).

use async_graphql::{Context, InputObject, Object, Result, ID};

use crate::domain::UserError;
use crate::graphql::access::{Allow, AUDIT_READERS};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::error::{for_query, user_error};
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self, audit::AuditFilter, page::PageArgs};

#[derive(Default)]
pub struct AuditQuery;

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
                    .map(|id| crate::graphql::ids::readable(&id).unwrap_or(id.0)),
                "target",
            )?,
            from: self.from.map(|d| d.0),
            to: self.to.map(|d| d.0),
        })
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
