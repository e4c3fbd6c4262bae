//! A deadline span an assignment has left behind: from `from_on` until the day before
//! `until_on`, the round, due date and answer in force were these. The current span
//! lives on the assignment itself (from its `span_from`); a span is written here when
//! a re-handling round starts or an approved extension replaces the due date, so deadline
//! figures as of a past date use what was in force then.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_span")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assignment_id: i64,
    pub round: i32,
    pub from_on: Date,
    /// The first day after the span (exclusive).
    pub until_on: Date,
    pub due_on: Date,
    pub due_soon_from: Date,
    pub answered_on: Option<Date>,
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
