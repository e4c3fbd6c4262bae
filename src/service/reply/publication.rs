//! Publishing a reply (公开) with its public text redacted of personal details, and withdrawing publications (a case marked confidential, or the office's own decision).

use super::*;

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
    /// Publish the reply's letter copies for publication (REPLY_LETTER_FOR_PUBLICATION);
    /// without, they stay private.
    pub with_letter: bool,
    /// When it was published, for an archive moved into banli (default now): never in the
    /// future, never before the reply's date.
    pub published_at: Option<DateTime<Utc>>,
}

/// The phone numbers and addresses of a suggestion's deputies (lead and co-signers):
/// never published, wherever they occur in a text (DOMAIN §2.12).
pub(super) async fn deputies_private_details<C: ConnectionTrait>(
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
    let (summary, published_at) = checked_input(&input, now)?;
    let current = reply::Entity::find_by_id(input.reply_id)
        .one(conn)
        .await
        .during("loading the reply")?
        .ok_or_else(|| UserError::missing(&["input", "replyId"], "答复", "reply"))?;
    check_version("答复", input.expected_version, current.version)?;
    let (owner, parent) = check_publishable(conn, &current, published_at).await?;
    let summary = summary.or(current.summary.clone());
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
    crate::service::attachment::publish_copies(conn, current.id, input.with_letter, now).await?;
    let backdated = input.published_at.is_some_and(|at| at < now);
    after_publishing(
        conn,
        &current,
        (&owner, &parent),
        (published_at, backdated),
        now,
    )
    .await
}

/// The checked summary and the time of publication.
fn checked_input(
    input: &PublishInput,
    now: DateTime<Utc>,
) -> ServiceResult<(Option<String>, DateTime<Utc>)> {
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
    Ok((summary.flatten(), published_at))
}

/// A reply may be published once, when it has been sent to the deputy, is the reply in
/// force and its suggestion is not confidential. Returns its assignment and suggestion.
async fn check_publishable<C: ConnectionTrait>(
    conn: &C,
    current: &reply::Model,
    published_at: DateTime<Utc>,
) -> ServiceResult<(assignment::Model, suggestion::Model)> {
    let refuse = |message: String| -> ServiceResult<_> {
        Err(UserError::invalid_state(&["input", "replyId"], message).into())
    };
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
        return refuse("答复已经公开 (the reply is already published)".into());
    }
    if current.release_state != ReleaseState::Sent {
        return refuse(
            "答复尚未发送给代表，不能公开 (only a reply sent to the deputy can be published)"
                .into(),
        );
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
        return refuse(format!(
            "此答复已被第 {} 轮答复取代，只能公开现行答复 (superseded by the round-{} reply: only the reply in force can be published)",
            later.round, later.round
        ));
    }
    if parent.confidential {
        return refuse(
            "代表要求保密的建议不公开 (the deputy asked for confidentiality; the reply cannot be published)"
                .into(),
        );
    }
    Ok((owner, parent))
}

/// After the publication is stored: an earlier round's publication gives way, the public
/// search index learns the text, and the timeline records it. Returns the saved reply.
async fn after_publishing<C: ConnectionTrait>(
    conn: &C,
    current: &reply::Model,
    (owner, parent): (&assignment::Model, &suggestion::Model),
    (published_at, backdated): (DateTime<Utc>, bool),
    now: DateTime<Utc>,
) -> ServiceResult<reply::Model> {
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
    crate::service::search::index_published(conn, &saved, parent).await?;
    crate::service::timeline::event(
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
            "backdated": backdated,
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
pub(super) fn unpublishing(now: DateTime<Utc>) -> sea_orm::UpdateMany<reply::Entity> {
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
pub(super) async fn withdraw_where<C: ConnectionTrait>(
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
    crate::service::search::unindex_published(conn, &ids).await?;
    for (reply_id, assignment_id, suggestion_id) in published {
        crate::service::timeline::event(
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
    crate::service::search::unindex_published(&*txn, &[current.id]).await?;
    let owner = assignment::Entity::find_by_id(current.assignment_id)
        .one(&*txn)
        .await
        .during("loading the assignment")?
        .ok_or_else(|| anyhow::anyhow!("reply {} has no assignment", current.id))?;
    crate::service::timeline::event(
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
