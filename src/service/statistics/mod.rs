//! `statistics`: the figures of docs/domain.md §5 per group, each an SQL aggregate.
//!
//! Everything counted is a column of the assignment row — the deadline dates and the
//! facts that the migration `add_assignment_facts` keeps there (latest reply category,
//! the lead deputy's first and final rating, a face-to-face contact, feedback counts) —
//! so one group-by over one table answers every figure, with a join to `suggestion`
//! only when the topic or kind is asked for. The formulas (what divides what) are in
//! `domain::statistics`.

mod query;
mod sheet;
pub mod tally;
use query::*;
pub use sheet::sheet;

use chrono::NaiveDate;
use entity::enums::{ReplyCategory, SuggestionKind};
use entity::{assignment, suggestion};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait as _, NullOrdering, Order, Query, SelectStatement, SimpleExpr,
};
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
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

/// Recomputes the facts of every assignment (after bulk loads, or to repair), then the
/// tally summed from them, in one transaction (a savepoint inside the caller's). On
/// PostgreSQL the triggers leave the tally to the end (`STATISTICS_TALLY_DEFERRED`):
/// called per row they cost minutes at a million assignments.
pub async fn rebuild_facts<C: ConnectionTrait + sea_orm::TransactionTrait>(
    conn: &C,
) -> ServiceResult<()> {
    let txn = conn.begin().await.during("beginning the facts rebuild")?;
    let backend = txn.get_database_backend();
    let defer = |on: &str| {
        Statement::from_sql_and_values(
            backend,
            "SELECT set_config($1, $2, true)",
            [
                Value::from(migration::STATISTICS_TALLY_DEFERRED),
                Value::from(on),
            ],
        )
    };
    if backend == DbBackend::Postgres {
        txn.execute_raw(defer("on"))
            .await
            .during("deferring the statistics tally")?;
    }
    txn.execute_raw(Statement::from_string(
        backend,
        super::facts::assignment_facts_sql(backend, false),
    ))
    .await
    .during("rebuilding the statistics facts")?;
    if backend == DbBackend::Postgres {
        txn.execute_raw(defer("off"))
            .await
            .during("resuming the statistics tally")?;
    }
    rebuild_tally(&txn).await?;
    sea_orm::TransactionSession::commit(txn)
        .await
        .during("committing the facts rebuild")
}

/// Computes the statistics tally afresh from the assignments. The triggers keep it in
/// step; this is the repair, should a bulk change ever have bypassed them.
pub async fn rebuild_tally<C: ConnectionTrait>(conn: &C) -> ServiceResult<()> {
    let backend = conn.get_database_backend();
    for statement in migration::statistics_tally_sql(backend) {
        conn.execute_raw(Statement::from_string(backend, statement))
            .await
            .during("rebuilding the statistics tally")?;
    }
    Ok(())
}

/// The rows of the table grouped by `group_by` (in that order), as of `as_of`; at most
/// `limit` of them. From the statistics tally where it can answer (today's figures, see
/// `tally`), else from the assignment rows.
pub async fn table(
    db: &Db,
    filter: &StatisticsFilter,
    group_by: &[GroupBy],
    as_of: AsOf,
    limit: u64,
) -> ServiceResult<Vec<Row>> {
    match tally::table(db, filter, group_by, as_of, limit).await? {
        Some(rows) => Ok(rows),
        None => scan(db, filter, group_by, as_of, limit).await,
    }
}

/// [`table`] read from the assignment rows alone, whatever the tally holds: what the
/// tally is checked against.
pub async fn scan(
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
