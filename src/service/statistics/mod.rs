//! `statistics`: the figures of DOMAIN.md §5 per group, each an SQL aggregate.
//!
//! Everything counted is a column of the assignment row — the deadline dates and the
//! facts that the migration `add_assignment_facts` keeps there (latest reply category,
//! the lead deputy's first and final rating, a face-to-face contact, feedback counts) —
//! so one group-by over one table answers every figure, with a join to `suggestion`
//! only when the topic or kind is asked for. The formulas (what divides what) are in
//! `domain::statistics`.

mod query;
use query::*;

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
