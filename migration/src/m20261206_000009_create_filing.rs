//! Filing online and screening (提交 → 联名 → 审查 → 立案, issue 27): deputies (or a
//! delegation, 代表团) draft suggestions themselves, invite co-signers who confirm by the
//! session's co-signing deadline, and submit them; the office screens each one. An
//! accepted filing becomes a numbered suggestion (`suggestion_id`); the filing stays as
//! the record of how it got there.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Filing {
    Table,
    Id,
    SessionId,
    FilerDeputyId,
    Delegation,
    Kind,
    Period,
    Title,
    Content,
    Topic,
    Confidential,
    State,
    SubmittedOn,
    ScreenedOn,
    ScreeningComment,
    NotAcceptedGround,
    AsLetter,
    SuggestionId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FilingInvitation {
    Table,
    Id,
    FilingId,
    DeputyId,
    Answer,
    AnsweredOn,
    InvitedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    CoSignDeadline,
}

#[derive(DeriveIden)]
enum Suggestion {
    Table,
    Id,
    Delegation,
}

#[derive(DeriveIden)]
enum Deputy {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Filing::Table)
                    .col(big_pk_auto(Filing::Id))
                    .col(big_integer(Filing::SessionId))
                    .col(big_integer(Filing::FilerDeputyId))
                    .col(string_len_null(Filing::Delegation, 100))
                    .col(string_len(Filing::Kind, 16))
                    .col(string_len(Filing::Period, 16))
                    .col(string_len(Filing::Title, 500))
                    .col(text(Filing::Content))
                    .col(string_len_null(Filing::Topic, 100))
                    .col(boolean(Filing::Confidential))
                    .col(string_len(Filing::State, 24))
                    .col(date_null(Filing::SubmittedOn))
                    .col(date_null(Filing::ScreenedOn))
                    .col(text_null(Filing::ScreeningComment))
                    .col(string_len_null(Filing::NotAcceptedGround, 24))
                    .col(boolean(Filing::AsLetter).default(false))
                    .col(big_integer_null(Filing::SuggestionId))
                    .col(integer(Filing::Version))
                    .col(timestamp_with_time_zone(Filing::CreatedAt))
                    .col(timestamp_with_time_zone(Filing::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_filing_session",
                        (Filing::Table, Filing::SessionId),
                        (Session::Table, Session::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_filing_deputy",
                        (Filing::Table, Filing::FilerDeputyId),
                        (Deputy::Table, Deputy::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_filing_suggestion",
                        (Filing::Table, Filing::SuggestionId),
                        (Suggestion::Table, Suggestion::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The office's screening desk: a session's filings in one state.
        manager
            .create_index(index(
                "idx_filing_session_state",
                Filing::Table,
                &["session_id", "state"],
            ))
            .await?;
        // A deputy's own filings.
        manager
            .create_index(index(
                "idx_filing_filer",
                Filing::Table,
                &["filer_deputy_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FilingInvitation::Table)
                    .col(big_pk_auto(FilingInvitation::Id))
                    .col(big_integer(FilingInvitation::FilingId))
                    .col(big_integer(FilingInvitation::DeputyId))
                    .col(string_len(FilingInvitation::Answer, 16))
                    .col(date_null(FilingInvitation::AnsweredOn))
                    .col(timestamp_with_time_zone(FilingInvitation::InvitedAt))
                    .foreign_key(&mut fk(
                        "fk_filing_invitation_filing",
                        (FilingInvitation::Table, FilingInvitation::FilingId),
                        (Filing::Table, Filing::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_filing_invitation_deputy",
                        (FilingInvitation::Table, FilingInvitation::DeputyId),
                        (Deputy::Table, Deputy::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_filing_invitation",
                    FilingInvitation::Table,
                    &["filing_id", "deputy_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // "Filings I am invited to sign", for a deputy.
        manager
            .create_index(index(
                "idx_filing_invitation_deputy",
                FilingInvitation::Table,
                &["deputy_id"],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Session::Table)
                    .add_column(ColumnDef::new(Session::CoSignDeadline).date().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Suggestion::Table)
                    .add_column(
                        ColumnDef::new(Suggestion::Delegation)
                            .string_len(100)
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Suggestion::Table)
                    .drop_column(Suggestion::Delegation)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Session::Table)
                    .drop_column(Session::CoSignDeadline)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(FilingInvitation::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Filing::Table).to_owned())
            .await
    }
}
