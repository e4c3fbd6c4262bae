//! 督办 (issue 27): the supervising leader's instructions on a key suggestion (领导批示) and
//! the progress reports (办理进展) the office asks the handling units for by set dates.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LeaderInstruction {
    Table,
    Id,
    SuggestionId,
    Leader,
    Content,
    InstructedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProgressReport {
    Table,
    Id,
    SuggestionId,
    AssignmentId,
    RequestedOn,
    DueOn,
    Note,
    State,
    FiledOn,
    Body,
    CancelledOn,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Suggestion {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LeaderInstruction::Table)
                    .col(big_pk_auto(LeaderInstruction::Id))
                    .col(big_integer(LeaderInstruction::SuggestionId))
                    .col(string_len(LeaderInstruction::Leader, 100))
                    .col(text(LeaderInstruction::Content))
                    .col(date(LeaderInstruction::InstructedOn))
                    .col(timestamp_with_time_zone(LeaderInstruction::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_leader_instruction_suggestion",
                        (LeaderInstruction::Table, LeaderInstruction::SuggestionId),
                        (Suggestion::Table, Suggestion::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_leader_instruction_suggestion",
                LeaderInstruction::Table,
                &["suggestion_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProgressReport::Table)
                    .col(big_pk_auto(ProgressReport::Id))
                    .col(big_integer(ProgressReport::SuggestionId))
                    .col(big_integer(ProgressReport::AssignmentId))
                    .col(date(ProgressReport::RequestedOn))
                    .col(date(ProgressReport::DueOn))
                    .col(text_null(ProgressReport::Note))
                    .col(string_len(ProgressReport::State, 16))
                    .col(date_null(ProgressReport::FiledOn))
                    .col(text_null(ProgressReport::Body))
                    .col(date_null(ProgressReport::CancelledOn))
                    .col(integer(ProgressReport::Version))
                    .col(timestamp_with_time_zone(ProgressReport::CreatedAt))
                    .col(timestamp_with_time_zone(ProgressReport::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_progress_report_suggestion",
                        (ProgressReport::Table, ProgressReport::SuggestionId),
                        (Suggestion::Table, Suggestion::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_progress_report_assignment",
                        (ProgressReport::Table, ProgressReport::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_progress_report_suggestion",
                ProgressReport::Table,
                &["suggestion_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_progress_report_assignment",
                ProgressReport::Table,
                &["assignment_id"],
            ))
            .await?;
        // The desks' "what is overdue": reports still requested, by date.
        manager
            .create_index(index(
                "idx_progress_report_due",
                ProgressReport::Table,
                &["state", "due_on"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProgressReport::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LeaderInstruction::Table).to_owned())
            .await
    }
}
