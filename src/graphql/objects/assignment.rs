//! An assignment (交办) of a suggestion to a handling unit, with its deadlines.

use async_graphql::{Context, Object, Result, ID};
use entity::assignment;

use crate::domain::deadline::DeadlineRules;
use crate::graphql::enums;
use crate::graphql::error::internal;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::*;
use crate::graphql::objects::*;
use crate::graphql::scalars::{Date, DateTime};

/// An assignment (交办) of a suggestion to one unit.
pub struct Assignment(pub assignment::Model);

#[Object]
impl Assignment {
    pub async fn id(&self) -> ID {
        encode(Kind::Assignment, self.0.id)
    }
    async fn suggestion(&self, ctx: &Context<'_>) -> Result<Suggestion> {
        Ok(Suggestion(
            must(ctx, SuggestionKey(self.0.suggestion_id), "suggestion").await?,
        ))
    }
    async fn unit(&self, ctx: &Context<'_>) -> Result<HandlingUnit> {
        Ok(HandlingUnit(
            must(ctx, UnitKey(self.0.unit_id), "unit").await?,
        ))
    }
    async fn role(&self) -> enums::AssignmentRole {
        self.0.role.into()
    }
    async fn status(&self) -> enums::AssignmentStatus {
        self.0.status.into()
    }
    async fn assigned_on(&self) -> Date {
        Date(self.0.assigned_on)
    }
    /// The due date in force.
    async fn due_on(&self) -> Date {
        Date(self.0.due_on)
    }
    /// True when the office set the due date instead of the session's rule.
    async fn due_on_explicit(&self) -> bool {
        self.0.due_on_explicit
    }
    /// The day the unit answered, if it has.
    async fn answered_on(&self) -> Option<Date> {
        self.0.answered_on.map(Date)
    }
    /// The unit's contact person for this case (联系人).
    async fn contact_name(&self) -> Option<&str> {
        self.0.contact_name.as_deref()
    }
    /// 联系电话
    async fn contact_phone(&self) -> Option<&str> {
        self.0.contact_phone.as_deref()
    }
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn replies(&self, ctx: &Context<'_>) -> Result<Vec<Reply>> {
        Ok(children(ctx, RepliesOfAssignment(self.0.id))
            .await?
            .into_iter()
            .map(Reply)
            .collect())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The current handling round: 1, then 2, 3… after UNSATISFIED ratings.
    async fn round(&self) -> i32 {
        self.0.round
    }
    /// 签收: when the unit signed for it.
    async fn signed_for_at(&self) -> Option<DateTime> {
        self.0.signed_for_at.map(DateTime)
    }
    /// The current round's due date before any extension.
    async fn original_due_on(&self) -> Date {
        Date(self.0.original_due_on)
    }
    /// The due date reaches a year whose official calendar is not loaded yet; it is
    /// re-dated automatically when that year is loaded.
    async fn due_provisional(&self) -> bool {
        self.0.due_provisional
    }
    /// 办理期限状态 as of `asOf` (default today, China time); null when returned or withdrawn.
    async fn deadline_status(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> Result<Option<enums::DeadlineStatus>> {
        let as_of = as_of_or_today(ctx, as_of)?;
        Ok(assignment_status(ctx, &self.0, as_of)
            .await?
            .map(Into::into))
    }
    /// Days from `asOf` to the due date in force on `asOf` (negative when past it).
    async fn days_remaining(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<i64> {
        let as_of = as_of_or_today(ctx, as_of)?;
        let span = span_on(ctx, &self.0, as_of).await?;
        Ok(span.map_or_else(
            || crate::domain::deadline::days_remaining(self.0.due_on, as_of),
            |span| span.days_remaining(as_of),
        ))
    }
    /// Days answered late, or overdue so far as of `asOf`, by the round and due date in
    /// force on `asOf`; 0 otherwise.
    async fn days_late(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<i64> {
        let as_of = as_of_or_today(ctx, as_of)?;
        let span = span_on(ctx, &self.0, as_of).await?;
        Ok(span.map_or(0, |span| span.days_late(as_of)))
    }
    /// How the due date in force was reached.
    async fn deadline_explanation(&self, ctx: &Context<'_>) -> Result<DeadlineExplanation> {
        let a = &self.0;
        let suggestion = must(ctx, SuggestionKey(a.suggestion_id), "suggestion").await?;
        let session = must(ctx, SessionKey(suggestion.session_id), "session").await?;
        let calendar = must(ctx, CalendarKey, "calendar").await?;
        let rounds: Vec<entity::handling_round::Model> = children(ctx, RoundsOf(a.id)).await?;
        let start = rounds
            .iter()
            .find(|r| r.round == a.round)
            .map_or(a.assigned_on, |r| r.started_on);
        let period = crate::service::calendar::period_of(a.role, a.round);
        let rules = DeadlineRules::stored(&session.deadline_rules);
        let due = crate::domain::deadline::compute_due(&rules, &calendar, start, period)
            .ok_or_else(|| {
                internal(
                    ctx,
                    &anyhow::anyhow!("due date of assignment {} out of range", a.id),
                )
            })?;
        let extended = a.due_on != a.original_due_on;
        let set_explicitly = a.due_on_explicit && !extended;
        Ok(DeadlineExplanation::new(
            &due,
            a.due_on,
            extended,
            set_explicitly,
        ))
    }
    /// Every handling round, with its own deadline.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn rounds(&self, ctx: &Context<'_>) -> Result<Vec<HandlingRound>> {
        let window = u32::try_from((self.0.due_on - self.0.due_soon_from).num_days()).unwrap_or(0);
        Ok(children(ctx, RoundsOf(self.0.id))
            .await?
            .into_iter()
            .map(|row| HandlingRound {
                row,
                due_soon_days: window,
                assignment: self.0.clone(),
            })
            .collect())
    }
    /// 督办: the progress reports asked of this assignment (empty for deputies).
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn progress_reports(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::graphql::objects::ProgressReport>> {
        let rows: Vec<entity::progress_report::Model> =
            children(ctx, crate::graphql::loaders::ReportsOfAssignment(self.0.id)).await?;
        Ok(rows
            .into_iter()
            .map(crate::graphql::objects::ProgressReport)
            .collect())
    }
    /// What happened to this assignment, oldest first.
    #[graphql(complexity = "crate::graphql::cost::timeline(child_complexity)")]
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<TimelineEvent>> {
        Ok(children(ctx, EventsOfAssignment(self.0.id))
            .await?
            .into_iter()
            .map(TimelineEvent)
            .collect())
    }
    /// The letter prepared for the next reply (REPLY_LETTER, REPLY_LETTER_FOR_PUBLICATION),
    /// until `submitReply` moves it onto the reply.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Attachment>> {
        // A letter still being prepared is the unit's draft, not the deputy's to see.
        if matches!(
            crate::graphql::access::scope(ctx),
            crate::domain::access::Scope::Deputy(_)
        ) {
            return Ok(Vec::new());
        }
        attachments_of(ctx, entity::enums::AttachmentOwner::Assignment, self.0.id).await
    }
    /// Contacts with the deputy (沟通记录), by date.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn contact_records(&self, ctx: &Context<'_>) -> Result<Vec<ContactRecord>> {
        Ok(children(ctx, ContactsOf(self.0.id))
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
    /// Co-handler opinions (会办意见): a co-handler's own, or for the lead unit those it received.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn co_opinions(&self, ctx: &Context<'_>) -> Result<Vec<CoOpinion>> {
        let opinions: Vec<entity::co_opinion::Model> =
            // A lead that returned the case (or was withdrawn) no longer receives the
            // co-handlers' opinions: they go to whoever leads now.
            if self.0.role == entity::enums::AssignmentRole::Lead
                && !matches!(
                    self.0.status,
                    entity::enums::AssignmentStatus::Returned
                        | entity::enums::AssignmentStatus::Withdrawn
                )
            {
                children(ctx, CoHandlerOpinionsOf(self.0.suggestion_id)).await?
            } else {
                children(ctx, OpinionsOf(self.0.id)).await?
            };
        Ok(opinions.into_iter().map(CoOpinion).collect())
    }
    /// Ratings of this unit's replies, oldest first.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn ratings(&self, ctx: &Context<'_>) -> Result<Vec<Rating>> {
        Ok(children(ctx, RatingsOf(self.0.id))
            .await?
            .into_iter()
            .map(Rating)
            .collect())
    }
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn return_requests(&self, ctx: &Context<'_>) -> Result<Vec<ReturnRequest>> {
        Ok(children(ctx, ReturnRequestsOf(self.0.id))
            .await?
            .into_iter()
            .map(ReturnRequest)
            .collect())
    }
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn extension_requests(&self, ctx: &Context<'_>) -> Result<Vec<ExtensionRequest>> {
        Ok(children(ctx, ExtensionRequestsOf(self.0.id))
            .await?
            .into_iter()
            .map(ExtensionRequest)
            .collect())
    }
    /// Follow-up replies (跟踪办理).
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn follow_ups(&self, ctx: &Context<'_>) -> Result<Vec<FollowUp>> {
        Ok(children(ctx, FollowUpsOf(self.0.id))
            .await?
            .into_iter()
            .map(FollowUp)
            .collect())
    }
}
