//! The statistics tally: the date-independent figures of the assignments in force, summed
//! per (session, unit, month of assignment, category of the latest reply), so the report
//! table of today reads a few thousand tally rows instead of every assignment.
//!
//! What is summed holds whatever the day of the figures, as long as every answer is already
//! stored (answers are never dated in the future): answered, answered on or before the
//! due date, the days late of those answered late (and the most), ratings, 面商, public
//! feedback and urges. What depends on the day (overdue, days overdue) is read from the
//! unanswered assignments, which a partial index keeps apart.
//!
//! Database triggers keep the tally in step with `assignment` (every insert, delete and
//! update of a counted column), so no write path, bulk load or repair can miss it. A row
//! whose counts fall to zero stays (with zeros) and is skipped when read. The most days
//! late cannot be taken back by subtraction: when the assignment that held it changes,
//! its group's maximum is read again from the assignments of that group.
//!
//! On PostgreSQL a writer holds its group's tally row from the update to its commit, so
//! writers that change the figures of one group (a unit's month and category) wait for
//! each other; an update that changes no figure does not touch the tally, and one that
//! moves an assignment between groups locks the two rows in the order of their keys.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns summed, each with its value for one assignment row `r` (SQL).
fn contributions(backend: DbBackend, r: &str) -> [(&'static str, String); 12] {
    let satisfied = "IN ('SATISFIED', 'BASICALLY_SATISFIED')";
    let one_if = |condition: String| format!("CASE WHEN {condition} THEN 1 ELSE 0 END");
    [
        ("assignments", "1".to_owned()),
        ("answered", one_if(format!("{r}.answered_on IS NOT NULL"))),
        (
            "answered_on_time",
            one_if(format!("{r}.answered_on <= {r}.due_on")),
        ),
        (
            "answered_late_days",
            format!("COALESCE({}, 0)", late_days(backend, r)),
        ),
        (
            "rated",
            one_if(format!("{r}.first_satisfaction IS NOT NULL")),
        ),
        (
            "satisfied_first",
            one_if(format!("{r}.first_satisfaction {satisfied}")),
        ),
        (
            "satisfied_final",
            one_if(format!("{r}.final_satisfaction {satisfied}")),
        ),
        ("met_face_to_face", one_if(format!("{r}.met_face_to_face"))),
        ("feedback_open", format!("{r}.feedback_open")),
        ("feedback_handled", format!("{r}.feedback_handled")),
        ("urged", one_if(format!("{r}.urge_count > 0"))),
        ("urges", format!("{r}.urge_count")),
    ]
}

/// The days row `r` was answered after its due date; NULL when answered in time or not yet.
fn late_days(backend: DbBackend, r: &str) -> String {
    let days = match backend {
        DbBackend::Postgres => format!("({r}.answered_on - {r}.due_on)"),
        _ => format!("CAST(julianday({r}.answered_on) - julianday({r}.due_on) AS INTEGER)"),
    };
    format!("CASE WHEN {r}.answered_on > {r}.due_on THEN {days} END")
}

/// The tally key of row `r`: session, unit, month (`YYYY-MM`) and category ('' before the
/// first reply).
fn key(backend: DbBackend, r: &str) -> [String; 4] {
    let month = match backend {
        DbBackend::Postgres => format!("to_char({r}.assigned_on, 'YYYY-MM')"),
        _ => format!("substr({r}.assigned_on, 1, 7)"),
    };
    [
        format!("{r}.session_id"),
        format!("{r}.unit_id"),
        month,
        format!("COALESCE({r}.reply_category, '')"),
    ]
}

const KEY: [&str; 4] = ["session_id", "unit_id", "month", "category"];

/// Counted: in force whatever the day (assigned, neither returned nor withdrawn).
fn counted(r: &str) -> String {
    format!("{r}.status NOT IN ('RETURNED', 'WITHDRAWN')")
}

fn column_list() -> String {
    KEY.iter()
        .copied()
        .chain(contributions(DbBackend::Sqlite, "r").map(|(c, _)| c))
        .chain(["max_late_days"])
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds row `r` to its tally row (`sign` "1") or takes it away ("-1"), then, when taken
/// away, reads the group's most days late again if `r` may have held it. Two statements.
fn apply(backend: DbBackend, r: &str, sign: &str) -> [String; 2] {
    let key = key(backend, r);
    let values: Vec<String> = key
        .iter()
        .cloned()
        .chain(
            contributions(backend, r)
                .into_iter()
                .map(|(_, v)| format!("{sign} * ({v})")),
        )
        .chain([if sign == "1" {
            late_days(backend, r)
        } else {
            "NULL".to_owned()
        }])
        .collect();
    let sums: Vec<String> = contributions(backend, r)
        .iter()
        .map(|(c, _)| format!("{c} = statistics_tally.{c} + excluded.{c}"))
        .collect();
    let greatest = match backend {
        DbBackend::Postgres => {
            "GREATEST(statistics_tally.max_late_days, excluded.max_late_days)".to_owned()
        }
        _ => "CASE WHEN excluded.max_late_days IS NULL THEN statistics_tally.max_late_days \
              WHEN statistics_tally.max_late_days IS NULL \
                OR excluded.max_late_days > statistics_tally.max_late_days \
              THEN excluded.max_late_days ELSE statistics_tally.max_late_days END"
            .to_owned(),
    };
    let upsert = format!(
        "INSERT INTO statistics_tally ({columns}) SELECT {values} WHERE {counted} \
         ON CONFLICT (session_id, unit_id, month, category) DO UPDATE SET {sums}, \
         max_late_days = {greatest}",
        columns = column_list(),
        values = values.join(", "),
        counted = counted(r),
        sums = sums.join(", "),
    );
    let same_group: Vec<String> = key
        .iter()
        .zip(self::key(backend, "a"))
        .map(|(mine, theirs)| format!("{theirs} = {mine}"))
        .collect();
    let here: Vec<String> = KEY
        .iter()
        .zip(&key)
        .map(|(column, mine)| format!("statistics_tally.{column} = {mine}"))
        .collect();
    let late = late_days(backend, r);
    let reread = format!(
        "UPDATE statistics_tally SET max_late_days = (SELECT MAX({theirs}) FROM assignment a \
         WHERE {same_group} AND {a_counted}) \
         WHERE {here} AND {counted} AND {late} IS NOT NULL \
         AND statistics_tally.max_late_days <= {late}",
        theirs = late_days(backend, "a"),
        same_group = same_group.join(" AND "),
        a_counted = counted("a"),
        here = here.join(" AND "),
        counted = counted(r),
    );
    [upsert, reread]
}

/// On PostgreSQL, a transaction that rewrites many assignments at once (a rebuild of the
/// facts) sets this to `on` for its own duration (`set_config(…, true)`) and computes the
/// tally afresh after: a trigger call per row costs minutes at a million rows there.
pub const STATISTICS_TALLY_DEFERRED: &str = "banli.statistics_tally_deferred";
const DEFERRED: &str = STATISTICS_TALLY_DEFERRED;

/// The columns whose change moves an assignment in or out of a group or changes a sum.
const WATCHED: [&str; 13] = [
    "session_id",
    "unit_id",
    "assigned_on",
    "status",
    "answered_on",
    "due_on",
    "reply_category",
    "first_satisfaction",
    "final_satisfaction",
    "met_face_to_face",
    "feedback_open",
    "feedback_handled",
    "urge_count",
];

/// The update trigger's condition: a watched column changed. Writes that set the facts
/// to what they were (every recomputation does) leave the tally alone, so they take no
/// lock on its row: on PostgreSQL the row of a group is held from the update to the
/// commit, and only writers that change a figure should wait for each other.
fn changed(backend: DbBackend) -> String {
    let columns = |r: &str| {
        WATCHED
            .iter()
            .map(|c| format!("{r}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match backend {
        DbBackend::Postgres => format!(
            "ROW({}) IS DISTINCT FROM ROW({})",
            columns("OLD"),
            columns("NEW")
        ),
        _ => WATCHED
            .iter()
            .map(|c| format!("OLD.{c} IS NOT NEW.{c}"))
            .collect::<Vec<_>>()
            .join(" OR "),
    }
}

fn create_table() -> String {
    let sums: Vec<String> = contributions(DbBackend::Sqlite, "r")
        .iter()
        .map(|(c, _)| format!("{c} BIGINT NOT NULL"))
        .collect();
    format!(
        "CREATE TABLE statistics_tally (session_id BIGINT NOT NULL, unit_id BIGINT NOT NULL, \
         month VARCHAR(7) NOT NULL, category VARCHAR(1) NOT NULL, {sums}, \
         max_late_days BIGINT, PRIMARY KEY (session_id, unit_id, month, category))",
        sums = sums.join(", ")
    )
}

/// The statements that compute the whole tally from the assignments: the first empties
/// the tally, the second fills it (the migration's backfill runs only the second; a repair
/// runs both, in one transaction).
pub fn statistics_tally_sql(backend: DbBackend) -> [String; 2] {
    let key = key(backend, "r");
    let sums: Vec<String> = contributions(backend, "r")
        .iter()
        .map(|(_, v)| format!("SUM({v})"))
        .collect();
    [
        "DELETE FROM statistics_tally".to_owned(),
        format!(
            "INSERT INTO statistics_tally ({columns}) SELECT {key}, {sums}, MAX({late}) \
             FROM assignment r WHERE {counted} GROUP BY {key}",
            columns = column_list(),
            key = key.join(", "),
            sums = sums.join(", "),
            late = late_days(backend, "r"),
            counted = counted("r"),
        ),
    ]
}

fn triggers(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Postgres => {
            let add = apply(backend, "r", "1").join("; ");
            let take = apply(backend, "r", "-1").join("; ");
            let (old, new) = (key(backend, "OLD"), key(backend, "NEW"));
            vec![
                format!(
                    "CREATE FUNCTION statistics_tally_apply(r assignment, sign integer) \
                     RETURNS void LANGUAGE plpgsql AS $$ BEGIN \
                     IF sign > 0 THEN {add}; ELSE {take}; END IF; END $$"
                ),
                // Two writers moving assignments between the same two groups take the
                // tally rows' locks in one order (the smaller key first): no deadlock.
                format!(
                    "CREATE FUNCTION statistics_tally_keep() RETURNS trigger LANGUAGE plpgsql \
                     AS $$ BEGIN \
                     IF current_setting('{DEFERRED}', true) = 'on' THEN RETURN NULL; \
                     ELSIF TG_OP = 'INSERT' THEN PERFORM statistics_tally_apply(NEW, 1); \
                     ELSIF TG_OP = 'DELETE' THEN PERFORM statistics_tally_apply(OLD, -1); \
                     ELSIF ROW({old}) <= ROW({new}) THEN \
                       PERFORM statistics_tally_apply(OLD, -1); \
                       PERFORM statistics_tally_apply(NEW, 1); \
                     ELSE \
                       PERFORM statistics_tally_apply(NEW, 1); \
                       PERFORM statistics_tally_apply(OLD, -1); \
                     END IF; RETURN NULL; END $$",
                    old = old.join(", "),
                    new = new.join(", "),
                ),
                "CREATE TRIGGER statistics_tally_keep AFTER INSERT OR DELETE ON assignment \
                 FOR EACH ROW EXECUTE FUNCTION statistics_tally_keep()"
                    .to_owned(),
                format!(
                    "CREATE TRIGGER statistics_tally_change AFTER UPDATE OF {watched} \
                     ON assignment FOR EACH ROW WHEN ({changed}) \
                     EXECUTE FUNCTION statistics_tally_keep()",
                    watched = WATCHED.join(", "),
                    changed = changed(backend),
                ),
            ]
        }
        _ => {
            let body = |statements: Vec<String>| {
                statements
                    .iter()
                    .map(|s| format!("{s};"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let insert = body(apply(backend, "NEW", "1").to_vec());
            let delete = body(apply(backend, "OLD", "-1").to_vec());
            let mut update = apply(backend, "OLD", "-1").to_vec();
            update.extend(apply(backend, "NEW", "1"));
            let update = body(update);
            vec![
                format!(
                    "CREATE TRIGGER statistics_tally_insert AFTER INSERT ON assignment \
                     BEGIN {insert} END"
                ),
                format!(
                    "CREATE TRIGGER statistics_tally_delete AFTER DELETE ON assignment \
                     BEGIN {delete} END"
                ),
                format!(
                    "CREATE TRIGGER statistics_tally_update AFTER UPDATE OF {watched} \
                     ON assignment WHEN {changed} BEGIN {update} END",
                    watched = WATCHED.join(", "),
                    changed = changed(backend),
                ),
            ]
        }
    }
}

/// The unanswered assignments with every column today's overdue figures read, led by the
/// unit: the table by unit reads them in its order, from the index alone (at 1m on SQLite
/// 40,000 entries in 32 ms, where the open-deadline index led by the due date cost a table
/// read per row: 182 ms).
const OVERDUE_INDEX: &str = "CREATE INDEX idx_assignment_overdue ON assignment \
    (unit_id, session_id, assigned_on, reply_category, status, due_on, answered_on) \
    WHERE answered_on IS NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let conn = manager.get_connection();
        conn.execute_unprepared(&create_table()).await?;
        for statement in statistics_tally_sql(backend).iter().skip(1) {
            conn.execute_unprepared(statement).await?;
        }
        for statement in triggers(backend) {
            conn.execute_unprepared(&statement).await?;
        }
        conn.execute_unprepared(OVERDUE_INDEX).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let statements: &[&str] = match backend {
            DbBackend::Postgres => &[
                "DROP TRIGGER IF EXISTS statistics_tally_change ON assignment",
                "DROP TRIGGER IF EXISTS statistics_tally_keep ON assignment",
                "DROP FUNCTION IF EXISTS statistics_tally_keep()",
                "DROP FUNCTION IF EXISTS statistics_tally_apply(assignment, integer)",
            ],
            _ => &[
                "DROP TRIGGER IF EXISTS statistics_tally_insert",
                "DROP TRIGGER IF EXISTS statistics_tally_delete",
                "DROP TRIGGER IF EXISTS statistics_tally_update",
            ],
        };
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX IF EXISTS idx_assignment_overdue")
            .await?;
        for statement in statements {
            conn.execute_unprepared(statement).await?;
        }
        conn.execute_unprepared("DROP TABLE IF EXISTS statistics_tally")
            .await?;
        Ok(())
    }
}
