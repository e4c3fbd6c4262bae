//! The public side of attachments: a reply's letter copy for publication (答复函公开件) is
//! public while the office published it with the reply (`withLetter`) and the reply is
//! still published. Nothing else ever is: not the signed original, not any other kind.

use chrono::{DateTime, Utc};
use entity::enums::{AttachmentKind, AttachmentOwner, Publication};
use entity::{attachment, reply};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::domain::UserError;
use crate::service::{DbContext, ServiceResult};

/// The attachments of `reply_ids` that may ever be published.
fn copies_of(reply_ids: impl IntoIterator<Item = i64>) -> sea_orm::Select<attachment::Entity> {
    attachment::Entity::find()
        .filter(attachment::Column::OwnerType.eq(AttachmentOwner::Reply))
        .filter(attachment::Column::OwnerId.is_in(reply_ids))
        .filter(attachment::Column::Kind.eq(AttachmentKind::ReplyLetterForPublication))
}

/// In the publishing transaction: marks the reply's copies for publication published
/// (`publish`), or private again. INVALID at `input.withLetter` when asked to publish a
/// copy the reply does not have.
pub(crate) async fn publish_copies<C: ConnectionTrait>(
    conn: &C,
    reply_id: i64,
    publish: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let stamp = publish.then_some(now);
    let changed = attachment::Entity::update_many()
        .col_expr(attachment::Column::PublishedAt, Expr::value(stamp))
        .filter(
            attachment::Column::Id.in_subquery(
                Query::select()
                    .column(attachment::Column::Id)
                    .from(attachment::Entity)
                    .cond_where(
                        sea_orm::Condition::all()
                            .add(attachment::Column::OwnerType.eq(AttachmentOwner::Reply))
                            .add(attachment::Column::OwnerId.eq(reply_id))
                            .add(
                                attachment::Column::Kind
                                    .eq(AttachmentKind::ReplyLetterForPublication),
                            ),
                    )
                    .to_owned(),
            ),
        )
        .exec(conn)
        .await
        .during("publishing a reply's letter copies")?;
    if publish && changed.rows_affected == 0 {
        return Err(UserError::invalid(
            &["input", "withLetter"],
            "该答复尚未上传答复函公开件 (REPLY_LETTER_FOR_PUBLICATION)，无法公开答复函 (the reply \
             has no letter copy for publication)",
        )
        .into());
    }
    Ok(())
}

/// Ids of the published replies among `reply_ids`.
fn published_replies(reply_ids: &[i64]) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(reply::Column::Id)
        .from(reply::Entity)
        .and_where(reply::Column::Id.is_in(reply_ids.iter().copied()))
        .and_where(reply::Column::Publication.ne(Publication::None))
        .to_owned()
}

/// The published letter copies of these replies, oldest first (anyone may see them).
pub async fn published_copies(db: &Db, reply_ids: &[i64]) -> ServiceResult<Vec<attachment::Model>> {
    copies_of(reply_ids.iter().copied())
        .filter(attachment::Column::PublishedAt.is_not_null())
        .filter(attachment::Column::OwnerId.in_subquery(published_replies(reply_ids)))
        .order_by_asc(attachment::Column::Id)
        .all(db.conn())
        .await
        .during("loading published letter copies")
}

/// The attachment `id` if it is a published letter copy (what anyone may download).
pub async fn public_copy(db: &Db, id: i64) -> ServiceResult<Option<attachment::Model>> {
    let Some(found) = attachment::Entity::find_by_id(id)
        .filter(attachment::Column::Kind.eq(AttachmentKind::ReplyLetterForPublication))
        .filter(attachment::Column::OwnerType.eq(AttachmentOwner::Reply))
        .filter(attachment::Column::PublishedAt.is_not_null())
        .one(db.conn())
        .await
        .during("loading an attachment")?
    else {
        return Ok(None);
    };
    let shown = published_copies(db, &[found.owner_id]).await?;
    Ok(shown.into_iter().find(|a| a.id == id))
}
