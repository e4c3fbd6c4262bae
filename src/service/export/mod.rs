//! The suggestion list as a spreadsheet (建议办理情况一览表), read in pages.
//!
//! **One row per suggestion.** The list an office sends to its leaders counts cases: a
//! row is a suggestion (建议), so the row count is the number of suggestions the filter
//! selects — the same rows and the same `totalCount` as the `suggestions` query with the
//! same filter and the caller's scope. A suggestion's units and roles are joined in one
//! cell (`市委组织部(主办)；市人社局(协办)`), as are each unit's due date and deadline status,
//! categories and ratings; the due date and status that decide the case (its worst
//! deadline, docs/domain.md §4: "a suggestion's status is the worst of its open assignments")
//! also stand in cells of their own, typed, so Excel can sort and filter on them. A unit
//! exporting sees only its own assignments, replies and ratings, as in the API.
//!
//! **Bounded memory.** Rows are read in keyset pages of [`PAGE_ROWS`] suggestions in
//! registration order (`id > last id`), only the columns the sheet shows (never the
//! suggestion's content or a reply's body); each page's deputies, co-signers,
//! assignments, replies and ratings come in one query each (no N+1), all keyed by the
//! page's suggestion ids (`IN (…)` of the page, or subqueries over it), so every full page
//! runs the same few statement shapes and the prepared-statement caches stay small; units
//! and sessions are remembered across pages. A page is handed over before the next is
//! read, so memory holds one page whatever the size of the export. Pages are separate
//! statements, not one snapshot: a case edited during a long export shows as it was
//! when its page was read.

mod page;

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::enums::{
    AssignmentRole, AssignmentStatus, FilingPeriod, ReplyCategory, Satisfaction, SuggestionKind,
    SuggestionStatus,
};
use entity::{
    assignment, deputy, handling_unit, rating, reply, session, suggestion,
    suggestion_co_signer as co_signer,
};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};

use super::spreadsheet::{Cell, Column};
use super::suggestion::{filtered, SuggestionFilter};
use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::Scope;
use crate::domain::deadline::{self, DeadlineStatus};
use crate::domain::span::{self, Span};

/// Suggestions read per page.
pub const PAGE_ROWS: u64 = 1_000;

/// The columns of the suggestion list, in order.
pub fn suggestion_columns() -> Vec<Column> {
    vec![
        Column::text("会议", 26.0),
        Column::text("类型", 8.0),
        Column::text("编号", 10.0),
        Column::text("标题", 50.0),
        Column::text("领衔代表", 12.0),
        Column::text("代表团", 14.0),
        Column::text("联名代表", 24.0),
        Column::text("主题分类", 12.0),
        Column::text("重点建议", 10.0),
        Column::date("提出日期"),
        Column::text("办理状态", 10.0),
        Column::text("承办单位", 36.0),
        Column::date("交办日期"),
        Column::date("答复期限"),
        Column::text("办理期限状态", 14.0),
        Column::text("各单位期限", 44.0),
        Column::date("答复日期"),
        Column::text("答复类别", 16.0),
        Column::text("满意度", 16.0),
        Column::integer("附件数"),
    ]
}

/// The deadline status of an assignment as of a date, by the API's rule
/// (`domain::span::assignment_status`): none when it was returned or withdrawn or not
/// made yet, otherwise the status under the deadline the row holds — the one in force on
/// the sheet's date (see `in_force_on`).
pub fn assignment_status(a: &AssignmentRow, as_of: NaiveDate) -> Option<DeadlineStatus> {
    let span = Span {
        round: 0,
        from_on: a.span_from,
        until_on: None,
        due_on: a.due_on,
        due_soon_from: a.due_soon_from,
        answered_on: a.answered_on,
    };
    span::assignment_status(
        matches!(
            a.status,
            AssignmentStatus::Returned | AssignmentStatus::Withdrawn
        ),
        a.assigned_on,
        Some(&span),
        as_of,
    )
}

/// Rows with the deadline in force on `as_of`: an assignment whose current span began
/// later gets the due date and answer of the span of its history that contains the day.
async fn in_force_on<C: sea_orm::ConnectionTrait>(
    conn: &C,
    mut rows: Vec<AssignmentRow>,
    as_of: NaiveDate,
) -> ServiceResult<Vec<AssignmentRow>> {
    let earlier = super::deadline::earlier_spans_on(
        conn,
        rows.iter().filter(|a| a.span_from > as_of).map(|a| a.id),
        as_of,
    )
    .await?;
    for row in &mut rows {
        if let Some(span) = earlier.get(&row.id) {
            row.span_from = span.from_on;
            row.due_on = span.due_on;
            row.due_soon_from = span.due_soon_from;
            row.answered_on = span.answered_on;
        }
    }
    Ok(rows)
}

pub fn deadline_label(status: DeadlineStatus) -> &'static str {
    match status {
        DeadlineStatus::NotDue => "未到期",
        DeadlineStatus::DueSoon => "临期",
        DeadlineStatus::Overdue => "逾期未答复",
        DeadlineStatus::AnsweredOnTime => "按期答复",
        DeadlineStatus::AnsweredLate => "逾期答复",
    }
}

pub fn role_label(role: AssignmentRole) -> &'static str {
    match role {
        AssignmentRole::Lead => "主办",
        AssignmentRole::CoHandler => "协办",
        AssignmentRole::Separate => "分办",
        AssignmentRole::Sole => "独办",
    }
}

pub fn status_label(status: SuggestionStatus) -> &'static str {
    match status {
        SuggestionStatus::Registered => "已登记",
        SuggestionStatus::Assigned => "已交办",
        SuggestionStatus::Replied => "已答复",
        SuggestionStatus::Closed => "已办结",
        SuggestionStatus::Withdrawn => "已撤回",
    }
}

pub fn kind_label(kind: SuggestionKind) -> &'static str {
    match kind {
        SuggestionKind::NpcSuggestion => "建议",
        SuggestionKind::CppccProposal => "提案",
    }
}

pub fn period_label(period: FilingPeriod) -> &'static str {
    match period {
        FilingPeriod::DuringSession => "大会期间",
        FilingPeriod::InterSession => "闭会期间",
    }
}

pub fn satisfaction_label(s: Satisfaction) -> &'static str {
    match s {
        Satisfaction::Satisfied => "满意",
        Satisfaction::BasicallySatisfied => "基本满意",
        Satisfaction::Unsatisfied => "不满意",
    }
}

fn category_code(c: ReplyCategory) -> &'static str {
    match c {
        ReplyCategory::A => "A",
        ReplyCategory::B => "B",
        ReplyCategory::C => "C",
        ReplyCategory::D => "D",
    }
}

/// What the sheet shows of a suggestion (never its content).
#[derive(Debug, Clone, FromQueryResult)]
struct SuggestionRow {
    id: i64,
    session_id: i64,
    kind: SuggestionKind,
    number: String,
    title: String,
    lead_deputy_id: i64,
    topic: Option<String>,
    is_key: bool,
    status: SuggestionStatus,
    submitted_on: NaiveDate,
}

/// What the sheet needs of an assignment.
#[derive(Debug, Clone, FromQueryResult)]
pub struct AssignmentRow {
    pub id: i64,
    pub suggestion_id: i64,
    pub unit_id: i64,
    pub role: AssignmentRole,
    pub status: AssignmentStatus,
    pub assigned_on: NaiveDate,
    pub due_on: NaiveDate,
    pub due_soon_from: NaiveDate,
    pub answered_on: Option<NaiveDate>,
    pub span_from: NaiveDate,
}

/// What the sheet shows of a reply (never its body).
#[derive(Debug, Clone, FromQueryResult)]
pub(super) struct ReplyRow {
    id: i64,
    assignment_id: i64,
    round: i32,
    category: ReplyCategory,
    replied_on: NaiveDate,
}

/// The filtered suggestion list as sheet rows, one page at a time.
pub struct SuggestionRows {
    db: Db,
    filter: SuggestionFilter,
    as_of: NaiveDate,
    after: Option<i64>,
    done: bool,
    page_rows: u64,
    sessions: HashMap<i64, String>,
    units: HashMap<i64, String>,
}

impl SuggestionRows {
    /// Rows of the suggestions `filter` selects (with its scope), deadline statuses as of
    /// `as_of`.
    pub fn new(db: Db, filter: SuggestionFilter, as_of: NaiveDate) -> Self {
        Self {
            db,
            filter,
            as_of,
            after: None,
            done: false,
            page_rows: PAGE_ROWS,
            sessions: HashMap::new(),
            units: HashMap::new(),
        }
    }

    /// Reads `rows` suggestions per page instead of [`PAGE_ROWS`] (tests cross pages).
    #[must_use]
    pub fn with_page_rows(mut self, rows: u64) -> Self {
        self.page_rows = rows.max(1);
        self
    }

    /// The next page of rows; `None` after the last.
    pub async fn next_page(&mut self) -> ServiceResult<Option<Vec<Vec<Cell>>>> {
        let Some(suggestions) = self.read_suggestions().await? else {
            return Ok(None);
        };
        let db = self.db.clone();
        let conn = db.conn();
        let ids: Vec<i64> = suggestions.iter().map(|s| s.id).collect();
        self.load_sessions(&suggestions).await?;
        let signers_of = page::co_signers(conn, &ids).await?;
        let deputies = page::deputies(conn, &ids).await?;
        let assignments = page::assignments(conn, &ids, self.filter.scope).await?;
        let assignments = in_force_on(conn, assignments, self.as_of).await?;
        self.load_units(&assignments).await?;
        let (replies, ratings) = page::replies_and_ratings(conn, &ids, self.filter.scope).await?;
        let latest = page::latest_replies(&replies);
        let attachments = page::attachment_counts(conn, &ids, self.filter.scope).await?;
        let mut assignments_of: HashMap<i64, Vec<&AssignmentRow>> = HashMap::new();
        for a in &assignments {
            assignments_of.entry(a.suggestion_id).or_default().push(a);
        }
        let page = suggestions
            .iter()
            .map(|s| {
                let signers: Vec<&str> = signers_of
                    .get(&s.id)
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|id| deputies.get(id).map(|(n, _)| n.as_str()))
                            .collect()
                    })
                    .unwrap_or_default();
                let mut row = self.suggestion_cells(s, &deputies, &signers);
                let cases = assignments_of.get(&s.id).map_or(&[][..], Vec::as_slice);
                row.extend(self.handling_cells(cases, &latest, &ratings));
                row.push(Cell::Integer(attachments.get(&s.id).copied().unwrap_or(0)));
                row
            })
            .collect();
        Ok(Some(page))
    }

    /// The next keyset page of suggestions (only the columns the sheet shows); `None`
    /// after the last.
    async fn read_suggestions(&mut self) -> ServiceResult<Option<Vec<SuggestionRow>>> {
        if self.done {
            return Ok(None);
        }
        let mut select = filtered(self.db.backend(), &self.filter)
            .select_only()
            .columns([
                suggestion::Column::Id,
                suggestion::Column::SessionId,
                suggestion::Column::Kind,
                suggestion::Column::Number,
                suggestion::Column::Title,
                suggestion::Column::LeadDeputyId,
                suggestion::Column::Topic,
                suggestion::Column::IsKey,
                suggestion::Column::Status,
                suggestion::Column::SubmittedOn,
            ])
            .order_by_asc(suggestion::Column::Id)
            .limit(self.page_rows);
        if let Some(after) = self.after {
            select = select.filter(suggestion::Column::Id.gt(after));
        }
        let suggestions: Vec<SuggestionRow> = select
            .into_model()
            .all(self.db.conn())
            .await
            .during("reading a page of the suggestion export")?;
        if (suggestions.len() as u64) < self.page_rows {
            self.done = true;
        }
        let Some(last) = suggestions.last() else {
            return Ok(None);
        };
        self.after = Some(last.id);
        Ok(Some(suggestions))
    }

    /// The cells from 会议 to 办理状态 for one suggestion.
    fn suggestion_cells(
        &self,
        s: &SuggestionRow,
        deputies: &HashMap<i64, (String, Option<String>)>,
        signers: &[&str],
    ) -> Vec<Cell> {
        let (lead, delegation) = deputies
            .get(&s.lead_deputy_id)
            .map_or(("", None), |(n, d)| (n.as_str(), d.as_deref()));
        vec![
            Cell::text(
                self.sessions
                    .get(&s.session_id)
                    .cloned()
                    .unwrap_or_default(),
            ),
            Cell::text(kind_label(s.kind)),
            Cell::text(&s.number),
            Cell::text(&s.title),
            Cell::text(lead),
            Cell::opt_text(delegation),
            Cell::text(signers.join("、")),
            Cell::opt_text(s.topic.as_deref()),
            Cell::text(if s.is_key { "是" } else { "否" }),
            Cell::Date(s.submitted_on),
            Cell::text(status_label(s.status)),
        ]
    }

    /// The cells from 承办单位 to 满意度 for one suggestion's assignments.
    fn handling_cells(
        &self,
        cases: &[&AssignmentRow],
        latest: &HashMap<i64, &ReplyRow>,
        ratings: &HashMap<i64, Satisfaction>,
    ) -> Vec<Cell> {
        // A returned assignment was passed to another unit: history, not a current unit.
        let current: Vec<&AssignmentRow> = cases
            .iter()
            .copied()
            .filter(|a| a.status != AssignmentStatus::Returned)
            .collect();
        let unit = |a: &AssignmentRow| self.units.get(&a.unit_id).cloned().unwrap_or_default();
        let units = current
            .iter()
            .map(|a| format!("{}({})", unit(a), role_label(a.role)))
            .collect::<Vec<_>>()
            .join("；");
        let assigned_on = current.iter().map(|a| a.assigned_on).min();
        let statuses: Vec<(&AssignmentRow, Option<DeadlineStatus>)> = current
            .iter()
            .map(|a| (*a, assignment_status(a, self.as_of)))
            .collect();
        // The deciding deadline: the worst status, the earliest due date among equals.
        let worst = statuses
            .iter()
            .filter_map(|(a, s)| s.map(|s| (*a, s)))
            .max_by(|(a, s), (b, t)| {
                deadline::severity(*s)
                    .cmp(&deadline::severity(*t))
                    .then(b.due_on.cmp(&a.due_on))
            });
        let per_unit = statuses
            .iter()
            .map(|(a, s)| {
                let status = s.map_or("—", deadline_label);
                format!("{} {} {}", unit(a), a.due_on.format("%Y-%m-%d"), status)
            })
            .collect::<Vec<_>>()
            .join("；");
        let replied: Vec<(&AssignmentRow, &ReplyRow)> = current
            .iter()
            .filter_map(|a| latest.get(&a.id).map(|r| (*a, *r)))
            .collect();
        let replied_on = replied.iter().map(|(_, r)| r.replied_on).max();
        let one_unit = replied.len() == 1;
        let labelled = |a: &AssignmentRow, text: &str| {
            if one_unit {
                text.to_owned()
            } else {
                format!("{} {text}", unit(a))
            }
        };
        let categories = replied
            .iter()
            .map(|(a, r)| labelled(a, category_code(r.category)))
            .collect::<Vec<_>>()
            .join("；");
        let satisfaction = replied
            .iter()
            .filter_map(|(a, r)| {
                ratings
                    .get(&r.id)
                    .map(|s| labelled(a, satisfaction_label(*s)))
            })
            .collect::<Vec<_>>()
            .join("；");
        vec![
            Cell::text(units),
            Cell::opt_date(assigned_on),
            Cell::opt_date(worst.map(|(a, _)| a.due_on)),
            Cell::opt_text(worst.map(|(_, s)| deadline_label(s))),
            Cell::text(per_unit),
            Cell::opt_date(replied_on),
            Cell::text(categories),
            Cell::text(satisfaction),
        ]
    }

    async fn load_sessions(&mut self, rows: &[SuggestionRow]) -> ServiceResult<()> {
        let mut missing: Vec<i64> = rows
            .iter()
            .map(|s| s.session_id)
            .filter(|id| !self.sessions.contains_key(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let found = session::Entity::find()
            .select_only()
            .columns([session::Column::Id, session::Column::Name])
            .filter(session::Column::Id.is_in(missing))
            .into_tuple::<(i64, String)>()
            .all(self.db.conn())
            .await
            .during("reading sessions for an export")?;
        self.sessions.extend(found);
        Ok(())
    }

    async fn load_units(&mut self, rows: &[AssignmentRow]) -> ServiceResult<()> {
        let mut missing: Vec<i64> = rows
            .iter()
            .map(|a| a.unit_id)
            .filter(|id| !self.units.contains_key(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let found = handling_unit::Entity::find()
            .select_only()
            .columns([handling_unit::Column::Id, handling_unit::Column::Name])
            .filter(handling_unit::Column::Id.is_in(missing))
            .into_tuple::<(i64, String)>()
            .all(self.db.conn())
            .await
            .during("reading units for an export")?;
        self.units.extend(found);
        Ok(())
    }
}
