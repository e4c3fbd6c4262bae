//! The core records: sessions, deputies, handling units, suggestions with their co-signers,
//! assignments, replies and public feedback. Every foreign key is declared, and every column
//! a list query filters or orders by has an index.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    Name,
    Level,
    Term,
    Meeting,
    OpensOn,
    ClosesOn,
    CategoryScheme,
    DeadlineRules,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deputy {
    Table,
    Id,
    Name,
    Delegation,
    Phone,
    Address,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum HandlingUnit {
    Table,
    Id,
    Name,
    Code,
    ParentId,
    OfficePhone,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Suggestion {
    Table,
    Id,
    SessionId,
    Kind,
    Number,
    Title,
    Content,
    Period,
    LeadDeputyId,
    Topic,
    IsKey,
    SupervisingLeader,
    Confidential,
    Status,
    SubmittedOn,
    Version,
    RegisteredAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SuggestionCoSigner {
    Table,
    SuggestionId,
    DeputyId,
    Position,
}

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
    SuggestionId,
    SessionId,
    UnitId,
    Role,
    AssignedOn,
    DueOn,
    DueOnExplicit,
    OriginalDueOn,
    DueSoonFrom,
    DueProvisional,
    Round,
    SignedForAt,
    Status,
    AnsweredOn,
    ContactName,
    ContactPhone,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Reply {
    Table,
    Id,
    AssignmentId,
    Round,
    DocNumber,
    Addressee,
    Category,
    OriginalCategory,
    ReviewedAt,
    Body,
    Summary,
    SignedBy,
    RepliedOn,
    ContactName,
    ContactPhone,
    CopyTo,
    Publication,
    PublishedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PublicFeedback {
    Table,
    Id,
    ReplyId,
    Name,
    Contact,
    Content,
    Status,
    Answer,
    SubmittedAt,
    LookupCode,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(big_pk_auto(Session::Id))
                    .col(string_len(Session::Name, 200).unique_key())
                    .col(string_len(Session::Level, 16))
                    .col(integer(Session::Term))
                    .col(integer(Session::Meeting))
                    .col(date_null(Session::OpensOn))
                    .col(date_null(Session::ClosesOn))
                    .col(json(Session::CategoryScheme))
                    .col(json(Session::DeadlineRules))
                    .col(integer(Session::Version))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deputy::Table)
                    .col(big_pk_auto(Deputy::Id))
                    .col(string_len(Deputy::Name, 100))
                    .col(string_len_null(Deputy::Delegation, 100))
                    .col(string_len_null(Deputy::Phone, 40))
                    .col(string_len_null(Deputy::Address, 300))
                    .col(integer(Deputy::Version))
                    .col(timestamp_with_time_zone(Deputy::CreatedAt))
                    .col(timestamp_with_time_zone(Deputy::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_deputy_name", Deputy::Table, &["name"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HandlingUnit::Table)
                    .col(big_pk_auto(HandlingUnit::Id))
                    .col(string_len(HandlingUnit::Name, 200).unique_key())
                    .col(string_len(HandlingUnit::Code, 64).unique_key())
                    .col(big_integer_null(HandlingUnit::ParentId))
                    .col(string_len_null(HandlingUnit::OfficePhone, 40))
                    .col(integer(HandlingUnit::Version))
                    .col(timestamp_with_time_zone(HandlingUnit::CreatedAt))
                    .col(timestamp_with_time_zone(HandlingUnit::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_handling_unit_parent",
                        (HandlingUnit::Table, HandlingUnit::ParentId),
                        (HandlingUnit::Table, HandlingUnit::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_handling_unit_parent",
                HandlingUnit::Table,
                &["parent_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Suggestion::Table)
                    .col(big_pk_auto(Suggestion::Id))
                    .col(big_integer(Suggestion::SessionId))
                    .col(string_len(Suggestion::Kind, 16))
                    .col(string_len(Suggestion::Number, 32))
                    .col(string_len(Suggestion::Title, 500))
                    .col(text(Suggestion::Content))
                    .col(string_len(Suggestion::Period, 16))
                    .col(big_integer(Suggestion::LeadDeputyId))
                    .col(string_len_null(Suggestion::Topic, 100))
                    .col(boolean(Suggestion::IsKey))
                    .col(string_len_null(Suggestion::SupervisingLeader, 100))
                    .col(boolean(Suggestion::Confidential))
                    .col(string_len(Suggestion::Status, 16))
                    .col(date(Suggestion::SubmittedOn))
                    .col(integer(Suggestion::Version))
                    .col(timestamp_with_time_zone(Suggestion::RegisteredAt))
                    .col(timestamp_with_time_zone(Suggestion::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_suggestion_session",
                        (Suggestion::Table, Suggestion::SessionId),
                        (Session::Table, Session::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_suggestion_lead_deputy",
                        (Suggestion::Table, Suggestion::LeadDeputyId),
                        (Deputy::Table, Deputy::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // The number is unique within its session: the DUPLICATE user error maps this name.
        manager
            .create_index(
                index(
                    "uq_suggestion_session_number",
                    Suggestion::Table,
                    &["session_id", "number"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_suggestion_session_status",
                &["session_id", "status"][..],
            ),
            ("idx_suggestion_lead_deputy", &["lead_deputy_id"][..]),
            ("idx_suggestion_status", &["status"][..]),
            ("idx_suggestion_submitted_on", &["submitted_on"][..]),
            ("idx_suggestion_is_key", &["is_key"][..]),
            ("idx_suggestion_topic", &["topic"][..]),
        ] {
            manager
                .create_index(index(name, Suggestion::Table, cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SuggestionCoSigner::Table)
                    .col(big_integer(SuggestionCoSigner::SuggestionId))
                    .col(big_integer(SuggestionCoSigner::DeputyId))
                    .col(integer(SuggestionCoSigner::Position))
                    .primary_key(
                        Index::create()
                            .col(SuggestionCoSigner::SuggestionId)
                            .col(SuggestionCoSigner::DeputyId),
                    )
                    .foreign_key(&mut fk(
                        "fk_co_signer_suggestion",
                        (SuggestionCoSigner::Table, SuggestionCoSigner::SuggestionId),
                        (Suggestion::Table, Suggestion::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_co_signer_deputy",
                        (SuggestionCoSigner::Table, SuggestionCoSigner::DeputyId),
                        (Deputy::Table, Deputy::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_co_signer_deputy",
                SuggestionCoSigner::Table,
                &["deputy_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Assignment::Table)
                    .col(big_pk_auto(Assignment::Id))
                    .col(big_integer(Assignment::SuggestionId))
                    .col(big_integer(Assignment::SessionId))
                    .col(big_integer(Assignment::UnitId))
                    .col(string_len(Assignment::Role, 16))
                    .col(date(Assignment::AssignedOn))
                    .col(date(Assignment::DueOn))
                    .col(boolean(Assignment::DueOnExplicit))
                    .col(date(Assignment::OriginalDueOn))
                    .col(date(Assignment::DueSoonFrom))
                    .col(boolean(Assignment::DueProvisional))
                    .col(integer(Assignment::Round))
                    .col(timestamp_with_time_zone_null(Assignment::SignedForAt))
                    .col(string_len(Assignment::Status, 16))
                    .col(date_null(Assignment::AnsweredOn))
                    .col(string_len_null(Assignment::ContactName, 100))
                    .col(string_len_null(Assignment::ContactPhone, 40))
                    .col(integer(Assignment::Version))
                    .col(timestamp_with_time_zone(Assignment::CreatedAt))
                    .col(timestamp_with_time_zone(Assignment::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_assignment_suggestion",
                        (Assignment::Table, Assignment::SuggestionId),
                        (Suggestion::Table, Suggestion::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_assignment_session",
                        (Assignment::Table, Assignment::SessionId),
                        (Session::Table, Session::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_assignment_unit",
                        (Assignment::Table, Assignment::UnitId),
                        (HandlingUnit::Table, HandlingUnit::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_assignment_suggestion_unit",
                    Assignment::Table,
                    &["suggestion_id", "unit_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_assignment_unit_due", &["unit_id", "due_on"][..]),
            (
                "idx_assignment_session_unit",
                &["session_id", "unit_id"][..],
            ),
            ("idx_assignment_due", &["due_on"][..]),
            ("idx_assignment_status_due", &["status", "due_on"][..]),
            ("idx_assignment_assigned_on", &["assigned_on"][..]),
            ("idx_assignment_due_soon_from", &["due_soon_from"][..]),
        ] {
            manager
                .create_index(index(name, Assignment::Table, cols))
                .await?;
        }

        // Open deadlines (not answered) are few among a decade of answered ones; lists of
        // what is overdue or due soon read this partial index instead of the whole table.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_assignment_open_due ON assignment (due_on, id, status, assigned_on) \
                 WHERE answered_on IS NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reply::Table)
                    .col(big_pk_auto(Reply::Id))
                    .col(big_integer(Reply::AssignmentId))
                    .col(integer(Reply::Round))
                    .col(string_len_null(Reply::DocNumber, 100))
                    .col(string_len_null(Reply::Addressee, 200))
                    .col(string_len(Reply::Category, 1))
                    .col(string_len_null(Reply::OriginalCategory, 1))
                    .col(timestamp_with_time_zone_null(Reply::ReviewedAt))
                    .col(text(Reply::Body))
                    .col(text_null(Reply::Summary))
                    .col(string_len(Reply::SignedBy, 100))
                    .col(date(Reply::RepliedOn))
                    .col(string_len(Reply::ContactName, 100))
                    .col(string_len(Reply::ContactPhone, 40))
                    .col(string_len_null(Reply::CopyTo, 500))
                    .col(string_len(Reply::Publication, 16))
                    .col(timestamp_with_time_zone_null(Reply::PublishedAt))
                    .col(integer(Reply::Version))
                    .col(timestamp_with_time_zone(Reply::CreatedAt))
                    .col(timestamp_with_time_zone(Reply::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_reply_assignment",
                        (Reply::Table, Reply::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_reply_assignment_round",
                    Reply::Table,
                    &["assignment_id", "round"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_reply_category", &["category"][..]),
            ("idx_reply_published_at", &["published_at"][..]),
        ] {
            manager
                .create_index(index(name, Reply::Table, cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(PublicFeedback::Table)
                    .col(big_pk_auto(PublicFeedback::Id))
                    .col(big_integer(PublicFeedback::ReplyId))
                    .col(string_len_null(PublicFeedback::Name, 50))
                    .col(string_len_null(PublicFeedback::Contact, 100))
                    .col(text(PublicFeedback::Content))
                    .col(string_len(PublicFeedback::Status, 16))
                    .col(text_null(PublicFeedback::Answer))
                    .col(timestamp_with_time_zone(PublicFeedback::SubmittedAt))
                    .col(string_len(PublicFeedback::LookupCode, 32).unique_key())
                    .col(integer(PublicFeedback::Version))
                    .col(timestamp_with_time_zone(PublicFeedback::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_public_feedback_reply",
                        (PublicFeedback::Table, PublicFeedback::ReplyId),
                        (Reply::Table, Reply::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_public_feedback_reply", &["reply_id", "status"][..]),
            ("idx_public_feedback_status", &["status"][..]),
        ] {
            manager
                .create_index(index(name, PublicFeedback::Table, cols))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PublicFeedback::Table.into_iden(),
            Reply::Table.into_iden(),
            Assignment::Table.into_iden(),
            SuggestionCoSigner::Table.into_iden(),
            Suggestion::Table.into_iden(),
            HandlingUnit::Table.into_iden(),
            Deputy::Table.into_iden(),
            Session::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
