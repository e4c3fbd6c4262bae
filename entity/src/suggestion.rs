//! A suggestion (建议) or proposal (提案), numbered uniquely within its session.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "suggestion")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub session_id: i64,
    pub kind: crate::enums::SuggestionKind,
    /// Text, because of leading zeros ("0255"); unique within the session.
    pub number: String,
    pub title: String,
    pub content: String,
    pub period: crate::enums::FilingPeriod,
    pub lead_deputy_id: i64,
    /// Topic category, e.g. 组织人事, 教科文卫.
    pub topic: Option<String>,
    /// 重点建议
    pub is_key: bool,
    /// 督办领导 of a key suggestion.
    pub supervising_leader: Option<String>,
    /// The deputy asked for confidentiality: never published.
    pub confidential: bool,
    pub status: crate::enums::SuggestionStatus,
    /// The day the deputy filed it (China local date).
    pub submitted_on: Date,
    /// Filed in the name of this delegation (代表团), when it was (online filing).
    pub delegation: Option<String>,
    pub version: i32,
    pub registered_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::session::Entity",
        from = "Column::SessionId",
        to = "super::session::Column::Id"
    )]
    Session,
    #[sea_orm(
        belongs_to = "super::deputy::Entity",
        from = "Column::LeadDeputyId",
        to = "super::deputy::Column::Id"
    )]
    LeadDeputy,
    #[sea_orm(has_many = "super::assignment::Entity")]
    Assignment,
    #[sea_orm(has_many = "super::suggestion_co_signer::Entity")]
    CoSigner,
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl Related<super::assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assignment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// The suggestion's lead deputy (领衔代表), as a link: co-signers are deputies of the
/// suggestion too, so "the related deputy" would be ambiguous.
#[derive(Debug, Clone, Copy)]
pub struct LeadDeputyLink;

impl Linked for LeadDeputyLink {
    type FromEntity = Entity;
    type ToEntity = super::deputy::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![Relation::LeadDeputy.def()]
    }
}
