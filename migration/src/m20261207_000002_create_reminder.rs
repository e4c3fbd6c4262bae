//! Scheduled reminders told (提醒): one row per case and key (`DUE_SOON:5`, `NOT_SIGNED_FOR`,
//! `OVERDUE:<day>`), so each is told once however often, or in however many processes, the
//! daily pass runs.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reminder {
    Table,
    Id,
    AssignmentId,
    Key,
    ToldOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reminder::Table)
                    .col(big_pk_auto(Reminder::Id))
                    .col(big_integer(Reminder::AssignmentId))
                    .col(string_len(Reminder::Key, 40))
                    .col(date(Reminder::ToldOn))
                    .col(timestamp_with_time_zone(Reminder::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_reminder_assignment",
                        (Reminder::Table, Reminder::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_reminder_assignment_key",
                    Reminder::Table,
                    &["assignment_id", "key"],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Reminder::Table).to_owned())
            .await
    }
}
