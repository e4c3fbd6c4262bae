//! The database handle: one pool, plus what it takes to make SQLite a safe multi-user store.
//!
//! SQLite runs in WAL mode (readers never block the writer), with foreign keys on, a busy
//! timeout, and `synchronous=FULL` so a commit that was acknowledged survives a power cut,
//! not only a process crash. SQLite has a single writer: write transactions start with
//! `BEGIN IMMEDIATE` (so two writers never deadlock upgrading a read lock) behind an
//! in-process async lock (so they queue in Tokio instead of spinning in SQLite's busy
//! handler). PostgreSQL needs neither; there, conflicting writers are caught by each
//! row's version check.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use migration::MigratorTrait as _;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlxPostgresConnector,
    SqlxSqliteConnector, TransactionOptions, TransactionTrait,
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, OwnedMutexGuard};

use futures_util::future::BoxFuture;

use crate::config::Settings;

/// What a write transaction belongs to, as the layer above sees it: a mutation, an import,
/// a chore. It writes what must commit together with the change (the audit row, the
/// idempotency key) into the transaction just before it commits, and hears what the change
/// says about itself on the way. Declared here and implemented by `service::work::Work`,
/// so this module depends on nothing above it.
pub trait UnitOfWork: Send + Sync {
    /// Writes the unit's own rows into `txn`, which commits next. `user_errors` holds the
    /// codes of a transaction that records a failure (a wrong password counted), `None`
    /// for a change that succeeded.
    fn before_commit<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        user_errors: Option<&'a [&'a str]>,
    ) -> BoxFuture<'a, Result<(), DbErr>>;
    /// The commit after [`UnitOfWork::before_commit`] failed: what it wrote does not exist.
    fn commit_failed(&self);
    /// The change created the object `kind:id` (`Session:12`).
    fn created(&self, kind: &str, id: i64);
    /// The caller gave `field` a date in the past (`value` as recorded).
    fn backdated(&self, field: &str, value: serde_json::Value);
    /// The work ends in user errors with these codes; nothing changed.
    fn user_errors(&self, codes: &[&str]);
}

/// The shared database handle. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// Serialises writers on SQLite; `None` on PostgreSQL.
    write_gate: Option<Arc<Mutex<()>>>,
    statements: Arc<AtomicU64>,
    /// The unit of work the write transactions of this handle belong to ([`Db::within`]).
    work: Option<Arc<dyn UnitOfWork>>,
}

/// A write transaction. Dropping it without `commit` rolls back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
    work: Option<Arc<dyn UnitOfWork>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}

impl WriteTxn {
    /// Commits; the unit of work's rows (the audit row of the mutation, its idempotency
    /// key) are written in this same transaction first, so no change commits without them.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.finish(None).await
    }

    /// Commits a transaction that records a failure (e.g. counting a wrong password): the
    /// unit of work records these user error codes instead of a success.
    pub async fn commit_with_user_errors(self, codes: &[&str]) -> Result<(), DbErr> {
        self.finish(Some(codes)).await
    }

    async fn finish(self, user_errors: Option<&[&str]>) -> Result<(), DbErr> {
        if let Some(work) = &self.work {
            work.before_commit(&self.txn, user_errors).await?;
        }
        let result = self.txn.commit().await;
        if let (Err(_), Some(work)) = (&result, &self.work) {
            work.commit_failed();
        }
        result
    }

    /// Tells the unit of work that this change created `kind:id`: its audit row and its
    /// idempotency key name the new object rather than what the input referred to.
    pub fn audit_created(&self, kind: &str, id: i64) {
        if let Some(work) = &self.work {
            work.created(kind, id);
        }
    }

    /// Tells the unit of work that the caller gave `field` a date in the past: its audit
    /// row says so, with the date. Back-dating is how an archive moves into banli; the log
    /// keeps it apart from what happened on the day it was recorded.
    pub fn audit_backdated(&self, field: &str, value: impl serde::Serialize) {
        if let Some(work) = &self.work {
            work.backdated(field, serde_json::to_value(value).unwrap_or_default());
        }
    }
}

impl Db {
    /// Opens the pool described by `settings` (creating an SQLite file if missing).
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let url = settings.database_url.as_str();
        let acquire = Duration::from_secs(settings.db_acquire_timeout_secs);
        let (mut conn, sqlite) = if settings.is_sqlite() {
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let options = SqliteConnectOptions::from_str(url)
                .context("BANLI_DATABASE_URL is not a valid SQLite URL")?
                .create_if_missing(true)
                .journal_mode(if in_memory {
                    SqliteJournalMode::Memory
                } else {
                    SqliteJournalMode::Wal
                })
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_millis(settings.sqlite_busy_timeout_ms))
                // Keeps the planner's statistics fresh, so it keeps choosing the covering
                // indexes of open deadlines as the data grows.
                .optimize_on_close(true, None);
            // An in-memory database exists once per connection: keep exactly one.
            let max = if in_memory {
                1
            } else {
                settings.db_max_connections.max(2)
            };
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .min_connections(1)
                .acquire_timeout(acquire)
                .connect_with(options)
                .await
                .with_context(|| format!("cannot open SQLite database {url}"))?;
            (SqlxSqliteConnector::from_sqlx_sqlite_pool(pool), true)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)
                .context("BANLI_DATABASE_URL is not a valid PostgreSQL URL")?
                .application_name("banli");
            let pool = PgPoolOptions::new()
                .max_connections(settings.db_max_connections.max(1))
                .acquire_timeout(acquire)
                .connect_with(options)
                .await
                .context("cannot connect to PostgreSQL")?;
            (SqlxPostgresConnector::from_sqlx_postgres_pool(pool), false)
        } else {
            anyhow::bail!("BANLI_DATABASE_URL must start with sqlite: or postgres:");
        };
        let statements = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(Self {
            conn,
            write_gate: sqlite.then(|| Arc::new(Mutex::new(()))),
            statements,
            work: None,
        })
    }

    /// Applies every pending migration (the schema only: `startup::migrate` adds the
    /// derived data a new build needs).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        migration::Migrator::up(&self.conn, None)
            .await
            .context("applying migrations")
    }

    /// This handle with its write transactions belonging to `work`: each commit writes the
    /// unit's rows first ([`UnitOfWork::before_commit`]).
    pub fn within(&self, work: Arc<dyn UnitOfWork>) -> Self {
        Self {
            work: Some(work),
            ..self.clone()
        }
    }

    /// The unit of work of this handle, if any.
    pub fn work(&self) -> Option<&dyn UnitOfWork> {
        self.work.as_deref()
    }

    /// The connection for reads (and for code that opens its own transaction).
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a write transaction (see the module docs for SQLite).
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let gate = match &self.write_gate {
            Some(gate) => Some(Arc::clone(gate).lock_owned().await),
            None => None,
        };
        let options = TransactionOptions {
            sqlite_transaction_mode: gate
                .as_ref()
                .map(|_| sea_orm::SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self.conn.begin_with_options(options).await?;
        Ok(WriteTxn {
            txn,
            _gate: gate,
            work: self.work.clone(),
        })
    }

    /// Number of SQL statements executed through this handle since it was opened.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        self.conn.ping().await.is_ok()
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(self) {
        if let Err(error) = self.conn.close().await {
            tracing::warn!(%error, "closing the database pool");
        }
    }
}

/// The database URL as the log may show it: a password in it, or a `password` parameter,
/// replaced by `***`.
pub fn without_password(database_url: &str) -> String {
    let Ok(mut url) = url::Url::parse(database_url) else {
        return "(a database URL that is not a URL)".to_owned();
    };
    if url.password().is_some() {
        // Only URLs that cannot have a password refuse one, and this one has one.
        let _ = url.set_password(Some("***"));
    }
    if url.query_pairs().any(|(key, _)| key == "password") {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(key, value)| {
                let value = if key == "password" {
                    "***".into()
                } else {
                    value
                };
                (key.into_owned(), value.into_owned())
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn the_logged_database_url_has_no_password() {
        for (url, logged) in [
            ("sqlite://banli.db", "sqlite://banli.db"),
            (
                "postgres://postgres@127.0.0.1:5432/test",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            (
                "postgres://banli:s3cr%3Et@db.intranet/banli",
                "postgres://banli:***@db.intranet/banli",
            ),
            (
                "postgres://db.intranet/banli?user=banli&password=s3cret&sslmode=require",
                "postgres://db.intranet/banli?user=banli&password=***&sslmode=require",
            ),
        ] {
            assert_eq!(without_password(url), logged, "{url}");
        }
        assert!(!without_password("not a url").contains("not a url"));
    }
}
