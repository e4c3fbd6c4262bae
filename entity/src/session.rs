//! A congress session (会议): level, term 届, meeting 次, and the rules in force for it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// e.g. 省人大十三届五次会议; unique.
    #[sea_orm(unique)]
    pub name: String,
    pub level: crate::enums::SessionLevel,
    /// 届
    pub term: i32,
    /// 次
    pub meeting: i32,
    pub opens_on: Option<Date>,
    pub closes_on: Option<Date>,
    /// The category scheme in force: a JSON list of `{code, label, definition}`.
    pub category_scheme: Json,
    /// The deadline rules in force (docs/domain.md §4), as JSON.
    pub deadline_rules: Json,
    /// The last day invited deputies may confirm co-signing a filing (联名确认截止); none:
    /// until the office screens it.
    pub co_sign_deadline: Option<Date>,
    /// Replies go to the office for review before they are sent (答复审核).
    pub review_before_release: bool,
    /// A reply counts only with its signed letter (REPLY_LETTER) uploaded first.
    pub reply_requires_signed_letter: bool,
    /// The days before a due date at which the session's units are told a case is due soon
    /// (a JSON array such as `[15, 5, 1]`); none: the deployment's default.
    pub reminder_days: Option<Json>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::suggestion::Entity")]
    Suggestion,
}

impl Related<super::suggestion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Suggestion.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
