//! Attachments (附件): files that belong to a suggestion, a reply, a contact record or a
//! co-handler's opinion (or to a case: the letter of the reply being prepared, which
//! `submitReply` moves onto its reply, [`adopt_letters`]). Who sees one follows the record it belongs to; who adds one:
//! the office to any record, a unit to its own replies, contact records and opinions, a
//! deputy to their own suggestions. The uploader may delete one while its record is still
//! open (a suggestion not closed or withdrawn, a reply of the current round not yet rated,
//! a case still with the unit); afterwards it is part of the record.

mod backend;
mod inspect;
mod links;
mod public;
pub mod store;
mod sweep;

use chrono::{DateTime, Utc};
use entity::enums::{AssignmentStatus, AttachmentKind, AttachmentOwner, SuggestionStatus};
use entity::{assignment, attachment, co_opinion, contact_record, rating, reply, suggestion};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use super::{scope, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::{Principal, Scope};
use crate::domain::attachment::{self as rules, FileType};
use crate::domain::text::{self, Lines};
use crate::domain::workflow::{ActorRole, EventKind};
use crate::domain::UserError;
pub use inspect::detect;
pub use links::{Grant, LinkSigner};
pub(crate) use public::publish_copies;
pub use public::{public_copy, published_copies};
pub use store::{FileStore, StagedFile};
pub use sweep::{sweep, SweepReport};

/// The record an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub kind: AttachmentOwner,
    pub id: i64,
}

/// Where an owner sits, and whether its attachments may still change.
#[derive(Debug, Clone, Copy)]
struct Place {
    suggestion_id: i64,
    assignment_id: Option<i64>,
    open: bool,
}

/// What a client asks to attach (the file itself is staged).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub owner: Owner,
    pub kind: AttachmentKind,
    pub description: Option<String>,
}

const OWNER: [&str; 2] = ["input", "ownerId"];

fn missing() -> UserError {
    UserError::missing(&OWNER, "记录", "record")
}

/// A case still with its unit: not finished, returned or withdrawn.
fn case_open(status: AssignmentStatus) -> bool {
    !matches!(
        status,
        AssignmentStatus::Closed | AssignmentStatus::Withdrawn | AssignmentStatus::Returned
    )
}

async fn assignment_of<C: ConnectionTrait>(conn: &C, id: i64) -> ServiceResult<assignment::Model> {
    assignment::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("loading an attachment's assignment")?
        .ok_or_else(|| anyhow::anyhow!("record points at missing assignment {id}").into())
}

/// Where `owner` sits; NOT_FOUND when it does not exist.
async fn place<C: ConnectionTrait>(conn: &C, owner: Owner) -> ServiceResult<Place> {
    let found = match owner.kind {
        AttachmentOwner::Suggestion => {
            let Some(s) = suggestion::Entity::find_by_id(owner.id)
                .one(conn)
                .await
                .during("loading a suggestion")?
            else {
                return Err(missing().into());
            };
            let open = !matches!(
                s.status,
                SuggestionStatus::Closed | SuggestionStatus::Withdrawn
            );
            (s.id, None, open)
        }
        AttachmentOwner::Reply => {
            let Some(r) = reply::Entity::find_by_id(owner.id)
                .one(conn)
                .await
                .during("loading a reply")?
            else {
                return Err(missing().into());
            };
            let a = assignment_of(conn, r.assignment_id).await?;
            let rated = rating::Entity::find()
                .filter(rating::Column::ReplyId.eq(r.id))
                .count(conn)
                .await
                .during("counting a reply's ratings")?
                > 0;
            let open = a.round == r.round && case_open(a.status) && !rated;
            (a.suggestion_id, Some(a.id), open)
        }
        AttachmentOwner::Assignment => {
            let Some(a) = assignment::Entity::find_by_id(owner.id)
                .one(conn)
                .await
                .during("loading an assignment")?
            else {
                return Err(missing().into());
            };
            (a.suggestion_id, Some(a.id), case_open(a.status))
        }
        AttachmentOwner::ContactRecord | AttachmentOwner::CoOpinion => {
            let assignment_id = if owner.kind == AttachmentOwner::ContactRecord {
                contact_record::Entity::find_by_id(owner.id)
                    .one(conn)
                    .await
                    .during("loading a contact record")?
                    .map(|c| c.assignment_id)
            } else {
                co_opinion::Entity::find_by_id(owner.id)
                    .one(conn)
                    .await
                    .during("loading a co-handler opinion")?
                    .map(|o| o.assignment_id)
            };
            let Some(assignment_id) = assignment_id else {
                return Err(missing().into());
            };
            let a = assignment_of(conn, assignment_id).await?;
            (a.suggestion_id, Some(a.id), case_open(a.status))
        }
    };
    Ok(Place {
        suggestion_id: found.0,
        assignment_id: found.1,
        open: found.2,
    })
}

/// Whether `scope` sees the record an attachment of `owner` at `place` belongs to.
async fn sees(db: &Db, scope: Scope, owner: Owner, place: Place) -> ServiceResult<bool> {
    let field = &OWNER[..];
    let seen = match (owner.kind, place.assignment_id) {
        (_, _) if scope == Scope::All => Ok(()),
        // The letter of a reply still being prepared is the unit's draft (DOMAIN §7: a
        // deputy sees a reply once it is sent).
        (AttachmentOwner::Assignment, _) if matches!(scope, Scope::Deputy(_)) => return Ok(false),
        (AttachmentOwner::Suggestion, _) => {
            scope::check_suggestion(db, scope, place.suggestion_id, field).await
        }
        (AttachmentOwner::Reply, _) => scope::check_reply(db, scope, owner.id, field).await,
        (AttachmentOwner::CoOpinion, Some(a)) => {
            // Sent to the lead unit: its staff see the opinion (and its letter) too.
            match scope::check_assignment(db, scope, a, field).await {
                Ok(()) => Ok(()),
                Err(_) => return leads(db, scope, place.suggestion_id).await,
            }
        }
        (_, Some(a)) => scope::check_assignment(db, scope, a, field).await,
        (_, None) => return Ok(false),
    };
    match seen {
        Ok(()) => Ok(true),
        Err(super::ServiceError::User(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether `scope` is the unit that leads `suggestion_id` now.
async fn leads(db: &Db, scope: Scope, suggestion_id: i64) -> ServiceResult<bool> {
    let Scope::Unit(unit) = scope else {
        return Ok(false);
    };
    let count = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(suggestion_id))
        .filter(assignment::Column::UnitId.eq(unit))
        .filter(assignment::Column::Role.eq(entity::enums::AssignmentRole::Lead))
        .filter(
            assignment::Column::Status
                .is_not_in([AssignmentStatus::Returned, AssignmentStatus::Withdrawn]),
        )
        .count(db.conn())
        .await
        .during("checking the lead unit")?;
    Ok(count > 0)
}

/// The attachment `id` if `scope` sees its record; None otherwise (as if it did not exist).
pub async fn visible(db: &Db, scope: Scope, id: i64) -> ServiceResult<Option<attachment::Model>> {
    let Some(found) = attachment::Entity::find_by_id(id)
        .one(db.conn())
        .await
        .during("loading an attachment")?
    else {
        return Ok(None);
    };
    let owner = Owner {
        kind: found.owner_type,
        id: found.owner_id,
    };
    let at = Place {
        suggestion_id: found.suggestion_id,
        assignment_id: found.assignment_id,
        open: false,
    };
    Ok(sees(db, scope, owner, at).await?.then_some(found))
}

/// The attachments of these records, oldest first (for the loaders: the records are
/// visible already).
pub async fn of_owners(
    db: &Db,
    kind: AttachmentOwner,
    ids: &[i64],
) -> ServiceResult<Vec<attachment::Model>> {
    attachment::Entity::find()
        .filter(attachment::Column::OwnerType.eq(kind))
        .filter(attachment::Column::OwnerId.is_in(ids.iter().copied()))
        .order_by_asc(attachment::Column::Id)
        .all(db.conn())
        .await
        .during("loading attachments")
}

/// INVALID unless the caller's role may attach files to a record of this kind.
fn check_role(scope: Scope, owner: AttachmentOwner) -> Result<(), UserError> {
    let allowed = match scope {
        Scope::All => true,
        Scope::Unit(_) => owner != AttachmentOwner::Suggestion,
        Scope::Deputy(_) => owner == AttachmentOwner::Suggestion,
        Scope::Nothing => false,
    };
    if allowed {
        return Ok(());
    }
    Err(UserError::invalid(
        &OWNER,
        "无权为该记录添加附件：代表为本人建议添加，承办单位为本单位的答复、沟通记录和会办意见添加 \
         (deputies attach to their own suggestions, units to their own replies, contact \
         records and opinions)",
    ))
}

/// Attaches a staged file to a record: checks who may, the kind, the bytes; stores the
/// file durably, then records it with its timeline event in one transaction.
pub async fn upload(
    db: &Db,
    files: &FileStore,
    caller: &Principal,
    scope: Scope,
    input: NewAttachment,
    staged: &StagedFile,
    now: DateTime<Utc>,
) -> ServiceResult<attachment::Model> {
    let owner = input.owner;
    let at = place(db.conn(), owner).await?;
    // A unit attaches to its own records only (a lead unit sees co-handlers' opinions
    // but adds nothing to them).
    let seen = match (scope, at.assignment_id) {
        (Scope::Unit(_), Some(a)) => scope::check_assignment(db, scope, a, &OWNER).await.is_ok(),
        _ => sees(db, scope, owner, at).await?,
    };
    if !seen {
        return Err(missing().into());
    }
    check_role(scope, owner.kind)?;
    rules::check_kind(owner.kind, input.kind, &["input", "kind"])?;
    if !at.open && scope != Scope::All {
        return Err(closed().into());
    }
    let description = text::optional(
        input.description.as_deref(),
        &["input", "description"],
        500,
        Lines::Single,
    )?;
    let file_type = detect(staged).await?;
    files
        .keep(staged)
        .await
        .map_err(|e| anyhow::Error::new(e).context("storing an attachment"))?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = attachment::ActiveModel {
        owner_type: Set(owner.kind),
        owner_id: Set(owner.id),
        suggestion_id: Set(at.suggestion_id),
        assignment_id: Set(at.assignment_id),
        kind: Set(input.kind),
        filename: Set(rules::clean_filename(&staged.filename)),
        media_type: Set(file_type.media_type().to_owned()),
        byte_size: Set(i64::try_from(staged.size).unwrap_or(i64::MAX)),
        sha256: Set(staged.sha256.clone()),
        description: Set(description),
        uploaded_by: Set(caller.user_id),
        uploaded_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .during("recording an attachment")?;
    event(&*txn, &saved, EventKind::AttachmentAdded, scope, now).await?;
    txn.audit_created("Attachment", saved.id);
    txn.commit().await.during("committing an attachment")?;
    Ok(saved)
}

fn closed() -> UserError {
    UserError::invalid_state(
        &OWNER,
        "该记录已办结或已答复测评，附件已归档，不能再更改 (the record is closed; its \
         attachments are part of it now)",
    )
}

async fn event<C: ConnectionTrait>(
    conn: &C,
    row: &attachment::Model,
    kind: EventKind,
    scope: Scope,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let actor = match scope {
        Scope::Unit(_) => ActorRole::Unit,
        Scope::Deputy(_) => ActorRole::Deputy,
        _ => ActorRole::Office,
    };
    super::timeline::event(
        conn,
        row.suggestion_id,
        row.assignment_id,
        kind,
        actor,
        now,
        json!({"attachmentId": row.id, "kind": row.kind, "filename": row.filename}),
    )
    .await
}

/// Deletes an attachment: only its uploader, only while its record is open. The file
/// stays until housekeeping finds no row refers to it.
pub async fn delete(
    db: &Db,
    caller: &Principal,
    scope: Scope,
    id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<attachment::Model> {
    let field = ["input", "id"];
    let Some(found) = visible(db, scope, id).await? else {
        return Err(UserError::missing(&field, "附件", "attachment").into());
    };
    if found.uploaded_by != caller.user_id {
        return Err(UserError::invalid_state(
            &field,
            "只有上传人可以删除附件 (only the uploader may delete an attachment)",
        )
        .into());
    }
    let owner = Owner {
        kind: found.owner_type,
        id: found.owner_id,
    };
    if !place(db.conn(), owner).await?.open {
        return Err(UserError::invalid_state(&field, closed().message).into());
    }
    if public_copy(db, found.id).await?.is_some() {
        return Err(UserError::invalid_state(
            &field,
            "该附件已随答复公开，请先撤回公开或不带答复函重新公开 (the copy is published with \
             its reply; publish the reply again without it first)",
        )
        .into());
    }
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let gone = found
        .clone()
        .delete(&*txn)
        .await
        .during("deleting an attachment")?;
    if gone.rows_affected == 0 {
        return Err(UserError::missing(&field, "附件", "attachment").into());
    }
    event(&*txn, &found, EventKind::AttachmentRemoved, scope, now).await?;
    txn.commit().await.during("committing a deletion")?;
    Ok(found)
}

/// The type an attachment's bytes were found to have.
pub fn file_type(row: &attachment::Model) -> Option<FileType> {
    rules::type_of(&row.media_type)
}

/// In `submitReply`'s transaction: the letters prepared on the assignment become the new
/// reply's. With `required` (the session's `reply_requires_signed_letter`), INVALID_STATE
/// unless a signed letter (REPLY_LETTER) is among them.
pub(crate) async fn adopt_letters<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i64,
    reply_id: i64,
    required: bool,
) -> ServiceResult<()> {
    use sea_orm::sea_query::Expr;
    let prepared = attachment::Entity::find()
        .filter(attachment::Column::OwnerType.eq(AttachmentOwner::Assignment))
        .filter(attachment::Column::OwnerId.eq(assignment_id))
        .all(conn)
        .await
        .during("loading the prepared letters")?;
    if required
        && !prepared
            .iter()
            .any(|a| a.kind == AttachmentKind::ReplyLetter)
    {
        return Err(UserError::invalid_state(
            &["input", "assignmentId"],
            "本次会议要求答复附答复函盖章件：请先上传 REPLY_LETTER (this session counts a reply \
             only with its signed letter; upload the REPLY_LETTER to the assignment first)",
        )
        .into());
    }
    if prepared.is_empty() {
        return Ok(());
    }
    attachment::Entity::update_many()
        .col_expr(
            attachment::Column::OwnerType,
            Expr::value(AttachmentOwner::Reply),
        )
        .col_expr(attachment::Column::OwnerId, Expr::value(reply_id))
        .filter(attachment::Column::Id.is_in(prepared.iter().map(|a| a.id)))
        .exec(conn)
        .await
        .during("moving the prepared letters onto the reply")?;
    Ok(())
}

/// Which attachments `scope` sees, among those of the suggestions it sees (a condition on
/// `attachment`, for counts): a unit the suggestion's own files and those of its
/// assignments' records; a deputy the suggestion's files, sent replies' and the contact
/// records' and opinions', never a letter still being prepared.
pub fn seen_by(scope: Scope) -> sea_orm::Condition {
    use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
    use sea_orm::Condition;
    let own = attachment::Column::OwnerType.eq(AttachmentOwner::Suggestion);
    match scope {
        Scope::All => Condition::all(),
        Scope::Unit(_) => Condition::any().add(own).add(scope::by_assignment(
            scope,
            attachment::Column::AssignmentId,
        )),
        Scope::Deputy(_) => Condition::any()
            .add(own)
            .add(
                attachment::Column::OwnerType
                    .is_in([AttachmentOwner::ContactRecord, AttachmentOwner::CoOpinion]),
            )
            .add(
                Condition::all()
                    .add(attachment::Column::OwnerType.eq(AttachmentOwner::Reply))
                    .add(
                        attachment::Column::OwnerId.in_subquery(
                            Query::select()
                                .column(reply::Column::Id)
                                .from(reply::Entity)
                                .and_where(
                                    reply::Column::ReleaseState
                                        .eq(entity::enums::ReleaseState::Sent),
                                )
                                .to_owned(),
                        ),
                    ),
            ),
        Scope::Nothing => Condition::all().add(Expr::value(1).eq(0)),
    }
}
