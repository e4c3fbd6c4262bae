//! A reply letter (答复) of one assignment, one per handling round.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reply")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assignment_id: i64,
    /// The handling unit: a copy of the assignment's `unit_id` (which never changes), so
    /// a unit's published replies are read along one index.
    pub unit_id: i64,
    /// Handling round, 1 for the first reply; re-handling adds rounds.
    pub round: i32,
    /// 发文字号, e.g. 淮府办函〔2022〕12号.
    pub doc_number: Option<String>,
    /// 称呼, e.g. 夏维奇代表.
    pub addressee: Option<String>,
    pub category: crate::enums::ReplyCategory,
    /// The category the unit gave, when the office's review changed it.
    pub original_category: Option<crate::enums::ReplyCategory>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub body: String,
    /// The summary published instead of the body when publication is SUMMARY.
    pub summary: Option<String>,
    /// 签发人
    pub signed_by: String,
    pub replied_on: Date,
    /// 联系人 and 联系电话 of the handling unit (public on a published reply).
    pub contact_name: String,
    pub contact_phone: String,
    /// 抄送
    pub copy_to: Option<String>,
    pub publication: crate::enums::Publication,
    pub published_at: Option<DateTimeUtc>,
    /// What the public sees as the reply's text, fixed at publication: the summary, or the
    /// body with its redacted parts replaced. `None` while unpublished.
    pub public_text: Option<String>,
    /// The suggestion's text as published with the reply (redacted likewise), when the
    /// office chose to publish it.
    pub public_suggestion_text: Option<String>,
    /// Where it stands on its way to the deputy (review before release); SENT when the
    /// session does not require review.
    pub release_state: crate::enums::ReleaseState,
    /// The office's comments when it returned the reply for revision.
    pub review_comment: Option<String>,
    /// The day it was sent to the deputy (the day the case counts as answered).
    pub sent_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::assignment::Entity",
        from = "Column::AssignmentId",
        to = "super::assignment::Column::Id"
    )]
    Assignment,
}

impl Related<super::assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assignment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
