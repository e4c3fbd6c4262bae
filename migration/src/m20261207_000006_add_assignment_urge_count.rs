//! 催办 in the statistics: how often each assignment was urged, kept on the assignment row
//! with its other statistics facts (`service::facts`) so the figures stay one group-by over
//! one table. Filled from the timeline's URGED events.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assignment {
    Table,
    UrgeCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assignment::Table)
                    .add_column(
                        ColumnDef::new(Assignment::UrgeCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE assignment SET urge_count = (SELECT COUNT(*) FROM workflow_event e \
                 WHERE e.assignment_id = assignment.id AND e.kind = 'URGED')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assignment::Table)
                    .drop_column(Assignment::UrgeCount)
                    .to_owned(),
            )
            .await
    }
}
