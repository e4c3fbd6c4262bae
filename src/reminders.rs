//! The daily reminder pass of a running server: a timer checks every few minutes whether
//! today's pass is due (a working day, past `reminder_hour` China time) and runs it on one
//! instance (claimed in `chore_run`); the pass itself tells no one twice however often it
//! runs (`service::reminder`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::domain::reminder::ReminderRules;
use crate::domain::time::{local_date, start_of_day, Clock};
use crate::service::reminder::{self, PassReport};
use crate::service::ServiceResult;

/// The name of the pass in `chore_run`.
pub const CHORE: &str = "reminders";

/// When today's pass is due: `hour` o'clock China time today.
pub fn due_at(now: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    start_of_day(local_date(now)) + chrono::Duration::hours(i64::from(hour.min(23)))
}

/// Runs today's pass if it is due and no instance has run it since it fell due. `None`
/// when it was not due or ran elsewhere.
pub async fn run_if_due(
    db: &Db,
    rules: &ReminderRules,
    hour: u32,
    now: DateTime<Utc>,
) -> ServiceResult<Option<PassReport>> {
    let due = due_at(now, hour);
    if now < due || !crate::housekeeping::claim_before(db, CHORE, due, now).await? {
        return Ok(None);
    }
    reminder::run(db, rules, local_date(now), now, false)
        .await
        .map(Some)
}

/// Checks every `period` until the task is aborted. `None` when `period` is zero (off:
/// run `banli reminders run` from cron instead).
pub fn spawn(
    db: Db,
    clock: Arc<dyn Clock>,
    rules: ReminderRules,
    hour: u32,
    period: Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    if period.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match run_if_due(&db, &rules, hour, clock.now()).await {
                Ok(Some(report)) => tracing::info!(
                    day = ?report.day,
                    working_day = report.working_day,
                    cases = ?report.cases,
                    digests = report.digests,
                    "reminders sent"
                ),
                Ok(None) => {}
                Err(error) => tracing::error!(?error, "the reminder pass failed; retrying later"),
            }
        }
    }))
}
