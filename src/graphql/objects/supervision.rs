//! 督办: leaders' instructions, progress reports and their status as of a day, and the counts of overdue reports.

use async_graphql::{Context, Enum, Object, Result, SimpleObject, ID};
use entity::{leader_instruction, progress_report};

use crate::domain::deadline::DeadlineRules;
use crate::domain::supervision::ReportStatus as Status;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::{must, visible};
use crate::graphql::loaders::{AssignmentKey, SessionKey, SuggestionKey};
use crate::graphql::objects::{Assignment, HandlingUnit, Suggestion};
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::state;
use crate::service::{self};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ReportState")]
/// Where a progress report stands.
pub enum ReportState {
    /// 待报送
    Requested,
    /// 已报送
    Filed,
    /// 已取消
    Cancelled,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
/// A progress report's status as of a day, in the words of deadlines.
pub enum ReportStatus {
    /// Requested, not due yet.
    Pending,
    /// Due within the session's due-soon days.
    DueSoon,
    /// Not filed after its date.
    Overdue,
    FiledOnTime,
    FiledLate,
}

impl From<Status> for ReportStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Pending => Self::Pending,
            Status::DueSoon => Self::DueSoon,
            Status::Overdue => Self::Overdue,
            Status::FiledOnTime => Self::FiledOnTime,
            Status::FiledLate => Self::FiledLate,
        }
    }
}

/// A supervising leader's instruction (领导批示).
pub struct LeaderInstruction(pub leader_instruction::Model);

#[Object]
impl LeaderInstruction {
    async fn leader(&self) -> &str {
        &self.0.leader
    }
    async fn content(&self) -> &str {
        &self.0.content
    }
    async fn instructed_on(&self) -> Date {
        Date(self.0.instructed_on)
    }
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// A progress report (办理进展) asked of a unit by a date.
pub struct ProgressReport(pub progress_report::Model);

#[Object]
impl ProgressReport {
    pub async fn id(&self) -> ID {
        encode(Kind::ProgressReport, self.0.id)
    }
    async fn suggestion(&self, ctx: &Context<'_>) -> Result<Option<Suggestion>> {
        Ok(visible(ctx, SuggestionKey(self.0.suggestion_id))
            .await?
            .map(Suggestion))
    }
    /// The assignment (and so the unit) it is asked of.
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Option<Assignment>> {
        Ok(visible(ctx, AssignmentKey(self.0.assignment_id))
            .await?
            .map(Assignment))
    }
    async fn requested_on(&self) -> Date {
        Date(self.0.requested_on)
    }
    async fn due_on(&self) -> Date {
        Date(self.0.due_on)
    }
    /// What the office wants to know.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn state(&self) -> ReportState {
        self.0.state.into()
    }
    async fn filed_on(&self) -> Option<Date> {
        self.0.filed_on.map(Date)
    }
    /// The unit's report.
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
    async fn cancelled_on(&self) -> Option<Date> {
        self.0.cancelled_on.map(Date)
    }
    /// The status as of `asOf` (default today); null before it was requested and once
    /// cancelled.
    async fn status(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<Option<ReportStatus>> {
        let st = state(ctx)?;
        let as_of = as_of.map_or_else(|| st.clock.today(), |d| d.0);
        let suggestion = visible(ctx, SuggestionKey(self.0.suggestion_id)).await?;
        let due_soon_days = match suggestion {
            Some(s) => {
                let session = must(ctx, SessionKey(s.session_id), "session").await?;
                DeadlineRules::stored(&session.deadline_rules).due_soon_days
            }
            None => crate::domain::deadline::DeadlineRules::default().due_soon_days,
        };
        Ok(service::supervision::status_of(&self.0, due_soon_days, as_of).map(Into::into))
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Progress reports counted by status.
#[derive(SimpleObject, Default)]
pub struct ReportCounts {
    pub pending: u64,
    pub due_soon: u64,
    pub overdue: u64,
    pub filed_on_time: u64,
    pub filed_late: u64,
}

impl From<service::supervision::ReportCounts> for ReportCounts {
    fn from(c: service::supervision::ReportCounts) -> Self {
        Self {
            pending: c.pending,
            due_soon: c.due_soon,
            overdue: c.overdue,
            filed_on_time: c.filed_on_time,
            filed_late: c.filed_late,
        }
    }
}

#[derive(SimpleObject)]
pub struct UnitReportCounts {
    pub unit: HandlingUnit,
    pub counts: ReportCounts,
}

/// 督办情况: a session's progress reports by status as of a day.
#[derive(SimpleObject)]
pub struct SupervisionSummary {
    pub as_of: Date,
    pub overall: ReportCounts,
    pub by_unit: Vec<UnitReportCounts>,
}
