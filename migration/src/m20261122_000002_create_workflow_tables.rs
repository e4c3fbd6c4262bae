//! The handling workflow (rounds, timeline, returns, extensions, contacts, co-handler
//! opinions, ratings, follow-ups) and China's official working calendar, loaded with the
//! State Council's announcements for 2020–2026 (`migration/data/`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const CALENDAR_CSV: &str = include_str!("../data/cn-official-calendar-2020-2026.csv");
const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 2020..=2026;
const CALENDAR_SOURCE: &str =
    "国务院办公厅关于部分节假日安排的通知 (2020–2026), shipped with banli";

#[derive(DeriveIden)]
enum Assignment {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Suggestion {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum HandlingUnit {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Deputy {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Reply {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum HandlingRound {
    Table,
    Id,
    AssignmentId,
    Round,
    StartedOn,
    DueOn,
    OriginalDueOn,
    DueProvisional,
    AnsweredOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WorkflowEvent {
    Table,
    Id,
    SuggestionId,
    AssignmentId,
    Kind,
    ActorRole,
    ActorUserId,
    OccurredAt,
    Details,
}

#[derive(DeriveIden)]
enum ReturnRequest {
    Table,
    Id,
    AssignmentId,
    Reason,
    SuggestedUnitId,
    RequestedOn,
    Status,
    DecidedOn,
    DecisionNote,
    NewAssignmentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ExtensionRequest {
    Table,
    Id,
    AssignmentId,
    Round,
    Reason,
    RequestedDueOn,
    RequestedOn,
    Status,
    DecidedOn,
    ApprovedDueOn,
    DecisionNote,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ContactRecord {
    Table,
    Id,
    AssignmentId,
    Stage,
    Method,
    ContactedOn,
    Participants,
    Notes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CoOpinion {
    Table,
    Id,
    AssignmentId,
    Round,
    Body,
    SignedBy,
    SentOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Rating {
    Table,
    Id,
    ReplyId,
    AssignmentId,
    Round,
    DeputyId,
    ByLeadDeputy,
    Satisfaction,
    WorkSatisfaction,
    ResultSatisfaction,
    Comment,
    RatedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FollowUp {
    Table,
    Id,
    AssignmentId,
    ReplyId,
    Body,
    RepliedOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AssignmentTally {
    Table,
    SessionId,
    UnitId,
    AnsweredOnTime,
    AnsweredLate,
}

#[derive(DeriveIden)]
enum CalendarDay {
    Table,
    Day,
    Kind,
    Festival,
}

#[derive(DeriveIden)]
enum CalendarYear {
    Table,
    Year,
    Source,
    LoadedAt,
}

/// The rows of the shipped calendar: (date, HOLIDAY|WORKDAY, festival).
fn calendar_rows() -> Result<Vec<(chrono::NaiveDate, &'static str, String)>, DbErr> {
    let mut rows = Vec::new();
    for (i, line) in CALENDAR_CSV.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ',');
        let (Some(date), Some(kind), Some(festival)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(DbErr::Migration(format!(
                "calendar data line {}: expected 3 fields",
                i + 1
            )));
        };
        let kind = match kind {
            "holiday" => "HOLIDAY",
            "workday" => "WORKDAY",
            other => {
                return Err(DbErr::Migration(format!(
                    "calendar data line {}: kind {other}",
                    i + 1
                )))
            }
        };
        let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|e| DbErr::Migration(format!("calendar data line {}: {e}", i + 1)))?;
        rows.push((date, kind, festival.to_owned()));
    }
    Ok(rows)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HandlingRound::Table)
                    .col(big_pk_auto(HandlingRound::Id))
                    .col(big_integer(HandlingRound::AssignmentId))
                    .col(integer(HandlingRound::Round))
                    .col(date(HandlingRound::StartedOn))
                    .col(date(HandlingRound::DueOn))
                    .col(date(HandlingRound::OriginalDueOn))
                    .col(boolean(HandlingRound::DueProvisional))
                    .col(date_null(HandlingRound::AnsweredOn))
                    .col(timestamp_with_time_zone(HandlingRound::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_handling_round_assignment",
                        (HandlingRound::Table, HandlingRound::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_handling_round_assignment_round",
                    HandlingRound::Table,
                    &["assignment_id", "round"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkflowEvent::Table)
                    .col(big_pk_auto(WorkflowEvent::Id))
                    .col(big_integer(WorkflowEvent::SuggestionId))
                    .col(big_integer_null(WorkflowEvent::AssignmentId))
                    .col(string_len(WorkflowEvent::Kind, 40))
                    .col(string_len(WorkflowEvent::ActorRole, 16))
                    .col(big_integer_null(WorkflowEvent::ActorUserId))
                    .col(timestamp_with_time_zone(WorkflowEvent::OccurredAt))
                    .col(json(WorkflowEvent::Details))
                    .foreign_key(&mut fk(
                        "fk_workflow_event_suggestion",
                        (WorkflowEvent::Table, WorkflowEvent::SuggestionId),
                        (Suggestion::Table, Suggestion::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_workflow_event_assignment",
                        (WorkflowEvent::Table, WorkflowEvent::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_workflow_event_suggestion",
                WorkflowEvent::Table,
                &["suggestion_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_workflow_event_assignment",
                WorkflowEvent::Table,
                &["assignment_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReturnRequest::Table)
                    .col(big_pk_auto(ReturnRequest::Id))
                    .col(big_integer(ReturnRequest::AssignmentId))
                    .col(text(ReturnRequest::Reason))
                    .col(big_integer_null(ReturnRequest::SuggestedUnitId))
                    .col(date(ReturnRequest::RequestedOn))
                    .col(string_len(ReturnRequest::Status, 16))
                    .col(date_null(ReturnRequest::DecidedOn))
                    .col(text_null(ReturnRequest::DecisionNote))
                    .col(big_integer_null(ReturnRequest::NewAssignmentId))
                    .col(timestamp_with_time_zone(ReturnRequest::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_return_request_assignment",
                        (ReturnRequest::Table, ReturnRequest::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_return_request_suggested_unit",
                        (ReturnRequest::Table, ReturnRequest::SuggestedUnitId),
                        (HandlingUnit::Table, HandlingUnit::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_return_request_new_assignment",
                        (ReturnRequest::Table, ReturnRequest::NewAssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_return_request_assignment",
                ReturnRequest::Table,
                &["assignment_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_return_request_status",
                ReturnRequest::Table,
                &["status"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ExtensionRequest::Table)
                    .col(big_pk_auto(ExtensionRequest::Id))
                    .col(big_integer(ExtensionRequest::AssignmentId))
                    .col(integer(ExtensionRequest::Round))
                    .col(text(ExtensionRequest::Reason))
                    .col(date_null(ExtensionRequest::RequestedDueOn))
                    .col(date(ExtensionRequest::RequestedOn))
                    .col(string_len(ExtensionRequest::Status, 16))
                    .col(date_null(ExtensionRequest::DecidedOn))
                    .col(date_null(ExtensionRequest::ApprovedDueOn))
                    .col(text_null(ExtensionRequest::DecisionNote))
                    .col(timestamp_with_time_zone(ExtensionRequest::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_extension_request_assignment",
                        (ExtensionRequest::Table, ExtensionRequest::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_extension_request_assignment",
                ExtensionRequest::Table,
                &["assignment_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_extension_request_status",
                ExtensionRequest::Table,
                &["status"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ContactRecord::Table)
                    .col(big_pk_auto(ContactRecord::Id))
                    .col(big_integer(ContactRecord::AssignmentId))
                    .col(string_len(ContactRecord::Stage, 16))
                    .col(string_len(ContactRecord::Method, 16))
                    .col(date(ContactRecord::ContactedOn))
                    .col(string_len(ContactRecord::Participants, 500))
                    .col(text_null(ContactRecord::Notes))
                    .col(timestamp_with_time_zone(ContactRecord::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_contact_record_assignment",
                        (ContactRecord::Table, ContactRecord::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_contact_record_assignment",
                ContactRecord::Table,
                &["assignment_id", "method"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CoOpinion::Table)
                    .col(big_pk_auto(CoOpinion::Id))
                    .col(big_integer(CoOpinion::AssignmentId))
                    .col(integer(CoOpinion::Round))
                    .col(text(CoOpinion::Body))
                    .col(string_len(CoOpinion::SignedBy, 100))
                    .col(date(CoOpinion::SentOn))
                    .col(timestamp_with_time_zone(CoOpinion::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_co_opinion_assignment",
                        (CoOpinion::Table, CoOpinion::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_co_opinion_assignment_round",
                    CoOpinion::Table,
                    &["assignment_id", "round"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Rating::Table)
                    .col(big_pk_auto(Rating::Id))
                    .col(big_integer(Rating::ReplyId))
                    .col(big_integer(Rating::AssignmentId))
                    .col(integer(Rating::Round))
                    .col(big_integer(Rating::DeputyId))
                    .col(boolean(Rating::ByLeadDeputy))
                    .col(string_len(Rating::Satisfaction, 24))
                    .col(string_len_null(Rating::WorkSatisfaction, 24))
                    .col(string_len_null(Rating::ResultSatisfaction, 24))
                    .col(text_null(Rating::Comment))
                    .col(date(Rating::RatedOn))
                    .col(timestamp_with_time_zone(Rating::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_rating_reply",
                        (Rating::Table, Rating::ReplyId),
                        (Reply::Table, Reply::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_rating_assignment",
                        (Rating::Table, Rating::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_rating_deputy",
                        (Rating::Table, Rating::DeputyId),
                        (Deputy::Table, Deputy::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_rating_reply_deputy",
                    Rating::Table,
                    &["reply_id", "deputy_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_rating_assignment",
                Rating::Table,
                &["assignment_id", "round"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FollowUp::Table)
                    .col(big_pk_auto(FollowUp::Id))
                    .col(big_integer(FollowUp::AssignmentId))
                    .col(big_integer(FollowUp::ReplyId))
                    .col(text(FollowUp::Body))
                    .col(date(FollowUp::RepliedOn))
                    .col(timestamp_with_time_zone(FollowUp::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_follow_up_assignment",
                        (FollowUp::Table, FollowUp::AssignmentId),
                        (Assignment::Table, Assignment::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_follow_up_reply",
                        (FollowUp::Table, FollowUp::ReplyId),
                        (Reply::Table, Reply::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_follow_up_assignment",
                FollowUp::Table,
                &["assignment_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AssignmentTally::Table)
                    .col(big_integer(AssignmentTally::SessionId))
                    .col(big_integer(AssignmentTally::UnitId))
                    .col(big_integer(AssignmentTally::AnsweredOnTime))
                    .col(big_integer(AssignmentTally::AnsweredLate))
                    .primary_key(
                        Index::create()
                            .col(AssignmentTally::SessionId)
                            .col(AssignmentTally::UnitId),
                    )
                    .to_owned(),
            )
            .await?;
        // Unanswered deadlines, covered: today's summary counts them per unit from this
        // index alone (they are a small share of a decade of answered ones).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_assignment_open_summary ON assignment \
                 (session_id, unit_id, status, assigned_on, due_on, due_soon_from, answered_on) \
                 WHERE answered_on IS NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarDay::Table)
                    .col(date(CalendarDay::Day).primary_key())
                    .col(string_len(CalendarDay::Kind, 16))
                    .col(string_len(CalendarDay::Festival, 50))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarYear::Table)
                    .col(integer(CalendarYear::Year).primary_key())
                    .col(string_len(CalendarYear::Source, 300))
                    .col(timestamp_with_time_zone(CalendarYear::LoadedAt))
                    .to_owned(),
            )
            .await?;

        // The shipped calendar, as data an administrator can later correct or extend.
        let rows = calendar_rows()?;
        for chunk in rows.chunks(100) {
            let mut insert = Query::insert();
            insert.into_table(CalendarDay::Table).columns([
                CalendarDay::Day,
                CalendarDay::Kind,
                CalendarDay::Festival,
            ]);
            for (day, kind, festival) in chunk {
                insert.values_panic([(*day).into(), (*kind).into(), festival.as_str().into()]);
            }
            manager.exec_stmt(insert.to_owned()).await?;
        }
        let mut years = Query::insert();
        years.into_table(CalendarYear::Table).columns([
            CalendarYear::Year,
            CalendarYear::Source,
            CalendarYear::LoadedAt,
        ]);
        for year in CALENDAR_YEARS {
            years.values_panic([
                year.into(),
                CALENDAR_SOURCE.into(),
                Expr::current_timestamp(),
            ]);
        }
        manager.exec_stmt(years.to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CalendarYear::Table.into_iden(),
            CalendarDay::Table.into_iden(),
            AssignmentTally::Table.into_iden(),
            FollowUp::Table.into_iden(),
            Rating::Table.into_iden(),
            CoOpinion::Table.into_iden(),
            ContactRecord::Table.into_iden(),
            ExtensionRequest::Table.into_iden(),
            ReturnRequest::Table.into_iden(),
            WorkflowEvent::Table.into_iden(),
            HandlingRound::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
