//! Review before release (答复审核), around `domain::review`. In a session that requires
//! it (`session.review_before_release`), `submitReply` puts the unit's reply before the
//! office (SUBMITTED_FOR_REVIEW) instead of sending it; the office approves it or returns
//! it with comments; the unit revises a returned reply, and sends an approved one. Only
//! then does the case count as answered — on the day it was sent — and does the deputy
//! see the reply, rate it, and the statistics count it. Without review a reply is sent as
//! it is submitted. Each step is one transaction with its timeline event.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{ReleaseState, ReplyCategory};
use entity::{assignment, reply};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::workflow::load_case;
use super::{check_version, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::Scope;
use crate::domain::category::CategoryScheme;
use crate::domain::error::Errors;
use crate::domain::review::{self as rules, ReleaseStep};
use crate::domain::text::{self, Lines};
use crate::domain::workflow::{self as flow, ActorRole, EventKind, Transition};
use crate::domain::UserError;

/// The domain's state of a stored one.
pub fn state_of(state: ReleaseState) -> rules::ReleaseState {
    match state {
        ReleaseState::Draft => rules::ReleaseState::Draft,
        ReleaseState::SubmittedForReview => rules::ReleaseState::SubmittedForReview,
        ReleaseState::ReturnedForRevision => rules::ReleaseState::ReturnedForRevision,
        ReleaseState::Approved => rules::ReleaseState::Approved,
        ReleaseState::Sent => rules::ReleaseState::Sent,
    }
}

fn stored(state: rules::ReleaseState) -> ReleaseState {
    match state {
        rules::ReleaseState::Draft => ReleaseState::Draft,
        rules::ReleaseState::SubmittedForReview => ReleaseState::SubmittedForReview,
        rules::ReleaseState::ReturnedForRevision => ReleaseState::ReturnedForRevision,
        rules::ReleaseState::Approved => ReleaseState::Approved,
        rules::ReleaseState::Sent => ReleaseState::Sent,
    }
}

/// The state a newly submitted reply takes: straight to SENT, or to the office first.
pub fn on_submit(review_required: bool, field: &[&str]) -> Result<ReleaseState, UserError> {
    let step = if review_required {
        ReleaseStep::Submit
    } else {
        ReleaseStep::Send
    };
    rules::next(rules::ReleaseState::Draft, step, review_required, field).map(stored)
}

/// What a sent reply does to its case, in the caller's transaction: the assignment is
/// answered on `answered_on` (REPLIED), its round closed, its figures refreshed, the
/// timeline told (REPLY_SUBMITTED, as before review existed) and the suggestion's state
/// re-derived.
pub(crate) async fn deliver<C: ConnectionTrait>(
    conn: &C,
    current: &assignment::Model,
    sent: &reply::Model,
    answered_on: NaiveDate,
    now: DateTime<Utc>,
    field: &[&str],
) -> ServiceResult<assignment::Model> {
    let to = flow::next(current.role, current.status, Transition::Reply, field)?;
    let saved = crate::service::assignment::save_assignment(
        conn,
        current,
        assignment::ActiveModel {
            status: Set(to),
            answered_on: Set(Some(answered_on)),
            ..Default::default()
        },
        now,
        field,
    )
    .await?;
    super::timeline::answer_round(conn, &saved, answered_on).await?;
    super::statistics::refresh_facts(conn, saved.id).await?;
    super::timeline::event(
        conn,
        current.suggestion_id,
        Some(current.id),
        EventKind::ReplySubmitted,
        ActorRole::Unit,
        now,
        json!({"replyId": sent.id, "round": sent.round, "category": sent.category,
            "repliedOn": sent.replied_on, "answeredOn": answered_on, "dueOn": current.due_on,
            "late": answered_on > current.due_on}),
    )
    .await?;
    crate::service::suggestion_state::refresh(conn, current.suggestion_id, now).await?;
    Ok(saved)
}

/// A reply within the scope (the office: all; a unit: its own), at the version read.
async fn reply_in_scope<C: ConnectionTrait>(
    conn: &C,
    scope: Scope,
    id: i64,
    expected_version: Option<i32>,
) -> ServiceResult<reply::Model> {
    let found = reply::Entity::find_by_id(id)
        .filter(super::scope::replies(scope))
        .one(conn)
        .await
        .during("loading the reply")?
        .ok_or_else(|| UserError::missing(&["input", "replyId"], "答复", "reply"))?;
    check_version("答复", expected_version, found.version)?;
    Ok(found)
}

async fn save<C: ConnectionTrait>(
    conn: &C,
    current: &reply::Model,
    changes: reply::ActiveModel,
    now: DateTime<Utc>,
) -> ServiceResult<reply::Model> {
    super::save_versioned(
        conn,
        current.id,
        current.version,
        changes,
        now,
        "答复",
        &["input", "replyId"],
    )
    .await
}

/// The review flag of the reply's session.
async fn review_required<C: ConnectionTrait>(
    conn: &C,
    current: &reply::Model,
) -> ServiceResult<(super::workflow::Case, bool)> {
    let case = load_case(conn, current.assignment_id, None, &["input", "replyId"]).await?;
    let required = case.session.review_before_release;
    Ok((case, required))
}

#[derive(Debug, Clone)]
pub struct ReleaseReview {
    pub reply_id: i64,
    pub expected_version: Option<i32>,
    pub approve: bool,
    /// Required to return it.
    pub comment: Option<String>,
}

/// The office approves a reply submitted for review, or returns it with comments.
pub async fn review(
    db: &Db,
    input: ReleaseReview,
    now: DateTime<Utc>,
) -> ServiceResult<reply::Model> {
    let comment = text::optional(
        input.comment.as_deref(),
        &["input", "comment"],
        2_000,
        Lines::Multi,
    )?;
    if !input.approve && comment.is_none() {
        return Err(UserError::invalid(
            &["input", "comment"],
            "退回修改须写明意见 (say what to change)",
        )
        .into());
    }
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = reply_in_scope(&*txn, Scope::All, input.reply_id, input.expected_version).await?;
    let (_, required) = review_required(&*txn, &current).await?;
    let step = if input.approve {
        ReleaseStep::Approve
    } else {
        ReleaseStep::Return
    };
    let to = rules::next(
        state_of(current.release_state),
        step,
        required,
        &["input", "replyId"],
    )?;
    let saved = save(
        &*txn,
        &current,
        reply::ActiveModel {
            release_state: Set(stored(to)),
            review_comment: Set(comment.clone()),
            ..Default::default()
        },
        now,
    )
    .await?;
    let kind = if input.approve {
        EventKind::ReleaseApproved
    } else {
        EventKind::ReleaseReturned
    };
    super::timeline::event(
        &*txn,
        load_case(&*txn, saved.assignment_id, None, &["input", "replyId"])
            .await?
            .suggestion
            .id,
        Some(saved.assignment_id),
        kind,
        ActorRole::Office,
        now,
        json!({"replyId": saved.id, "round": saved.round, "comment": comment}),
    )
    .await?;
    txn.commit().await.during("committing a review")?;
    Ok(saved)
}

/// A unit's revision of a reply returned for revision; fields left out stay.
#[derive(Debug, Clone, Default)]
pub struct Revision {
    pub reply_id: i64,
    pub expected_version: Option<i32>,
    pub category: Option<ReplyCategory>,
    pub body: Option<String>,
    pub summary: Option<String>,
    pub replied_on: Option<NaiveDate>,
}

/// The unit revises a returned reply and submits it for review again.
pub async fn revise(
    db: &Db,
    scope: Scope,
    input: Revision,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<reply::Model> {
    let mut errors = Errors::new();
    let body = input
        .body
        .as_deref()
        .and_then(|b| errors.check(text::required(b, &["input", "body"], 100_000, Lines::Multi)));
    let summary = input.summary.as_deref().and_then(|s| {
        errors
            .check(text::optional(
                Some(s),
                &["input", "summary"],
                5_000,
                Lines::Multi,
            ))
            .flatten()
    });
    if input.replied_on.is_some_and(|d| d > today) {
        errors.push(UserError::invalid(
            &["input", "repliedOn"],
            "答复日期不能晚于今天 (repliedOn must not be in the future)",
        ));
    }
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = reply_in_scope(&*txn, scope, input.reply_id, input.expected_version).await?;
    let (case, required) = review_required(&*txn, &current).await?;
    let field = ["input", "replyId"];
    let from = state_of(current.release_state);
    rules::next(from, ReleaseStep::Edit, required, &field)?;
    let to = rules::next(from, ReleaseStep::Submit, required, &field)?;
    if let Some(category) = input.category {
        errors.check(
            CategoryScheme::stored(&case.session.category_scheme)
                .check(category, &["input", "category"]),
        );
    }
    if input
        .replied_on
        .is_some_and(|d| d < case.assignment.assigned_on)
    {
        errors.push(UserError::invalid(
            &["input", "repliedOn"],
            "答复日期不能早于交办日期 (repliedOn must not precede assignedOn)",
        ));
    }
    errors.finish()?;
    let changes = reply::ActiveModel {
        release_state: Set(stored(to)),
        category: input.category.map_or(sea_orm::ActiveValue::NotSet, Set),
        body: body.map_or(sea_orm::ActiveValue::NotSet, Set),
        summary: summary.map_or(sea_orm::ActiveValue::NotSet, |s| Set(Some(s))),
        replied_on: input.replied_on.map_or(sea_orm::ActiveValue::NotSet, Set),
        ..Default::default()
    };
    let saved = save(&*txn, &current, changes, now).await?;
    super::search::index_reply(&*txn, &saved).await?;
    super::timeline::event(
        &*txn,
        case.suggestion.id,
        Some(saved.assignment_id),
        EventKind::ReplyRevised,
        ActorRole::Unit,
        now,
        json!({"replyId": saved.id, "round": saved.round, "category": saved.category}),
    )
    .await?;
    txn.commit().await.during("committing a revision")?;
    Ok(saved)
}

/// The unit (or the office for it) sends an approved reply to the deputy (发送答复): the
/// case is answered today.
pub async fn send(
    db: &Db,
    scope: Scope,
    reply_id: i64,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<(reply::Model, assignment::Model)> {
    let field = ["input", "replyId"];
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = reply_in_scope(&*txn, scope, reply_id, expected_version).await?;
    let (case, required) = review_required(&*txn, &current).await?;
    let to = rules::next(
        state_of(current.release_state),
        ReleaseStep::Send,
        required,
        &field,
    )?;
    let sent = save(
        &*txn,
        &current,
        reply::ActiveModel {
            release_state: Set(stored(to)),
            sent_on: Set(Some(today)),
            ..Default::default()
        },
        now,
    )
    .await?;
    let answered = Box::pin(deliver(&*txn, &case.assignment, &sent, today, now, &field)).await?;
    txn.commit().await.during("committing a sent reply")?;
    Ok((sent, answered))
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub session_id: Option<i64>,
    /// Any of these states; none given: the replies on their way (not yet SENT).
    pub states: Vec<ReleaseState>,
}

fn queued(scope: Scope, filter: &QueueFilter) -> sea_orm::Select<reply::Entity> {
    let states = if filter.states.is_empty() {
        vec![
            ReleaseState::Draft,
            ReleaseState::SubmittedForReview,
            ReleaseState::ReturnedForRevision,
            ReleaseState::Approved,
        ]
    } else {
        filter.states.clone()
    };
    let mut select = reply::Entity::find()
        .filter(super::scope::replies(scope))
        .filter(reply::Column::ReleaseState.is_in(states));
    if let Some(session_id) = filter.session_id {
        select = select.filter(
            reply::Column::AssignmentId
                .in_subquery(super::scope::session_assignment_ids(session_id)),
        );
    }
    select
}

/// The replies on their way to the deputies (the office's review desk; a unit its own),
/// oldest first.
pub async fn queue(
    db: &Db,
    scope: Scope,
    filter: &QueueFilter,
    args: &super::page::PageArgs,
) -> ServiceResult<super::page::Page<reply::Model>> {
    super::page::fetch(
        db.conn(),
        queued(scope, filter),
        reply::Column::Id,
        super::page::Ordering {
            name: "ID",
            column: None,
            descending: false,
        },
        args,
        |_| None,
        |m| m.id,
    )
    .await
}

pub async fn queue_count(db: &Db, scope: Scope, filter: &QueueFilter) -> ServiceResult<u64> {
    super::page::count(db.conn(), queued(scope, filter)).await
}
