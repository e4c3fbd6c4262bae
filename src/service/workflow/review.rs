//! The office's review of a reply's category (答复类别审核).

use super::*;
use crate::domain::category::CategoryScheme;

#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub reply_id: i64,
    pub expected_version: Option<i32>,
    pub category: entity::enums::ReplyCategory,
    pub note: Option<String>,
}

/// The office reviews a reply and may change its category.
pub async fn review_reply(
    db: &Db,
    input: ReviewInput,
    now: DateTime<Utc>,
) -> ServiceResult<reply::Model> {
    let field = ["input", "replyId"];
    let note = text::optional(
        input.note.as_deref(),
        &["input", "note"],
        2000,
        Lines::Multi,
    )?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = reply::Entity::find_by_id(input.reply_id)
        .one(&*txn)
        .await
        .during("loading the reply")?
        .ok_or_else(|| UserError::missing(&field, "答复", "reply"))?;
    check_version("答复", input.expected_version, current.version)?;
    let case = load_case(&*txn, current.assignment_id, None, &field).await?;
    flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::ReviewReply,
        &field,
    )?;
    CategoryScheme::stored(&case.session.category_scheme)
        .check(input.category, &["input", "category"])?;
    let result = reply::Entity::update_many()
        .set(reply::ActiveModel {
            category: Set(input.category),
            original_category: Set(Some(current.original_category.unwrap_or(current.category))),
            reviewed_at: Set(Some(now)),
            version: Set(current.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(reply::Column::Id.eq(current.id))
        .filter(reply::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("reviewing the reply")?;
    if result.rows_affected != 1 {
        return Err(conflict("答复", &field));
    }
    crate::service::statistics::refresh_facts(&*txn, case.assignment.id).await?;
    event(
        &*txn,
        case.suggestion.id,
        Some(case.assignment.id),
        EventKind::ReplyReviewed,
        ActorRole::Office,
        now,
        json!({"replyId": current.id, "from": current.category, "to": input.category, "note": note}),
    )
    .await?;
    let saved = reply::Entity::find_by_id(current.id)
        .one(&*txn)
        .await
        .during("reloading the reply")?
        .ok_or_else(|| anyhow::anyhow!("reply vanished"))?;
    txn.commit().await.during("committing the review")?;
    Ok(saved)
}
