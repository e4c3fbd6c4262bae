//! Replies (答复): the signed letter a unit sends, and its publication (公开).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AssignmentRole, AssignmentStatus, Publication, ReleaseState, ReplyCategory};
use entity::{assignment, deputy, reply, suggestion, suggestion_co_signer};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use super::{check_version, conflict, DbContext, ServiceResult};
use crate::db::Db;
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

/// [`submit`] inside the caller's write transaction (the archive import's).
pub(crate) async fn submit_in<C: ConnectionTrait>(
    conn: &C,
    input: NewReply,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<(reply::Model, assignment::Model)> {
    let f = |leaf: &'static str| ["input", leaf];
    let mut errors = Errors::new();
    let doc_number = errors.check(text::optional(
        input.doc_number.as_deref(),
        &f("docNumber"),
        100,
        Lines::Single,
    ));
    let addressee = errors.check(text::optional(
        input.addressee.as_deref(),
        &f("addressee"),
        200,
        Lines::Single,
    ));
    let body = errors.check(text::required(
        &input.body,
        &f("body"),
        BODY_MAX,
        Lines::Multi,
    ));
    let summary = errors.check(text::optional(
        input.summary.as_deref(),
        &f("summary"),
        5_000,
        Lines::Multi,
    ));
    let signed_by = errors.check(text::required(
        &input.signed_by,
        &f("signedBy"),
        100,
        Lines::Single,
    ));
    let contact_name = errors.check(text::required(
        &input.contact_name,
        &f("contactName"),
        100,
        Lines::Single,
    ));
    let contact_phone = errors.check(PhoneNumber::parse(&input.contact_phone, &f("contactPhone")));
    let copy_to = errors.check(text::optional(
        input.copy_to.as_deref(),
        &f("copyTo"),
        500,
        Lines::Single,
    ));
    let replied_on = input.replied_on.unwrap_or(today);
    if replied_on > today {
        errors.push(UserError::invalid(
            &f("repliedOn"),
            "答复日期不能晚于今天 (repliedOn must not be in the future)",
        ));
    }
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
    if replied_on < current.assigned_on {
        errors.push(UserError::invalid(
            &f("repliedOn"),
            "答复日期不能早于交办日期 (repliedOn must not precede assignedOn)",
        ));
    }
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
            &f("assignmentId"),
            "协办单位的会办意见尚未全部提交，主办单位暂不能答复 (a co-handler's opinion is still missing)",
        )
        .into());
    }
    errors.check(super::session::scheme_of(&case.session).check(input.category, &f("category")));
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
        doc_number: Set(doc_number.flatten()),
        addressee: Set(addressee.flatten()),
        category: Set(input.category),
        original_category: Set(None),
        reviewed_at: Set(None),
        body: Set(body.unwrap_or_default()),
        summary: Set(summary.flatten()),
        signed_by: Set(signed_by.unwrap_or_default()),
        replied_on: Set(replied_on),
        contact_name: Set(contact_name.unwrap_or_default()),
        contact_phone: Set(contact_phone
            .map(PhoneNumber::into_string)
            .unwrap_or_default()),
        copy_to: Set(copy_to.flatten()),
        publication: Set(Publication::None),
        published_at: Set(None),
        release_state: Set(release_state),
        review_comment: Set(None),
        sent_on: Set((release_state == ReleaseState::Sent).then_some(replied_on)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
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
    super::search::index_reply(conn, &saved_reply).await?;
    let saved_assignment = if release_state == ReleaseState::Sent {
        Box::pin(super::release::deliver(
            conn,
            &current,
            &saved_reply,
            replied_on,
            now,
            &f("assignmentId"),
        ))
        .await?
    } else {
        // With the office for review: the case is answered when the reply is sent.
        super::workflow::event(
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
        current
    };
    Ok((saved_reply, saved_assignment))
}

#[derive(Debug, Clone)]
pub struct PublishInput {
    pub reply_id: i64,
    pub expected_version: Option<i32>,
    /// FULL or SUMMARY.
    pub publication: Publication,
    /// Replaces the stored summary when given.
    pub summary: Option<String>,
    /// Passages withheld from the public (区分处理); each must occur in a published text.
    pub redact: Vec<String>,
    /// Publish the suggestion's text with the reply (redacted likewise).
    pub with_suggestion_text: bool,
    /// When it was published, for an archive moved into banli (default now): never in the
    /// future, never before the reply's date.
    pub published_at: Option<DateTime<Utc>>,
}

/// The phone numbers and addresses of a suggestion's deputies (lead and co-signers):
/// never published, wherever they occur in a text (DOMAIN §2.12).
async fn deputies_private_details<C: ConnectionTrait>(
    conn: &C,
    parent: &suggestion::Model,
) -> ServiceResult<PrivateDetails> {
    let co_signers = suggestion_co_signer::Entity::find()
        .filter(suggestion_co_signer::Column::SuggestionId.eq(parent.id))
        .all(conn)
        .await
        .during("loading the co-signers")?;
    let ids = std::iter::once(parent.lead_deputy_id).chain(co_signers.iter().map(|c| c.deputy_id));
    let deputies = deputy::Entity::find()
        .filter(deputy::Column::Id.is_in(ids))
        .all(conn)
        .await
        .during("loading the deputies")?;
    let mut details = PrivateDetails::default();
    for deputy in deputies {
        if let Some(phone) = &deputy.phone {
            details.phone(phone);
        }
        if let Some(address) = &deputy.address {
            details.address(address);
        }
    }
    Ok(details)
}

/// Publishes a reply (公开), in full or as its summary, with the passages the office
/// withholds (and any deputy's phone number or address) replaced.
pub async fn publish(
    db: &Db,
    input: PublishInput,
    now: DateTime<Utc>,
) -> ServiceResult<reply::Model> {
    let backdated = input.published_at.filter(|at| *at < now);
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = Box::pin(publish_in(&*txn, input, now)).await?;
    if let Some(at) = backdated {
        txn.audit_backdated("publishedAt", crate::domain::time::rfc3339_local(at));
    }
    txn.commit().await.during("committing the publication")?;
    Ok(saved)
}

/// [`publish`] inside the caller's write transaction (the archive import's).
pub(crate) async fn publish_in<C: ConnectionTrait>(
    conn: &C,
    input: PublishInput,
    now: DateTime<Utc>,
) -> ServiceResult<reply::Model> {
    let mut errors = Errors::new();
    let summary = errors.check(text::optional(
        input.summary.as_deref(),
        &["input", "summary"],
        5_000,
        Lines::Multi,
    ));
    if input.publication == Publication::None {
        errors.push(UserError::invalid(
            &["input", "publication"],
            "公开方式须为 FULL 或 SUMMARY (publication must be FULL or SUMMARY)",
        ));
    }
    let published_at = input.published_at.unwrap_or(now);
    if published_at > now {
        errors.push(UserError::invalid(
            &["input", "publishedAt"],
            "公开时间不能晚于当前时间 (publishedAt cannot be in the future)",
        ));
    }
    errors.finish()?;
    let current = reply::Entity::find_by_id(input.reply_id)
        .one(conn)
        .await
        .during("loading the reply")?
        .ok_or_else(|| UserError::missing(&["input", "replyId"], "答复", "reply"))?;
    check_version("答复", input.expected_version, current.version)?;
    if crate::domain::time::local_date(published_at) < current.replied_on {
        return Err(UserError::invalid(
            &["input", "publishedAt"],
            format!(
                "公开时间不能早于答复日期 {} (publishedAt cannot precede the reply date {})",
                current.replied_on, current.replied_on
            ),
        )
        .into());
    }
    if current.publication != Publication::None {
        return Err(UserError::invalid_state(
            &["input", "replyId"],
            "答复已经公开 (the reply is already published)",
        )
        .into());
    }
    if current.release_state != ReleaseState::Sent {
        return Err(UserError::invalid_state(
            &["input", "replyId"],
            "答复尚未发送给代表，不能公开 (only a reply sent to the deputy can be published)",
        )
        .into());
    }
    let owner = assignment::Entity::find_by_id(current.assignment_id)
        .one(conn)
        .await
        .during("loading the assignment")?
        .ok_or_else(|| anyhow::anyhow!("reply {} has no assignment", current.id))?;
    let parent = load_suggestion(conn, owner.suggestion_id).await?;
    // Only the reply in force is published: a round's reply is superseded by the next
    // round's (re-handling after an UNSATISFIED rating), and the public sees one answer.
    let later_round = reply::Entity::find()
        .filter(reply::Column::AssignmentId.eq(current.assignment_id))
        .filter(reply::Column::Round.gt(current.round))
        .one(conn)
        .await
        .during("looking for a later round's reply")?;
    if let Some(later) = later_round {
        return Err(UserError::invalid_state(
            &["input", "replyId"],
            format!(
                "此答复已被第 {} 轮答复取代，只能公开现行答复 (superseded by the round-{} reply: only the reply in force can be published)",
                later.round, later.round
            ),
        )
        .into());
    }
    if parent.confidential {
        return Err(UserError::invalid_state(
            &["input", "replyId"],
            "代表要求保密的建议不公开 (the deputy asked for confidentiality; the reply cannot be published)",
        )
        .into());
    }
    let summary = summary.flatten().or(current.summary.clone());
    if input.publication == Publication::Summary && summary.is_none() {
        return Err(UserError::invalid(
            &["input", "summary"],
            "摘要公开须提供摘要 (SUMMARY publication needs a summary)",
        )
        .into());
    }
    let shown = match input.publication {
        Publication::Summary => summary.clone().unwrap_or_default(),
        _ => current.body.clone(),
    };
    let suggestion_text = input.with_suggestion_text.then(|| parent.content.clone());
    let mut texts = vec![shown.as_str()];
    texts.extend(suggestion_text.as_deref());
    let redactions = Redactions::parse(&input.redact, &texts, &["input", "redact"])?
        .with_private(deputies_private_details(conn, &parent).await?);
    let result = reply::Entity::update_many()
        .set(reply::ActiveModel {
            publication: Set(input.publication),
            published_at: Set(Some(published_at)),
            public_text: Set(Some(redactions.apply(&shown))),
            public_suggestion_text: Set(suggestion_text.map(|t| redactions.apply(&t))),
            summary: Set(summary),
            version: Set(current.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(reply::Column::Id.eq(current.id))
        .filter(reply::Column::Version.eq(current.version))
        .exec(conn)
        .await
        .during("publishing the reply")?;
    if result.rows_affected != 1 {
        return Err(conflict("答复", &["input", "replyId"]));
    }
    // The publication of an earlier round's reply gives way to this one.
    withdraw_where(
        conn,
        sea_orm::Condition::all()
            .add(reply::Column::AssignmentId.eq(current.assignment_id))
            .add(reply::Column::Round.lt(current.round)),
        "SUPERSEDED",
        now,
    )
    .await?;
    let saved = reply::Entity::find_by_id(current.id)
        .one(conn)
        .await
        .during("reloading the reply")?
        .ok_or_else(|| anyhow::anyhow!("reply vanished inside its own transaction"))?;
    super::search::index_published(conn, &saved, &parent).await?;
    super::workflow::event(
        conn,
        parent.id,
        Some(owner.id),
        EventKind::ReplyPublished,
        ActorRole::Office,
        now,
        serde_json::json!({
            "replyId": saved.id,
            "publication": saved.publication,
            "publishedAt": published_at,
            // Recorded after the fact (an archive moved in): who did it is in the audit log.
            "backdated": input.published_at.is_some_and(|at| at < now),
        }),
    )
    .await?;
    Ok(saved)
}

/// Withdraws the publication of every published reply of a suggestion, in the caller's
/// transaction: what a case marked confidential (保密) must not keep public. The replies
/// stay unpublished when the mark is cleared again, until the office publishes them anew;
/// their public text leaves the public search index now. Returns the replies withdrawn.
pub(crate) async fn withdraw_publications<C: ConnectionTrait>(
    conn: &C,
    suggestion_id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<i64>> {
    withdraw_where(
        conn,
        assignment::Column::SuggestionId.eq(suggestion_id),
        "CONFIDENTIAL",
        now,
    )
    .await
}

/// The update that takes replies off the public side (their public texts go too, and their
/// version moves on); the caller says which replies.
fn unpublishing(now: DateTime<Utc>) -> sea_orm::UpdateMany<reply::Entity> {
    use sea_orm::sea_query::{Expr, ExprTrait as _};
    reply::Entity::update_many()
        .set(reply::ActiveModel {
            publication: Set(Publication::None),
            published_at: Set(None),
            public_text: Set(None),
            public_suggestion_text: Set(None),
            updated_at: Set(now),
            ..Default::default()
        })
        .col_expr(
            reply::Column::Version,
            Expr::col(reply::Column::Version).add(1),
        )
}

/// Withdraws the publication of the published replies matching `condition` (on the reply
/// joined with its assignment), recording why in the timeline.
async fn withdraw_where<C: ConnectionTrait>(
    conn: &C,
    condition: impl sea_orm::sea_query::IntoCondition,
    reason: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<i64>> {
    use sea_orm::{QuerySelect as _, RelationTrait as _};
    let published: Vec<(i64, i64, i64)> = reply::Entity::find()
        .select_only()
        .column(reply::Column::Id)
        .column(reply::Column::AssignmentId)
        .column(assignment::Column::SuggestionId)
        .join(
            sea_orm::JoinType::InnerJoin,
            reply::Relation::Assignment.def(),
        )
        .filter(condition)
        .filter(reply::Column::Publication.ne(Publication::None))
        .into_tuple()
        .all(conn)
        .await
        .during("loading the published replies")?;
    if published.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = published.iter().map(|(id, _, _)| *id).collect();
    unpublishing(now)
        .filter(reply::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await
        .during("withdrawing publications")?;
    super::search::unindex_published(conn, &ids).await?;
    for (reply_id, assignment_id, suggestion_id) in published {
        super::workflow::event(
            conn,
            suggestion_id,
            Some(assignment_id),
            EventKind::PublicationWithdrawn,
            ActorRole::Office,
            now,
            serde_json::json!({"replyId": reply_id, "reason": reason}),
        )
        .await?;
    }
    Ok(ids)
}

/// Withdraws a reply's publication (撤回公开) at the office's word, with its reason: the
/// reply leaves the public list and index in this transaction; feedback on it stays.
pub async fn unpublish(
    db: &Db,
    reply_id: i64,
    expected_version: Option<i32>,
    reason: &str,
    now: DateTime<Utc>,
) -> ServiceResult<reply::Model> {
    let reason = text::required(reason, &["input", "reason"], 500, Lines::Multi)?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = reply::Entity::find_by_id(reply_id)
        .one(&*txn)
        .await
        .during("loading the reply")?
        .ok_or_else(|| UserError::missing(&["input", "replyId"], "答复", "reply"))?;
    check_version("答复", expected_version, current.version)?;
    if current.publication == Publication::None {
        return Err(UserError::invalid_state(
            &["input", "replyId"],
            "答复未公开，无需撤回 (the reply is not published)",
        )
        .into());
    }
    let result = unpublishing(now)
        .filter(reply::Column::Id.eq(current.id))
        .filter(reply::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("withdrawing the publication")?;
    if result.rows_affected != 1 {
        return Err(conflict("答复", &["input", "replyId"]));
    }
    super::search::unindex_published(&*txn, &[current.id]).await?;
    let owner = assignment::Entity::find_by_id(current.assignment_id)
        .one(&*txn)
        .await
        .during("loading the assignment")?
        .ok_or_else(|| anyhow::anyhow!("reply {} has no assignment", current.id))?;
    super::workflow::event(
        &*txn,
        owner.suggestion_id,
        Some(owner.id),
        EventKind::PublicationWithdrawn,
        ActorRole::Office,
        now,
        serde_json::json!({"replyId": current.id, "reason": "UNPUBLISHED", "note": reason}),
    )
    .await?;
    let saved = reply::Entity::find_by_id(current.id)
        .one(&*txn)
        .await
        .during("reloading the reply")?
        .ok_or_else(|| anyhow::anyhow!("reply vanished inside its own transaction"))?;
    txn.commit().await.during("committing the withdrawal")?;
    Ok(saved)
}
