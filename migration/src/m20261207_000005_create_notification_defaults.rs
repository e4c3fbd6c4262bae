//! The office's defaults for notices: per kind, the channels besides the app it goes on
//! unless a user chose otherwise, and whether it goes to the OA webhook. One row, versioned;
//! kinds it does not name follow the defaults of `domain::notice`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationDefaults {
    Table,
    Id,
    Channels,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationDefaults::Table)
                    .col(integer(NotificationDefaults::Id).primary_key())
                    .col(json(NotificationDefaults::Channels))
                    .col(integer(NotificationDefaults::Version))
                    .col(timestamp_with_time_zone(NotificationDefaults::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NotificationDefaults::Table).to_owned())
            .await
    }
}
