//! A suggestion as a deputy (or a delegation, 代表团) files it online, before and through
//! the office's screening (审查). An accepted filing points at the suggestion it became.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "filing")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub session_id: i64,
    /// The deputy who files (the lead deputy; for a delegation, who files in its name).
    pub filer_deputy_id: i64,
    /// Filed in the name of this delegation (代表团), when it is.
    pub delegation: Option<String>,
    pub kind: crate::enums::SuggestionKind,
    pub period: crate::enums::FilingPeriod,
    pub title: String,
    pub content: String,
    pub topic: Option<String>,
    pub confidential: bool,
    pub state: crate::enums::FilingState,
    pub submitted_on: Option<Date>,
    /// When the office last screened it (returned, accepted or not accepted).
    pub screened_on: Option<Date>,
    /// The office's comments (退回修改) or its reason (不予立案).
    pub screening_comment: Option<String>,
    pub not_accepted_ground: Option<crate::enums::NotAcceptedGround>,
    /// Not accepted, and handled as a letter instead (转来信处理).
    pub as_letter: bool,
    pub suggestion_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
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
    #[sea_orm(has_many = "super::filing_invitation::Entity")]
    Invitation,
}

impl Related<super::filing_invitation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Invitation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
