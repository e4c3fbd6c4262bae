//! 督办 over GraphQL: leaders' instructions, progress reports and the supervision
//! summary; thin resolvers over `service::supervision`.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};

use crate::graphql::access::{self, Allow, DESK_READERS, OFFICE, UNIT_WORK};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::error::{for_payload, for_query, user_error, UserErrorObject};
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::must;
use crate::graphql::loaders::UnitKey;
use crate::graphql::objects::HandlingUnit;
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self, page::PageArgs, supervision::ReportFilter};

#[derive(InputObject, Default)]
pub struct ProgressReportFilter {
    pub session_id: Option<ID>,
    pub unit_id: Option<ID>,
    /// Only those overdue as of this day.
    pub overdue_on: Option<Date>,
}

#[derive(Default)]
pub struct SupervisionQuery;

#[Object]
impl SupervisionQuery {
    /// Progress reports within sight (the office all; a unit those asked of it), earliest
    /// due first.
    #[graphql(
        guard = "Allow(DESK_READERS)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn progress_reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProgressReportFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<ProgressReport>> {
        let db = state(ctx)?.db.clone();
        let scope = access::scope(ctx);
        let input = filter.unwrap_or_default();
        let filter = ReportFilter {
            session_id: input
                .session_id
                .map(|id| ids::expect(&id, Kind::Session, &["filter", "sessionId"]))
                .transpose()
                .map_err(user_error)?,
            unit_id: input
                .unit_id
                .map(|id| ids::expect(&id, Kind::HandlingUnit, &["filter", "unitId"]))
                .transpose()
                .map_err(user_error)?,
            overdue_on: input.overdue_on.map(|d| d.0),
        };
        let page = service::supervision::list(&db, scope, &filter, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, filter) = (db.clone(), filter.clone());
            async move { service::supervision::count(&db, scope, &filter).await }
        });
        Ok(connection(page, total, ProgressReport))
    }

    /// 督办情况: a session's progress reports by status as of `asOf` (default today),
    /// overall and per unit (a unit sees its own).
    #[graphql(guard = "Allow(DESK_READERS)")]
    async fn supervision_summary(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        as_of: Option<Date>,
    ) -> Result<SupervisionSummary> {
        let st = state(ctx)?;
        let key = ids::expect(&session_id, Kind::Session, &["sessionId"]).map_err(user_error)?;
        let as_of = as_of.map_or_else(|| st.clock.today(), |d| d.0);
        let (overall, by_unit) =
            service::supervision::summary(&st.db, access::scope(ctx), key, as_of)
                .await
                .map_err(|e| for_query(ctx, e))?;
        let mut units = Vec::with_capacity(by_unit.len());
        for (unit_id, counts) in by_unit {
            units.push(UnitReportCounts {
                unit: HandlingUnit(must(ctx, UnitKey(unit_id), "unit").await?),
                counts: counts.into(),
            });
        }
        Ok(SupervisionSummary {
            as_of: Date(as_of),
            overall: overall.into(),
            by_unit: units,
        })
    }
}

#[derive(InputObject)]
pub struct RecordLeaderInstructionInput {
    pub suggestion_id: ID,
    /// Default: the suggestion's supervising leader.
    pub leader: Option<String>,
    pub content: String,
    /// Default today; never in the future.
    pub instructed_on: Option<Date>,
}

#[derive(InputObject)]
pub struct RequestProgressReportsInput {
    pub suggestion_id: ID,
    /// The date each unit reports by (today or later).
    pub due_on: Date,
    /// What the office wants to know.
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct FileProgressReportInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub body: String,
}

#[derive(InputObject)]
pub struct CancelProgressReportInput {
    pub id: ID,
    pub expected_version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct RecordLeaderInstructionPayload {
    pub instruction: Option<LeaderInstruction>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(SimpleObject)]
pub struct RequestProgressReportsPayload {
    /// One per unit handling the suggestion now.
    pub progress_reports: Vec<ProgressReport>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(SimpleObject)]
pub struct ProgressReportPayload {
    pub progress_report: Option<ProgressReport>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(Default)]
pub struct SupervisionMutation;

#[Object]
impl SupervisionMutation {
    /// Records a leader's instruction (领导批示) on a key suggestion (INVALID_STATE on
    /// others); shown in the timeline.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn record_leader_instruction(
        &self,
        ctx: &Context<'_>,
        input: RecordLeaderInstructionInput,
    ) -> Result<RecordLeaderInstructionPayload> {
        let st = state(ctx)?;
        let result = async {
            let suggestion_id = ids::expect(
                &input.suggestion_id,
                Kind::Suggestion,
                &["input", "suggestionId"],
            )?;
            let new = service::supervision::NewInstruction {
                suggestion_id,
                leader: input.leader,
                content: input.content,
                instructed_on: input.instructed_on.map(|d| d.0),
            };
            service::supervision::record_instruction(&st.db, new, st.clock.now(), st.clock.today())
                .await
        }
        .await;
        let (instruction, user_errors) = for_payload(ctx, result)?;
        Ok(RecordLeaderInstructionPayload {
            instruction: instruction.map(LeaderInstruction),
            user_errors,
        })
    }

    /// Asks each unit handling a key suggestion now for a progress report (办理进展) by
    /// `dueOn`; shown in the timeline.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn request_progress_reports(
        &self,
        ctx: &Context<'_>,
        input: RequestProgressReportsInput,
    ) -> Result<RequestProgressReportsPayload> {
        let st = state(ctx)?;
        let result = async {
            let suggestion_id = ids::expect(
                &input.suggestion_id,
                Kind::Suggestion,
                &["input", "suggestionId"],
            )?;
            let request = service::supervision::ReportRequest {
                suggestion_id,
                due_on: input.due_on.0,
                note: input.note,
            };
            service::supervision::request_reports(&st.db, request, st.clock.now(), st.clock.today())
                .await
        }
        .await;
        let (made, user_errors) = for_payload(ctx, result)?;
        Ok(RequestProgressReportsPayload {
            progress_reports: made
                .unwrap_or_default()
                .into_iter()
                .map(ProgressReport)
                .collect(),
            user_errors,
        })
    }

    /// The unit files its progress report (报送办理进展), once; late is recorded as late.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn file_progress_report(
        &self,
        ctx: &Context<'_>,
        input: FileProgressReportInput,
    ) -> Result<ProgressReportPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::ProgressReport, &["input", "id"])?;
            service::supervision::file_report(
                &st.db,
                access::scope(ctx),
                id,
                input.expected_version,
                &input.body,
                st.clock.now(),
                st.clock.today(),
            )
            .await
        }
        .await;
        let (report, user_errors) = for_payload(ctx, result)?;
        Ok(ProgressReportPayload {
            progress_report: report.map(ProgressReport),
            user_errors,
        })
    }

    /// The office cancels a request not filed yet.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn cancel_progress_report(
        &self,
        ctx: &Context<'_>,
        input: CancelProgressReportInput,
    ) -> Result<ProgressReportPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::ProgressReport, &["input", "id"])?;
            service::supervision::cancel_report(
                &st.db,
                id,
                input.expected_version,
                st.clock.now(),
                st.clock.today(),
            )
            .await
        }
        .await;
        let (report, user_errors) = for_payload(ctx, result)?;
        Ok(ProgressReportPayload {
            progress_report: report.map(ProgressReport),
            user_errors,
        })
    }
}
