//! Deadline status in SQL. Due dates, the first due-soon day and the answer date are stored
//! (and indexed) on each assignment, so "what is overdue as of D" is a range query and
//! the per-status counts are one aggregate — never rows loaded into Rust.
//!
//! The conditions mirror `domain::deadline::deadline_status` exactly (a test checks both
//! give the same answer for every case).

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

/// The SQL condition for one deadline status as of `as_of` (DOMAIN.md §4) on the
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

/// The assignment's current span, from its own columns.
pub fn current_span(a: &assignment::Model) -> Span {
    Span {
        round: a.round,
        from_on: a.span_from,
        until_on: None,
        due_on: a.due_on,
        due_soon_from: a.due_soon_from,
        answered_on: a.answered_on,
    }
}

/// A span of an assignment's history.
pub fn earlier_span(row: &deadline_span::Model) -> Span {
    Span {
        round: row.round,
        from_on: row.from_on,
        until_on: Some(row.until_on),
        due_on: row.due_on,
        due_soon_from: row.due_soon_from,
        answered_on: row.answered_on,
    }
}

/// Ends the assignment's current span on the day before `until` (a re-handling round or
/// an approved extension takes over from `until`), inside the writer's transaction, and
/// returns the new span's first day for the assignment's `span_from`. A span that would
/// last no day is not kept; history from `until` on (which only a back-dated change could
/// leave) gives way to the new span, as `domain::span::spans` rules.
pub(crate) async fn end_span<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    until: NaiveDate,
) -> ServiceResult<NaiveDate> {
    use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, EntityTrait as _, QueryFilter as _};
    if until > a.span_from {
        deadline_span::ActiveModel {
            assignment_id: Set(a.id),
            round: Set(a.round),
            from_on: Set(a.span_from),
            until_on: Set(until),
            due_on: Set(a.due_on),
            due_soon_from: Set(a.due_soon_from),
            answered_on: Set(a.answered_on),
            ..Default::default()
        }
        .insert(conn)
        .await
        .during("recording the deadline history")?;
        return Ok(until);
    }
    deadline_span::Entity::delete_many()
        .filter(deadline_span::Column::AssignmentId.eq(a.id))
        .filter(deadline_span::Column::FromOn.gte(until))
        .exec(conn)
        .await
        .during("trimming the deadline history")?;
    deadline_span::Entity::update_many()
        .col_expr(deadline_span::Column::UntilOn, Expr::val(until))
        .filter(deadline_span::Column::AssignmentId.eq(a.id))
        .filter(deadline_span::Column::UntilOn.gt(until))
        .exec(conn)
        .await
        .during("trimming the deadline history")?;
    Ok(until)
}

/// The name under which `upgrade_spans` marks its one run in `chore_run`.
const SPANS_UPGRADE: &str = "upgrade:deadline_spans";

/// Fills in the deadline history of assignments that had some before `deadline_span`
/// existed (migration `m20261206_000005`): those with a re-handling round or an approved
/// extension. Runs once per database, after the migrations; several instances starting
/// together run it once (the marker's insert waits for the first one's commit).
pub async fn upgrade_spans(db: &Db) -> ServiceResult<u64> {
    use entity::{chore_run, extension_request, handling_round};
    use sea_orm::{EntityTrait as _, QueryFilter as _, QueryOrder as _, Set};
    // Done once per database: a start-up after that only reads the marker, and takes no
    // write lock (several instances may start at once).
    if chore_run::Entity::find_by_id(SPANS_UPGRADE.to_owned())
        .one(db.conn())
        .await
        .during("reading the history upgrade's marker")?
        .is_some()
    {
        return Ok(0);
    }
    let txn = db
        .begin_write()
        .await
        .during("beginning the history upgrade")?;
    let marked = chore_run::Entity::insert(chore_run::ActiveModel {
        name: Set(SPANS_UPGRADE.to_owned()),
        started_at: Set(chrono::Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&*txn)
    .await
    .during("marking the history upgrade")?;
    if !matches!(marked, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(0);
    }
    let extended: Vec<extension_request::Model> = extension_request::Entity::find()
        .filter(extension_request::Column::Status.eq(entity::enums::RequestStatus::Approved))
        .all(&*txn)
        .await
        .during("loading approved extensions")?;
    let mut ids: std::collections::BTreeSet<i64> =
        extended.iter().map(|e| e.assignment_id).collect();
    let rehandled: Vec<i64> = assignment::Entity::find()
        .filter(assignment::Column::Round.gt(1))
        .all(&*txn)
        .await
        .during("loading re-handled assignments")?
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.extend(rehandled);
    let mut upgraded = 0;
    for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let assignments = assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(chunk.iter().copied()))
            .all(&*txn)
            .await
            .during("loading assignments")?;
        let rounds = handling_round::Entity::find()
            .filter(handling_round::Column::AssignmentId.is_in(chunk.iter().copied()))
            .order_by_asc(handling_round::Column::Round)
            .all(&*txn)
            .await
            .during("loading rounds")?;
        for a in assignments {
            let records: Vec<RoundRecord> = rounds
                .iter()
                .filter(|r| r.assignment_id == a.id)
                .map(|r| RoundRecord {
                    round: r.round,
                    started_on: r.started_on,
                    original_due_on: r.original_due_on,
                    due_on: r.due_on,
                    answered_on: r.answered_on,
                })
                .collect();
            let approved: Vec<ApprovedExtension> = extended
                .iter()
                .filter(|e| e.assignment_id == a.id)
                .filter_map(|e| {
                    Some(ApprovedExtension {
                        round: e.round,
                        decided_on: e.decided_on?,
                        due_on: e.approved_due_on?,
                    })
                })
                .collect();
            let window = u32::try_from((a.due_on - a.due_soon_from).num_days()).unwrap_or(0);
            let history = spans(&records, &approved, window);
            let Some((current, earlier)) = history.split_last() else {
                continue;
            };
            write_history(&*txn, &a, current.from_on, earlier).await?;
            upgraded += 1;
        }
    }
    txn.commit()
        .await
        .during("committing the history upgrade")?;
    Ok(upgraded)
}

/// Replaces an assignment's history with `earlier` and starts its current span on `from`.
async fn write_history<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    from: NaiveDate,
    earlier: &[Span],
) -> ServiceResult<()> {
    use sea_orm::{ActiveValue::Set, EntityTrait as _, QueryFilter as _};
    deadline_span::Entity::delete_many()
        .filter(deadline_span::Column::AssignmentId.eq(a.id))
        .exec(conn)
        .await
        .during("clearing the deadline history")?;
    let rows: Vec<deadline_span::ActiveModel> = earlier
        .iter()
        .filter_map(|span| {
            Some(deadline_span::ActiveModel {
                assignment_id: Set(a.id),
                round: Set(span.round),
                from_on: Set(span.from_on),
                until_on: Set(span.until_on?),
                due_on: Set(span.due_on),
                due_soon_from: Set(span.due_soon_from),
                answered_on: Set(span.answered_on),
                ..Default::default()
            })
        })
        .collect();
    if !rows.is_empty() {
        deadline_span::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
            .during("writing the deadline history")?;
    }
    // Not a change of the record a clerk edits: the version stays.
    assignment::Entity::update_many()
        .col_expr(assignment::Column::SpanFrom, Expr::val(from))
        .filter(assignment::Column::Id.eq(a.id))
        .exec(conn)
        .await
        .during("dating the current deadline")?;
    Ok(())
}

/// For each of `ids` (assignments whose current span began after `as_of`), the span of
/// its history that contains `as_of`, if any: one query.
pub async fn earlier_spans_on<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
    as_of: NaiveDate,
) -> ServiceResult<std::collections::HashMap<i64, Span>> {
    use sea_orm::{EntityTrait as _, QueryFilter as _};
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows = deadline_span::Entity::find()
        .filter(deadline_span::Column::AssignmentId.is_in(ids))
        .filter(span_contains(as_of))
        .all(conn)
        .await
        .during("loading deadline history")?;
    Ok(rows
        .iter()
        .map(|row| (row.assignment_id, earlier_span(row)))
        .collect())
}
