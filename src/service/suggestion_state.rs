//! A suggestion's state as its assignments move: re-derived from them, or set by closing
//! and withdrawal, always with a version check.

use chrono::{DateTime, Utc};
use entity::enums::{AssignmentRole, AssignmentStatus, SuggestionStatus};
use entity::{assignment, suggestion};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{DbContext, ServiceResult};
use crate::domain::workflow as flow;

/// Re-derives the suggestion's state from its assignments and stores it if it changed.
pub(crate) async fn refresh<C: ConnectionTrait>(
    conn: &C,
    suggestion_id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<suggestion::Model> {
    let current = suggestion::Entity::find_by_id(suggestion_id)
        .one(conn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("suggestion {suggestion_id} vanished"))?;
    let assignments: Vec<(AssignmentRole, AssignmentStatus)> = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(suggestion_id))
        .all(conn)
        .await
        .during("loading assignments")?
        .into_iter()
        .map(|a| (a.role, a.status))
        .collect();
    let status = flow::suggestion_status(current.status, &assignments);
    if status == current.status {
        return Ok(current);
    }
    save(conn, &current, status, now, &["input"]).await
}

/// Stores a suggestion's new state if it is still at the version read (CONFLICT at `field`).
pub(crate) async fn save<C: ConnectionTrait>(
    conn: &C,
    current: &suggestion::Model,
    status: SuggestionStatus,
    now: DateTime<Utc>,
    field: &[&str],
) -> ServiceResult<suggestion::Model> {
    let changes = suggestion::ActiveModel {
        status: Set(status),
        ..Default::default()
    };
    super::save_versioned(
        conn,
        current.id,
        current.version,
        changes,
        now,
        "建议",
        field,
    )
    .await
}
