//! The census of the suggestion index's frequent tokens (those in at least a hundredth of
//! the documents), taken after every rebuild of the index and once a day: what
//! `similarSuggestions` leaves out as too common to tell texts apart (关于, 建议…).
//!
//! On SQLite an `fts5vocab` table reads the counts off the FTS5 index itself; PostgreSQL
//! counts them with `ts_stat`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchVocabulary {
    Table,
    IndexName,
    Token,
    Documents,
}

#[derive(DeriveIden)]
enum SearchCensus {
    Table,
    IndexName,
    Documents,
    CountedAt,
}

/// SQLite's view of the suggestion index, one row per token with its document count.
const SQLITE_TERMS: &str = "suggestion_search_terms";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchVocabulary::Table)
                    .col(
                        ColumnDef::new(SearchVocabulary::IndexName)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SearchVocabulary::Token)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SearchVocabulary::Documents)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(SearchVocabulary::IndexName)
                            .col(SearchVocabulary::Token),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SearchCensus::Table)
                    .col(
                        ColumnDef::new(SearchCensus::IndexName)
                            .string_len(32)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SearchCensus::Documents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SearchCensus::CountedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE VIRTUAL TABLE {SQLITE_TERMS} USING fts5vocab(suggestion_search, row)"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP TABLE {SQLITE_TERMS}"))
                .await?;
        }
        manager
            .drop_table(Table::drop().table(SearchCensus::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SearchVocabulary::Table).to_owned())
            .await
    }
}
