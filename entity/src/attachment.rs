//! Attachments (附件): files that belong to a record, stored by content (SHA-256) outside
//! the database; a row per attachment, so one file uploaded twice is stored once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_type: crate::enums::AttachmentOwner,
    pub owner_id: i64,
    /// The suggestion the owner belongs to (its timeline, its counts).
    pub suggestion_id: i64,
    /// The owner's assignment, for a reply, contact record or co-handler opinion.
    pub assignment_id: Option<i64>,
    pub kind: crate::enums::AttachmentKind,
    /// The name it was uploaded with (UTF-8, cleaned; never used as a path).
    pub filename: String,
    /// The type detected from its bytes (`application/pdf`, `image/png`, …).
    pub media_type: String,
    pub byte_size: i64,
    /// Lower-case hex SHA-256 of the content: its address in the store.
    pub sha256: String,
    pub description: Option<String>,
    pub uploaded_by: i64,
    pub uploaded_at: DateTimeUtc,
    /// When publishing its reply published it (a REPLY_LETTER_FOR_PUBLICATION only).
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
