//! Reading filings within the caller's scope: one by id, pages and counts.

use super::*;

/// One filing within the caller's sight.
pub async fn get(db: &Db, scope: Scope, id: i64) -> ServiceResult<Option<filing::Model>> {
    filing::Entity::find_by_id(id)
        .filter(visible(scope))
        .one(db.conn())
        .await
        .during("loading a filing")
}

#[derive(Debug, Clone, Default)]
pub struct FilingFilter {
    pub session_id: Option<i64>,
    pub states: Vec<FilingState>,
}

pub(super) fn filtered(scope: Scope, filter: &FilingFilter) -> sea_orm::Select<filing::Entity> {
    let mut select = filing::Entity::find().filter(visible(scope));
    if let Some(session_id) = filter.session_id {
        select = select.filter(filing::Column::SessionId.eq(session_id));
    }
    if !filter.states.is_empty() {
        select = select.filter(filing::Column::State.is_in(filter.states.iter().copied()));
    }
    select
}

/// The filings within sight, newest first.
pub async fn list(
    db: &Db,
    scope: Scope,
    filter: &FilingFilter,
    args: &PageArgs,
) -> ServiceResult<Page<filing::Model>> {
    page::fetch(
        db.conn(),
        filtered(scope, filter),
        filing::Column::Id,
        page::Ordering {
            name: "ID_DESC",
            column: None,
            descending: true,
        },
        args,
        |_| None,
        |m| m.id,
    )
    .await
}

pub async fn count(db: &Db, scope: Scope, filter: &FilingFilter) -> ServiceResult<u64> {
    page::count(db.conn(), filtered(scope, filter)).await
}
