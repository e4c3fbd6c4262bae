//! Deliveries of notices beyond the app, for the office: who was told what, by which
//! channel, when, and every attempt ("we told them on 3 June at 09:00 by SMS").

use async_graphql::{Enum, Object, SimpleObject, ID};

use crate::domain::delivery::DeliveryStatus;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::objects::{NotificationChannel, NotificationKind};
use crate::graphql::scalars::DateTime;
use crate::service::delivery::Listed;

/// Where a delivery stands.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::delivery::DeliveryStatus")]
pub enum NotificationDeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// The channel accepted it.
    Sent,
    /// Every attempt failed.
    Failed,
    /// Not sent: this deployment has no sender for the channel.
    Skipped,
}

/// One attempt to send a delivery.
#[derive(SimpleObject)]
pub struct NotificationAttempt {
    /// 1 for the first attempt.
    pub attempt: i32,
    pub started_at: DateTime,
    pub finished_at: DateTime,
    /// SENT, FAILED or SKIPPED.
    pub outcome: String,
    /// What the provider answered, or why it failed (at most 500 characters).
    pub answer: Option<String>,
}

/// A notice's delivery over one channel to one person (office only: it shows the address).
pub struct NotificationDelivery(pub Listed);

#[Object]
impl NotificationDelivery {
    async fn id(&self) -> ID {
        encode(Kind::NotificationDelivery, self.0.delivery.id)
    }
    /// The notice's recipient (a `User` ID).
    async fn recipient_id(&self) -> ID {
        encode(Kind::User, self.0.delivery.recipient_user_id)
    }
    async fn channel(&self) -> Option<NotificationChannel> {
        crate::domain::notice::Channel::parse(&self.0.delivery.channel).map(Into::into)
    }
    /// The mobile number or e-mail address, as it was when the notice was written.
    async fn address(&self) -> &str {
        &self.0.delivery.address
    }
    async fn kind(&self) -> Option<NotificationKind> {
        crate::domain::notice::NoticeKind::parse(&self.0.notice.kind).map(Into::into)
    }
    async fn title(&self) -> &str {
        &self.0.notice.title
    }
    async fn status(&self) -> Option<NotificationDeliveryStatus> {
        DeliveryStatus::parse(&self.0.delivery.status).map(Into::into)
    }
    /// Attempts made so far.
    async fn attempt_count(&self) -> i32 {
        self.0.delivery.attempts
    }
    /// When it is tried next (while PENDING).
    async fn next_attempt_at(&self) -> Option<DateTime> {
        (self.0.delivery.status == DeliveryStatus::Pending.as_str())
            .then_some(DateTime(self.0.delivery.next_attempt_at))
    }
    async fn sent_at(&self) -> Option<DateTime> {
        self.0.delivery.sent_at.map(DateTime)
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.delivery.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.delivery.created_at)
    }
    /// Every attempt, first first.
    async fn attempts(&self) -> Vec<NotificationAttempt> {
        self.0
            .attempts
            .iter()
            .map(|a| NotificationAttempt {
                attempt: a.attempt,
                started_at: DateTime(a.started_at),
                finished_at: DateTime(a.finished_at),
                outcome: a.outcome.clone(),
                answer: a.answer.clone(),
            })
            .collect()
    }
}
