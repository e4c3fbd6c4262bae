//! Housekeeping of the attachment store: files no row refers to (an attachment deleted,
//! an upload whose transaction never committed) are removed once they are older than a
//! grace period; staging files left by uploads cut off by a crash go after an hour; rows
//! whose file is missing are reported (they answer 500 on download until restored from
//! a backup).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use entity::attachment;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::store::FileStore;
use crate::db::Db;
use crate::service::{DbContext, ServiceResult};

/// Staging files older than this belong to no upload in progress.
const STAGING_GRACE: Duration = Duration::from_secs(3600);

/// What one sweep did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Stored files no attachment refers to, removed.
    pub files_removed: u64,
    /// Leftovers of uploads cut off, removed.
    pub staging_removed: u64,
    /// Attachments whose file is not in the store.
    pub missing: Vec<i64>,
}

/// The staging files and their ages (blocking).
fn staging_files(dir: &std::path::Path) -> std::io::Result<Vec<(PathBuf, Duration)>> {
    let mut found = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // No upload yet: nothing staged.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e),
    };
    for file in entries.flatten() {
        found.push((file.path(), super::backend::age_of(&file.metadata()?)));
    }
    Ok(found)
}

/// The hashes among `hashes` that some attachment refers to.
async fn referenced(db: &Db, hashes: &[String]) -> ServiceResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in hashes.chunks(500) {
        let rows: Vec<String> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::Sha256)
            .filter(attachment::Column::Sha256.is_in(chunk.iter().cloned()))
            .distinct()
            .into_tuple()
            .all(db.conn())
            .await
            .during("finding referenced attachment files")?;
        found.extend(rows);
    }
    Ok(found)
}

/// Attachments whose file is not in the store, read in pages of 1,000 rows.
async fn missing_files(db: &Db, store: &FileStore) -> ServiceResult<Vec<i64>> {
    let mut missing = Vec::new();
    let mut after = 0i64;
    loop {
        let page: Vec<(i64, String)> = attachment::Entity::find()
            .select_only()
            .column(attachment::Column::Id)
            .column(attachment::Column::Sha256)
            .filter(attachment::Column::Id.gt(after))
            .order_by_asc(attachment::Column::Id)
            .limit(1_000)
            .into_tuple()
            .all(db.conn())
            .await
            .during("listing attachments")?;
        let Some((last, _)) = page.last() else {
            return Ok(missing);
        };
        after = *last;
        for (id, sha256) in page {
            let there = store
                .exists(&sha256)
                .await
                .map_err(|e| anyhow::Error::new(e).context("checking an attachment's file"))?;
            if !there {
                missing.push(id);
            }
        }
    }
}

/// One sweep: unreferenced files older than `grace` removed, staging leftovers removed,
/// rows without their file reported.
pub async fn sweep(db: &Db, store: &FileStore, grace: Duration) -> ServiceResult<SweepReport> {
    let dir = store.staging().to_path_buf();
    let staging = tokio::task::spawn_blocking(move || staging_files(&dir))
        .await
        .map_err(|e| anyhow::anyhow!("reading the staging directory: {e}"))?
        .map_err(|e| anyhow::Error::new(e).context("reading the staging directory"))?;
    let mut report = SweepReport::default();
    for (path, age) in staging {
        if age >= STAGING_GRACE.min(grace) && std::fs::remove_file(&path).is_ok() {
            report.staging_removed += 1;
        }
    }
    let stored = store
        .list()
        .await
        .map_err(|e| anyhow::Error::new(e).context("listing the attachment store"))?;
    let hashes: Vec<String> = stored
        .into_iter()
        .filter(|kept| kept.age >= grace)
        .map(|kept| kept.sha256)
        .collect();
    let kept = referenced(db, &hashes).await?;
    for sha256 in hashes.iter().filter(|h| !kept.contains(*h)) {
        // Asked again just before: an upload of the same content since the listing marked
        // it new, and its row is about to refer to it.
        let still_old = store
            .age(sha256)
            .await
            .ok()
            .flatten()
            .is_some_and(|age| age >= grace);
        if still_old && store.remove(sha256).await.is_ok() {
            report.files_removed += 1;
        }
    }
    report.missing = missing_files(db, store).await?;
    if !report.missing.is_empty() {
        tracing::warn!(
            count = report.missing.len(),
            first = ?&report.missing[..report.missing.len().min(20)],
            "attachments whose file is missing from the store (restore them from a backup)"
        );
    }
    Ok(report)
}
