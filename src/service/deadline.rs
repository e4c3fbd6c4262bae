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
use sea_orm::{ColumnTrait, Condition, FromQueryResult};

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

/// Any of `statuses` as of `as_of`, for assignments in force then.
pub fn any_of(statuses: &[DeadlineStatus], as_of: AsOf) -> Condition {
    let mut any = Condition::any();
    for status in statuses {
        any = any.add(condition(*status, as_of));
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

pub async fn summary(
    db: &Db,
    session_id: Option<i64>,
    unit_id: Option<i64>,
    as_of: AsOf,
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
        // The CAST gives both databases the same integer type (PostgreSQL's SUM of
        // integers is bigint, SQLite's is integer).
        select.expr_as(
            Expr::case(condition(status, as_of), 1)
                .finally(0)
                .sum()
                .cast_as(Alias::new("bigint")),
            Alias::new(alias),
        );
    }
    select.cond_where(in_force(as_of.date));
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
