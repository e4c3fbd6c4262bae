//! Deliveries of notices beyond the app (SMS, e-mail), written in the transaction that writes
//! the notice (an outbox), and every attempt to send one, so the office can show "we told
//! them on 3 June at 09:00 by SMS". A worker claims due deliveries with a lease, so two
//! processes never send the same one at once and a killed process's claim runs out.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationDelivery {
    Table,
    Id,
    NotificationId,
    RecipientUserId,
    Channel,
    Address,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LeasedBy,
    LastError,
    SentAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NotificationAttempt {
    Table,
    Id,
    DeliveryId,
    Attempt,
    StartedAt,
    FinishedAt,
    Outcome,
    Answer,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
}

/// The notices of one timeline event, read back to plan their deliveries.
const NOTIFICATION_EVENT_INDEX: &str = "ix_notification_event";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                index(NOTIFICATION_EVENT_INDEX, Notification::Table, &["event_id"]).to_owned(),
            )
            .await?;
        use NotificationDelivery as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(big_pk_auto(D::Id))
                    .col(big_integer(D::NotificationId))
                    .col(big_integer(D::RecipientUserId))
                    .col(string_len(D::Channel, 16))
                    .col(string_len(D::Address, 254))
                    .col(string_len(D::Status, 16))
                    .col(integer(D::Attempts).default(0))
                    .col(timestamp_with_time_zone(D::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(D::LeaseUntil))
                    .col(string_len_null(D::LeasedBy, 64))
                    .col(string_len_null(D::LastError, 500))
                    .col(timestamp_with_time_zone_null(D::SentAt))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .col(timestamp_with_time_zone(D::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_delivery_notification",
                        (D::Table, D::NotificationId),
                        (Notification::Table, Notification::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_delivery_notification_channel",
                    D::Table,
                    &["notification_id", "channel"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ix_delivery_due", D::Table, &["status", "next_attempt_at"]).to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ix_delivery_recipient",
                    D::Table,
                    &["recipient_user_id", "created_at"],
                )
                .to_owned(),
            )
            .await?;
        use NotificationAttempt as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_pk_auto(A::Id))
                    .col(big_integer(A::DeliveryId))
                    .col(integer(A::Attempt))
                    .col(timestamp_with_time_zone(A::StartedAt))
                    .col(timestamp_with_time_zone(A::FinishedAt))
                    .col(string_len(A::Outcome, 16))
                    .col(string_len_null(A::Answer, 500))
                    .foreign_key(&mut fk(
                        "fk_attempt_delivery",
                        (A::Table, A::DeliveryId),
                        (D::Table, D::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("ix_attempt_delivery", A::Table, &["delivery_id", "attempt"]).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NotificationAttempt::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(NotificationDelivery::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(NOTIFICATION_EVENT_INDEX)
                    .table(Notification::Table)
                    .to_owned(),
            )
            .await
    }
}
