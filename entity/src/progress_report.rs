//! A progress report (办理进展) the office asks a handling unit for by a date, and what
//! the unit filed (`domain::supervision`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress_report")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub suggestion_id: i64,
    /// The unit's assignment the report is asked of.
    pub assignment_id: i64,
    pub requested_on: Date,
    pub due_on: Date,
    /// What the office wants to know.
    pub note: Option<String>,
    pub state: crate::enums::ReportState,
    pub filed_on: Option<Date>,
    pub body: Option<String>,
    pub cancelled_on: Option<Date>,
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
