//! When each periodic chore last started, over all instances: an instance runs a chore only
//! if it can move this mark forward by a period, so several instances over one database
//! run it once per period between them instead of once each.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ChoreRun {
    Table,
    Name,
    StartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChoreRun::Table)
                    .col(string_len(ChoreRun::Name, 64).primary_key())
                    .col(timestamp_with_time_zone(ChoreRun::StartedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ChoreRun::Table).to_owned())
            .await
    }
}
