//! `banli backup PATH`: a consistent copy of a running SQLite database.
//!
//! `VACUUM INTO` reads the database inside one read transaction, so the copy is the state
//! of one moment (every committed transaction before it, none after), taken while the
//! server keeps writing: in WAL mode a reader never blocks the writer. The copy is then
//! opened and checked (`PRAGMA integrity_check`) before it is reported done.
//! PostgreSQL is backed up with its own tools (`pg_dump`, README "Backups").

use std::path::Path;

use anyhow::{bail, Context as _};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions as _, Row as _};

use crate::db::Db;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub bytes: u64,
    pub suggestions: i64,
}

/// Writes a consistent copy of the SQLite database behind `db` to `path` (which must not
/// exist yet) and checks it.
pub async fn sqlite(db: &Db, path: &Path) -> anyhow::Result<BackupReport> {
    if db.backend() != DbBackend::Sqlite {
        bail!(
            "banli backup copies SQLite databases; back PostgreSQL up with pg_dump (README, Backups)"
        );
    }
    if path.exists() {
        bail!("{} exists already: choose a new file", path.display());
    }
    let target = path
        .to_str()
        .with_context(|| format!("{} is not a UTF-8 path", path.display()))?;
    db.conn()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [Value::from(target)],
        ))
        .await
        .with_context(|| format!("writing the backup to {}", path.display()))?;

    // Check the copy on its own connection, read-only.
    let mut copy = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .with_context(|| format!("opening the backup {}", path.display()))?;
    let integrity: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await
        .context("checking the backup")?
        .try_get(0)?;
    if integrity != "ok" {
        bail!(
            "the backup {} failed its integrity check: {integrity}",
            path.display()
        );
    }
    let suggestions: i64 = sqlx::query("SELECT COUNT(*) FROM suggestion")
        .fetch_one(&mut copy)
        .await
        .context("counting the backup's suggestions")?
        .try_get(0)?;
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("reading the size of {}", path.display()))?
        .len();
    Ok(BackupReport { bytes, suggestions })
}
