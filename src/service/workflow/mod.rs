//! The handling workflow on assignments (docs/domain.md §2.4–2.12): sign-for, returns,
//! co-handler opinions, extensions, contact records, rating and re-handling, follow-ups,
//! closing and withdrawal. Each transition is one transaction: it checks the state machine
//! (`domain::workflow`), writes with a version check, and appends its timeline event.
//!
//! This module holds what every transition shares (loading a `Case`, the hard cap) and
//! sign-for; the timeline and rounds live in `service::timeline`, the assignment's
//! versioned save in `service::assignment` and the suggestion's state in
//! `service::suggestion`; each group of transitions has a file of its own (`returns`, `opinions`,
//! `extensions`, `contacts`, `review`, `ratings`, `follow_ups`, `closing`), re-exported
//! here so callers name them `service::workflow::…` as before.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    AssignmentStatus, ContactMethod, ContactStage, RequestStatus, Satisfaction, SuggestionStatus,
};
use entity::{
    assignment, co_opinion, contact_record, extension_request, follow_up, handling_round, rating,
    reply, return_request, session, suggestion, suggestion_co_signer as co_signer,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::{json, Value};

use super::assignment::save_assignment;
use super::calendar::due;
use super::suggestion_state;
use super::timeline::{answer_round, current_round, event};
use super::{check_version, conflict, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::deadline::{due_soon_from, DeadlinePeriod};
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
