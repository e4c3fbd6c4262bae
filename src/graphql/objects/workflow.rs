//! GraphQL types of the handling workflow: rounds, timeline, requests, contacts,
//! opinions, ratings, follow-ups, deadline explanations and the calendar.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use chrono::NaiveDate;
use entity::{
    calendar_day, co_opinion, contact_record, extension_request, follow_up, handling_round, rating,
    return_request, workflow_event,
};

use crate::domain::deadline::{self, DueDate, PeriodRule};
use crate::domain::span::Span;
use crate::graphql::enums;
use crate::graphql::error::internal;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::{loader, must, visible};
use crate::graphql::loaders::{AssignmentKey, DeputyKey, ReplyKey, UnitKey, UnitOfAssignment};
use crate::graphql::objects::{
    attachments_of, Assignment, Attachment, Deputy, HandlingUnit, Reply,
};
use crate::graphql::scalars::{Date, DateTime};

/// One handling round (round 1, then one per re-handling), with its own deadline.
pub struct HandlingRound {
    pub row: handling_round::Model,
    pub due_soon_days: u32,
    /// The round's assignment, whose deadline history says what was in force when.
    pub assignment: entity::assignment::Model,
}

impl HandlingRound {
    /// This round's deadline in force on `as_of`: its latest due date and answer, except on
    /// a day of this round before an approved extension, when the due date it replaced.
    async fn span_on(&self, ctx: &Context<'_>, as_of: NaiveDate) -> Result<Span> {
        let latest = Span {
            round: self.row.round,
            from_on: self.row.started_on,
            until_on: None,
            due_on: self.row.due_on,
            due_soon_from: deadline::due_soon_from(self.row.due_on, self.due_soon_days),
            answered_on: self.row.answered_on,
        };
        if as_of >= self.assignment.span_from {
            return Ok(latest);
        }
        let earlier: Vec<entity::deadline_span::Model> = crate::graphql::loaders::children(
            ctx,
            crate::graphql::loaders::SpansOf(self.assignment.id),
        )
        .await?;
        Ok(earlier
            .iter()
            .map(crate::service::deadline::earlier_span)
            .find(|span| span.round == self.row.round && span.contains(as_of))
            .unwrap_or(latest))
    }
}

#[Object]
impl HandlingRound {
    async fn round(&self) -> i32 {
        self.row.round
    }
    async fn started_on(&self) -> Date {
        Date(self.row.started_on)
    }
    async fn due_on(&self) -> Date {
        Date(self.row.due_on)
    }
    async fn original_due_on(&self) -> Date {
        Date(self.row.original_due_on)
    }
    /// The due date reaches a year whose official calendar is not loaded yet.
    async fn due_provisional(&self) -> bool {
        self.row.due_provisional
    }
    async fn answered_on(&self) -> Option<Date> {
        self.row.answered_on.map(Date)
    }
    /// Status of this round's deadline as of `asOf` (default today, China time), by the
    /// due date in force then.
    async fn deadline_status(
        &self,
        ctx: &Context<'_>,
        as_of: Option<Date>,
    ) -> Result<enums::DeadlineStatus> {
        let as_of = as_of_or_today(ctx, as_of)?;
        Ok(self.span_on(ctx, as_of).await?.status(as_of).into())
    }
    async fn days_remaining(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<i64> {
        let as_of = as_of_or_today(ctx, as_of)?;
        Ok(self.span_on(ctx, as_of).await?.days_remaining(as_of))
    }
    async fn days_late(&self, ctx: &Context<'_>, as_of: Option<Date>) -> Result<i64> {
        let as_of = as_of_or_today(ctx, as_of)?;
        Ok(self.span_on(ctx, as_of).await?.days_late(as_of))
    }
}

/// `asOf`, or today in Shanghai.
pub fn as_of_or_today(ctx: &Context<'_>, as_of: Option<Date>) -> Result<NaiveDate> {
    match as_of {
        Some(d) => Ok(d.0),
        None => Ok(crate::graphql::state(ctx)?.clock.today()),
    }
}

/// One step in the life of a suggestion (timeline).
pub struct TimelineEvent(pub workflow_event::Model);

#[Object]
impl TimelineEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What happened, e.g. ASSIGNED, SIGNED_FOR, REPLY_SUBMITTED, RATED, REHANDLING_STARTED.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The role acted in: OFFICE, COORDINATOR (the coordinating office's 催办), UNIT,
    /// DEPUTY or SYSTEM.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Option<Assignment>> {
        match self.0.assignment_id {
            Some(id) => Ok(visible(ctx, AssignmentKey(id)).await?.map(Assignment)),
            None => Ok(None),
        }
    }
    /// Details of the transition (dates, categories, reasons), as JSON. References to
    /// other objects are global IDs, like everywhere else in the API.
    async fn details(&self) -> async_graphql::Json<serde_json::Value> {
        let mut details = self.0.details.clone();
        if let Some(map) = details.as_object_mut() {
            for (key, kind) in DETAIL_REFERENCES {
                if let Some(raw) = map.get(*key).and_then(serde_json::Value::as_i64) {
                    map.insert(
                        (*key).to_owned(),
                        serde_json::Value::String(encode(*kind, raw).0),
                    );
                }
            }
        }
        async_graphql::Json(details)
    }
}

/// Keys of timeline details that hold row ids, and the type each refers to.
const DETAIL_REFERENCES: &[(&str, Kind)] = &[
    ("unitId", Kind::HandlingUnit),
    ("suggestedUnitId", Kind::HandlingUnit),
    ("reassignedTo", Kind::HandlingUnit),
    ("replyId", Kind::Reply),
    ("attachmentId", Kind::Attachment),
];

/// A unit's request to return a wrong assignment (退回申请).
pub struct ReturnRequest(pub return_request::Model);

#[Object]
impl ReturnRequest {
    pub async fn id(&self) -> ID {
        encode(Kind::ReturnRequest, self.0.id)
    }
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Assignment> {
        Ok(Assignment(
            must(ctx, AssignmentKey(self.0.assignment_id), "assignment").await?,
        ))
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn suggested_unit(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        match self.0.suggested_unit_id {
            Some(id) => Ok(Some(HandlingUnit(must(ctx, UnitKey(id), "unit").await?))),
            None => Ok(None),
        }
    }
    async fn requested_on(&self) -> Date {
        Date(self.0.requested_on)
    }
    async fn status(&self) -> enums::RequestStatus {
        self.0.status.into()
    }
    async fn decided_on(&self) -> Option<Date> {
        self.0.decided_on.map(Date)
    }
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
    /// The assignment that replaced this one when the office approved; null for the
    /// returning unit's staff (it belongs to another unit).
    async fn new_assignment(&self, ctx: &Context<'_>) -> Result<Option<Assignment>> {
        match self.0.new_assignment_id {
            Some(id) => Ok(visible(ctx, AssignmentKey(id)).await?.map(Assignment)),
            None => Ok(None),
        }
    }
}

/// A unit's request for more time (延期申请).
pub struct ExtensionRequest(pub extension_request::Model);

#[Object]
impl ExtensionRequest {
    pub async fn id(&self) -> ID {
        encode(Kind::ExtensionRequest, self.0.id)
    }
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Assignment> {
        Ok(Assignment(
            must(ctx, AssignmentKey(self.0.assignment_id), "assignment").await?,
        ))
    }
    async fn round(&self) -> i32 {
        self.0.round
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn requested_due_on(&self) -> Option<Date> {
        self.0.requested_due_on.map(Date)
    }
    async fn requested_on(&self) -> Date {
        Date(self.0.requested_on)
    }
    async fn status(&self) -> enums::RequestStatus {
        self.0.status.into()
    }
    async fn decided_on(&self) -> Option<Date> {
        self.0.decided_on.map(Date)
    }
    async fn approved_due_on(&self) -> Option<Date> {
        self.0.approved_due_on.map(Date)
    }
    async fn decision_note(&self) -> Option<&str> {
        self.0.decision_note.as_deref()
    }
}

/// A contact with the deputy (沟通记录).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ContactRecord {
    #[graphql(skip)]
    pub row_id: i64,
    pub stage: enums::ContactStage,
    pub method: enums::ContactMethod,
    pub contacted_on: Date,
    pub participants: String,
    pub notes: Option<String>,
    pub created_at: DateTime,
}

impl From<contact_record::Model> for ContactRecord {
    fn from(m: contact_record::Model) -> Self {
        Self {
            row_id: m.id,
            stage: m.stage.into(),
            method: m.method.into(),
            contacted_on: Date(m.contacted_on),
            participants: m.participants,
            notes: m.notes,
            created_at: DateTime(m.created_at),
        }
    }
}

/// A co-handler's opinion to the lead unit (会办意见).
pub struct CoOpinion(pub co_opinion::Model);

#[Object]
impl CoOpinion {
    /// Opaque ID (to attach files to the opinion).
    async fn id(&self) -> ID {
        encode(Kind::CoOpinion, self.0.id)
    }
    /// Files attached (the 会办意见函), oldest first.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Attachment>> {
        attachments_of(ctx, entity::enums::AttachmentOwner::CoOpinion, self.0.id).await
    }
    /// The co-handler's assignment; null for a lead unit's staff, who see the opinion
    /// and its sender but not the other unit's assignment.
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Option<Assignment>> {
        loader(ctx)?
            .load_one(AssignmentKey(self.0.assignment_id))
            .await
            .map(|found| found.map(Assignment))
            .map_err(|e| internal(ctx, &e))
    }
    /// The co-handler that sent it.
    async fn unit(&self, ctx: &Context<'_>) -> Result<HandlingUnit> {
        Ok(HandlingUnit(
            must(ctx, UnitOfAssignment(self.0.assignment_id), "unit").await?,
        ))
    }
    async fn round(&self) -> i32 {
        self.0.round
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn signed_by(&self) -> &str {
        &self.0.signed_by
    }
    async fn sent_on(&self) -> Date {
        Date(self.0.sent_on)
    }
}

/// A deputy's rating of a reply (满意度测评).
pub struct Rating(pub rating::Model);

#[Object]
impl Rating {
    async fn round(&self) -> i32 {
        self.0.round
    }
    async fn deputy(&self, ctx: &Context<'_>) -> Result<Deputy> {
        Ok(Deputy(
            must(ctx, DeputyKey(self.0.deputy_id), "deputy").await?,
        ))
    }
    /// True for the lead deputy, whose rating decides re-handling.
    async fn by_lead_deputy(&self) -> bool {
        self.0.by_lead_deputy
    }
    async fn satisfaction(&self) -> enums::Satisfaction {
        self.0.satisfaction.into()
    }
    async fn work_satisfaction(&self) -> Option<enums::Satisfaction> {
        self.0.work_satisfaction.map(Into::into)
    }
    async fn result_satisfaction(&self) -> Option<enums::Satisfaction> {
        self.0.result_satisfaction.map(Into::into)
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    async fn rated_on(&self) -> Date {
        Date(self.0.rated_on)
    }
}

/// A follow-up reply on a B or C matter (跟踪办理).
pub struct FollowUp(pub follow_up::Model);

#[Object]
impl FollowUp {
    async fn reply(&self, ctx: &Context<'_>) -> Result<Option<Reply>> {
        Ok(visible(ctx, ReplyKey(self.0.reply_id)).await?.map(Reply))
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn replied_on(&self) -> Date {
        Date(self.0.replied_on)
    }
}

/// A holiday or make-up working day a period crossed.
#[derive(SimpleObject)]
pub struct CalendarDay {
    pub date: Date,
    pub kind: enums::CalendarDayKind,
    /// The holiday it belongs to or makes up for, e.g. 春节.
    pub festival: String,
}

impl From<calendar_day::Model> for CalendarDay {
    fn from(m: calendar_day::Model) -> Self {
        Self {
            date: Date(m.day),
            kind: m.kind.into(),
            festival: m.festival,
        }
    }
}

/// How a due date was reached: the rule, the calendar days it crossed, rolling,
/// provisional years and any extension — as fields and as a sentence.
#[derive(SimpleObject)]
pub struct DeadlineExplanation {
    pub period: enums::DeadlinePeriod,
    pub start: Date,
    /// Calendar months of the rule, when it counts months.
    pub months: Option<i32>,
    /// Working days of the rule, when it counts working days.
    pub working_days: Option<i32>,
    /// Where the period ends before moving off a non-working day.
    pub raw_end: Date,
    /// The due date the session's rule gives.
    pub rule_due_on: Date,
    /// Moved to the next working day.
    pub rolled: bool,
    #[graphql(complexity = "crate::graphql::cost::calendar_days(child_complexity)")]
    pub holidays_crossed: Vec<CalendarDay>,
    #[graphql(complexity = "crate::graphql::cost::calendar_days(child_complexity)")]
    pub make_up_days_crossed: Vec<CalendarDay>,
    /// Part of the period lies in a year whose official calendar is not loaded yet; the date
    /// is re-dated automatically when that year is loaded.
    pub provisional: bool,
    pub provisional_years: Vec<i32>,
    /// The due date in force: the rule's, an explicit one set by the office, or an approved
    /// extension.
    pub due_on: Date,
    /// An approved extension moved the due date.
    pub extended: bool,
    /// The office set the due date explicitly at assignment.
    pub set_explicitly: bool,
    /// The whole explanation as a readable sentence.
    pub sentence: String,
}

fn crossed(days: &[(NaiveDate, String)], kind: enums::CalendarDayKind) -> Vec<CalendarDay> {
    days.iter()
        .map(|(date, festival)| CalendarDay {
            date: Date(*date),
            kind,
            festival: festival.clone(),
        })
        .collect()
}

impl DeadlineExplanation {
    /// Explains `due`, with `in_force` the due date actually in force.
    pub fn new(due: &DueDate, in_force: NaiveDate, extended: bool, set_explicitly: bool) -> Self {
        let (months, working_days) = match due.rule {
            PeriodRule::Months(n) => (i32::try_from(n).ok(), None),
            PeriodRule::WorkingDays(n) => (None, i32::try_from(n).ok()),
        };
        // A date set by a person is final: the rule's provisional note no longer applies.
        let mut sentence = if extended || set_explicitly {
            DueDate {
                provisional: false,
                provisional_years: Vec::new(),
                ..due.clone()
            }
            .sentence()
        } else {
            due.sentence()
        };
        if extended {
            sentence.push_str(&format!(
                "；经批准延期至{in_force} (extended to {in_force})"
            ));
        } else if set_explicitly {
            sentence.push_str(&format!(
                "；交办时指定期限为{in_force} (set explicitly to {in_force} at assignment)"
            ));
        }
        Self {
            period: due.period.into(),
            start: Date(due.start),
            months,
            working_days,
            raw_end: Date(due.raw_end),
            rule_due_on: Date(due.due_on),
            rolled: due.rolled,
            holidays_crossed: crossed(&due.holidays_crossed, enums::CalendarDayKind::Holiday),
            make_up_days_crossed: crossed(
                &due.make_up_days_crossed,
                enums::CalendarDayKind::Workday,
            ),
            provisional: due.provisional && !extended && !set_explicitly,
            provisional_years: due.provisional_years.clone(),
            due_on: Date(in_force),
            extended,
            set_explicitly,
            sentence,
        }
    }
}

/// Counts per deadline status.
#[derive(SimpleObject)]
pub struct DeadlineCounts {
    pub not_due: i64,
    pub due_soon: i64,
    pub overdue: i64,
    pub answered_on_time: i64,
    pub answered_late: i64,
    pub total: i64,
}

impl From<crate::service::deadline::StatusCounts> for DeadlineCounts {
    fn from(c: crate::service::deadline::StatusCounts) -> Self {
        Self {
            not_due: c.not_due,
            due_soon: c.due_soon,
            overdue: c.overdue,
            answered_on_time: c.answered_on_time,
            answered_late: c.answered_late,
            total: c.total(),
        }
    }
}

/// The counts of one unit.
pub struct UnitDeadlineCounts {
    pub unit_id: i64,
    pub counts: crate::service::deadline::StatusCounts,
}

#[Object]
impl UnitDeadlineCounts {
    async fn unit(&self, ctx: &Context<'_>) -> Result<HandlingUnit> {
        Ok(HandlingUnit(
            must(ctx, UnitKey(self.unit_id), "unit").await?,
        ))
    }
    async fn counts(&self) -> DeadlineCounts {
        self.counts.into()
    }
}

/// `deadlineSummary`: how many assignments are in each deadline status, overall and per unit.
pub struct DeadlineSummary(pub crate::service::deadline::Summary);

#[Object]
impl DeadlineSummary {
    async fn as_of(&self) -> Date {
        Date(self.0.as_of)
    }
    async fn overall(&self) -> DeadlineCounts {
        self.0.overall.into()
    }
    #[graphql(complexity = "crate::graphql::cost::units(child_complexity)")]
    async fn by_unit(&self) -> Vec<UnitDeadlineCounts> {
        self.0
            .by_unit
            .iter()
            .map(|(unit_id, counts)| UnitDeadlineCounts {
                unit_id: *unit_id,
                counts: *counts,
            })
            .collect()
    }
}
