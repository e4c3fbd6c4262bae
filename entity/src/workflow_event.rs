//! The timeline: one row per transition, appended in the transition's own transaction.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub suggestion_id: i64,
    pub assignment_id: Option<i64>,
    /// What happened, e.g. `SIGNED_FOR`, `REPLY_SUBMITTED` (see `domain::workflow::EventKind`).
    pub kind: String,
    /// The role the actor acted in (OFFICE, UNIT, DEPUTY, SYSTEM).
    pub actor_role: String,
    /// The signed-in user, once accounts exist.
    pub actor_user_id: Option<i64>,
    pub occurred_at: DateTimeUtc,
    /// Details of the transition (JSON object).
    pub details: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
