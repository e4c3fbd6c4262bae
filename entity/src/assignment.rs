//! An assignment (交办) of a suggestion to one handling unit with a role.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub suggestion_id: i64,
    pub unit_id: i64,
    pub role: crate::enums::AssignmentRole,
    pub assigned_on: Date,
    /// The due date in force; stored (and indexed) so deadline filters are range queries.
    pub due_on: Date,
    /// True when the office set `due_on` explicitly instead of the session's rule.
    pub due_on_explicit: bool,
    pub status: crate::enums::AssignmentStatus,
    /// The day the unit answered (the reply, or for a co-handler the opinion).
    pub answered_on: Option<Date>,
    /// The unit's contact person for this case (联系人) and phone.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::suggestion::Entity",
        from = "Column::SuggestionId",
        to = "super::suggestion::Column::Id"
    )]
    Suggestion,
    #[sea_orm(
        belongs_to = "super::handling_unit::Entity",
        from = "Column::UnitId",
        to = "super::handling_unit::Column::Id"
    )]
    Unit,
    #[sea_orm(has_many = "super::reply::Entity")]
    Reply,
}

impl Related<super::suggestion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Suggestion.def()
    }
}

impl Related<super::reply::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Reply.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
