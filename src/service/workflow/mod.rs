//! The handling workflow on assignments (DOMAIN.md §2.3–2.11): sign-for, returns,
//! co-handler opinions, extensions, contact records, rating and re-handling, follow-ups,
//! closing and withdrawal. Each transition is one transaction: it checks the state machine
//! (`domain::workflow`), writes with a version check, and appends its timeline event.
//!
//! This module holds what every transition shares — the timeline `event`, loading a
//! `Case`, the versioned `save_assignment`, re-deriving the suggestion's status, rounds —
//! and sign-for; each group of transitions has a file of its own (`returns`, `opinions`,
//! `extensions`, `contacts`, `review`, `ratings`, `follow_ups`, `closing`), re-exported
//! here so callers name them `service::workflow::…` as before.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    AssignmentRole, AssignmentStatus, ContactMethod, ContactStage, RequestStatus, Satisfaction,
    SuggestionStatus,
};
use entity::{
    assignment, co_opinion, contact_record, extension_request, follow_up, handling_round, rating,
    reply, return_request, session, suggestion, suggestion_co_signer as co_signer, workflow_event,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::{json, Value};

use super::{check_version, conflict, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::deadline::{compute_due, due_soon_from, DeadlinePeriod, DueDate};
use crate::domain::error::Errors;
use crate::domain::text::{self, Lines};
use crate::domain::time::local_date;
use crate::domain::workflow::{self as flow, ActorRole, EventKind, Transition};
use crate::domain::UserError;

mod closing;
mod contacts;
mod extensions;
mod follow_ups;
mod opinions;
mod ratings;
mod returns;
mod review;
mod step;

pub use closing::*;
pub use contacts::*;
pub use extensions::*;
pub use follow_ups::*;
pub use opinions::*;
pub use ratings::*;
pub use returns::*;
pub use review::*;
pub(crate) use step::Step;

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

/// An assignment with what its rules depend on, loaded inside a transaction.
pub(crate) struct Case {
    pub assignment: assignment::Model,
    pub suggestion: suggestion::Model,
    pub session: session::Model,
}

pub(crate) async fn load_case<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i64,
    expected_version: Option<i32>,
    field: &[&str],
) -> ServiceResult<Case> {
    let assignment = assignment::Entity::find_by_id(assignment_id)
        .one(conn)
        .await
        .during("loading the assignment")?
        .ok_or_else(|| UserError::missing(field, "交办记录", "assignment"))?;
    check_version("交办记录", expected_version, assignment.version)?;
    let suggestion = suggestion::Entity::find_by_id(assignment.suggestion_id)
        .one(conn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("assignment {} has no suggestion", assignment.id))?;
    let session = session::Entity::find_by_id(suggestion.session_id)
        .one(conn)
        .await
        .during("loading the session")?
        .ok_or_else(|| anyhow::anyhow!("suggestion {} has no session", suggestion.id))?;
    Ok(Case {
        assignment,
        suggestion,
        session,
    })
}

/// Writes `changes` to an assignment if nobody changed it since it was read; returns the
/// stored row.
pub(crate) async fn save_assignment<C: ConnectionTrait>(
    conn: &C,
    current: &assignment::Model,
    changes: assignment::ActiveModel,
    now: DateTime<Utc>,
    field: &[&str],
) -> ServiceResult<assignment::Model> {
    let saved = crate::service::save_versioned(
        conn,
        current.id,
        current.version,
        changes,
        now,
        "交办记录",
        field,
    )
    .await?;
    super::deadline::retally(conn, current, &saved).await?;
    Ok(saved)
}

/// Re-derives the suggestion's state from its assignments and stores it if it changed.
pub(crate) async fn refresh_suggestion<C: ConnectionTrait>(
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
    save_suggestion_status(conn, &current, status, now, &["input"]).await
}

/// Stores a suggestion's new state if it is still at the version read (CONFLICT at `field`).
pub(crate) async fn save_suggestion_status<C: ConnectionTrait>(
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
    crate::service::save_versioned(
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

/// Computes a rule-based due date, refusing dates chrono cannot represent.
pub(crate) fn due(
    session: &session::Model,
    calendar: &crate::domain::calendar::WorkCalendar,
    start: NaiveDate,
    period: DeadlinePeriod,
    field: &[&str],
) -> ServiceResult<DueDate> {
    compute_due(&super::session::rules_of(session), calendar, start, period).ok_or_else(|| {
        UserError::invalid(
            field,
            "期限将晚于 9999-12-31，超出日期范围 (the due date would fall after 9999-12-31)",
        )
        .into()
    })
}

/// The hard cap (延期上限) of the current round: the session's cap counted from the
/// round's start (the assignment date in round 1).
async fn hard_cap<C: ConnectionTrait>(
    conn: &C,
    case: &Case,
    field: &[&str],
) -> ServiceResult<NaiveDate> {
    let calendar = super::calendar::load(conn).await?;
    let start = current_round(conn, &case.assignment)
        .await?
        .map_or(case.assignment.assigned_on, |r| r.started_on);
    Ok(due(
        &case.session,
        &calendar,
        start,
        DeadlinePeriod::HardCap,
        field,
    )?
    .due_on)
}

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

fn not_future(date: NaiveDate, today: NaiveDate, field: &[&str]) -> Result<(), UserError> {
    if date > today {
        Err(UserError::invalid(
            field,
            "日期不能晚于今天 (the date must not be in the future)",
        ))
    } else {
        Ok(())
    }
}

/// 签收: the unit signs for its assignment.
pub async fn sign_for(
    db: &Db,
    assignment_id: i64,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = sign_for_in(&*txn, assignment_id, expected_version, now, now).await?;
    txn.commit().await.during("committing the sign-for")?;
    Ok(saved)
}

/// [`sign_for`] inside the caller's write transaction, signed for at `signed_at` (the
/// archive import gives the day the case was assigned).
pub(crate) async fn sign_for_in<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i64,
    expected_version: Option<i32>,
    signed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let field = ["input", "assignmentId"];
    let case = load_case(conn, assignment_id, expected_version, &field).await?;
    let to = flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::SignFor,
        &field,
    )?;
    let saved = save_assignment(
        conn,
        &case.assignment,
        assignment::ActiveModel {
            status: Set(to),
            signed_for_at: Set(Some(signed_at)),
            ..Default::default()
        },
        now,
        &field,
    )
    .await?;
    event(
        conn,
        saved.suggestion_id,
        Some(saved.id),
        EventKind::SignedFor,
        ActorRole::Unit,
        now,
        json!({}),
    )
    .await?;
    Ok(saved)
}
