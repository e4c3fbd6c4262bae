//! A unit's request to return a wrong assignment (退回申请), and the office's decision.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "return_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assignment_id: i64,
    pub reason: String,
    pub suggested_unit_id: Option<i64>,
    pub requested_on: Date,
    pub status: crate::enums::RequestStatus,
    pub decided_on: Option<Date>,
    pub decision_note: Option<String>,
    /// The assignment made when the office approved and reassigned.
    pub new_assignment_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
