//! Replies (答复): the signed letter a unit sends, and its publication (公开).

mod publication;
pub use publication::*;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AssignmentRole, AssignmentStatus, Publication, ReleaseState, ReplyCategory};
use entity::{assignment, deputy, reply, suggestion, suggestion_co_signer};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::{check_version, conflict, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::category::CategoryScheme;
use crate::domain::error::Errors;
use crate::domain::phone::PhoneNumber;
use crate::domain::publication::Redactions;
use crate::domain::redaction::PrivateDetails;
use crate::domain::text::{self, Lines};
use crate::domain::workflow::{self as flow, ActorRole, EventKind, Transition};
use crate::domain::UserError;

const BODY_MAX: usize = 100_000;

#[derive(Debug, Clone)]
pub struct NewReply {
    pub assignment_id: i64,
    pub expected_version: Option<i32>,
    pub doc_number: Option<String>,
    pub addressee: Option<String>,
    pub category: ReplyCategory,
    pub body: String,
    pub summary: Option<String>,
    pub signed_by: String,
    /// Defaults to today (Shanghai).
    pub replied_on: Option<NaiveDate>,
    pub contact_name: String,
    pub contact_phone: String,
    pub copy_to: Option<String>,
    /// An archive's reply (the import): sent when it was written, whatever the session's
    /// review rule.
    pub archived: bool,
}

async fn load_suggestion<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> ServiceResult<suggestion::Model> {
    suggestion::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("assignment points at missing suggestion {id}").into())
}

/// Records the reply of one assignment: the unit's answer to the deputy.
pub async fn submit(
    db: &Db,
    input: NewReply,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<(reply::Model, assignment::Model)> {
    let backdated = input.replied_on.filter(|on| *on < today);
    let txn = db.begin_write().await.during("beginning a transaction")?;
    // Boxed: the whole reply path is a large future, kept off the worker's stack.
    let done = Box::pin(submit_in(&*txn, input, now, today)).await?;
    txn.audit_created("Reply", done.0.id);
    if let Some(on) = backdated {
        txn.audit_backdated("repliedOn", on);
    }
    txn.commit().await.during("committing a reply")?;
    Ok(done)
}

/// INVALID at `input.repliedOn` for a reply dated after today or before the assignment.
fn check_replied_on(
    replied_on: NaiveDate,
    today: NaiveDate,
    assigned_on: NaiveDate,
    errors: &mut Errors,
) {
    let field = ["input", "repliedOn"];
    if replied_on > today {
        errors.push(UserError::invalid(
            &field,
            "答复日期不能晚于今天 (repliedOn must not be in the future)",
        ));
    }
    if replied_on < assigned_on {
        errors.push(UserError::invalid(
            &field,
            "答复日期不能早于交办日期 (repliedOn must not precede assignedOn)",
        ));
    }
}

/// [`submit`] inside the caller's write transaction (the archive import's).
pub(crate) async fn submit_in<C: ConnectionTrait>(
    conn: &C,
    input: NewReply,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<(reply::Model, assignment::Model)> {
    let f = |leaf: &'static str| ["input", leaf];
    let mut errors = Errors::new();
    let letter = checked_letter(&input, &mut errors);
    let replied_on = input.replied_on.unwrap_or(today);
    let case = super::workflow::load_case(
        conn,
        input.assignment_id,
        input.expected_version,
        &f("assignmentId"),
    )
    .await?;
    let current = case.assignment;
    flow::next(
        current.role,
        current.status,
        Transition::Reply,
        &f("assignmentId"),
    )?;
    check_replied_on(replied_on, today, current.assigned_on, &mut errors);
    check_co_opinions(conn, &current).await?;
    errors.check(
        CategoryScheme::stored(&case.session.category_scheme).check(input.category, &f("category")),
    );
    errors.finish()?;

    // An archived reply was sent when it was written; otherwise the session decides.
    let release_state = super::release::on_submit(
        case.session.review_before_release && !input.archived,
        &f("assignmentId"),
    )?;
    let saved_reply = reply::ActiveModel {
        assignment_id: Set(current.id),
        unit_id: Set(current.unit_id),
        round: Set(current.round),
        category: Set(input.category),
        original_category: Set(None),
        reviewed_at: Set(None),
        replied_on: Set(replied_on),
        publication: Set(Publication::None),
        published_at: Set(None),
        release_state: Set(release_state),
        review_comment: Set(None),
        sent_on: Set((release_state == ReleaseState::Sent).then_some(replied_on)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..letter
    }
    .insert(conn)
    .await
    .map_err(|e| {
        super::on_unique(
            e,
            &["uq_reply_assignment_round", "reply.round"],
            UserError::conflict(
                &f("assignmentId"),
                "本轮已有答复 (this round already has a reply)",
            ),
            "inserting a reply",
        )
    })?;
    super::attachment::adopt_letters(
        conn,
        current.id,
        saved_reply.id,
        case.session.reply_requires_signed_letter && !input.archived,
    )
    .await?;
    super::search::index_reply(conn, &saved_reply).await?;
    let saved_assignment = Box::pin(hand_over(conn, current, &saved_reply, now)).await?;
    Ok((saved_reply, saved_assignment))
}

/// A reply sent goes to the deputy (the case is answered); one the office reviews first
/// waits with it, and the timeline says so. Returns the assignment as it now is.
async fn hand_over<C: ConnectionTrait>(
    conn: &C,
    current: assignment::Model,
    saved_reply: &reply::Model,
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let replied_on = saved_reply.replied_on;
    if saved_reply.release_state == ReleaseState::Sent {
        return Box::pin(super::release::deliver(
            conn,
            &current,
            saved_reply,
            replied_on,
            now,
            &["input", "assignmentId"],
        ))
        .await;
    }
    // With the office for review: the case is answered when the reply is sent.
    super::timeline::event(
        conn,
        current.suggestion_id,
        Some(current.id),
        EventKind::ReplySubmittedForReview,
        ActorRole::Unit,
        now,
        serde_json::json!({"replyId": saved_reply.id, "round": saved_reply.round,
            "category": saved_reply.category, "repliedOn": replied_on}),
    )
    .await?;
    Ok(current)
}

/// The letter's checked texts (document number to copy-to), as the columns of a new reply;
/// what fails goes to `errors`.
fn checked_letter(input: &NewReply, errors: &mut Errors) -> reply::ActiveModel {
    let f = |leaf: &'static str| ["input", leaf];
    let optional = |value: Option<&str>, leaf, max, lines, errors: &mut Errors| {
        errors
            .check(text::optional(value, &f(leaf), max, lines))
            .flatten()
    };
    let required = |value: &str, leaf, max, lines, errors: &mut Errors| {
        errors
            .check(text::required(value, &f(leaf), max, lines))
            .unwrap_or_default()
    };
    let doc_number = optional(
        input.doc_number.as_deref(),
        "docNumber",
        100,
        Lines::Single,
        errors,
    );
    let addressee = optional(
        input.addressee.as_deref(),
        "addressee",
        200,
        Lines::Single,
        errors,
    );
    let body = required(&input.body, "body", BODY_MAX, Lines::Multi, errors);
    let summary = optional(
        input.summary.as_deref(),
        "summary",
        5_000,
        Lines::Multi,
        errors,
    );
    let signed_by = required(&input.signed_by, "signedBy", 100, Lines::Single, errors);
    let contact_name = required(
        &input.contact_name,
        "contactName",
        100,
        Lines::Single,
        errors,
    );
    let contact_phone = errors.check(PhoneNumber::parse(&input.contact_phone, &f("contactPhone")));
    let copy_to = optional(
        input.copy_to.as_deref(),
        "copyTo",
        500,
        Lines::Single,
        errors,
    );
    reply::ActiveModel {
        doc_number: Set(doc_number),
        addressee: Set(addressee),
        body: Set(body),
        summary: Set(summary),
        signed_by: Set(signed_by),
        contact_name: Set(contact_name),
        contact_phone: Set(contact_phone
            .map(PhoneNumber::into_string)
            .unwrap_or_default()),
        copy_to: Set(copy_to),
        ..Default::default()
    }
}

/// In its first round a lead unit answers only when every co-handler has sent its opinion.
async fn check_co_opinions<C: ConnectionTrait>(
    conn: &C,
    current: &assignment::Model,
) -> ServiceResult<()> {
    let others: Vec<(AssignmentRole, AssignmentStatus)> = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(current.suggestion_id))
        .filter(assignment::Column::Id.ne(current.id))
        .all(conn)
        .await
        .during("loading the other assignments")?
        .into_iter()
        .map(|a| (a.role, a.status))
        .collect();
    if current.round == 1 && flow::co_opinions_missing(current.role, &others) {
        return Err(UserError::invalid_state(
            &["input", "assignmentId"],
            "协办单位的会办意见尚未全部提交，主办单位暂不能答复 (a co-handler's opinion is still missing)",
        )
        .into());
    }
    Ok(())
}
