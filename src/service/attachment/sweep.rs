//! Housekeeping of the attachment store: files no row refers to (an attachment deleted,
//! an upload whose transaction never committed) are removed once they are older than a
//! grace period; staging files left by uploads cut off by a crash go after an hour; rows
//! whose file is missing are reported (they answer 500 on download until restored from
//! a backup).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

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

/// A stored file: its hash (its name), path and age.
struct Stored {
    sha256: String,
    path: PathBuf,
    age: Duration,
}

fn age_of(meta: &std::fs::Metadata) -> Duration {
    meta.modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or_default()
}

/// A staging file and its age.
type Staged = (PathBuf, Duration);

/// Every stored file, and the staging files, under the store (blocking).
fn walk(store_root: PathBuf) -> std::io::Result<(Vec<Stored>, Vec<Staged>)> {
    let mut stored = Vec::new();
    let mut staging = Vec::new();
    for entry in std::fs::read_dir(&store_root)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".staging" {
            for file in std::fs::read_dir(entry.path())?.flatten() {
                let meta = file.metadata()?;
                staging.push((file.path(), age_of(&meta)));
            }
            continue;
        }
        if !entry.file_type()?.is_dir() {
            continue;
        }
        for sub in std::fs::read_dir(entry.path())?.flatten() {
            if !sub.file_type()?.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(sub.path())?.flatten() {
                let meta = file.metadata()?;
                let sha256 = file.file_name().to_string_lossy().into_owned();
                if meta.is_file() && sha256.len() == 64 {
                    stored.push(Stored {
                        sha256,
                        path: file.path(),
                        age: age_of(&meta),
                    });
                }
            }
        }
    }
    Ok((stored, staging))
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
            if !store.path_of(&sha256).is_file() {
                missing.push(id);
            }
        }
    }
}

/// One sweep: unreferenced files older than `grace` removed, staging leftovers removed,
/// rows without their file reported.
pub async fn sweep(db: &Db, store: &FileStore, grace: Duration) -> ServiceResult<SweepReport> {
    let root = store.root().to_path_buf();
    let (stored, staging) = tokio::task::spawn_blocking(move || walk(root))
        .await
        .map_err(|e| anyhow::anyhow!("walking the attachment store: {e}"))?
        .map_err(|e| anyhow::Error::new(e).context("walking the attachment store"))?;
    let mut report = SweepReport::default();
    for (path, age) in staging {
        if age >= STAGING_GRACE.min(grace) && std::fs::remove_file(&path).is_ok() {
            report.staging_removed += 1;
        }
    }
    let old: Vec<&Stored> = stored.iter().filter(|s| s.age >= grace).collect();
    let hashes: Vec<String> = old.iter().map(|s| s.sha256.clone()).collect();
    let kept = referenced(db, &hashes).await?;
    for file in old {
        if !kept.contains(&file.sha256) && std::fs::remove_file(&file.path).is_ok() {
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
