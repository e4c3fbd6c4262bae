//! Finding assignments: the list's filter (scope, unit, status, deadline status as of a day), its orders and pages.

use super::*;

#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    /// Whose view: the rows outside it are never returned or counted.
    pub scope: crate::domain::access::Scope,
    pub session_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub suggestion_id: Option<i64>,
    pub role: Option<Vec<AssignmentRole>>,
    pub status: Option<Vec<AssignmentStatus>>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    /// Deadline statuses as of `as_of` (any of them).
    pub deadline_status: Option<Vec<crate::domain::deadline::DeadlineStatus>>,
    /// The day statuses are computed for.
    pub as_of: Option<crate::service::deadline::AsOf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentOrder {
    DueOnAsc,
    DueOnDesc,
    AssignedOnDesc,
    AssignedOnAsc,
}

impl AssignmentOrder {
    pub(super) fn ordering(self) -> page::Ordering<assignment::Column> {
        use assignment::Column::{AssignedOn, DueOn};
        use page::KeyKind::Date;
        let (name, column, descending) = match self {
            Self::DueOnAsc => ("DUE_ON_ASC", DueOn, false),
            Self::DueOnDesc => ("DUE_ON_DESC", DueOn, true),
            Self::AssignedOnDesc => ("ASSIGNED_ON_DESC", AssignedOn, true),
            Self::AssignedOnAsc => ("ASSIGNED_ON_ASC", AssignedOn, false),
        };
        page::Ordering {
            name,
            column: Some((column, Date)),
            descending,
        }
    }

    pub(super) fn key(self, m: &assignment::Model) -> Option<String> {
        let date = match self {
            Self::DueOnAsc | Self::DueOnDesc => m.due_on,
            Self::AssignedOnDesc | Self::AssignedOnAsc => m.assigned_on,
        };
        Some(date.format("%Y-%m-%d").to_string())
    }
}

pub fn filtered(filter: &AssignmentFilter) -> Select<assignment::Entity> {
    let mut select =
        assignment::Entity::find().filter(crate::service::scope::assignments(filter.scope));
    if let Some(session_id) = filter.session_id {
        select = select.filter(assignment::Column::SessionId.eq(session_id));
    }
    if let Some(unit_id) = filter.unit_id {
        select = select.filter(assignment::Column::UnitId.eq(unit_id));
    }
    if let Some(suggestion_id) = filter.suggestion_id {
        select = select.filter(assignment::Column::SuggestionId.eq(suggestion_id));
    }
    if let Some(roles) = &filter.role {
        select = select.filter(assignment::Column::Role.is_in(roles.iter().copied()));
    }
    if let Some(statuses) = &filter.status {
        select = select.filter(assignment::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(from) = filter.due_from {
        select = select.filter(assignment::Column::DueOn.gte(from));
    }
    if let Some(to) = filter.due_to {
        select = select.filter(assignment::Column::DueOn.lte(to));
    }
    if let (Some(statuses), Some(as_of)) = (&filter.deadline_status, filter.as_of) {
        select = select.filter(crate::service::deadline::any_of(statuses, as_of));
    }
    select
}

pub async fn list(
    db: &Db,
    filter: &AssignmentFilter,
    order: AssignmentOrder,
    args: &page::PageArgs,
) -> ServiceResult<page::Page<assignment::Model>> {
    page::fetch_by_ids(
        db.conn(),
        filtered(filter),
        assignment::Column::Id,
        order.ordering(),
        args,
        |m| order.key(m),
        |m| m.id,
    )
    .await
}
