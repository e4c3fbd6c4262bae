//! The statistics tally (summed per session, unit, month and category, kept by database
//! triggers) against the assignment rows: every table the tally answers equals the one
//! read from the rows, after writes through the API and after direct writes of every kind
//! (a unit, a date, a due date, a status, counters changed; a row added and deleted), and
//! the tally the triggers kept equals one computed afresh.

use banli::db::Db;
use banli::domain::access::Scope;
use banli::service::deadline::AsOf;
use banli::service::statistics::{self, GroupBy, StatisticsFilter};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, Iterable};

use crate::statistics::{fixture, Fixture};

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

/// Compares every table the tally can answer, in the office's scope (with no filter, a
/// session's, a unit's) and in each unit's, grouped seven ways, as of each of `days`, with
/// the table read from the rows; returns how many were compared.
async fn agree(
    db: &Db,
    units: &[i64],
    session: i64,
    today: NaiveDate,
    days: &[NaiveDate],
) -> usize {
    use GroupBy::*;
    let groupings: [&[GroupBy]; 7] = [
        &[Unit],
        &[Unit, Month],
        &[Unit, Category],
        &[Session, Unit],
        &[Category, Month, Unit, Session],
        &[],
        &[Session],
    ];
    let office = StatisticsFilter {
        scope: Scope::All,
        ..StatisticsFilter::default()
    };
    let mut filters = vec![
        office.clone(),
        StatisticsFilter {
            session_id: Some(session),
            ..office.clone()
        },
        StatisticsFilter {
            unit_id: Some(units[0]),
            ..office.clone()
        },
    ];
    filters.extend(units.iter().map(|&unit| StatisticsFilter {
        scope: Scope::Unit(unit),
        ..StatisticsFilter::default()
    }));
    let mut compared = 0;
    for &date in days {
        let as_of = AsOf::on(db, date, today).await.expect("as of");
        for filter in &filters {
            for group_by in groupings {
                let tallied = statistics::tally::table(db, filter, group_by, as_of, 1_000)
                    .await
                    .expect("tally");
                let Some(tallied) = tallied else { continue };
                let scanned = statistics::scan(db, filter, group_by, as_of, 1_000)
                    .await
                    .expect("scan");
                assert_eq!(tallied, scanned, "{filter:?} by {group_by:?} on {date}");
                compared += 1;
            }
        }
    }
    compared
}

/// The tally's rows as stored: key and sums, rows summing to nothing left out (after
/// checking that every one of their sums is zero).
async fn stored_tally(db: &Db) -> Vec<(i64, i64, String, String, Vec<Option<i64>>)> {
    let sums = [
        "assignments",
        "answered",
        "answered_on_time",
        "answered_late_days",
        "rated",
        "satisfied_first",
        "satisfied_final",
        "met_face_to_face",
        "feedback_open",
        "feedback_handled",
        "urged",
        "urges",
        "max_late_days",
    ];
    let rows = db
        .conn()
        .query_all_raw(sea_orm::Statement::from_string(
            db.backend(),
            format!(
                "SELECT session_id, unit_id, month, category, {} FROM statistics_tally \
                 ORDER BY session_id, unit_id, month, category",
                sums.join(", ")
            ),
        ))
        .await
        .expect("tally rows");
    let mut kept = Vec::new();
    for row in rows {
        let key: (i64, i64, String, String) = (
            row.try_get("", "session_id").expect("session"),
            row.try_get("", "unit_id").expect("unit"),
            row.try_get("", "month").expect("month"),
            row.try_get("", "category").expect("category"),
        );
        let values: Vec<Option<i64>> = sums
            .iter()
            .map(|c| row.try_get::<Option<i64>>("", c).expect("a sum"))
            .collect();
        if values[0] == Some(0) {
            assert!(
                values.iter().all(|v| v.unwrap_or_default() == 0),
                "an empty group sums to nothing: {key:?} {values:?}"
            );
            continue;
        }
        kept.push((key.0, key.1, key.2, key.3, values));
    }
    kept
}

async fn execute(db: &Db, sql: &str) {
    db.conn()
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn ids(db: &Db, table: &str) -> Vec<i64> {
    let sql = format!("SELECT id FROM {table} ORDER BY id");
    let rows = db
        .conn()
        .query_all_raw(sea_orm::Statement::from_string(db.backend(), sql))
        .await
        .expect("ids");
    rows.iter()
        .map(|r| r.try_get("", "id").expect("an id"))
        .collect()
}

fn db_id(id: &str) -> i64 {
    banli::graphql::ids::decode(id).expect("an ID").1
}

/// The statistics fixture with the database ids of its three units and its session.
async fn fixture_ids() -> (crate::helpers::TestApp, Vec<i64>, i64) {
    let Fixture {
        app,
        session,
        units,
    } = fixture().await;
    let units = units.iter().map(|u| db_id(u)).collect();
    (app, units, db_id(&session))
}

#[actix_web::test]
async fn the_tally_answers_today_as_the_rows_do_after_every_kind_of_write() {
    let (app, units, session) = fixture_ids().await;
    let db = &app.db;
    let today = day("2026-11-22");
    let days = [today, day("2027-01-31")];
    // 38 tables a day: five groupings by unit in the office's scope and for a session,
    // all seven for one unit, in the office's scope and in each unit's.
    let all = 38 * days.len();
    assert_eq!(agree(db, &units, session, today, &days).await, all);
    // As of a past day the rows answer.
    assert_eq!(
        agree(db, &units, session, today, &[day("2026-06-30")]).await,
        0
    );

    let (u1, u2, u3) = (units[0], units[1], units[2]);
    let writes = [
        // An overdue assignment moves to another unit.
        format!("UPDATE assignment SET unit_id = {u1} WHERE unit_id = {u2} AND answered_on IS NULL"),
        // The late answers were in time after all: the most days late is read again.
        "UPDATE assignment SET due_on = answered_on WHERE answered_on > due_on".to_owned(),
        // A correction of the date of assignment moves one into another month.
        "UPDATE assignment SET assigned_on = '2026-02-27' \
         WHERE id = (SELECT MIN(id) FROM assignment)"
            .to_owned(),
        // Urges and feedback counted, a category changed, one returned.
        format!("UPDATE assignment SET urge_count = urge_count + 2, feedback_open = feedback_open + 1 WHERE unit_id = {u3}"),
        "UPDATE assignment SET reply_category = 'D' WHERE reply_category = 'C'".to_owned(),
        "UPDATE assignment SET status = 'RETURNED' WHERE id = (SELECT MAX(id) FROM assignment WHERE answered_on IS NOT NULL)".to_owned(),
    ];
    for sql in &writes {
        execute(db, sql).await;
        assert_eq!(
            agree(db, &units, session, today, &days).await,
            all,
            "after {sql}"
        );
    }

    // A row copied to a third unit, answered late, then deleted.
    let columns: Vec<&str> = entity::assignment::Column::iter()
        .map(|c| sea_orm::IdenStatic::as_str(&c))
        .filter(|&c| c != "id")
        .collect();
    let late_answer = match db.backend() {
        sea_orm::DbBackend::Postgres => "due_on + 40",
        _ => "date(due_on, '+40 days')",
    };
    let copied: Vec<String> = columns
        .iter()
        .map(|&c| match c {
            "unit_id" => u3.to_string(),
            "answered_on" => late_answer.to_owned(),
            other => other.to_owned(),
        })
        .collect();
    let copied = copied.join(", ");
    execute(
        db,
        &format!(
            "INSERT INTO assignment ({}) SELECT {copied} FROM assignment \
             WHERE unit_id = {u1} AND id = (SELECT MIN(id) FROM assignment WHERE unit_id = {u1})",
            columns.join(", ")
        ),
    )
    .await;
    assert_eq!(
        agree(db, &units, session, today, &days).await,
        all,
        "after a copy"
    );
    let before_rebuild = stored_tally(db).await;
    assert!(
        before_rebuild.iter().any(|row| row.4[12] == Some(40)),
        "the copy's 40 days late counted: {before_rebuild:?}"
    );
    execute(
        db,
        &format!("DELETE FROM assignment WHERE unit_id = {u3} AND answered_on > due_on"),
    )
    .await;
    assert_eq!(
        agree(db, &units, session, today, &days).await,
        all,
        "after a delete"
    );

    // What the triggers kept is what a rebuild computes.
    let kept = stored_tally(db).await;
    let txn = sea_orm::TransactionTrait::begin(db.conn())
        .await
        .expect("begin");
    statistics::rebuild_tally(&txn).await.expect("rebuild");
    txn.commit().await.expect("commit");
    assert_eq!(stored_tally(db).await, kept);

    // A rebuild of the facts (which undoes the direct writes to them above) leaves the
    // tally in step, though PostgreSQL's triggers leave it to the end of the rebuild.
    statistics::rebuild_facts(db.conn()).await.expect("rebuild");
    assert_eq!(
        agree(db, &units, session, today, &days).await,
        all,
        "after the rebuild"
    );
    // And the triggers keep it again after.
    execute(db, &writes[3]).await;
    assert_eq!(
        agree(db, &units, session, today, &days).await,
        all,
        "after the rebuild and a write"
    );
}

#[actix_web::test]
async fn the_tally_answers_as_the_rows_do_on_the_demo() {
    let app = crate::helpers::spawn_app().await;
    let db = &app.db;
    banli::demo::load(db).await.expect("demo");
    let today = banli::domain::time::local_date(chrono::Utc::now());
    let units = ids(db, "handling_unit").await;
    let session = ids(db, "session").await[0];
    let compared = agree(db, &units[..3], session, today, &[today]).await;
    assert_eq!(compared, 38);
}

/// Writers changing figures of one group at once (each urge in its own transaction, on
/// several connections) lose no update: the tally counts every one of them.
#[actix_web::test]
async fn concurrent_writers_of_one_group_lose_no_count() {
    let (app, units, session) = fixture_ids().await;
    let db = &app.db;
    let unit = units[0];
    let sql = format!(
        "UPDATE assignment SET urge_count = urge_count + 1 \
         WHERE id = (SELECT MIN(id) FROM assignment WHERE unit_id = {unit})"
    );
    let writers = (0..8).map(|_| {
        let db = db.clone();
        let sql = sql.clone();
        async move {
            for _ in 0..10 {
                let txn = sea_orm::TransactionTrait::begin(db.conn())
                    .await
                    .expect("begin");
                txn.execute_unprepared(&sql).await.expect("urge");
                txn.commit().await.expect("commit");
            }
        }
    });
    let before = urges_of(db, unit).await;
    futures_util::future::join_all(writers).await;
    let today = day("2026-11-22");
    assert_eq!(agree(db, &units, session, today, &[today]).await, 38);
    assert_eq!(urges_of(db, unit).await, before + 80);
}

async fn urges_of(db: &Db, unit: i64) -> i64 {
    stored_tally(db)
        .await
        .iter()
        .filter(|row| row.1 == unit)
        .map(|row| row.4[11].unwrap_or_default())
        .sum()
}
