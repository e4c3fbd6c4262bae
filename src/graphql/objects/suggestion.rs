//! A suggestion (建议), with its assignments, timeline and replies.

use async_graphql::{Context, Object, Result, ID};
use entity::{assignment, suggestion};

use crate::graphql::enums;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::*;
use crate::graphql::objects::*;
use crate::graphql::scalars::{Date, DateTime};
use crate::service;

/// A suggestion (建议) or proposal (提案).
pub struct Suggestion(pub suggestion::Model);

#[Object]
impl Suggestion {
    pub async fn id(&self) -> ID {
        encode(Kind::Suggestion, self.0.id)
    }
    async fn kind(&self) -> enums::SuggestionKind {
        self.0.kind.into()
    }
    async fn session(&self, ctx: &Context<'_>) -> Result<Session> {
        Ok(Session(
            must(ctx, SessionKey(self.0.session_id), "session").await?,
        ))
    }
    /// 编号, unique within the session, e.g. "0255".
    async fn number(&self) -> &str {
        &self.0.number
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn content(&self) -> &str {
        &self.0.content
    }
    async fn period(&self) -> enums::FilingPeriod {
        self.0.period.into()
    }
    /// 领衔代表
    async fn lead_deputy(&self, ctx: &Context<'_>) -> Result<Deputy> {
        Ok(Deputy(
            must(ctx, DeputyKey(self.0.lead_deputy_id), "lead deputy").await?,
        ))
    }
    /// 联名代表, in signing order.
    #[graphql(complexity = "crate::graphql::cost::co_signers(child_complexity)")]
    async fn co_signers(&self, ctx: &Context<'_>) -> Result<Vec<Deputy>> {
        Ok(children(ctx, CoSignersOf(self.0.id))
            .await?
            .into_iter()
            .map(Deputy)
            .collect())
    }
    /// Topic category, e.g. 组织人事.
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    /// 重点建议
    async fn is_key(&self) -> bool {
        self.0.is_key
    }
    /// 督办领导
    async fn supervising_leader(&self) -> Option<&str> {
        self.0.supervising_leader.as_deref()
    }
    /// The deputy asked for confidentiality: the reply is never published.
    async fn confidential(&self) -> bool {
        self.0.confidential
    }
    async fn status(&self) -> enums::SuggestionStatus {
        self.0.status.into()
    }
    async fn submitted_on(&self) -> Date {
        Date(self.0.submitted_on)
    }
    /// Filed in the name of this delegation (代表团), when it was.
    async fn delegation(&self) -> Option<&str> {
        self.0.delegation.as_deref()
    }
    async fn registered_at(&self) -> DateTime {
        DateTime(self.0.registered_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
    /// Increases with every change; send it back as `expectedVersion` to detect conflicts.
    async fn version(&self) -> i32 {
        self.0.version
    }
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn assignments(&self, ctx: &Context<'_>) -> Result<Vec<Assignment>> {
        let rows = children(ctx, AssignmentsOf(self.0.id)).await?;
        let mut assignments = Vec::with_capacity(rows.len());
        let mut units = Vec::with_capacity(rows.len());
        for (assignment, unit) in rows {
            units.push((UnitKey(unit.id), unit));
            assignments.push(Assignment(assignment));
        }
        // `Assignment.unit` then answers from the cache.
        loader(ctx)?.feed_many(units).await;
        Ok(assignments)
    }
    /// Every reply of every assignment, oldest first.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn replies(&self, ctx: &Context<'_>) -> Result<Vec<Reply>> {
        Ok(children(ctx, RepliesOfSuggestion(self.0.id))
            .await?
            .into_iter()
            .map(Reply)
            .collect())
    }
    /// The worst deadline status of its assignments as of `asOf` (default today); null
    /// before it is assigned.
    async fn deadline_status(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> Result<Option<enums::DeadlineStatus>> {
        let as_of = as_of_or_today(ctx, as_of)?;
        let assignments = children(ctx, AssignmentsOf(self.0.id)).await?;
        // Together, so the history of those that need it loads in one batch.
        let statuses = futures_util::future::try_join_all(
            assignments
                .iter()
                .map(|(a, _)| assignment_status(ctx, a, as_of)),
        )
        .await?;
        let worst = statuses
            .into_iter()
            .flatten()
            .max_by_key(|s| crate::domain::deadline::severity(*s));
        Ok(worst.map(Into::into))
    }
    /// 督办: the supervising leaders' instructions (领导批示), oldest first; for the office
    /// and the units handling it (empty for deputies).
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn leader_instructions(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::graphql::objects::LeaderInstruction>> {
        let rows: Vec<entity::leader_instruction::Model> =
            children(ctx, crate::graphql::loaders::InstructionsOf(self.0.id)).await?;
        Ok(rows
            .into_iter()
            .map(crate::graphql::objects::LeaderInstruction)
            .collect())
    }
    /// 督办: the progress reports asked for (the office all; a unit its own; empty for
    /// deputies).
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn progress_reports(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::graphql::objects::ProgressReport>> {
        let rows: Vec<entity::progress_report::Model> =
            children(ctx, crate::graphql::loaders::ReportsOfSuggestion(self.0.id)).await?;
        Ok(rows
            .into_iter()
            .map(crate::graphql::objects::ProgressReport)
            .collect())
    }
    /// Files attached: the deputy's original (建议原件) and supporting material, oldest first.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Attachment>> {
        attachments_of(ctx, entity::enums::AttachmentOwner::Suggestion, self.0.id).await
    }
    /// Everything that happened to the suggestion, oldest first.
    #[graphql(complexity = "crate::graphql::cost::timeline(child_complexity)")]
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<TimelineEvent>> {
        Ok(children(ctx, EventsOfSuggestion(self.0.id))
            .await?
            .into_iter()
            .map(TimelineEvent)
            .collect())
    }
}

/// The deadline span of an assignment in force on `as_of`: its current one, or for a day
/// before that began, the span of its history that contains the day (loaded only then).
pub(crate) async fn span_on(
    ctx: &Context<'_>,
    a: &assignment::Model,
    as_of: chrono::NaiveDate,
) -> Result<Option<crate::domain::span::Span>> {
    let current = service::deadline::current_span(a);
    if as_of >= current.from_on {
        return Ok(Some(current));
    }
    let earlier: Vec<entity::deadline_span::Model> = children(ctx, SpansOf(a.id)).await?;
    let earlier: Vec<_> = earlier
        .iter()
        .map(service::deadline::earlier_span)
        .collect();
    Ok(crate::domain::span::in_force_on(&current, &earlier, as_of).copied())
}

/// The deadline status of an assignment as of a date, by the span in force then: none for
/// an assignment that was returned or withdrawn, or not yet made then.
pub(crate) async fn assignment_status(
    ctx: &Context<'_>,
    a: &assignment::Model,
    as_of: chrono::NaiveDate,
) -> Result<Option<crate::domain::deadline::DeadlineStatus>> {
    use entity::enums::AssignmentStatus::{Returned, Withdrawn};
    if a.assigned_on > as_of {
        return Ok(None);
    }
    let span = span_on(ctx, a, as_of).await?;
    Ok(crate::domain::span::assignment_status(
        matches!(a.status, Returned | Withdrawn),
        a.assigned_on,
        span.as_ref(),
        as_of,
    ))
}
