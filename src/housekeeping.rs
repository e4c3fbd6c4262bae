//! Periodic chores of a running server: deleting expired CAPTCHAs and idempotency keys,
//! erasing feedback contact details past their retention period, and deleting past windows
//! of the per-client limits; once a day, the census of the search index's frequent tokens
//! (`similarSuggestions`). Each run is idempotent; several instances over one database
//! still run it once per period between them ([`claim`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::domain::time::Clock;
use crate::service::audit::AuditLog;
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
    log: &AuditLog,
    clock: &dyn Clock,
    retention_days: u32,
) -> crate::service::ServiceResult<Report> {
    let now = clock.now();
    Ok(Report {
        captchas_deleted: captcha::purge_expired(db, now).await?,
        contacts_erased: feedback::purge_contacts(db, log, retention_days, now).await?,
        idempotency_keys_deleted: idempotency::purge_expired(db.conn(), now).await?,
        client_windows_deleted: limiter::purge(db.conn(), now).await?,
    })
}

/// The name of the periodic chores in `chore_run`.
pub const CHORE: &str = "housekeeping";

/// Claims the chore `name` for this period: true for the one caller, over all instances,
/// that moves its start mark forward, which it can only do once the last start is (nine
/// tenths of) a `period` ago. A failure to claim runs nothing; the next period tries again.
pub async fn claim(
    db: &Db,
    name: &str,
    period: Duration,
    now: DateTime<Utc>,
) -> crate::service::ServiceResult<bool> {
    use entity::chore_run;
    use sea_orm::ColumnTrait as _;
    // Timers of different instances drift: a start this much early still counts as due.
    let due_after =
        chrono::Duration::from_std(period - period / 10).unwrap_or(chrono::Duration::MAX);
    claim_with(
        db,
        name,
        chore_run::Column::StartedAt.lte(now - due_after),
        now,
    )
    .await
}

/// Claims the chore `name` if no instance started it since `since`: true for the one
/// caller that moves its start mark to `now`.
pub async fn claim_before(
    db: &Db,
    name: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> crate::service::ServiceResult<bool> {
    use entity::chore_run;
    use sea_orm::ColumnTrait as _;
    claim_with(db, name, chore_run::Column::StartedAt.lt(since), now).await
}

async fn claim_with(
    db: &Db,
    name: &str,
    due: sea_orm::sea_query::SimpleExpr,
    now: DateTime<Utc>,
) -> crate::service::ServiceResult<bool> {
    use crate::service::DbContext as _;
    use entity::chore_run;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};
    let txn = db.begin_write().await.during("beginning a chore claim")?;
    chore_run::Entity::insert(chore_run::ActiveModel {
        name: Set(name.to_owned()),
        started_at: Set(DateTime::<Utc>::UNIX_EPOCH),
    })
    .on_conflict_do_nothing()
    .exec(&*txn)
    .await
    .during("recording a chore")?;
    let claimed = chore_run::Entity::update_many()
        .set(chore_run::ActiveModel {
            started_at: Set(now),
            ..Default::default()
        })
        .filter(chore_run::Column::Name.eq(name))
        .filter(due)
        .exec(&*txn)
        .await
        .during("claiming a chore")?;
    txn.commit().await.during("committing a chore claim")?;
    Ok(claimed.rows_affected == 1)
}

/// Runs the chores a minute after start and then every `period` (the contact erasure is
/// due daily; the default hour keeps it close to its date and the CAPTCHA table small),
/// until the task is aborted. `None` when `period` is zero (switched off).
/// The attachment store and how long an unreferenced file is kept.
pub struct Files {
    pub store: Arc<crate::service::attachment::FileStore>,
    pub grace: Duration,
}

pub fn spawn(
    db: Db,
    log: Arc<AuditLog>,
    clock: Arc<dyn Clock>,
    retention_days: u32,
    period: Duration,
    files: Files,
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
            match claim(&db, CHORE, period, clock.now()).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::debug!("housekeeping ran on another instance this period");
                    continue;
                }
                Err(error) => {
                    tracing::error!(
                        ?error,
                        "housekeeping could not be claimed; retrying next period"
                    );
                    continue;
                }
            }
            match run_once(&db, &log, clock.as_ref(), retention_days).await {
                Ok(report) => tracing::info!(
                    captchas_deleted = report.captchas_deleted,
                    contacts_erased = report.contacts_erased,
                    idempotency_keys_deleted = report.idempotency_keys_deleted,
                    client_windows_deleted = report.client_windows_deleted,
                    "housekeeping done"
                ),
                Err(error) => tracing::error!(?error, "housekeeping failed; retrying next period"),
            }
            match crate::service::attachment::sweep(&db, &files.store, files.grace).await {
                Ok(report) => tracing::info!(
                    files_removed = report.files_removed,
                    staging_removed = report.staging_removed,
                    missing = report.missing.len(),
                    "attachment store swept"
                ),
                Err(error) => tracing::error!(?error, "sweeping the attachment store failed"),
            }
            census(&db, clock.as_ref()).await;
        }
    }))
}

/// The name of the daily census of the search index in `chore_run`.
pub const CENSUS: &str = "search-census";

/// Takes the search index's census when a day has passed since the last (any instance's).
async fn census(db: &Db, clock: &dyn Clock) {
    use crate::service::search;
    match claim(db, CENSUS, search::CENSUS_PERIOD, clock.now()).await {
        Ok(true) => match search::refresh_census(db).await {
            Ok(frequent_tokens) => tracing::info!(frequent_tokens, "search census taken"),
            Err(error) => tracing::error!(?error, "the search census failed; retrying next period"),
        },
        Ok(false) => {}
        Err(error) => tracing::error!(?error, "the search census could not be claimed"),
    }
}
