//! One handling round of an assignment: round 1 from the assignment, round 2, 3… from
//! each UNSATISFIED rating (重新办理). History is kept; the assignment mirrors the
//! current round's deadline for indexed queries.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handling_round")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assignment_id: i64,
    pub round: i32,
    pub started_on: Date,
    pub due_on: Date,
    pub original_due_on: Date,
    pub due_provisional: bool,
    pub answered_on: Option<Date>,
    pub created_at: DateTimeUtc,
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

impl ActiveModelBehavior for ActiveModel {}
