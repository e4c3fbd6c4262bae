//! A notice's delivery over one channel beyond the app (SMS, e-mail): the outbox row a
//! worker sends, with its status, attempts and lease.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub notification_id: i64,
    pub recipient_user_id: i64,
    /// `SMS` or `EMAIL` (see `domain::notice::Channel`).
    pub channel: String,
    /// The mobile number or e-mail address it goes to, as it was when the notice was written.
    pub address: String,
    /// `PENDING`, `SENT`, `FAILED` or `SKIPPED` (see `domain::delivery::DeliveryStatus`).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// While a worker sends it: until when its claim holds, and whose it is.
    pub lease_until: Option<DateTimeUtc>,
    pub leased_by: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
