//! Feedback from the public (公众意见反馈) on a published reply. Name and contact are personal data.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_feedback")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reply_id: i64,
    /// Optional; personal data.
    pub name: Option<String>,
    /// Optional phone or e-mail; personal data.
    pub contact: Option<String>,
    pub content: String,
    pub status: crate::enums::FeedbackStatus,
    /// Staff's answer, shown to the submitter through the lookup code.
    pub answer: Option<String>,
    pub submitted_at: DateTimeUtc,
    /// 查询码 given to the submitter; unique.
    #[sea_orm(unique)]
    pub lookup_code: String,
    pub version: i32,
    pub updated_at: DateTimeUtc,
    /// SHA-256 of the submitter's IP address, for the per-client rate limit and duplicate
    /// check; erased with the contact details.
    pub client_key: Option<String>,
    /// SHA-256 of the normalised content, to recognise a duplicate.
    pub content_hash: Option<String>,
    /// The submitter agreed that the content may be published.
    pub consent_to_publish: bool,
    pub answered_at: Option<DateTimeUtc>,
    /// The user who last marked it.
    pub handled_by: Option<i64>,
    /// When the name, contact and client key were erased (retention period over).
    pub contact_erased_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::reply::Entity",
        from = "Column::ReplyId",
        to = "super::reply::Column::Id"
    )]
    Reply,
}

impl ActiveModelBehavior for ActiveModel {}
