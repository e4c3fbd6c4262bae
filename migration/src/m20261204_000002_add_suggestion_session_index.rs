//! A session's suggestions, newest first (`suggestions(filter: {sessionId})`, the office's
//! desk view): an index in that order, so a page reads its rows and stops. Without it both
//! databases collected and sorted the session's every suggestion for each page (62,500 at
//! the 1m scale: 200 ms on SQLite).

use sea_orm_migration::prelude::*;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Suggestion {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                "idx_suggestion_session_id",
                Suggestion::Table,
                &["session_id", "id"],
            ))
            .await?;
        // SQLite's planner guesses about an index it has no statistics for, and the guess
        // (a few rows per session) made it drive the public reply list from sessions and
        // sort every published reply: 2 s instead of 1 ms. Measure the table's indexes
        // again, all of them (statistics of the new index alone, beside its neighbours'
        // older STAT4 samples, still misled it). A few seconds once, at a million rows.
        // PostgreSQL plans from the table's statistics, which do not change.
        if manager.get_database_backend() == sea_orm::DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("ANALYZE suggestion")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_suggestion_session_id")
                    .table(Suggestion::Table)
                    .to_owned(),
            )
            .await
    }
}
