//! The suggestion's timeline and the rounds of handling: appending an event (with the
//! notices it gives) and reading or answering the current round. Every transition, the
//! re-dating of deadlines and the records services write through here.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{assignment, handling_round, workflow_event};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use serde_json::Value;

use super::{DbContext, ServiceResult};
use crate::domain::workflow::{ActorRole, EventKind};

/// Appends one event to the timeline, with the notifications it gives.
pub(crate) async fn event<C: ConnectionTrait>(
    conn: &C,
    suggestion_id: i64,
    assignment_id: Option<i64>,
    kind: EventKind,
    actor: ActorRole,
    now: DateTime<Utc>,
    details: Value,
) -> ServiceResult<()> {
    let saved = workflow_event::ActiveModel {
        suggestion_id: Set(suggestion_id),
        assignment_id: Set(assignment_id),
        kind: Set(kind.as_str().to_owned()),
        actor_role: Set(actor.as_str().to_owned()),
        actor_user_id: Set(None),
        occurred_at: Set(now),
        details: Set(details),
        ..Default::default()
    }
    .insert(conn)
    .await
    .during("appending a timeline event")?;
    // The notices the event gives, in the same transaction (boxed: the event is awaited
    // deep inside every transition's future, which must stay small).
    Box::pin(super::notification::on_event(conn, &saved, kind)).await
}

/// The assignment's current round of handling (none before the first is opened).
pub(crate) async fn current_round<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
) -> ServiceResult<Option<handling_round::Model>> {
    handling_round::Entity::find()
        .filter(handling_round::Column::AssignmentId.eq(a.id))
        .filter(handling_round::Column::Round.eq(a.round))
        .one(conn)
        .await
        .during("loading the current round")
}

/// Records the answer date of the current round.
pub(crate) async fn answer_round<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    on: NaiveDate,
) -> ServiceResult<()> {
    handling_round::Entity::update_many()
        .set(handling_round::ActiveModel {
            answered_on: Set(Some(on)),
            ..Default::default()
        })
        .filter(handling_round::Column::AssignmentId.eq(a.id))
        .filter(handling_round::Column::Round.eq(a.round))
        .exec(conn)
        .await
        .during("answering the round")?;
    Ok(())
}
