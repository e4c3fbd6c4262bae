//! Notifications (通知): one row per recipient, written in the transaction of the change it
//! is about; read in the app and, later, delivered over other channels.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recipient_user_id: i64,
    /// What it is about, e.g. `ASSIGNED`, `URGED` (see `domain::notice::NoticeKind`).
    pub kind: String,
    pub title: String,
    pub body: String,
    pub suggestion_id: Option<i64>,
    pub assignment_id: Option<i64>,
    /// The timeline event it tells of, if any.
    pub event_id: Option<i64>,
    /// Set for scheduled notices, so each is written once.
    pub dedupe_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
