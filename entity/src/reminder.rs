//! Scheduled reminders told: one row per case and key, so each is told once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub assignment_id: i64,
    /// `DUE_SOON:<days>`, `NOT_SIGNED_FOR` or `OVERDUE:<day>` (see `domain::reminder`).
    pub key: String,
    /// The China date of the pass that told it.
    pub told_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
