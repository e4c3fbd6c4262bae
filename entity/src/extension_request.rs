//! A unit's request for more time (延期申请), and the office's decision.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "extension_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assignment_id: i64,
    pub round: i32,
    pub reason: String,
    pub requested_due_on: Option<Date>,
    pub requested_on: Date,
    pub status: crate::enums::RequestStatus,
    pub decided_on: Option<Date>,
    pub approved_due_on: Option<Date>,
    pub decision_note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
