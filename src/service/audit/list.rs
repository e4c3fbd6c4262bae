//! Reading the log for auditors: filters by actor, operation, outcome, target and days, in pages.

use super::*;

/// Filters of `list`; all given filters must hold. Dates are China local dates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_user_id: Option<i64>,
    pub operation: Option<String>,
    pub outcome: Option<AuditOutcome>,
    pub target: Option<String>,
    /// On or after this date (Asia/Shanghai).
    pub from: Option<NaiveDate>,
    /// On or before this date (Asia/Shanghai).
    pub to: Option<NaiveDate>,
}

/// The rows matching `filter`.
pub fn filtered(filter: &AuditFilter) -> Select<audit_log::Entity> {
    let mut select = audit_log::Entity::find();
    if let Some(id) = filter.actor_user_id {
        select = select.filter(audit_log::Column::ActorUserId.eq(id));
    }
    if let Some(operation) = &filter.operation {
        select = select.filter(audit_log::Column::Operation.eq(operation.as_str()));
    }
    if let Some(outcome) = filter.outcome {
        select = select.filter(audit_log::Column::Outcome.eq(outcome.as_str()));
    }
    if let Some(target) = &filter.target {
        select = select.filter(audit_log::Column::Target.eq(target.as_str()));
    }
    if let Some(from) = filter.from {
        select = select.filter(audit_log::Column::OccurredAt.gte(start_of_day(from)));
    }
    // Before the next day begins; no bound past the last representable date.
    if let Some(next) = filter.to.and_then(|to| to.succ_opt()) {
        select = select.filter(audit_log::Column::OccurredAt.lt(start_of_day(next)));
    }
    select
}

pub(super) fn check_filter(filter: &AuditFilter) -> Result<(), UserError> {
    match (filter.from, filter.to) {
        (Some(from), Some(to)) if to < from => Err(UserError::invalid(
            &["filter", "to"],
            "结束日期不能早于开始日期 (to must not precede from)",
        )),
        _ => Ok(()),
    }
}

/// The log, newest first.
pub async fn list(
    db: &Db,
    filter: &AuditFilter,
    args: &PageArgs,
) -> ServiceResult<Page<audit_log::Model>> {
    check_filter(filter)?;
    let ordering = page::Ordering {
        name: "ID_DESC",
        column: None,
        descending: true,
    };
    page::fetch(
        db.conn(),
        filtered(filter),
        audit_log::Column::Id,
        ordering,
        args,
        |_| None,
        |m| m.id,
    )
    .await
}

/// The number of rows matching `filter` (for `totalCount`).
pub async fn count(db: &Db, filter: &AuditFilter) -> ServiceResult<u64> {
    check_filter(filter)?;
    page::count(db.conn(), filtered(filter)).await
}
