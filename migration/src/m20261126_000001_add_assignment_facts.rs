//! Per-assignment facts the statistics count (docs/domain.md §5), kept on the assignment row so
//! `statistics` is one aggregate over one table instead of joins into replies, ratings,
//! contact records and feedback for a million assignments (BENCHMARKS.md, issue 6):
//!
//! - `reply_category`: the category of the assignment's latest reply (after any review);
//! - `first_satisfaction` / `final_satisfaction`: the lead deputy's rating of the first
//!   rated round and of the latest one;
//! - `met_face_to_face`: a face-to-face contact (面商) is logged;
//! - `feedback_open` / `feedback_handled`: public feedback on its replies not yet handled
//!   (NEW, READ) and handled; spam counts in neither.
//!
//! They are derived data: [`assignment_facts_sql`] recomputes them from the source rows,
//! and the services run it for the one assignment a write touches, inside that write's
//! transaction.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assignment {
    Table,
    ReplyCategory,
    FirstSatisfaction,
    FinalSatisfaction,
    MetFaceToFace,
    FeedbackOpen,
    FeedbackHandled,
}

/// The UPDATE this migration ran to fill the facts of every assignment (or, with
/// `one_assignment`, of the one bound as its only parameter). Frozen: an applied migration
/// never changes. The application keeps the facts with its own statement
/// (`banli::service::facts`), which a test compares with this one.
pub fn assignment_facts_sql(backend: DbBackend, one_assignment: bool) -> String {
    let placeholder = match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    let lead_rating = |order: &str| {
        format!(
            "(SELECT g.satisfaction FROM rating g \
              WHERE g.assignment_id = assignment.id AND g.by_lead_deputy = TRUE \
              ORDER BY g.round {order}, g.id {order} LIMIT 1)"
        )
    };
    let feedback = |statuses: &str| {
        format!(
            "(SELECT COUNT(*) FROM public_feedback f \
              JOIN reply fr ON fr.id = f.reply_id \
              WHERE fr.assignment_id = assignment.id AND f.status IN ({statuses}))"
        )
    };
    let mut sql = format!(
        "UPDATE assignment SET \
           reply_category = (SELECT r.category FROM reply r \
              WHERE r.assignment_id = assignment.id ORDER BY r.round DESC LIMIT 1), \
           first_satisfaction = {first}, \
           final_satisfaction = {last}, \
           met_face_to_face = EXISTS (SELECT 1 FROM contact_record c \
              WHERE c.assignment_id = assignment.id AND c.method = 'FACE_TO_FACE'), \
           feedback_open = {open}, \
           feedback_handled = {handled}",
        first = lead_rating("ASC"),
        last = lead_rating("DESC"),
        open = feedback("'NEW', 'READ'"),
        handled = feedback("'HANDLED'"),
    );
    if one_assignment {
        sql.push_str(&format!(" WHERE assignment.id = {placeholder}"));
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Assignment::ReplyCategory)
                .string_len(1)
                .null()
                .to_owned(),
            ColumnDef::new(Assignment::FirstSatisfaction)
                .string_len(32)
                .null()
                .to_owned(),
            ColumnDef::new(Assignment::FinalSatisfaction)
                .string_len(32)
                .null()
                .to_owned(),
            ColumnDef::new(Assignment::MetFaceToFace)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Assignment::FeedbackOpen)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Assignment::FeedbackHandled)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
        ];
        // One column per ALTER: SQLite adds columns one at a time.
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Assignment::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let backend = manager.get_database_backend();
        manager
            .get_connection()
            .execute_unprepared(&assignment_facts_sql(backend, false))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Assignment::ReplyCategory,
            Assignment::FirstSatisfaction,
            Assignment::FinalSatisfaction,
            Assignment::MetFaceToFace,
            Assignment::FeedbackOpen,
            Assignment::FeedbackHandled,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Assignment::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
