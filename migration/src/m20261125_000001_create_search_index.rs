//! The full-text search index (issue 6's search, and the public keyword filter of
//! issue 5): CJK bigram tokens made by banli (`domain::search`), kept in step with every
//! write by the services and stored in the database, so every banli instance over one
//! PostgreSQL shares it.
//!
//! - SQLite: contentless FTS5 tables (`rowid` = the row's id; the tokens are kept only
//!   in the index, which supports DELETE with `contentless_delete=1`).
//! - PostgreSQL: a `tsvector` per row with a GIN index.
//!
//! Three documents: `suggestion_search` (title and number; content) for staff,
//! `reply_search` (a reply's body, whoever may read it) for staff, and `public_search`
//! (title and number; the published text) for the public pages, so a public keyword never
//! matches a word only an unpublished text holds. The tables start empty:
//! `search_index.tokenizer_version` is absent, and the server fills them at start-up.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each index table, the table its ids come from, and its text columns.
const TABLES: [(&str, &str, &[&str]); 3] = [
    ("suggestion_search", "suggestion", &["title", "content"]),
    ("reply_search", "reply", &["body"]),
    ("public_search", "reply", &["title", "body"]),
];

#[derive(DeriveIden)]
enum SearchIndex {
    Table,
    Name,
    TokenizerVersion,
    BuiltAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let conn = manager.get_connection();
        for (table, source, columns) in TABLES {
            match backend {
                DbBackend::Sqlite => {
                    conn.execute_unprepared(&format!(
                        "CREATE VIRTUAL TABLE {table} USING fts5({}, content='', \
                         contentless_delete=1, tokenize='unicode61 remove_diacritics 0')",
                        columns.join(", ")
                    ))
                    .await?;
                }
                DbBackend::Postgres => {
                    conn.execute_unprepared(&format!(
                        "CREATE TABLE {table} (\
                         id BIGINT PRIMARY KEY REFERENCES {source}(id) ON DELETE CASCADE, \
                         tokens TSVECTOR NOT NULL)"
                    ))
                    .await?;
                    conn.execute_unprepared(&format!(
                        "CREATE INDEX idx_{table}_tokens ON {table} USING GIN (tokens)"
                    ))
                    .await?;
                }
                _ => {
                    return Err(DbErr::Migration(
                        "the search index needs SQLite (FTS5) or PostgreSQL (tsvector)".to_owned(),
                    ))
                }
            }
        }
        manager
            .create_table(
                Table::create()
                    .table(SearchIndex::Table)
                    .col(
                        ColumnDef::new(SearchIndex::Name)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SearchIndex::TokenizerVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SearchIndex::BuiltAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SearchIndex::Table).to_owned())
            .await?;
        for (table, _, _) in TABLES {
            manager
                .get_connection()
                .execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        Ok(())
    }
}
