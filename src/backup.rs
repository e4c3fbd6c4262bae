//! `banli backup PATH`: a consistent copy of a running SQLite database.
//!
//! `VACUUM INTO` reads the database inside one read transaction, so the copy is the state
//! of one moment (every committed transaction before it, none after), taken while the
//! server keeps writing: in WAL mode a reader never blocks the writer. The copy is then
//! opened and checked (`PRAGMA integrity_check`) before it is reported done.
//! PostgreSQL is backed up with its own tools (`pg_dump`, README "Backups").
//!
//! The attachment files the copy refers to are then copied beside it ([`attachments`]):
//! `PATH.files/ab/cd/<sha256>`, read from the store (a directory or a bucket). A stored file
//! never changes, so files copied after the database copy are exactly the ones it refers to.

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

/// What the attachment part of a backup copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilesReport {
    pub files: u64,
    pub bytes: u64,
    /// Files the copy refers to that the store does not have.
    pub missing: Vec<String>,
}

/// Copies into `dir` (`ab/cd/<sha256>`) every attachment file the SQLite database copy at
/// `copy` refers to, from `store`; files already in `dir` are kept (a rerun resumes).
pub async fn attachments(
    copy: &Path,
    store: &crate::service::attachment::FileStore,
    dir: &Path,
) -> anyhow::Result<FilesReport> {
    use futures_util::TryStreamExt as _;
    use tokio::io::AsyncWriteExt as _;
    let mut conn = SqliteConnectOptions::new()
        .filename(copy)
        .read_only(true)
        .connect()
        .await
        .with_context(|| format!("opening the backup {}", copy.display()))?;
    let hashes: Vec<String> = sqlx::query_scalar("SELECT DISTINCT sha256 FROM attachment")
        .fetch_all(&mut conn)
        .await
        .context("listing the backup's attachments")?;
    let mut report = FilesReport::default();
    for sha256 in hashes {
        let (Some(a), Some(b)) = (sha256.get(..2), sha256.get(2..4)) else {
            continue;
        };
        let target = dir.join(a).join(b).join(&sha256);
        if target.exists() {
            continue;
        }
        let mut chunks = match store.read(&sha256, None).await {
            Ok(chunks) => chunks,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                report.missing.push(sha256);
                continue;
            }
            Err(e) => return Err(e).context("reading an attachment file"),
        };
        let parent = target.parent().context("no parent")?;
        tokio::fs::create_dir_all(parent).await?;
        let partial = parent.join(format!("{sha256}.partial"));
        let mut file = tokio::fs::File::create(&partial).await?;
        while let Some(chunk) = chunks.try_next().await? {
            report.bytes += chunk.len() as u64;
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        tokio::fs::rename(&partial, &target).await?;
        report.files += 1;
    }
    Ok(report)
}
