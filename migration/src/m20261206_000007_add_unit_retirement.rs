//! A unit dissolved by an institutional reform (机构改革) is retired rather than deleted: its
//! name stays on everything it handled, and `successor_id` says which unit took its work
//! over. A retired unit receives no new assignments.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HandlingUnit {
    Table,
    RetiredOn,
    SuccessorId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Two statements: SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(HandlingUnit::Table)
                    .add_column(ColumnDef::new(HandlingUnit::RetiredOn).date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(HandlingUnit::Table)
                    .add_column(
                        ColumnDef::new(HandlingUnit::SuccessorId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [HandlingUnit::SuccessorId, HandlingUnit::RetiredOn] {
            manager
                .alter_table(
                    Table::alter()
                        .table(HandlingUnit::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
