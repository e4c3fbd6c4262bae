//! `banli-bench reminders`: the daily reminder pass over the whole data set, timed. A dry
//! pass (deciding only) and a real one (writing the reminders and digests in one
//! transaction) on the next working day, then a second real pass the same day (which finds
//! everything told), with the process's peak RSS.

use std::time::Instant;

use banli::db::Db;
use banli::domain::reminder::ReminderRules;
use banli::service::reminder::{self, PassReport};

fn peak_rss_mib() -> f64 {
    crate::memory_mib("self", "VmHWM:")
}

fn line(what: &str, report: &PassReport, seconds: f64) {
    println!(
        "{what:<34} {seconds:>7.2} s  cases {:?}  digests {}",
        report.cases, report.digests
    );
}

pub async fn run(db: &Db) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let calendar = banli::service::calendar::load(db.conn())
        .await
        .map_err(|e| anyhow::anyhow!("loading the calendar: {e:?}"))?;
    let day = calendar.next_working_day(banli::domain::time::local_date(now));
    let (assignments, _) = crate::sizes(db).await?;
    println!(
        "backend {:?}, {assignments} assignments; the pass of {day}",
        db.backend()
    );
    let added = clerks(db).await?;
    println!("{added} unit clerks added (one per unit)");
    let rules = ReminderRules::default();
    for (what, dry) in [
        ("dry pass (decide only)", true),
        ("pass (decide and write)", false),
        ("second pass the same day", false),
    ] {
        let start = Instant::now();
        let report = reminder::run(db, &rules, day, now, dry)
            .await
            .map_err(|e| anyhow::anyhow!("{what}: {e:?}"))?;
        line(what, &report, start.elapsed().as_secs_f64());
    }
    println!("peak RSS of banli-bench {:.0} MiB", peak_rss_mib());
    Ok(())
}

/// One clerk per handling unit (UNIT_STAFF, no password: never signs in), so every unit with
/// a case due has someone to get its digest, as in a deployment.
pub async fn clerks(db: &Db) -> anyhow::Result<u64> {
    use sea_orm::{ConnectionTrait, Statement, Value};
    let backend = db.backend();
    let p = match backend {
        sea_orm::DbBackend::Postgres => "$1",
        _ => "?",
    };
    let sql = format!(
        "INSERT INTO app_user (username, display_name, role, unit_id, password_hash, disabled, \
           failed_attempts, password_changed_at, version, created_at, updated_at) \
         SELECT 'bench-clerk-' || CAST(u.id AS TEXT), u.name, 'UNIT_STAFF', u.id, '!', FALSE, 0, \
           {p}, 1, {p}, {p} \
         FROM handling_unit u WHERE NOT EXISTS \
           (SELECT 1 FROM app_user a WHERE a.username = 'bench-clerk-' || CAST(u.id AS TEXT))"
    );
    let now = chrono::Utc::now();
    let values: Vec<Value> = match backend {
        sea_orm::DbBackend::Postgres => vec![Value::from(now)],
        _ => vec![Value::from(now), Value::from(now), Value::from(now)],
    };
    Ok(db
        .conn()
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .rows_affected())
}
