//! Periodic chores of a running server: deleting expired CAPTCHAs and idempotency keys,
//! erasing feedback contact details past their retention period, and deleting past windows
//! of the per-client limits. Each run is idempotent, so any number of instances may run it
//! over one database.

use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;
use crate::domain::time::Clock;
use crate::service::{captcha, feedback, idempotency, limiter};

/// How long after start the first run waits, so start-up is not slowed by it.
const FIRST_RUN_AFTER: Duration = Duration::from_secs(60);

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub captchas_deleted: u64,
    pub contacts_erased: u64,
    pub idempotency_keys_deleted: u64,
    pub client_windows_deleted: u64,
}

/// Runs every chore once.
pub async fn run_once(
    db: &Db,
    clock: &dyn Clock,
    retention_days: u32,
) -> crate::service::ServiceResult<Report> {
    let now = clock.now();
    Ok(Report {
        captchas_deleted: captcha::purge_expired(db, now).await?,
        contacts_erased: feedback::purge_contacts(db, retention_days, now).await?,
        idempotency_keys_deleted: idempotency::purge_expired(db.conn(), now).await?,
        client_windows_deleted: limiter::purge(db.conn(), now).await?,
    })
}

/// Runs the chores a minute after start and then every `period` (the contact erasure is
/// due daily; the default hour keeps it close to its date and the CAPTCHA table small),
/// until the task is aborted. `None` when `period` is zero (switched off).
pub fn spawn(
    db: Db,
    clock: Arc<dyn Clock>,
    retention_days: u32,
    period: Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    if period.is_zero() {
        return None;
    }
    Some(tokio::spawn(async move {
        let start = tokio::time::Instant::now() + FIRST_RUN_AFTER;
        let mut ticks = tokio::time::interval_at(start, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match run_once(&db, clock.as_ref(), retention_days).await {
                Ok(report) => tracing::info!(
                    captchas_deleted = report.captchas_deleted,
                    contacts_erased = report.contacts_erased,
                    idempotency_keys_deleted = report.idempotency_keys_deleted,
                    client_windows_deleted = report.client_windows_deleted,
                    "housekeeping done"
                ),
                Err(error) => tracing::error!(?error, "housekeeping failed; retrying next period"),
            }
        }
    }))
}
