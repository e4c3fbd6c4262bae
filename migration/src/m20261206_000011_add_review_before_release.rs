//! Review before release (答复审核, issue 27): a session may require that a unit's reply
//! goes to the office before it is sent to the deputy. A reply records where it stands on
//! that way (`release_state`), the office's comments and the day it was sent; replies
//! written before this existed were sent when they were written.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Session {
    Table,
    ReviewBeforeRelease,
}

#[derive(DeriveIden)]
enum Reply {
    Table,
    ReleaseState,
    ReviewComment,
    SentOn,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Session::Table)
                    .add_column(
                        ColumnDef::new(Session::ReviewBeforeRelease)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Reply::Table)
                    .add_column(
                        ColumnDef::new(Reply::ReleaseState)
                            .string_len(24)
                            .not_null()
                            .default("SENT"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Reply::Table)
                    .add_column(ColumnDef::new(Reply::ReviewComment).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Reply::Table)
                    .add_column(ColumnDef::new(Reply::SentOn).date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE reply SET sent_on = replied_on")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Reply::SentOn, Reply::ReviewComment, Reply::ReleaseState] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Reply::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Session::Table)
                    .drop_column(Session::ReviewBeforeRelease)
                    .to_owned(),
            )
            .await
    }
}
