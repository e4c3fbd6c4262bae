//! GraphQL object types: thin wrappers over entity rows whose relations go through the
//! request's DataLoader.

use async_graphql::{Context, Interface, Object, Result, SimpleObject, ID};
use entity::{assignment, deputy, handling_unit, reply, session, suggestion};

use super::enums;
use super::error::internal;
use super::ids::{encode, Kind};
use super::loaders::*;
use super::scalars::{Date, DateTime};
use super::workflow::*;
use crate::service;

pub(crate) fn loader<'a>(ctx: &'a Context<'_>) -> Result<&'a RequestLoader> {
    ctx.data::<RequestLoader>()
}

/// Loads one related row that must exist (a foreign key guarantees it).
pub(crate) async fn must<K>(
    ctx: &Context<'_>,
    key: K,
    what: &'static str,
) -> Result<<Loaders as async_graphql::dataloader::Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + Copy + std::fmt::Debug + 'static,
    Loaders: async_graphql::dataloader::Loader<K, Error = LoadError>,
{
    match loader(ctx)?.load_one(key).await {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(internal(ctx, &anyhow::anyhow!("{what} {key:?} is missing"))),
        Err(e) => Err(internal(ctx, &e)),
    }
}

/// Loads one related row that the caller may not be allowed to see: `None` then, the same
/// as a missing row.
pub(crate) async fn visible<K>(
    ctx: &Context<'_>,
    key: K,
) -> Result<Option<<Loaders as async_graphql::dataloader::Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + Copy + std::fmt::Debug + 'static,
    Loaders: async_graphql::dataloader::Loader<K, Error = LoadError>,
{
    loader(ctx)?
        .load_one(key)
        .await
        .map_err(|e| internal(ctx, &e))
}

/// Loads a list of children (empty when there are none).
pub(crate) async fn children<K, V>(ctx: &Context<'_>, key: K) -> Result<Vec<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
    Loaders: async_graphql::dataloader::Loader<K, Value = Vec<V>, Error = LoadError>,
{
    match loader(ctx)?.load_one(key).await {
        Ok(rows) => Ok(rows.unwrap_or_default()),
        Err(e) => Err(internal(ctx, &e)),
    }
}

/// An object with a global ID, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub enum Node {
    Session(Session),
    Deputy(Deputy),
    HandlingUnit(HandlingUnit),
    Suggestion(Suggestion),
    Assignment(Assignment),
    Reply(Reply),
    ReturnRequest(super::workflow::ReturnRequest),
    ExtensionRequest(super::workflow::ExtensionRequest),
    Filing(super::filing::Filing),
    ProgressReport(super::supervision::ProgressReport),
}

/// One allowed reply category of a session, with its label and definition.
#[derive(SimpleObject)]
pub struct CategoryDefinition {
    pub code: enums::ReplyCategory,
    pub label: String,
    pub definition: String,
}

/// The deadline rules in force for a session (DOMAIN.md §4).
#[derive(SimpleObject)]
pub struct DeadlineRules {
    /// Reply by the lead / separate / sole unit, calendar months from assignment.
    pub reply_months: i32,
    /// Hard cap with extensions, calendar months from assignment.
    pub hard_cap_months: i32,
    /// Co-handler's opinion to the lead unit, calendar months from assignment.
    pub co_handler_opinion_months: i32,
    /// Request to return a wrong assignment, working days from assignment.
    pub return_window_working_days: i32,
    /// Reply after an UNSATISFIED rating, calendar months from the re-handling start.
    pub rehandling_months: i32,
    /// Publication after the reply, working days from the reply date.
    pub publication_working_days: i32,
    /// Deputy's rating after the reply, working days.
    pub rating_working_days: i32,
    /// "Due soon" warning window, calendar days before the due date.
    pub due_soon_days: i32,
    /// Whether a period ending on a non-working day moves to the next working day.
    pub roll_to_next_working_day: bool,
}

fn small(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<crate::domain::deadline::DeadlineRules> for DeadlineRules {
    fn from(r: crate::domain::deadline::DeadlineRules) -> Self {
        Self {
            reply_months: small(r.reply_months),
            hard_cap_months: small(r.hard_cap_months),
            co_handler_opinion_months: small(r.co_handler_opinion_months),
            return_window_working_days: small(r.return_window_working_days),
            rehandling_months: small(r.rehandling_months),
            publication_working_days: small(r.publication_working_days),
            rating_working_days: small(r.rating_working_days),
            due_soon_days: small(r.due_soon_days),
            roll_to_next_working_day: r.roll_to_next_working_day,
        }
    }
}

/// A congress session (会议), e.g. 省人大十三届五次会议.
pub struct Session(pub session::Model);

#[Object]
impl Session {
    async fn id(&self) -> ID {
        encode(Kind::Session, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn level(&self) -> enums::SessionLevel {
        self.0.level.into()
    }
    /// 届
    async fn term(&self) -> i32 {
        self.0.term
    }
    /// 次
    async fn meeting(&self) -> i32 {
        self.0.meeting
    }
    async fn opens_on(&self) -> Option<Date> {
        self.0.opens_on.map(Date)
    }
    async fn closes_on(&self) -> Option<Date> {
        self.0.closes_on.map(Date)
    }
    /// The last day invited deputies may confirm co-signing a filing (联名确认截止); null:
    /// until the office screens it.
    async fn co_sign_deadline(&self) -> Option<Date> {
        self.0.co_sign_deadline.map(Date)
    }
    /// Replies go to the office for review before they are sent to the deputy (答复审核).
    async fn review_before_release(&self) -> bool {
        self.0.review_before_release
    }
    /// The reply categories this session allows.
    #[graphql(complexity = "crate::graphql::cost::categories(child_complexity)")]
    async fn category_scheme(&self) -> Vec<CategoryDefinition> {
        service::session::scheme_of(&self.0)
            .0
            .into_iter()
            .map(|d| CategoryDefinition {
                code: d.code.into(),
                label: d.label,
                definition: d.definition,
            })
            .collect()
    }
    async fn deadline_rules(&self) -> DeadlineRules {
        service::session::rules_of(&self.0).into()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// A deputy (代表) or CPPCC member (委员).
pub struct Deputy(pub deputy::Model);

#[Object]
impl Deputy {
    async fn id(&self) -> ID {
        encode(Kind::Deputy, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// 代表团
    async fn delegation(&self) -> Option<&str> {
        self.0.delegation.as_deref()
    }
    /// Private contact phone: for the office, the deputy, and units that handle one of
    /// the deputy's suggestions; null for anyone else.
    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if contact_visible(ctx, self.0.id).await? {
            self.0.phone.as_deref()
        } else {
            None
        })
    }
    /// Private address, shown like `phone`.
    async fn address(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if contact_visible(ctx, self.0.id).await? {
            self.0.address.as_deref()
        } else {
            None
        })
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Whether the caller may see a deputy's phone and address (DOMAIN.md §7).
async fn contact_visible(ctx: &Context<'_>, deputy_id: i64) -> Result<bool> {
    use crate::domain::access::Scope;
    match super::access::scope(ctx) {
        Scope::All => Ok(true),
        Scope::Deputy(own) => Ok(own == deputy_id),
        Scope::Nothing => Ok(false),
        Scope::Unit(_) => loader(ctx)?
            .load_one(DeputyInScope(deputy_id))
            .await
            .map(|found| found.is_some())
            .map_err(|e| internal(ctx, &e)),
    }
}

/// A handling unit (承办单位).
pub struct HandlingUnit(pub handling_unit::Model);

#[Object]
impl HandlingUnit {
    async fn id(&self) -> ID {
        encode(Kind::HandlingUnit, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Short stable code used by imports and exports.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The office phone of the unit (public on published replies).
    async fn office_phone(&self) -> Option<&str> {
        self.0.office_phone.as_deref()
    }
    /// The day an institutional reform dissolved it (机构改革); a retired unit receives no
    /// new assignments.
    async fn retired_on(&self) -> Option<Date> {
        self.0.retired_on.map(Date)
    }
    /// The unit that took its work over.
    async fn successor(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        match self.0.successor_id {
            Some(id) => Ok(Some(HandlingUnit(
                must(ctx, UnitKey(id), "successor unit").await?,
            ))),
            None => Ok(None),
        }
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        match self.0.parent_id {
            Some(id) => Ok(Some(HandlingUnit(
                must(ctx, UnitKey(id), "parent unit").await?,
            ))),
            None => Ok(None),
        }
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A suggestion (建议) or proposal (提案).
pub struct Suggestion(pub suggestion::Model);

#[Object]
impl Suggestion {
    async fn id(&self) -> ID {
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
    ) -> Result<Vec<super::supervision::LeaderInstruction>> {
        let rows: Vec<entity::leader_instruction::Model> =
            children(ctx, super::loaders::InstructionsOf(self.0.id)).await?;
        Ok(rows
            .into_iter()
            .map(super::supervision::LeaderInstruction)
            .collect())
    }
    /// 督办: the progress reports asked for (the office all; a unit its own; empty for
    /// deputies).
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn progress_reports(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::supervision::ProgressReport>> {
        let rows: Vec<entity::progress_report::Model> =
            children(ctx, super::loaders::ReportsOfSuggestion(self.0.id)).await?;
        Ok(rows
            .into_iter()
            .map(super::supervision::ProgressReport)
            .collect())
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

/// An assignment (交办) of a suggestion to one unit.
pub struct Assignment(pub assignment::Model);

#[Object]
impl Assignment {
    async fn id(&self) -> ID {
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
        let rules = crate::service::session::rules_of(&session);
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
    ) -> Result<Vec<super::supervision::ProgressReport>> {
        let rows: Vec<entity::progress_report::Model> =
            children(ctx, super::loaders::ReportsOfAssignment(self.0.id)).await?;
        Ok(rows
            .into_iter()
            .map(super::supervision::ProgressReport)
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

/// A reply letter (答复).
pub struct Reply(pub reply::Model);

#[Object]
impl Reply {
    async fn id(&self) -> ID {
        encode(Kind::Reply, self.0.id)
    }
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Assignment> {
        Ok(Assignment(
            must(ctx, AssignmentKey(self.0.assignment_id), "assignment").await?,
        ))
    }
    /// Handling round: 1 for the first reply.
    async fn round(&self) -> i32 {
        self.0.round
    }
    /// 发文字号, e.g. 淮府办函〔2022〕12号.
    async fn doc_number(&self) -> Option<&str> {
        self.0.doc_number.as_deref()
    }
    /// 称呼, e.g. 夏维奇代表.
    async fn addressee(&self) -> Option<&str> {
        self.0.addressee.as_deref()
    }
    async fn category(&self) -> enums::ReplyCategory {
        self.0.category.into()
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// 签发人
    async fn signed_by(&self) -> &str {
        &self.0.signed_by
    }
    async fn replied_on(&self) -> Date {
        Date(self.0.replied_on)
    }
    /// 联系人
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    /// 联系电话
    async fn contact_phone(&self) -> &str {
        &self.0.contact_phone
    }
    /// 抄送
    async fn copy_to(&self) -> Option<&str> {
        self.0.copy_to.as_deref()
    }
    /// The category the unit gave, when the office's review changed it.
    async fn original_category(&self) -> Option<enums::ReplyCategory> {
        self.0.original_category.map(Into::into)
    }
    async fn reviewed_at(&self) -> Option<DateTime> {
        self.0.reviewed_at.map(DateTime)
    }
    async fn publication(&self) -> enums::Publication {
        self.0.publication.into()
    }
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }
    /// Where it stands on its way to the deputy (review before release); SENT when the
    /// session does not require review.
    async fn release_state(&self) -> super::release::ReleaseState {
        self.0.release_state.into()
    }
    /// The office's comments when it returned the reply for revision.
    async fn review_comment(&self) -> Option<&str> {
        self.0.review_comment.as_deref()
    }
    /// The day it was sent to the deputy: the day the case counts as answered.
    async fn sent_on(&self) -> Option<Date> {
        self.0.sent_on.map(Date)
    }
    /// What the public sees as the reply's text (the summary or the redacted body),
    /// fixed at publication; null while unpublished.
    async fn public_text(&self) -> Option<&str> {
        self.0.public_text.as_deref()
    }
    /// The suggestion's text as published with the reply, if it was.
    async fn public_suggestion_text(&self) -> Option<&str> {
        self.0.public_suggestion_text.as_deref()
    }
    /// Public feedback on this reply, counted by status (the unit and the office).
    #[graphql(guard = "crate::graphql::access::Allow(crate::graphql::access::UNIT_WORK)")]
    async fn feedback_counts(&self, ctx: &Context<'_>) -> Result<super::feedback::FeedbackCounts> {
        let counts = visible(ctx, super::loaders::FeedbackCountsOf(self.0.id)).await?;
        Ok(counts.unwrap_or_default().into())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}
