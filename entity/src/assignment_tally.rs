//! Running counts of answered deadlines per session and unit, kept in step with every
//! assignment write (in the same transaction), so today's `deadlineSummary` reads a few
//! hundred rows instead of aggregating a million.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: i64,
    /// Assignments in force answered on or before their due date.
    pub answered_on_time: i64,
    /// Assignments in force answered after it.
    pub answered_late: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
