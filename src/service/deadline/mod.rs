//! Deadline status in SQL. Due dates, the first due-soon day and the answer date are stored
//! (and indexed) on each assignment, so "what is overdue as of D" is a range query and
//! the per-status counts are one aggregate — never rows loaded into Rust.
//!
//! The conditions mirror `domain::deadline::deadline_status` exactly (a test checks both
//! give the same answer for every case).

mod spans;
mod tallies;
pub use spans::*;
pub use tallies::*;

use chrono::NaiveDate;
use entity::enums::AssignmentStatus;
use entity::{assignment, deadline_span};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, FromQueryResult};

use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::deadline::DeadlineStatus;
use crate::domain::span::{spans, ApprovedExtension, RoundRecord, Span};

/// The day statuses are computed for, and today (China time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    pub date: NaiveDate,
    pub today: NaiveDate,
    /// Some assignment's deadline history has a span containing `date`: only then can a
    /// deadline in force on `date` differ from the current one, and the queries look at
    /// `deadline_span` at all.
    pub history: bool,
}

impl AsOf {
    /// `date` seen from `today`; for a past date, one indexed probe says whether any
    /// history span contains it.
    pub async fn on(db: &Db, date: NaiveDate, today: NaiveDate) -> ServiceResult<Self> {
        use sea_orm::{EntityTrait as _, QueryFilter as _, QuerySelect as _};
        let history = date < today
            && deadline_span::Entity::find()
                .select_only()
                .column(deadline_span::Column::Id)
                .filter(span_contains(date))
                .limit(1)
                .into_tuple::<i64>()
                .one(db.conn())
                .await
                .during("looking for deadline history")?
                .is_some();
        Ok(Self {
            date,
            today,
            history,
        })
    }

    /// True when every answer that will count is already stored: answers are never dated
    /// in the future, so on or after today "not answered as of the date" is simply
    /// "not answered", which the partial index of open deadlines serves.
    pub(crate) fn answers_complete(self) -> bool {
        self.date >= self.today
    }
}

/// Assignments that run against a deadline as of `as_of`: assigned by then, and not
/// returned or withdrawn.
pub fn in_force(as_of: NaiveDate) -> Condition {
    Condition::all()
        .add(assignment::Column::AssignedOn.lte(as_of))
        .add(
            assignment::Column::Status
                .is_not_in([AssignmentStatus::Returned, AssignmentStatus::Withdrawn]),
        )
}

/// The columns a deadline status is read from: an assignment's current span (its own
/// columns) or a span of its history (`deadline_span`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Current,
    History,
}

impl Source {
    fn due_on(self) -> Expr {
        match self {
            Self::Current => Expr::col((assignment::Entity, assignment::Column::DueOn)),
            Self::History => Expr::col((deadline_span::Entity, deadline_span::Column::DueOn)),
        }
    }

    fn due_soon_from(self) -> Expr {
        match self {
            Self::Current => Expr::col((assignment::Entity, assignment::Column::DueSoonFrom)),
            Self::History => Expr::col((deadline_span::Entity, deadline_span::Column::DueSoonFrom)),
        }
    }

    fn answered_on(self) -> Expr {
        match self {
            Self::Current => Expr::col((assignment::Entity, assignment::Column::AnsweredOn)),
            Self::History => Expr::col((deadline_span::Entity, deadline_span::Column::AnsweredOn)),
        }
    }
}

fn unanswered(source: Source, as_of: AsOf) -> Condition {
    if source == Source::Current && as_of.answers_complete() {
        return Condition::all().add(source.answered_on().is_null());
    }
    Condition::any()
        .add(source.answered_on().is_null())
        .add(source.answered_on().gt(as_of.date))
}

fn answered(source: Source, as_of: NaiveDate) -> Condition {
    Condition::all()
        .add(source.answered_on().is_not_null())
        .add(source.answered_on().lte(as_of))
}

/// The SQL condition for one deadline status as of `as_of` (docs/domain.md §4) on the
/// assignment's current span.
pub fn condition(status: DeadlineStatus, as_of: AsOf) -> Condition {
    condition_on(Source::Current, status, as_of)
}

fn condition_on(source: Source, status: DeadlineStatus, when: AsOf) -> Condition {
    let as_of = when.date;
    match status {
        DeadlineStatus::Overdue => Condition::all()
            .add(unanswered(source, when))
            .add(source.due_on().lt(as_of)),
        // due_soon_from ≤ asOf ≤ due_on  ⟺  0 ≤ due − asOf ≤ window
        DeadlineStatus::DueSoon => Condition::all()
            .add(unanswered(source, when))
            .add(source.due_on().gte(as_of))
            .add(source.due_soon_from().lte(as_of)),
        DeadlineStatus::NotDue => Condition::all()
            .add(unanswered(source, when))
            .add(source.due_soon_from().gt(as_of)),
        DeadlineStatus::AnsweredOnTime => {
            answered(source, as_of).add(source.answered_on().lte(source.due_on()))
        }
        DeadlineStatus::AnsweredLate => {
            answered(source, as_of).add(source.answered_on().gt(source.due_on()))
        }
    }
}

/// The condition for an open status among rows already known to be unanswered.
fn open_condition(status: DeadlineStatus, as_of: NaiveDate) -> Option<Condition> {
    Some(match status {
        DeadlineStatus::Overdue => Condition::all().add(assignment::Column::DueOn.lt(as_of)),
        DeadlineStatus::DueSoon => Condition::all()
            .add(assignment::Column::DueOn.gte(as_of))
            .add(assignment::Column::DueSoonFrom.lte(as_of)),
        DeadlineStatus::NotDue => Condition::all().add(assignment::Column::DueSoonFrom.gt(as_of)),
        DeadlineStatus::AnsweredOnTime | DeadlineStatus::AnsweredLate => return None,
    })
}

/// The history spans that contain `as_of` (at most one per assignment).
fn span_contains(as_of: NaiveDate) -> Condition {
    Condition::all()
        .add(deadline_span::Column::FromOn.lte(as_of))
        .add(deadline_span::Column::UntilOn.gt(as_of))
}

/// Any of `statuses` as of `as_of`, for assignments in force then. Before an assignment's
/// current span began, the span of its history that contains the day decides.
pub fn any_of(statuses: &[DeadlineStatus], as_of: AsOf) -> Condition {
    // One term per status there is, however long and repetitive the list: the condition's
    // size never grows with the input.
    let any = |source: Source| {
        let mut any = Condition::any();
        for status in DeadlineStatus::ALL {
            if statuses.contains(&status) {
                any = any.add(condition_on(source, status, as_of));
            }
        }
        any
    };
    let in_force = Condition::all().add(in_force(as_of.date));
    // Spans never begin after today, so from today on the current one is in force; and
    // with no span containing the day, every current deadline had begun by then.
    if as_of.answers_complete() || !as_of.history {
        return in_force.add(any(Source::Current));
    }
    let mut earlier = Query::select();
    earlier
        .expr(Expr::val(1))
        .from(deadline_span::Entity)
        .and_where(
            Expr::col((deadline_span::Entity, deadline_span::Column::AssignmentId))
                .equals((assignment::Entity, assignment::Column::Id)),
        )
        .cond_where(span_contains(as_of.date))
        .cond_where(any(Source::History));
    in_force.add(
        Condition::any()
            .add(
                Condition::all()
                    .add(assignment::Column::SpanFrom.lte(as_of.date))
                    .add(any(Source::Current)),
            )
            .add(Expr::exists(earlier)),
    )
}

/// Counts per deadline status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct StatusCounts {
    pub not_due: i64,
    pub due_soon: i64,
    pub overdue: i64,
    pub answered_on_time: i64,
    pub answered_late: i64,
}

impl StatusCounts {
    pub fn total(&self) -> i64 {
        self.not_due + self.due_soon + self.overdue + self.answered_on_time + self.answered_late
    }

    fn add(&mut self, other: &StatusCounts) {
        self.not_due += other.not_due;
        self.due_soon += other.due_soon;
        self.overdue += other.overdue;
        self.answered_on_time += other.answered_on_time;
        self.answered_late += other.answered_late;
    }
}

#[derive(Debug, Clone, FromQueryResult)]
struct UnitRow {
    unit_id: i64,
    not_due: i64,
    due_soon: i64,
    overdue: i64,
    answered_on_time: i64,
    answered_late: i64,
}

/// `deadlineSummary`: counts per status overall and per unit, as of `as_of`.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub as_of: NaiveDate,
    pub overall: StatusCounts,
    pub by_unit: Vec<(i64, StatusCounts)>,
}

/// `deadlineSummary`. As of today or later (what offices look at all day), answered
/// deadlines come from the tallies and open ones from the covering index of unanswered
/// deadlines; a date in the past aggregates the assignments whose current span had begun
/// by then, and the history spans in force on that date for the others.
pub async fn summary(
    db: &Db,
    session_id: Option<i64>,
    unit_id: Option<i64>,
    as_of: AsOf,
) -> ServiceResult<Summary> {
    if !as_of.answers_complete() {
        let mut current = aggregate(db, session_id, unit_id, as_of, Rows::Current).await?;
        if as_of.history {
            let earlier = aggregate(db, session_id, unit_id, as_of, Rows::History).await?;
            current.merge(earlier);
        }
        return Ok(current);
    }
    let mut open = aggregate(db, session_id, unit_id, as_of, Rows::Open).await?;
    use entity::assignment_tally as tally;
    use sea_orm::{EntityTrait, QueryFilter};
    let mut select = tally::Entity::find();
    if let Some(session_id) = session_id {
        select = select.filter(tally::Column::SessionId.eq(session_id));
    }
    if let Some(unit_id) = unit_id {
        select = select.filter(tally::Column::UnitId.eq(unit_id));
    }
    let tallies = select
        .all(db.conn())
        .await
        .during("reading deadline tallies")?;
    open.merge(Summary {
        as_of: as_of.date,
        overall: StatusCounts::default(),
        by_unit: tallies
            .into_iter()
            .map(|t| {
                let counts = StatusCounts {
                    answered_on_time: t.answered_on_time,
                    answered_late: t.answered_late,
                    ..StatusCounts::default()
                };
                (t.unit_id, counts)
            })
            .collect(),
    });
    Ok(open)
}

impl Summary {
    /// Adds `other`'s counts per unit (and overall, from the units' counts).
    fn merge(&mut self, other: Summary) {
        let mut by_unit: std::collections::BTreeMap<i64, StatusCounts> =
            self.by_unit.drain(..).collect();
        for (unit, counts) in &other.by_unit {
            by_unit.entry(*unit).or_default().add(counts);
        }
        self.by_unit = by_unit.into_iter().filter(|(_, c)| c.total() > 0).collect();
        self.overall = StatusCounts::default();
        for (_, counts) in &self.by_unit {
            self.overall.add(counts);
        }
    }
}

/// Which rows `aggregate` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Unanswered assignments (served by the partial index `idx_assignment_open_summary`);
    /// the answered ones come from the tallies.
    Open,
    /// Assignments whose current span had begun by the day.
    Current,
    /// History spans in force on the day, of assignments whose current span began later.
    History,
}

/// Counts per status and unit.
async fn aggregate(
    db: &Db,
    session_id: Option<i64>,
    unit_id: Option<i64>,
    as_of: AsOf,
    rows: Rows,
) -> ServiceResult<Summary> {
    let conn = db.conn();
    let mut select = Query::select();
    select
        .column((assignment::Entity, assignment::Column::UnitId))
        .from(assignment::Entity);
    let source = match rows {
        Rows::History => Source::History,
        Rows::Open | Rows::Current => Source::Current,
    };
    for (alias, status) in [
        ("not_due", DeadlineStatus::NotDue),
        ("due_soon", DeadlineStatus::DueSoon),
        ("overdue", DeadlineStatus::Overdue),
        ("answered_on_time", DeadlineStatus::AnsweredOnTime),
        ("answered_late", DeadlineStatus::AnsweredLate),
    ] {
        // Over open deadlines only, the conditions need no answer date, so the covering
        // index answers alone; answered counts come from the tallies instead.
        let counted = match (rows, open_condition(status, as_of.date)) {
            (Rows::Open, Some(open)) => Expr::case(open, 1).finally(0).sum(),
            (Rows::Open, None) => Expr::val(0),
            _ => Expr::case(condition_on(source, status, as_of), 1)
                .finally(0)
                .sum(),
        };
        // The CAST gives both databases the same integer type (PostgreSQL's SUM of
        // integers is bigint, SQLite's is integer).
        select.expr_as(counted.cast_as(Alias::new("bigint")), Alias::new(alias));
    }
    select.cond_where(in_force(as_of.date));
    match rows {
        Rows::Open => {
            select.and_where(assignment::Column::AnsweredOn.is_null());
        }
        Rows::Current => {
            select.and_where(assignment::Column::SpanFrom.lte(as_of.date));
        }
        Rows::History => {
            select
                .inner_join(
                    deadline_span::Entity,
                    Expr::col((deadline_span::Entity, deadline_span::Column::AssignmentId))
                        .equals((assignment::Entity, assignment::Column::Id)),
                )
                .cond_where(span_contains(as_of.date));
        }
    }
    if let Some(session_id) = session_id {
        select.and_where(assignment::Column::SessionId.eq(session_id));
    }
    if let Some(unit_id) = unit_id {
        select.and_where(assignment::Column::UnitId.eq(unit_id));
    }
    select
        .group_by_col((assignment::Entity, assignment::Column::UnitId))
        .order_by(
            (assignment::Entity, assignment::Column::UnitId),
            sea_orm::Order::Asc,
        );
    let statement = conn.get_database_backend().build(&select);
    let rows = UnitRow::find_by_statement(statement)
        .all(conn)
        .await
        .during("counting deadline statuses")?;
    Ok(Summary::of_units(as_of.date, rows))
}

impl Summary {
    /// The summary of the per-unit rows, with their sum.
    fn of_units(as_of: NaiveDate, rows: Vec<UnitRow>) -> Self {
        let mut result = Summary {
            as_of,
            ..Summary::default()
        };
        for row in rows {
            let counts = StatusCounts {
                not_due: row.not_due,
                due_soon: row.due_soon,
                overdue: row.overdue,
                answered_on_time: row.answered_on_time,
                answered_late: row.answered_late,
            };
            result.overall.add(&counts);
            result.by_unit.push((row.unit_id, counts));
        }
        result
    }
}
