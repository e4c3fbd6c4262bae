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

use crate::config::Settings;
use crate::service::audit::{AuditOutcome, PendingAudit};
use crate::service::audit_anchor::Anchors;
use crate::service::idempotency;
use crate::service::token_cache::TokenCache;

/// The shared database handle. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// Serialises writers on SQLite; `None` on PostgreSQL.
    write_gate: Option<Arc<Mutex<()>>>,
    statements: Arc<AtomicU64>,
    /// Bearer tokens checked recently (see `service::token_cache`).
    tokens: Arc<TokenCache>,
    /// Which refusals of callers who are not signed in get an audit row.
    refusals: Arc<crate::service::audit::RefusalSampler>,
    /// The audit key and checkpoint file (`service::audit_anchor`).
    anchors: Arc<Anchors>,
}

/// A write transaction. Dropping it without `commit` rolls back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _gate: Option<OwnedMutexGuard<()>>,
    anchors: Arc<Anchors>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}

impl WriteTxn {
    /// The audit key, for an audit row appended in this transaction.
    pub fn audit_key(&self) -> Option<&crate::service::audit_anchor::AuditKey> {
        self.anchors.key.as_ref()
    }

    /// Commits; inside a mutation, the mutation's audit entry (outcome SUCCESS) and its
    /// idempotency key are written in this same transaction first, so no change commits
    /// without its audit row and its key.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.commit_audited(AuditOutcome::Success, &[]).await
    }

    /// Commits a transaction that records a failure (e.g. counting a wrong password):
    /// the audit entry says so instead of SUCCESS.
    pub async fn commit_audited(
        self,
        outcome: AuditOutcome,
        error_codes: &[&str],
    ) -> Result<(), DbErr> {
        let pending = PendingAudit::current();
        // The mutation's idempotency key, if it sent one, is stored with the change it
        // guards (before the audit row, which is appended last: see `audit`).
        let keyed = outcome == AuditOutcome::Success
            && idempotency::record_in(&self.txn, pending.as_ref().and_then(|p| p.entry().target))
                .await?;
        let appended = match &pending {
            Some(p) => {
                p.record_in(&self.txn, self.anchors.key.as_ref(), outcome, error_codes)
                    .await?
            }
            None => false,
        };
        let result = self.txn.commit().await;
        if result.is_err() {
            if let (Some(p), true) = (&pending, appended) {
                p.unrecord();
            }
            if keyed {
                idempotency::unrecord();
            }
        }
        result
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
            tokens: Arc::new(TokenCache::new(Duration::from_secs(
                settings.auth_cache_secs,
            ))),
            refusals: Arc::default(),
            anchors: Arc::new(Anchors::from_settings(settings)?),
        })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        migration::Migrator::up(&self.conn, None)
            .await
            .context("applying migrations")?;
        // Derived data the schema alone cannot make: the deadline history of assignments
        // from before it was kept (derived by the workflow's rule, once),
        crate::service::deadline::upgrade_spans(self)
            .await
            .map_err(|e| anyhow::anyhow!("filling in the deadline history: {e:?}"))?;
        // and the search index (built by banli's tokenizer; rebuilt when a new build
        // tokenizes differently).
        crate::service::search::ensure_current(self)
            .await
            .map_err(|e| anyhow::anyhow!("building the search index: {e:?}"))?;
        Ok(())
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
            anchors: Arc::clone(&self.anchors),
        })
    }

    /// The cache of checked bearer tokens, shared by every clone of this handle.
    pub fn token_cache(&self) -> &TokenCache {
        &self.tokens
    }

    pub fn refusals(&self) -> &crate::service::audit::RefusalSampler {
        &self.refusals
    }

    /// The audit key and checkpoint file this handle was opened with.
    pub fn audit_anchors(&self) -> &Anchors {
        &self.anchors
    }

    /// After a change to users or tokens has committed: empties this process's token cache
    /// and, on PostgreSQL, tells every other instance to empty theirs
    /// (`NOTIFY banli_auth`, heard by [`crate::service::token_cache::listen`]). A lost
    /// notification only delays the change there to `auth_cache_secs`.
    pub async fn auth_changed(&self) {
        self.tokens.invalidate();
        if self.backend() == DbBackend::Postgres {
            if let Err(error) = sea_orm::ConnectionTrait::execute_unprepared(
                &self.conn,
                &format!("NOTIFY {}", crate::service::token_cache::CHANNEL),
            )
            .await
            {
                tracing::warn!(?error, "could not tell other instances of a sign-out or user change; they see it within auth_cache_secs");
            }
        }
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
