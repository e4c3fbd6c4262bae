//! Deadline status in SQL. Due dates, the first due-soon day and the answer date are stored
//! (and indexed) on each assignment, so "what is overdue as of D" is a range query and
//! the per-status counts are one aggregate — never rows loaded into Rust.
//!
//! The conditions mirror `domain::deadline::deadline_status` exactly (a test checks both
//! give the same answer for every case).

use chrono::NaiveDate;
use entity::assignment;
use entity::enums::AssignmentStatus;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, FromQueryResult};

use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::deadline::DeadlineStatus;

/// The day statuses are computed for, and today (China time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsOf {
    pub date: NaiveDate,
    pub today: NaiveDate,
}

impl AsOf {
    /// True when every answer that will count is already stored: answers are never dated
    /// in the future, so on or after today "not answered as of the date" is simply
    /// "not answered", which the partial index of open deadlines serves.
    fn answers_complete(self) -> bool {
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

fn unanswered(as_of: AsOf) -> Condition {
    if as_of.answers_complete() {
        return Condition::all().add(assignment::Column::AnsweredOn.is_null());
    }
    Condition::any()
        .add(assignment::Column::AnsweredOn.is_null())
        .add(assignment::Column::AnsweredOn.gt(as_of.date))
}

fn answered(as_of: NaiveDate) -> Condition {
    Condition::all()
        .add(assignment::Column::AnsweredOn.is_not_null())
        .add(assignment::Column::AnsweredOn.lte(as_of))
}

/// The SQL condition for one deadline status as of `as_of` (DOMAIN.md §4).
pub fn condition(status: DeadlineStatus, as_of: AsOf) -> Condition {
    let (when, as_of) = (as_of, as_of.date);
    let due = Expr::col((assignment::Entity, assignment::Column::DueOn));
    let answered_on = Expr::col((assignment::Entity, assignment::Column::AnsweredOn));
    match status {
        DeadlineStatus::Overdue => Condition::all()
            .add(unanswered(when))
            .add(assignment::Column::DueOn.lt(as_of)),
        // due_soon_from ≤ asOf ≤ due_on  ⟺  0 ≤ due − asOf ≤ window
        DeadlineStatus::DueSoon => Condition::all()
            .add(unanswered(when))
            .add(assignment::Column::DueOn.gte(as_of))
            .add(assignment::Column::DueSoonFrom.lte(as_of)),
        DeadlineStatus::NotDue => Condition::all()
            .add(unanswered(when))
            .add(assignment::Column::DueSoonFrom.gt(as_of)),
        DeadlineStatus::AnsweredOnTime => answered(as_of).add(answered_on.lte(due)),
        DeadlineStatus::AnsweredLate => answered(as_of).add(answered_on.gt(due)),
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

/// Any of `statuses` as of `as_of`, for assignments in force then.
pub fn any_of(statuses: &[DeadlineStatus], as_of: AsOf) -> Condition {
    // One term per status there is, however long and repetitive the list: the condition's
    // size never grows with the input.
    let mut any = Condition::any();
    for status in DeadlineStatus::ALL {
        if statuses.contains(&status) {
            any = any.add(condition(status, as_of));
        }
    }
    Condition::all().add(in_force(as_of.date)).add(any)
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
/// deadlines; a date in the past aggregates the assignments themselves.
pub async fn summary(
    db: &Db,
    session_id: Option<i64>,
    unit_id: Option<i64>,
    as_of: AsOf,
) -> ServiceResult<Summary> {
    if !as_of.answers_complete() {
        return aggregate(db, session_id, unit_id, as_of, false).await;
    }
    let mut open = aggregate(db, session_id, unit_id, as_of, true).await?;
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
    let mut by_unit: std::collections::BTreeMap<i64, StatusCounts> =
        open.by_unit.drain(..).collect();
    for t in tallies {
        let counts = by_unit.entry(t.unit_id).or_default();
        counts.answered_on_time += t.answered_on_time;
        counts.answered_late += t.answered_late;
        open.overall.answered_on_time += t.answered_on_time;
        open.overall.answered_late += t.answered_late;
    }
    open.by_unit = by_unit.into_iter().filter(|(_, c)| c.total() > 0).collect();
    Ok(open)
}

/// Counts per status by aggregating assignments; `open_only` restricts it to unanswered
/// ones (served by the partial index `idx_assignment_open_summary`).
async fn aggregate(
    db: &Db,
    session_id: Option<i64>,
    unit_id: Option<i64>,
    as_of: AsOf,
    open_only: bool,
) -> ServiceResult<Summary> {
    let conn = db.conn();
    let mut select = Query::select();
    select
        .column(assignment::Column::UnitId)
        .from(assignment::Entity);
    for (alias, status) in [
        ("not_due", DeadlineStatus::NotDue),
        ("due_soon", DeadlineStatus::DueSoon),
        ("overdue", DeadlineStatus::Overdue),
        ("answered_on_time", DeadlineStatus::AnsweredOnTime),
        ("answered_late", DeadlineStatus::AnsweredLate),
    ] {
        // Over open deadlines only, the conditions need no answer date, so the covering
        // index answers alone; answered counts come from the tallies instead.
        let counted = match (open_only, open_condition(status, as_of.date)) {
            (true, Some(open)) => Expr::case(open, 1).finally(0).sum(),
            (true, None) => Expr::val(0),
            (false, _) => Expr::case(condition(status, as_of), 1).finally(0).sum(),
        };
        // The CAST gives both databases the same integer type (PostgreSQL's SUM of
        // integers is bigint, SQLite's is integer).
        select.expr_as(counted.cast_as(Alias::new("bigint")), Alias::new(alias));
    }
    select.cond_where(in_force(as_of.date));
    if open_only {
        select.and_where(assignment::Column::AnsweredOn.is_null());
    }
    if let Some(session_id) = session_id {
        select.and_where(assignment::Column::SessionId.eq(session_id));
    }
    if let Some(unit_id) = unit_id {
        select.and_where(assignment::Column::UnitId.eq(unit_id));
    }
    select
        .group_by_col(assignment::Column::UnitId)
        .order_by(assignment::Column::UnitId, sea_orm::Order::Asc);
    let statement = conn.get_database_backend().build(&select);
    let rows = UnitRow::find_by_statement(statement)
        .all(conn)
        .await
        .during("counting deadline statuses")?;
    let mut result = Summary {
        as_of: as_of.date,
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
    Ok(result)
}

/// Answered deadlines in force count into `assignment_tally` by (session, unit, late?).
fn tally_class(a: &assignment::Model) -> Option<(i64, i64, bool)> {
    if matches!(
        a.status,
        AssignmentStatus::Returned | AssignmentStatus::Withdrawn
    ) {
        return None;
    }
    a.answered_on
        .map(|answered| (a.session_id, a.unit_id, answered > a.due_on))
}

/// Keeps the tallies in step with one assignment write (`old` → `new`), inside the
/// writer's transaction. Every assignment update goes through
/// `service::workflow::save_assignment`, which calls this.
pub(crate) async fn retally<C: ConnectionTrait>(
    conn: &C,
    old: &assignment::Model,
    new: &assignment::Model,
) -> ServiceResult<()> {
    let (before, after) = (tally_class(old), tally_class(new));
    if before == after {
        return Ok(());
    }
    if let Some(class) = before {
        bump(conn, class, -1).await?;
    }
    if let Some(class) = after {
        bump(conn, class, 1).await?;
    }
    Ok(())
}

async fn bump<C: ConnectionTrait>(
    conn: &C,
    (session_id, unit_id, late): (i64, i64, bool),
    delta: i64,
) -> ServiceResult<()> {
    use entity::assignment_tally as tally;
    use sea_orm::EntityTrait;
    let column = if late {
        tally::Column::AnsweredLate
    } else {
        tally::Column::AnsweredOnTime
    };
    let row = tally::ActiveModel {
        session_id: sea_orm::ActiveValue::Set(session_id),
        unit_id: sea_orm::ActiveValue::Set(unit_id),
        answered_on_time: sea_orm::ActiveValue::Set(if late { 0 } else { delta }),
        answered_late: sea_orm::ActiveValue::Set(if late { delta } else { 0 }),
    };
    tally::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                tally::Column::SessionId,
                tally::Column::UnitId,
            ])
            .value(column, Expr::col((tally::Entity, column)).add(delta))
            .to_owned(),
        )
        .exec(conn)
        .await
        .during("updating deadline tallies")?;
    Ok(())
}

/// Recomputes every tally from the assignments (after bulk loads, or to repair).
pub async fn rebuild_tallies<C: ConnectionTrait>(conn: &C) -> ServiceResult<()> {
    let backend = conn.get_database_backend();
    conn.execute_raw(sea_orm::Statement::from_string(
        backend,
        "DELETE FROM assignment_tally",
    ))
    .await
    .during("clearing deadline tallies")?;
    conn.execute_raw(sea_orm::Statement::from_string(
        backend,
        "INSERT INTO assignment_tally (session_id, unit_id, answered_on_time, answered_late) \
         SELECT session_id, unit_id, \
                SUM(CASE WHEN answered_on <= due_on THEN 1 ELSE 0 END), \
                SUM(CASE WHEN answered_on > due_on THEN 1 ELSE 0 END) \
         FROM assignment WHERE answered_on IS NOT NULL AND status NOT IN ('RETURNED', 'WITHDRAWN') \
         GROUP BY session_id, unit_id",
    ))
    .await
    .during("rebuilding deadline tallies")?;
    Ok(())
}
