//! 督办: supervision of key suggestions, around `domain::supervision`. The office records
//! leaders' instructions (批示) and asks the units handling a key suggestion for progress
//! reports by a date; each unit files its report; overdue reports are counted like overdue
//! deadlines (`summary`). Each change is one transaction with its timeline event.
//!
//! Who sees what: the office everything; a unit the instructions on the suggestions it
//! handles and the reports asked of its own assignments; deputies neither (supervision is
//! the government's internal work; the deputy sees its outcome, the reply).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AssignmentStatus, ReportState};
use entity::{assignment, leader_instruction, progress_report, session, suggestion};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::page::{self, Page, PageArgs};
use super::{check_version, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::Scope;
use crate::domain::deadline::DeadlineRules;
use crate::domain::error::Errors;
use crate::domain::supervision::{self as rules, ReportStatus, ReportStep};
use crate::domain::text::{self, Lines};
use crate::domain::workflow::{ActorRole, EventKind};
use crate::domain::UserError;

const TEXT_MAX: usize = 5_000;
const BODY_MAX: usize = 20_000;

/// Which progress reports the scope sees.
pub fn reports(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Unit(_) => super::scope::by_assignment(scope, progress_report::Column::AssignmentId),
        Scope::Deputy(_) | Scope::Nothing => {
            Condition::all().add(progress_report::Column::Id.eq(-1))
        }
    }
}

/// A progress report `scope` may see, or `None`.
pub async fn report(
    db: &Db,
    scope: Scope,
    id: i64,
) -> ServiceResult<Option<progress_report::Model>> {
    progress_report::Entity::find_by_id(id)
        .filter(reports(scope))
        .one(db.conn())
        .await
        .during("loading a progress report")
}

/// Which instructions the scope sees.
pub fn instructions(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Unit(_) => Condition::all().add(
            leader_instruction::Column::SuggestionId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(suggestion::Column::Id)
                    .from(suggestion::Entity)
                    .cond_where(super::scope::suggestions(scope))
                    .to_owned(),
            ),
        ),
        Scope::Deputy(_) | Scope::Nothing => {
            Condition::all().add(leader_instruction::Column::Id.eq(-1))
        }
    }
}

fn state_of(state: ReportState) -> rules::ReportState {
    match state {
        ReportState::Requested => rules::ReportState::Requested,
        ReportState::Filed => rules::ReportState::Filed,
        ReportState::Cancelled => rules::ReportState::Cancelled,
    }
}

fn stored(state: rules::ReportState) -> ReportState {
    match state {
        rules::ReportState::Requested => ReportState::Requested,
        rules::ReportState::Filed => ReportState::Filed,
        rules::ReportState::Cancelled => ReportState::Cancelled,
    }
}

/// A report's status as of a day (`due_soon_days` from its session's rules).
pub fn status_of(
    report: &progress_report::Model,
    due_soon_days: u32,
    as_of: NaiveDate,
) -> Option<ReportStatus> {
    rules::status(
        report.requested_on,
        report.due_on,
        report.filed_on,
        report.cancelled_on,
        due_soon_days,
        as_of,
    )
}

/// A key suggestion (督办 applies only to those), for the office's supervision steps.
async fn key_suggestion<C: ConnectionTrait>(conn: &C, id: i64) -> ServiceResult<suggestion::Model> {
    let found = suggestion::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| UserError::missing(&["input", "suggestionId"], "建议", "suggestion"))?;
    if !found.is_key {
        return Err(UserError::invalid_state(
            &["input", "suggestionId"],
            "只有重点建议实行督办，请先将其标为重点建议 (only key suggestions are supervised)",
        )
        .into());
    }
    Ok(found)
}

#[derive(Debug, Clone)]
pub struct NewInstruction {
    pub suggestion_id: i64,
    /// Default: the suggestion's supervising leader.
    pub leader: Option<String>,
    pub content: String,
    /// Default today; never in the future.
    pub instructed_on: Option<NaiveDate>,
}

/// Records a leader's instruction (批示) on a key suggestion.
pub async fn record_instruction(
    db: &Db,
    input: NewInstruction,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<leader_instruction::Model> {
    let mut errors = Errors::new();
    let content = errors.check(text::required(
        &input.content,
        &["input", "content"],
        TEXT_MAX,
        Lines::Multi,
    ));
    let leader = errors.check(text::optional(
        input.leader.as_deref(),
        &["input", "leader"],
        100,
        Lines::Single,
    ));
    let instructed_on = input.instructed_on.unwrap_or(today);
    if instructed_on > today {
        errors.push(UserError::invalid(
            &["input", "instructedOn"],
            "批示日期不能晚于今天 (instructedOn must not be in the future)",
        ));
    }
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let parent = key_suggestion(&*txn, input.suggestion_id).await?;
    let leader = leader.flatten().or(parent.supervising_leader.clone());
    if leader.is_none() {
        errors.push(UserError::invalid(
            &["input", "leader"],
            "请填写批示领导（该建议未登记督办领导） (name the leader: the suggestion has no supervising leader)",
        ));
    }
    if instructed_on < parent.submitted_on {
        errors.push(UserError::invalid(
            &["input", "instructedOn"],
            "批示日期不能早于提出日期 (instructedOn must not precede submittedOn)",
        ));
    }
    errors.finish()?;
    let saved = leader_instruction::ActiveModel {
        suggestion_id: Set(parent.id),
        leader: Set(leader.unwrap_or_default()),
        content: Set(content.unwrap_or_default()),
        instructed_on: Set(instructed_on),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .during("recording an instruction")?;
    super::timeline::event(
        &*txn,
        parent.id,
        None,
        EventKind::InstructionRecorded,
        ActorRole::Office,
        now,
        json!({"instructionId": saved.id, "leader": saved.leader, "instructedOn": saved.instructed_on}),
    )
    .await?;
    txn.audit_created("Suggestion", parent.id);
    txn.commit().await.during("committing an instruction")?;
    Ok(saved)
}

#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub suggestion_id: i64,
    pub due_on: NaiveDate,
    pub note: Option<String>,
}

/// Asks every unit with an open assignment on a key suggestion for a progress report by
/// `due_on` (one report per assignment).
pub async fn request_reports(
    db: &Db,
    input: ReportRequest,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<Vec<progress_report::Model>> {
    let mut errors = Errors::new();
    let note = errors.check(text::optional(
        input.note.as_deref(),
        &["input", "note"],
        TEXT_MAX,
        Lines::Multi,
    ));
    errors.check(rules::check_due(input.due_on, today, &["input", "dueOn"]));
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let parent = key_suggestion(&*txn, input.suggestion_id).await?;
    errors.finish()?;
    let open = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(parent.id))
        .filter(assignment::Column::Status.is_in([
            AssignmentStatus::Assigned,
            AssignmentStatus::SignedFor,
            AssignmentStatus::Rehandling,
        ]))
        .order_by_asc(assignment::Column::Id)
        .all(&*txn)
        .await
        .during("loading the open assignments")?;
    if open.is_empty() {
        return Err(UserError::invalid_state(
            &["input", "suggestionId"],
            "该建议没有正在办理的承办单位 (no unit is handling it now)",
        )
        .into());
    }
    let mut made = Vec::with_capacity(open.len());
    for a in &open {
        let saved = progress_report::ActiveModel {
            suggestion_id: Set(parent.id),
            assignment_id: Set(a.id),
            requested_on: Set(today),
            due_on: Set(input.due_on),
            note: Set(note.clone().flatten()),
            state: Set(ReportState::Requested),
            filed_on: Set(None),
            body: Set(None),
            cancelled_on: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&*txn)
        .await
        .during("requesting a progress report")?;
        super::timeline::event(
            &*txn,
            parent.id,
            Some(a.id),
            EventKind::ProgressReportRequested,
            ActorRole::Office,
            now,
            json!({"reportId": saved.id, "dueOn": saved.due_on}),
        )
        .await?;
        made.push(saved);
    }
    txn.audit_created("Suggestion", parent.id);
    txn.commit().await.during("committing report requests")?;
    Ok(made)
}

/// A report within the scope, at the version read.
async fn report_in_scope<C: ConnectionTrait>(
    conn: &C,
    scope: Scope,
    id: i64,
    expected_version: Option<i32>,
) -> ServiceResult<progress_report::Model> {
    let found = progress_report::Entity::find_by_id(id)
        .filter(reports(scope))
        .one(conn)
        .await
        .during("loading the progress report")?
        .ok_or_else(|| UserError::missing(&["input", "id"], "办理进展", "progress report"))?;
    check_version("办理进展", expected_version, found.version)?;
    Ok(found)
}

async fn save<C: ConnectionTrait>(
    conn: &C,
    current: &progress_report::Model,
    changes: progress_report::ActiveModel,
    now: DateTime<Utc>,
) -> ServiceResult<progress_report::Model> {
    super::save_versioned(
        conn,
        current.id,
        current.version,
        changes,
        now,
        "办理进展",
        &["input", "id"],
    )
    .await
}

/// The unit files its progress report (报送办理进展): on time or late, it is recorded.
pub async fn file_report(
    db: &Db,
    scope: Scope,
    id: i64,
    expected_version: Option<i32>,
    body: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<progress_report::Model> {
    let body = text::required(body, &["input", "body"], BODY_MAX, Lines::Multi)?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = report_in_scope(&*txn, scope, id, expected_version).await?;
    let to = rules::next(state_of(current.state), ReportStep::File, &["input", "id"])?;
    let saved = save(
        &*txn,
        &current,
        progress_report::ActiveModel {
            state: Set(stored(to)),
            filed_on: Set(Some(today)),
            body: Set(Some(body)),
            ..Default::default()
        },
        now,
    )
    .await?;
    super::timeline::event(
        &*txn,
        saved.suggestion_id,
        Some(saved.assignment_id),
        EventKind::ProgressReportFiled,
        ActorRole::Unit,
        now,
        json!({"reportId": saved.id, "dueOn": saved.due_on, "filedOn": today, "late": today > saved.due_on}),
    )
    .await?;
    txn.commit().await.during("committing a progress report")?;
    Ok(saved)
}

/// The office cancels a request not filed yet (e.g. the unit answered meanwhile).
pub async fn cancel_report(
    db: &Db,
    id: i64,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<progress_report::Model> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = report_in_scope(&*txn, Scope::All, id, expected_version).await?;
    let to = rules::next(
        state_of(current.state),
        ReportStep::Cancel,
        &["input", "id"],
    )?;
    let saved = save(
        &*txn,
        &current,
        progress_report::ActiveModel {
            state: Set(stored(to)),
            cancelled_on: Set(Some(today)),
            ..Default::default()
        },
        now,
    )
    .await?;
    super::timeline::event(
        &*txn,
        saved.suggestion_id,
        Some(saved.assignment_id),
        EventKind::ProgressReportCancelled,
        ActorRole::Office,
        now,
        json!({"reportId": saved.id}),
    )
    .await?;
    txn.commit().await.during("committing a cancellation")?;
    Ok(saved)
}

#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub session_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// Only reports overdue as of this day: requested by then, due before it, neither
    /// filed nor cancelled by then (`domain::supervision::status` in SQL).
    pub overdue_on: Option<NaiveDate>,
}

fn filtered(scope: Scope, filter: &ReportFilter) -> sea_orm::Select<progress_report::Entity> {
    let mut select = progress_report::Entity::find().filter(reports(scope));
    if filter.session_id.is_some() || filter.unit_id.is_some() {
        let mut owners = Condition::all();
        if let Some(session_id) = filter.session_id {
            owners = owners.add(
                assignment::Column::SuggestionId
                    .in_subquery(super::scope::session_suggestion_ids(session_id)),
            );
        }
        if let Some(unit_id) = filter.unit_id {
            owners = owners.add(assignment::Column::UnitId.eq(unit_id));
        }
        select = select.filter(
            progress_report::Column::AssignmentId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(assignment::Column::Id)
                    .from(assignment::Entity)
                    .cond_where(owners)
                    .to_owned(),
            ),
        );
    }
    if let Some(day) = filter.overdue_on {
        select = select
            .filter(progress_report::Column::RequestedOn.lte(day))
            .filter(progress_report::Column::DueOn.lt(day))
            .filter(
                Condition::any()
                    .add(progress_report::Column::FiledOn.is_null())
                    .add(progress_report::Column::FiledOn.gt(day)),
            )
            .filter(
                Condition::any()
                    .add(progress_report::Column::CancelledOn.is_null())
                    .add(progress_report::Column::CancelledOn.gt(day)),
            );
    }
    select
}

/// Progress reports within sight, by due date (earliest first), for the desks.
pub async fn list(
    db: &Db,
    scope: Scope,
    filter: &ReportFilter,
    args: &PageArgs,
) -> ServiceResult<Page<progress_report::Model>> {
    super::scope::check_unit_filter(scope, filter.unit_id, &["filter", "unitId"])?;
    page::fetch(
        db.conn(),
        filtered(scope, filter),
        progress_report::Column::Id,
        page::Ordering {
            name: "DUE_ON",
            column: Some((progress_report::Column::DueOn, page::KeyKind::Date)),
            descending: false,
        },
        args,
        |m| Some(m.due_on.format("%Y-%m-%d").to_string()),
        |m| m.id,
    )
    .await
}

pub async fn count(db: &Db, scope: Scope, filter: &ReportFilter) -> ServiceResult<u64> {
    super::scope::check_unit_filter(scope, filter.unit_id, &["filter", "unitId"])?;
    page::count(db.conn(), filtered(scope, filter)).await
}

/// Progress reports counted by status as of a day, overall and per unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportCounts {
    pub pending: u64,
    pub due_soon: u64,
    pub overdue: u64,
    pub filed_on_time: u64,
    pub filed_late: u64,
}

impl ReportCounts {
    fn add(&mut self, status: ReportStatus) {
        match status {
            ReportStatus::Pending => self.pending += 1,
            ReportStatus::DueSoon => self.due_soon += 1,
            ReportStatus::Overdue => self.overdue += 1,
            ReportStatus::FiledOnTime => self.filed_on_time += 1,
            ReportStatus::FiledLate => self.filed_late += 1,
        }
    }
}

/// The supervision summary of a session as of a day (督办情况): each report's status by
/// `domain::supervision::status` (the session's due-soon days), counted overall and per
/// unit. Reports exist for key suggestions only — a few per suggestion — so they are
/// read and counted here, with the rule in one place, rather than re-stated in SQL.
pub async fn summary(
    db: &Db,
    scope: Scope,
    session_id: i64,
    as_of: NaiveDate,
) -> ServiceResult<(ReportCounts, BTreeMap<i64, ReportCounts>)> {
    let session = session::Entity::find_by_id(session_id)
        .one(db.conn())
        .await
        .during("loading the session")?
        .ok_or_else(|| UserError::missing(&["sessionId"], "会议", "session"))?;
    let due_soon_days = DeadlineRules::stored(&session.deadline_rules).due_soon_days;
    let rows: Vec<(progress_report::Model, Option<assignment::Model>)> =
        progress_report::Entity::find()
            .filter(reports(scope))
            .filter(progress_report::Column::RequestedOn.lte(as_of))
            .find_also_related(assignment::Entity)
            .filter(
                assignment::Column::SuggestionId
                    .in_subquery(super::scope::session_suggestion_ids(session_id)),
            )
            .all(db.conn())
            .await
            .during("loading progress reports")?;
    let mut overall = ReportCounts::default();
    let mut by_unit: BTreeMap<i64, ReportCounts> = BTreeMap::new();
    for (report, owner) in rows {
        let Some(status) = status_of(&report, due_soon_days, as_of) else {
            continue;
        };
        overall.add(status);
        if let Some(owner) = owner {
            by_unit.entry(owner.unit_id).or_default().add(status);
        }
    }
    Ok((overall, by_unit))
}
