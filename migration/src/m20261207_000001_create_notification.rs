//! Notifications (通知): what banli tells a user, one row per recipient, written in the
//! transaction of the change it is about (docs/domain.md §10).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    RecipientUserId,
    Kind,
    Title,
    Body,
    SuggestionId,
    AssignmentId,
    EventId,
    DedupeKey,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Suggestion {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WorkflowEvent {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(big_pk_auto(Notification::Id))
                    .col(big_integer(Notification::RecipientUserId))
                    .col(string_len(Notification::Kind, 40))
                    .col(string_len(Notification::Title, 200))
                    .col(text(Notification::Body))
                    .col(big_integer_null(Notification::SuggestionId))
                    .col(big_integer_null(Notification::AssignmentId))
                    .col(big_integer_null(Notification::EventId))
                    .col(string_len_null(Notification::DedupeKey, 200))
                    .col(timestamp_with_time_zone(Notification::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notification::ReadAt))
                    .foreign_key(&mut fk(
                        "fk_notification_recipient",
                        (Notification::Table, Notification::RecipientUserId),
                        (AppUser::Table, AppUser::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_notification_suggestion",
                        (Notification::Table, Notification::SuggestionId),
                        (Suggestion::Table, Suggestion::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_notification_assignment",
                        (Notification::Table, Notification::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_notification_event",
                        (Notification::Table, Notification::EventId),
                        (WorkflowEvent::Table, WorkflowEvent::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // A user's notices, newest first, and their unread count.
        manager
            .create_index(index(
                "idx_notification_recipient",
                Notification::Table,
                &["recipient_user_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_notification_unread",
                Notification::Table,
                &["recipient_user_id", "read_at"],
            ))
            .await?;
        // A scheduled notice (an assignment at a threshold, for a user) is written once,
        // however often or by however many processes the reminders run.
        manager
            .create_index(
                index(
                    "uq_notification_dedupe",
                    Notification::Table,
                    &["dedupe_key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_notification_assignment",
                Notification::Table,
                &["assignment_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notification::Table).to_owned())
            .await
    }
}
