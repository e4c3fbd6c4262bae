//! Deadline history, so deadline figures as of a past date use what was in force on that
//! date (issue 27, defect 1). An assignment's own columns hold its current span — the
//! round and due date in force since `span_from`; each span it left behind (a round
//! ended by an UNSATISFIED rating, a due date replaced by an approved extension) is a row
//! of `deadline_span` covering `[from_on, until_on)`.
//!
//! Existing history is filled in by the application after the migrations
//! (`service::deadline::upgrade_spans`), which derives it from the rounds and approved
//! extensions with the same rule the workflow uses; until then `span_from` is the
//! assignment date, which is right for every assignment without history.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeadlineSpan {
    Table,
    Id,
    AssignmentId,
    Round,
    FromOn,
    UntilOn,
    DueOn,
    DueSoonFrom,
    AnsweredOn,
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
    SpanFrom,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeadlineSpan::Table)
                    .col(big_pk_auto(DeadlineSpan::Id))
                    .col(big_integer(DeadlineSpan::AssignmentId))
                    .col(integer(DeadlineSpan::Round))
                    .col(date(DeadlineSpan::FromOn))
                    .col(date(DeadlineSpan::UntilOn))
                    .col(date(DeadlineSpan::DueOn))
                    .col(date(DeadlineSpan::DueSoonFrom))
                    .col(date_null(DeadlineSpan::AnsweredOn))
                    .foreign_key(&mut fk(
                        "fk_deadline_span_assignment",
                        (DeadlineSpan::Table, DeadlineSpan::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // "The span of assignment A that contains day D" is one probe of this index.
        manager
            .create_index(
                index(
                    "uq_deadline_span_assignment_from",
                    DeadlineSpan::Table,
                    &["assignment_id", "from_on"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // "Spans that contain day D", for the deadline summary of a past date.
        manager
            .create_index(index(
                "idx_deadline_span_dates",
                DeadlineSpan::Table,
                &["from_on", "until_on"],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Assignment::Table)
                    .add_column(
                        ColumnDef::new(Assignment::SpanFrom)
                            .date()
                            .not_null()
                            .default("2000-01-01"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE assignment SET span_from = assigned_on")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Assignment::Table)
                    .drop_column(Assignment::SpanFrom)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(DeadlineSpan::Table).to_owned())
            .await
    }
}
