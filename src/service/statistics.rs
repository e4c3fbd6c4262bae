//! `statistics`: the figures of DOMAIN.md §5 per group, each an SQL aggregate.
//!
//! Everything counted is a column of the assignment row — the deadline dates and the
//! facts that the migration `add_assignment_facts` keeps there (latest reply category,
//! the lead deputy's first and final rating, a face-to-face contact, feedback counts) —
//! so one group-by over one table answers every figure, with a join to `suggestion`
//! only when the topic or kind is asked for. The formulas (what divides what) are in
//! `domain::statistics`.

use chrono::NaiveDate;
use entity::enums::{ReplyCategory, SuggestionKind};
use entity::{assignment, suggestion};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Order, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use super::deadline::AsOf;
use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::Scope;
use crate::domain::statistics::Counts;

/// Which assignments are counted (besides being in force on the day of the figures).
#[derive(Debug, Clone, Default)]
pub struct StatisticsFilter {
    pub scope: Scope,
    pub session_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub topic: Option<String>,
    pub kind: Option<SuggestionKind>,
    /// Assigned on or after this day.
    pub from: Option<NaiveDate>,
    /// Assigned on or before this day.
    pub to: Option<NaiveDate>,
}

/// What the rows are grouped by; several make one row per combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    Session,
    Unit,
    Topic,
    /// The latest reply's category; assignments without a reply form the group `None`.
    Category,
    /// The month of assignment, `YYYY-MM`.
    Month,
}

/// The key of one row: the values of the grouped-by dimensions (others stay `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub session_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub topic: Option<String>,
    pub category: Option<ReplyCategory>,
    pub month: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub group: Group,
    pub counts: Counts,
}

/// Recomputes the statistics facts of one assignment from its replies, ratings, contact
/// records and feedback; every write that changes one of those calls it in its own
/// transaction, after its own rows are written.
///
/// On PostgreSQL the assignment row is locked first: under READ COMMITTED the UPDATE's
/// subqueries read the snapshot its statement starts with, so two writers recomputing at
/// once could each miss the other's new row; once the lock is held (after the other
/// writer committed), the next statement sees both. `NO KEY UPDATE`, the lock an UPDATE
/// of the row takes anyway: a `FOR UPDATE` would also wait for transactions that only
/// hold the row's key (an insert referencing it, e.g. a return request) and deadlock with
/// them. SQLite has one writer at a time.
pub(crate) async fn refresh_facts<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i64,
) -> ServiceResult<()> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM assignment WHERE id = $1 FOR NO KEY UPDATE",
            [Value::from(assignment_id)],
        ))
        .await
        .during("locking the assignment")?;
    }
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        super::facts::assignment_facts_sql(backend, true),
        [Value::from(assignment_id)],
    ))
    .await
    .during("updating the statistics facts")?;
    Ok(())
}

/// [`refresh_facts`] for the assignment a reply answers (public feedback is on replies).
pub(crate) async fn refresh_facts_of_reply<C: ConnectionTrait>(
    conn: &C,
    reply_id: i64,
) -> ServiceResult<()> {
    use sea_orm::{EntityTrait, QuerySelect};
    let assignment_id: Option<i64> = entity::reply::Entity::find_by_id(reply_id)
        .select_only()
        .column(entity::reply::Column::AssignmentId)
        .into_tuple()
        .one(conn)
        .await
        .during("finding the reply's assignment")?;
    match assignment_id {
        Some(id) => refresh_facts(conn, id).await,
        None => Ok(()),
    }
}

/// Recomputes the facts of every assignment (after bulk loads, or to repair).
pub async fn rebuild_facts<C: ConnectionTrait>(conn: &C) -> ServiceResult<()> {
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_string(
        backend,
        super::facts::assignment_facts_sql(backend, false),
    ))
    .await
    .during("rebuilding the statistics facts")?;
    Ok(())
}

/// The rows of the table grouped by `group_by` (in that order), as of `as_of`; at most
/// `limit` of them.
pub async fn table(
    db: &Db,
    filter: &StatisticsFilter,
    group_by: &[GroupBy],
    as_of: AsOf,
    limit: u64,
) -> ServiceResult<Vec<Row>> {
    let conn = db.conn();
    let mut select = select(db.backend(), filter, group_by, as_of);
    select.limit(limit);
    let statement = conn.get_database_backend().build(&select);
    let rows = conn
        .query_all_raw(statement)
        .await
        .during("counting statistics")?;
    rows.iter().map(|r| decode(r, group_by)).collect()
}

/// The figures over every counted assignment (the table's total row).
pub async fn total(db: &Db, filter: &StatisticsFilter, as_of: AsOf) -> ServiceResult<Counts> {
    Ok(table(db, filter, &[], as_of, 1)
        .await?
        .pop()
        .map(|row| row.counts)
        .unwrap_or_default())
}

/// `later − earlier` in days, for two date expressions.
fn days_between(backend: DbBackend, later: &str, earlier: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("({later} - {earlier})"),
        _ => format!("CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"),
    }
}

/// `COALESCE(CAST(sql AS BIGINT), 0)`: one integer type on both databases (PostgreSQL's
/// SUM of integers is bigint, its MAX of dates' differences integer) and 0 for no rows.
fn figure(sql: &str) -> SimpleExpr {
    Expr::cust(format!("COALESCE(CAST({sql} AS BIGINT), 0)"))
}

/// The day of the figures as an SQL date literal. It is written into the statement
/// rather than bound: it is a `NaiveDate` formatted here (digits and dashes only), and
/// custom expressions cannot number their placeholders for PostgreSQL.
fn date_literal(backend: DbBackend, day: NaiveDate) -> String {
    let day = day.format("%Y-%m-%d");
    match backend {
        DbBackend::Postgres => format!("DATE '{day}'"),
        _ => format!("'{day}'"),
    }
}

fn select(
    backend: DbBackend,
    filter: &StatisticsFilter,
    group_by: &[GroupBy],
    when: AsOf,
) -> SelectStatement {
    let as_of = when.date;
    let d = date_literal(backend, as_of);
    // The due date and answer in force on the day: the assignment's own (its current
    // span) unless the day falls in a span of its history, joined below for a past day.
    // Only rows whose current deadline began after the day look into the history (one
    // probe of its index each); the rest read the covering index alone.
    let history = !when.answers_complete() && when.history;
    let (due_on, answered_on) = if history {
        let span = format!(
            "FROM deadline_span WHERE deadline_span.assignment_id = assignment.id \
             AND deadline_span.from_on <= {d} AND deadline_span.until_on > {d}"
        );
        (
            format!(
                "(CASE WHEN assignment.span_from <= {d} THEN assignment.due_on \
                 ELSE COALESCE((SELECT deadline_span.due_on {span}), assignment.due_on) END)"
            ),
            format!(
                "(CASE WHEN assignment.span_from <= {d} THEN assignment.answered_on \
                 ELSE (SELECT deadline_span.answered_on {span}) END)"
            ),
        )
    } else {
        (
            "assignment.due_on".to_owned(),
            "assignment.answered_on".to_owned(),
        )
    };
    let (due_on, answered_on) = (due_on.as_str(), answered_on.as_str());
    let answered = format!("{answered_on} <= {d}");
    let unanswered = format!("({answered_on} IS NULL OR {answered_on} > {d})");
    let answered_late = format!("{answered} AND {answered_on} > {due_on}");
    let overdue = format!("{unanswered} AND {due_on} < {d}");
    let late_days = format!(
        "CASE WHEN {answered_late} THEN {} WHEN {overdue} THEN {} ELSE NULL END",
        days_between(backend, answered_on, due_on),
        days_between(backend, &d, due_on),
    );
    let count_when = |condition: &str| format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)");
    let satisfied = "IN ('SATISFIED', 'BASICALLY_SATISFIED')";

    let mut q = Query::select();
    q.from(assignment::Entity);
    let needs_suggestion =
        filter.topic.is_some() || filter.kind.is_some() || group_by.contains(&GroupBy::Topic);
    if needs_suggestion {
        q.inner_join(
            suggestion::Entity,
            Expr::col((suggestion::Entity, suggestion::Column::Id))
                .equals((assignment::Entity, assignment::Column::SuggestionId)),
        );
    }
    for group in group_by {
        let (expr, alias) = group_expr(backend, *group);
        q.expr_as(expr.clone(), Alias::new(alias));
        q.add_group_by([expr.clone()]);
        q.order_by_expr(expr, Order::Asc);
    }
    let figures: Vec<(&str, SimpleExpr)> = vec![
        // A unit has at most one assignment per suggestion (uq_assignment_suggestion_unit),
        // so within a unit's group suggestions are assignments, and the costly DISTINCT
        // (a sort per group) is not needed.
        (
            "suggestions",
            figure(if group_by.contains(&GroupBy::Unit) {
                "COUNT(*)"
            } else {
                "COUNT(DISTINCT assignment.suggestion_id)"
            }),
        ),
        ("assignments", figure("COUNT(*)")),
        ("answered", figure(&count_when(&answered))),
        (
            "answered_on_time",
            figure(&count_when(&format!(
                "{answered} AND {answered_on} <= {due_on}"
            ))),
        ),
        ("overdue", figure(&count_when(&overdue))),
        ("days_late_total", figure(&format!("SUM({late_days})"))),
        (
            "max_days_late",
            Expr::cust(format!("CAST(MAX({late_days}) AS BIGINT)")),
        ),
        (
            "category_a",
            figure(&count_when("assignment.reply_category = 'A'")),
        ),
        (
            "category_b",
            figure(&count_when("assignment.reply_category = 'B'")),
        ),
        (
            "category_c",
            figure(&count_when("assignment.reply_category = 'C'")),
        ),
        (
            "category_d",
            figure(&count_when("assignment.reply_category = 'D'")),
        ),
        (
            "rated",
            figure(&count_when("assignment.first_satisfaction IS NOT NULL")),
        ),
        (
            "satisfied_first",
            figure(&count_when(&format!(
                "assignment.first_satisfaction {satisfied}"
            ))),
        ),
        (
            "satisfied_final",
            figure(&count_when(&format!(
                "assignment.final_satisfaction {satisfied}"
            ))),
        ),
        (
            "met_face_to_face",
            figure(&count_when("assignment.met_face_to_face")),
        ),
        ("feedback_open", figure("SUM(assignment.feedback_open)")),
        (
            "feedback_handled",
            figure("SUM(assignment.feedback_handled)"),
        ),
    ];
    for (alias, expr) in figures {
        q.expr_as(expr, Alias::new(alias));
    }
    match backend {
        // SQLite: the unary `+` keeps the planner off the assignment-date index, which as
        // of today matches every row and would cost a table read per row; it scans the
        // covering `idx_assignment_figures` instead (measured: 1.9 s → 0.8 s by month).
        DbBackend::Sqlite => {
            q.and_where(Expr::cust(format!("+assignment.assigned_on <= {d}")))
                .and_where(assignment::Column::Status.is_not_in([
                    entity::enums::AssignmentStatus::Returned,
                    entity::enums::AssignmentStatus::Withdrawn,
                ]));
        }
        _ => {
            q.cond_where(super::deadline::in_force(as_of));
        }
    }
    q.cond_where(super::scope::assignments(filter.scope));
    if let Some(session_id) = filter.session_id {
        q.and_where(assignment::Column::SessionId.eq(session_id));
    }
    if let Some(unit_id) = filter.unit_id {
        q.and_where(assignment::Column::UnitId.eq(unit_id));
    }
    if let Some(from) = filter.from {
        q.and_where(assignment::Column::AssignedOn.gte(from));
    }
    if let Some(to) = filter.to {
        q.and_where(assignment::Column::AssignedOn.lte(to));
    }
    if let Some(topic) = &filter.topic {
        q.and_where(suggestion::Column::Topic.eq(topic.as_str()));
    }
    if let Some(kind) = filter.kind {
        q.and_where(suggestion::Column::Kind.eq(kind));
    }
    q
}

fn group_expr(backend: DbBackend, group: GroupBy) -> (SimpleExpr, &'static str) {
    match group {
        // `+` on SQLite: not read in the order of the (session, unit) index, which is not
        // covering, but from the covering one and grouped in a temporary tree (1.7 s →
        // 0.75 s over a million assignments).
        GroupBy::Session if backend == DbBackend::Sqlite => {
            (Expr::cust("+assignment.session_id"), "group_session")
        }
        GroupBy::Session => (
            Expr::col((assignment::Entity, assignment::Column::SessionId)),
            "group_session",
        ),
        GroupBy::Unit => (
            Expr::col((assignment::Entity, assignment::Column::UnitId)),
            "group_unit",
        ),
        GroupBy::Topic => (
            Expr::col((suggestion::Entity, suggestion::Column::Topic)),
            "group_topic",
        ),
        GroupBy::Category => (
            Expr::col((assignment::Entity, assignment::Column::ReplyCategory)),
            "group_category",
        ),
        GroupBy::Month => (
            Expr::cust(match backend {
                DbBackend::Postgres => "to_char(assignment.assigned_on, 'YYYY-MM')",
                _ => "substr(assignment.assigned_on, 1, 7)",
            }),
            "group_month",
        ),
    }
}

fn decode(row: &QueryResult, group_by: &[GroupBy]) -> ServiceResult<Row> {
    let get = |name: &str| -> ServiceResult<i64> {
        row.try_get::<i64>("", name)
            .during("reading a statistics figure")
    };
    let mut group = Group::default();
    for g in group_by {
        match g {
            GroupBy::Session => {
                group.session_id = row.try_get("", "group_session").during("reading a group")?
            }
            GroupBy::Unit => {
                group.unit_id = row.try_get("", "group_unit").during("reading a group")?
            }
            GroupBy::Topic => {
                group.topic = row.try_get("", "group_topic").during("reading a group")?
            }
            GroupBy::Category => {
                group.category = row
                    .try_get("", "group_category")
                    .during("reading a group")?
            }
            GroupBy::Month => {
                group.month = row.try_get("", "group_month").during("reading a group")?
            }
        }
    }
    let counts = Counts {
        suggestions: get("suggestions")?,
        assignments: get("assignments")?,
        answered: get("answered")?,
        answered_on_time: get("answered_on_time")?,
        overdue: get("overdue")?,
        late: 0,
        days_late_total: get("days_late_total")?,
        max_days_late: row
            .try_get::<Option<i64>>("", "max_days_late")
            .during("reading a statistics figure")?,
        category: [
            get("category_a")?,
            get("category_b")?,
            get("category_c")?,
            get("category_d")?,
        ],
        rated: get("rated")?,
        satisfied_first: get("satisfied_first")?,
        satisfied_final: get("satisfied_final")?,
        met_face_to_face: get("met_face_to_face")?,
        feedback_open: get("feedback_open")?,
        feedback_handled: get("feedback_handled")?,
    };
    // Late = answered late + overdue; both are counted above.
    let counts = Counts {
        late: counts.answered - counts.answered_on_time + counts.overdue,
        ..counts
    };
    Ok(Row { group, counts })
}

/// The names a statistics table shows for its session and unit groups, by id.
async fn group_names(
    db: &Db,
    rows: &[Row],
) -> ServiceResult<(
    std::collections::HashMap<i64, String>,
    std::collections::HashMap<i64, String>,
)> {
    use sea_orm::{EntityTrait, QueryFilter};
    let sessions: Vec<i64> = rows.iter().filter_map(|r| r.group.session_id).collect();
    let units: Vec<i64> = rows.iter().filter_map(|r| r.group.unit_id).collect();
    let mut session_names = std::collections::HashMap::new();
    if !sessions.is_empty() {
        for s in entity::session::Entity::find()
            .filter(entity::session::Column::Id.is_in(sessions))
            .all(db.conn())
            .await
            .during("loading session names")?
        {
            session_names.insert(s.id, s.name);
        }
    }
    let mut unit_names = std::collections::HashMap::new();
    if !units.is_empty() {
        for u in entity::handling_unit::Entity::find()
            .filter(entity::handling_unit::Column::Id.is_in(units))
            .all(db.conn())
            .await
            .during("loading unit names")?
        {
            unit_names.insert(u.id, u.name);
        }
    }
    Ok((session_names, unit_names))
}

/// A statistics table as spreadsheet columns and rows (Chinese headers; rates as
/// fractions shown in percent), the groups first, then a 合计 row. Tables have at most a
/// few thousand rows, so the sheet is built in memory.
pub async fn sheet(
    db: &Db,
    filter: &StatisticsFilter,
    group_by: &[GroupBy],
    as_of: AsOf,
    limit: u64,
) -> ServiceResult<(
    Vec<super::spreadsheet::Column>,
    Vec<Vec<super::spreadsheet::Cell>>,
)> {
    use super::spreadsheet::{Cell, Column};
    use crate::domain::statistics::Rate;
    // Without groups the one row is the total itself: one query, not two.
    let rows = if group_by.is_empty() {
        Vec::new()
    } else {
        table(db, filter, group_by, as_of, limit).await?
    };
    let total = total(db, filter, as_of).await?;
    let (session_names, unit_names) = group_names(db, &rows).await?;
    let mut columns = Vec::new();
    for g in group_by {
        columns.push(match g {
            GroupBy::Session => Column::text("会议", 26.0),
            GroupBy::Unit => Column::text("承办单位", 24.0),
            GroupBy::Topic => Column::text("主题分类", 12.0),
            GroupBy::Category => Column::text("答复类别", 10.0),
            GroupBy::Month => Column::text("交办月份", 10.0),
        });
    }
    if group_by.is_empty() {
        columns.push(Column::text("范围", 10.0));
    }
    for (header, rate) in [
        ("建议件数", false),
        ("交办件数", false),
        ("已办复", false),
        ("办复率", true),
        ("按期办结", false),
        ("按期办结率", true),
        ("逾期未办", false),
        ("超期件数", false),
        ("平均超期天数", false),
        ("最长超期天数", false),
        ("A类", false),
        ("B类", false),
        ("C类", false),
        ("D类", false),
        ("A类占比", true),
        ("B类占比", true),
        ("C类占比", true),
        ("D类占比", true),
        ("解决率", true),
        ("已测评", false),
        ("初次满意率", true),
        ("最终满意率", true),
        ("面商件数", false),
        ("见面率", true),
        ("公众意见", false),
        ("已处理意见", false),
        ("未处理意见", false),
    ] {
        columns.push(match (rate, header) {
            (true, _) => Column::percent(header, 1),
            (false, "平均超期天数") => Column::decimal(header, 1),
            _ => Column::integer(header),
        });
    }
    let rate = |r: Rate| r.ratio().map_or(Cell::Empty, Cell::Decimal);
    let figures = |c: &Counts| -> Vec<Cell> {
        let mut cells = vec![
            Cell::Integer(c.suggestions),
            Cell::Integer(c.assignments),
            Cell::Integer(c.answered),
            rate(c.reply_rate()),
            Cell::Integer(c.answered_on_time),
            rate(c.on_time_rate()),
            Cell::Integer(c.overdue),
            Cell::Integer(c.late),
            c.average_days_late().map_or(Cell::Empty, Cell::Decimal),
            c.max_days_late.map_or(Cell::Empty, Cell::Integer),
        ];
        let categories = crate::domain::statistics::CATEGORIES;
        cells.extend(
            categories
                .iter()
                .map(|k| Cell::Integer(c.category_count(*k))),
        );
        cells.extend(categories.iter().map(|k| rate(c.category_share(*k))));
        cells.extend([
            rate(c.solved_rate()),
            Cell::Integer(c.rated),
            rate(c.satisfaction_first()),
            rate(c.satisfaction_final()),
            Cell::Integer(c.met_face_to_face),
            rate(c.meeting_rate()),
            Cell::Integer(c.feedback_received()),
            Cell::Integer(c.feedback_handled),
            Cell::Integer(c.feedback_open),
        ]);
        cells
    };
    let mut out = Vec::with_capacity(rows.len() + 1);
    for row in &rows {
        let mut cells = Vec::with_capacity(columns.len());
        for g in group_by {
            let group = &row.group;
            cells.push(match g {
                GroupBy::Session => Cell::opt_text(
                    group
                        .session_id
                        .and_then(|id| session_names.get(&id).cloned()),
                ),
                GroupBy::Unit => {
                    Cell::opt_text(group.unit_id.and_then(|id| unit_names.get(&id).cloned()))
                }
                GroupBy::Topic => Cell::text(group.topic.clone().unwrap_or("（未分类）".into())),
                GroupBy::Category => Cell::text(
                    group
                        .category
                        .map_or("（未答复）".to_owned(), |c| format!("{c:?}类")),
                ),
                GroupBy::Month => Cell::opt_text(group.month.clone()),
            });
        }
        cells.extend(figures(&row.counts));
        out.push(cells);
    }
    let mut last = vec![Cell::text("合计")];
    last.extend((1..group_by.len()).map(|_| Cell::Empty));
    last.extend(figures(&total));
    out.push(last);
    Ok((columns, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_and_bound_in_order() {
        let filter = StatisticsFilter {
            scope: Scope::Unit(3),
            session_id: Some(7),
            ..StatisticsFilter::default()
        };
        let date = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
        let as_of = AsOf {
            date,
            today: date,
            history: false,
        };
        let q = select(DbBackend::Postgres, &filter, &[GroupBy::Unit], as_of);
        let statement = DbBackend::Postgres.build(&q);
        let values = statement.values.map(|v| v.0).unwrap_or_default();
        assert!(!statement.sql.contains('?'), "{}", statement.sql);
        let last = format!("${}", values.len());
        assert!(statement.sql.contains(&last), "{}", statement.sql);
        assert_eq!(values.last(), Some(&Value::from(7_i64)));
        let q = select(DbBackend::Sqlite, &filter, &[GroupBy::Unit], as_of);
        let statement = DbBackend::Sqlite.build(&q);
        let count = statement.values.map(|v| v.0.len()).unwrap_or_default();
        assert_eq!(
            statement.sql.matches('?').count(),
            count,
            "{}",
            statement.sql
        );
    }
}
