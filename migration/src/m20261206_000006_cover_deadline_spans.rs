//! The statistics' covering index, renamed `idx_assignment_figures`, also covers the two
//! columns deadline figures as of a past date read: `span_from` (had the assignment's
//! current deadline begun by then?) and `due_soon_from`. Without them,
//! `deadlineSummary(asOf:)` for a past date read every assignment row from the table: 1.9 s
//! instead of 0.33 s at a million assignments on SQLite (BENCHMARKS.md, issue 27).

use sea_orm_migration::prelude::*;

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assignment {
    Table,
}

/// The index this one replaces, and the replacement (a new name: created before the old
/// one is dropped, so the statistics are never without a covering index).
const OLD: &str = "idx_assignment_statistics";
const NEW: &str = "idx_assignment_figures";

/// The columns of `m20261126_000002_add_statistics_index`.
const BEFORE: [&str; 13] = [
    "unit_id",
    "session_id",
    "assigned_on",
    "status",
    "answered_on",
    "due_on",
    "suggestion_id",
    "reply_category",
    "first_satisfaction",
    "final_satisfaction",
    "met_face_to_face",
    "feedback_open",
    "feedback_handled",
];

/// Creates `create` over `columns`, then drops `drop`.
async fn replace(
    manager: &SchemaManager<'_>,
    create: &str,
    columns: &[&'static str],
    drop: &str,
) -> Result<(), DbErr> {
    manager
        .create_index(index(create, Assignment::Table, columns))
        .await?;
    manager
        .get_connection()
        .execute_unprepared(&format!("DROP INDEX IF EXISTS {drop}"))
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut columns = BEFORE.to_vec();
        columns.extend(["due_soon_from", "span_from"]);
        replace(manager, NEW, &columns, OLD).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(manager, OLD, &BEFORE, NEW).await
    }
}
