//! Filing online and screening (提交 → 联名 → 审查 → 立案): the tables and transactions
//! around the pure state machine of `domain::filing`.
//!
//! - A deputy drafts a suggestion (alone, or in the name of their delegation 代表团) and
//!   invites co-signers; each invited deputy confirms or declines until the session's
//!   co-signing deadline (`session.co_sign_deadline`; none set: until the office screens).
//! - The filer edits a draft (or a filing returned for revision), submits it, or withdraws
//!   it before it is accepted.
//! - The office screens a submitted filing: accepts it (立案: registered and numbered
//!   through `suggestion::register_in`, the checks of `registerSuggestion`, with the
//!   co-signers who confirmed in time), returns it with comments, or does not accept it
//!   (不予立案) on a ground, optionally handled as a letter (转来信处理).
//!
//! Who sees what: a deputy sees the filings they file and those they are invited to sign;
//! the office sees filings once submitted, never drafts; units see none. A filing outside
//! the caller's sight is NOT_FOUND, like a missing one.

mod list;
mod screening;
pub use list::*;
pub use screening::*;

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    FilingPeriod, FilingState, InvitationAnswer, NotAcceptedGround, SuggestionKind,
};
use entity::{deputy, filing, filing_invitation, session, suggestion};
use sea_orm::sea_query::Query;
use sea_orm::ActiveValue::NotSet;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use super::page::{self, Page, PageArgs};
use super::suggestion::{register_in, NewSuggestion};
use super::{check_version, DbContext, ServiceError, ServiceResult};
use crate::db::Db;
use crate::domain::access::Scope;
use crate::domain::error::Errors;
use crate::domain::filing as flow;
use crate::domain::text::{self, Lines};
use crate::domain::UserError;

const TITLE_MAX: usize = 500;

const CONTENT_MAX: usize = 100_000;

const COMMENT_MAX: usize = 2_000;

/// The domain's state of a stored one.
pub fn state_of(state: FilingState) -> flow::FilingState {
    match state {
        FilingState::Draft => flow::FilingState::Draft,
        FilingState::Submitted => flow::FilingState::Submitted,
        FilingState::ReturnedForRevision => flow::FilingState::ReturnedForRevision,
        FilingState::Accepted => flow::FilingState::Accepted,
        FilingState::NotAccepted => flow::FilingState::NotAccepted,
        FilingState::Withdrawn => flow::FilingState::Withdrawn,
    }
}

fn stored(state: flow::FilingState) -> FilingState {
    match state {
        flow::FilingState::Draft => FilingState::Draft,
        flow::FilingState::Submitted => FilingState::Submitted,
        flow::FilingState::ReturnedForRevision => FilingState::ReturnedForRevision,
        flow::FilingState::Accepted => FilingState::Accepted,
        flow::FilingState::NotAccepted => FilingState::NotAccepted,
        flow::FilingState::Withdrawn => FilingState::Withdrawn,
    }
}

fn answer_of(answer: InvitationAnswer) -> flow::Invitation {
    match answer {
        InvitationAnswer::Invited => flow::Invitation::Invited,
        InvitationAnswer::Confirmed => flow::Invitation::Confirmed,
        InvitationAnswer::Declined => flow::Invitation::Declined,
    }
}

/// The last day co-signers may answer: the session's deadline, or none (every day until
/// the filing is settled).
pub fn co_sign_deadline(session: &session::Model) -> NaiveDate {
    session.co_sign_deadline.unwrap_or(NaiveDate::MAX)
}

/// Whether an invitation puts its deputy on the suggestion when it is accepted on `day`.
pub fn co_signs(
    invitation: &filing_invitation::Model,
    deadline: NaiveDate,
    day: NaiveDate,
) -> bool {
    flow::co_signs(
        answer_of(invitation.answer),
        invitation.answered_on,
        deadline,
        day,
    )
}

/// What the caller may see of filings, as a condition on `filing`.
pub fn visible(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all()
            .add(filing::Column::State.is_not_in([FilingState::Draft, FilingState::Withdrawn])),
        Scope::Deputy(deputy_id) => Condition::any()
            .add(filing::Column::FilerDeputyId.eq(deputy_id))
            .add(
                filing::Column::Id.in_subquery(
                    Query::select()
                        .column(filing_invitation::Column::FilingId)
                        .from(filing_invitation::Entity)
                        .and_where(filing_invitation::Column::DeputyId.eq(deputy_id))
                        .to_owned(),
                ),
            ),
        Scope::Unit(_) | Scope::Nothing => Condition::all().add(filing::Column::Id.eq(-1)),
    }
}

fn not_found() -> ServiceError {
    UserError::missing(&["input", "id"], "建议草稿", "filing").into()
}

/// A new draft.
#[derive(Debug, Clone)]
pub struct NewFiling {
    pub session_id: i64,
    pub filer_deputy_id: i64,
    /// Filed in the name of the filer's delegation (代表团).
    pub for_delegation: bool,
    pub kind: SuggestionKind,
    pub period: FilingPeriod,
    pub title: String,
    pub content: String,
    pub topic: Option<String>,
    pub confidential: bool,
    pub co_signer_ids: Vec<i64>,
}

/// The filer's changes to a draft; `None` keeps what is there.
#[derive(Debug, Clone, Default)]
pub struct FilingPatch {
    pub id: i64,
    pub expected_version: Option<i32>,
    pub title: Option<String>,
    pub content: Option<String>,
    /// `Some(None)` clears the topic.
    pub topic: Option<Option<String>>,
    pub confidential: Option<bool>,
    /// The whole list of invited co-signers; answers of those still on it are kept.
    pub co_signer_ids: Option<Vec<i64>>,
}

/// The delegation a filing is made in the name of: the filer's own, when they file for it
/// (INVALID when their record names none).
fn delegation_of(
    filer: &deputy::Model,
    for_delegation: bool,
    errors: &mut Errors,
) -> Option<String> {
    if !for_delegation {
        return None;
    }
    if filer.delegation.is_none() {
        errors.push(UserError::invalid(
            &["input", "forDelegation"],
            "您的代表资料中没有所属代表团，不能以代表团名义提出 (no delegation on your record)",
        ));
    }
    filer.delegation.clone()
}

/// Drafts a suggestion (草稿) and invites its co-signers, in one transaction.
pub async fn draft(db: &Db, input: NewFiling, now: DateTime<Utc>) -> ServiceResult<filing::Model> {
    let mut errors = Errors::new();
    let title = errors.check(text::required(
        &input.title,
        &["input", "title"],
        TITLE_MAX,
        Lines::Single,
    ));
    let content = errors.check(text::required(
        &input.content,
        &["input", "content"],
        CONTENT_MAX,
        Lines::Multi,
    ));
    let topic = errors.check(text::optional(
        input.topic.as_deref(),
        &["input", "topic"],
        100,
        Lines::Single,
    ));
    let txn = db.begin_write().await.during("beginning a transaction")?;
    if session::Entity::find_by_id(input.session_id)
        .one(&*txn)
        .await
        .during("loading the session")?
        .is_none()
    {
        errors.push(UserError::missing(
            &["input", "sessionId"],
            "会议",
            "session",
        ));
    }
    let filer = deputy::Entity::find_by_id(input.filer_deputy_id)
        .one(&*txn)
        .await
        .during("loading the filer")?
        .ok_or_else(|| anyhow::anyhow!("a deputy account points at a missing deputy"))?;
    let delegation = delegation_of(&filer, input.for_delegation, &mut errors);
    super::suggestion::check_co_signers(&*txn, filer.id, &input.co_signer_ids, &mut errors).await?;
    errors.finish()?;
    let saved = filing::ActiveModel {
        session_id: Set(input.session_id),
        filer_deputy_id: Set(filer.id),
        delegation: Set(delegation),
        kind: Set(input.kind),
        period: Set(input.period),
        title: Set(title.unwrap_or_default()),
        content: Set(content.unwrap_or_default()),
        topic: Set(topic.flatten()),
        confidential: Set(input.confidential),
        state: Set(FilingState::Draft),
        submitted_on: Set(None),
        screened_on: Set(None),
        screening_comment: Set(None),
        not_accepted_ground: Set(None),
        as_letter: Set(false),
        suggestion_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .during("inserting a filing")?;
    invite(&*txn, saved.id, &input.co_signer_ids, now).await?;
    txn.audit_created("Filing", saved.id);
    txn.commit().await.during("committing a filing")?;
    Ok(saved)
}

async fn invite<C: ConnectionTrait>(
    conn: &C,
    filing_id: i64,
    deputy_ids: &[i64],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if deputy_ids.is_empty() {
        return Ok(());
    }
    filing_invitation::Entity::insert_many(deputy_ids.iter().map(|deputy_id| {
        filing_invitation::ActiveModel {
            filing_id: Set(filing_id),
            deputy_id: Set(*deputy_id),
            answer: Set(InvitationAnswer::Invited),
            answered_on: Set(None),
            invited_at: Set(now),
            ..Default::default()
        }
    }))
    .exec_without_returning(conn)
    .await
    .during("inviting co-signers")?;
    Ok(())
}

/// A filing the filer acts on: found, theirs, at the version they read.
async fn own<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    filer_deputy_id: i64,
    expected_version: Option<i32>,
) -> ServiceResult<filing::Model> {
    let found = filing::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("loading the filing")?
        .filter(|f| f.filer_deputy_id == filer_deputy_id);
    let Some(found) = found else {
        // An invited co-signer reads the filing but may not change it.
        return Err(not_found());
    };
    check_version("建议草稿", expected_version, found.version)?;
    Ok(found)
}

/// Saves `changes` to `current` if its version is still the one read (CONFLICT if not).
async fn save<C: ConnectionTrait>(
    conn: &C,
    current: &filing::Model,
    changes: filing::ActiveModel,
    now: DateTime<Utc>,
) -> ServiceResult<filing::Model> {
    super::save_versioned(
        conn,
        current.id,
        current.version,
        changes,
        now,
        "建议草稿",
        &["input", "id"],
    )
    .await
}

/// Makes the invitations of filing `id` those of `ids`: invitations no longer wanted are
/// withdrawn, new co-signers invited, and the answers of those kept stand.
async fn reinvite<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    ids: &[i64],
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let wanted: HashSet<i64> = ids.iter().copied().collect();
    let invited: HashSet<i64> = filing_invitation::Entity::find()
        .filter(filing_invitation::Column::FilingId.eq(id))
        .all(conn)
        .await
        .during("loading the invitations")?
        .into_iter()
        .map(|i| i.deputy_id)
        .collect();
    filing_invitation::Entity::delete_many()
        .filter(filing_invitation::Column::FilingId.eq(id))
        .filter(filing_invitation::Column::DeputyId.is_not_in(wanted.iter().copied()))
        .exec(conn)
        .await
        .during("withdrawing invitations")?;
    let new: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|d| !invited.contains(d))
        .collect();
    invite(conn, id, &new, now).await
}

/// The filer edits a draft or a filing returned for revision (修改).
pub async fn edit(
    db: &Db,
    filer_deputy_id: i64,
    patch: FilingPatch,
    now: DateTime<Utc>,
) -> ServiceResult<filing::Model> {
    let mut errors = Errors::new();
    let title = patch.title.as_deref().and_then(|t| {
        errors.check(text::required(
            t,
            &["input", "title"],
            TITLE_MAX,
            Lines::Single,
        ))
    });
    let content = patch.content.as_deref().and_then(|c| {
        errors.check(text::required(
            c,
            &["input", "content"],
            CONTENT_MAX,
            Lines::Multi,
        ))
    });
    let topic = patch.topic.as_ref().map(|t| {
        errors
            .check(text::optional(
                t.as_deref(),
                &["input", "topic"],
                100,
                Lines::Single,
            ))
            .flatten()
    });
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = own(&*txn, patch.id, filer_deputy_id, patch.expected_version).await?;
    flow::next(
        state_of(current.state),
        flow::FilingStep::Edit,
        &["input", "id"],
    )?;
    if let Some(ids) = &patch.co_signer_ids {
        super::suggestion::check_co_signers(&*txn, filer_deputy_id, ids, &mut errors).await?;
    }
    errors.finish()?;
    let changes = filing::ActiveModel {
        title: title.map_or(NotSet, Set),
        content: content.map_or(NotSet, Set),
        topic: topic.map_or(NotSet, Set),
        confidential: patch.confidential.map_or(NotSet, Set),
        ..Default::default()
    };
    let saved = save(&*txn, &current, changes, now).await?;
    if let Some(ids) = &patch.co_signer_ids {
        reinvite(&*txn, current.id, ids, now).await?;
    }
    txn.commit().await.during("committing a filing")?;
    Ok(saved)
}

/// The filer's steps without input: submit (提交, again after a revision) or withdraw (撤回).
pub async fn step(
    db: &Db,
    filer_deputy_id: i64,
    id: i64,
    expected_version: Option<i32>,
    step: flow::FilingStep,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<filing::Model> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = own(&*txn, id, filer_deputy_id, expected_version).await?;
    let to = flow::next(state_of(current.state), step, &["input", "id"])?;
    let mut changes = filing::ActiveModel {
        state: Set(stored(to)),
        ..Default::default()
    };
    if to == flow::FilingState::Submitted {
        changes.submitted_on = Set(Some(today));
    }
    let saved = save(&*txn, &current, changes, now).await?;
    txn.commit().await.during("committing a filing")?;
    Ok(saved)
}

/// An invited deputy confirms (`true`) or declines the invitation to co-sign (联名确认).
/// They may change their mind until the deadline.
pub async fn answer(
    db: &Db,
    deputy_id: i64,
    filing_id: i64,
    confirm: bool,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<(filing::Model, filing_invitation::Model)> {
    let field = ["input", "filingId"];
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let invitation = filing_invitation::Entity::find()
        .filter(filing_invitation::Column::FilingId.eq(filing_id))
        .filter(filing_invitation::Column::DeputyId.eq(deputy_id))
        .one(&*txn)
        .await
        .during("loading the invitation")?
        .ok_or_else(|| UserError::not_found(&field, "没有此联名邀请 (no such invitation)"))?;
    let current = filing::Entity::find_by_id(filing_id)
        .one(&*txn)
        .await
        .during("loading the filing")?
        .ok_or_else(|| anyhow::anyhow!("an invitation points at a missing filing"))?;
    let session = session::Entity::find_by_id(current.session_id)
        .one(&*txn)
        .await
        .during("loading the session")?
        .ok_or_else(|| anyhow::anyhow!("a filing points at a missing session"))?;
    let deadline = co_sign_deadline(&session);
    if !flow::may_answer(state_of(current.state), deadline, today) {
        let message = if today > deadline {
            format!("联名确认已于 {deadline} 截止 (the co-signing deadline {deadline} has passed)")
        } else {
            format!(
                "该建议已{}，不能再确认联名 (the filing is {:?}: no more answers)",
                state_of(current.state).name(),
                current.state
            )
        };
        return Err(UserError::invalid_state(&field, message).into());
    }
    let answer = if confirm {
        InvitationAnswer::Confirmed
    } else {
        InvitationAnswer::Declined
    };
    let saved = filing_invitation::ActiveModel {
        id: Set(invitation.id),
        answer: Set(answer),
        answered_on: Set(Some(today)),
        ..Default::default()
    }
    .update(&*txn)
    .await
    .during("answering an invitation")?;
    // The filing's version moves too: a filer who read the invitations sees the change.
    let current = save(
        &*txn,
        &current,
        <filing::ActiveModel as Default>::default(),
        now,
    )
    .await?;
    txn.audit_created("Filing", current.id);
    txn.commit().await.during("committing an answer")?;
    Ok((current, saved))
}
