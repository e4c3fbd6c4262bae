//! Where kept files live: a directory (`attachments_dir`, shared storage for several
//! servers), or an S3-compatible object store (MinIO, Ceph, a cloud's OSS) through the
//! `object_store` crate. Both address a file by its SHA-256 (`ab/cd/abcd…`); staging is
//! always a local directory, so an upload is received, hashed and checked before it goes
//! anywhere.

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt as _, TryStreamExt as _};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

/// A kept file's bytes, as they are read.
pub type Chunks = BoxStream<'static, io::Result<Bytes>>;

/// The backend of a [`super::store::FileStore`].
#[derive(Debug)]
pub enum Backend {
    /// Files under a directory.
    Local(PathBuf),
    /// Objects in a bucket.
    Object(Arc<dyn ObjectStore>),
}

/// A kept file and how long ago it was written.
pub struct Kept {
    pub sha256: String,
    pub age: Duration,
}

/// `ab/cd/<sha256>`: a file's place under the root or in the bucket.
fn relative(sha256: &str) -> String {
    let a = sha256.get(..2).unwrap_or("_");
    let b = sha256.get(2..4).unwrap_or("_");
    format!("{a}/{b}/{sha256}")
}

fn object_error(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        e => io::Error::other(e),
    }
}

impl Backend {
    /// Where a file lives in a local backend (None for an object store).
    pub fn local_path(&self, sha256: &str) -> Option<PathBuf> {
        match self {
            Backend::Local(root) => Some(root.join(relative(sha256))),
            Backend::Object(_) => None,
        }
    }

    /// Keeps the staged file at `source` as `sha256`. Content already there is identical:
    /// it is kept, and marked new again, so that housekeeping (which removes only files
    /// older than its grace that no row refers to) leaves it to the row about to refer to it.
    pub async fn keep(&self, source: &Path, sha256: &str) -> io::Result<()> {
        match self {
            Backend::Local(root) => {
                let (source, target) = (source.to_path_buf(), root.join(relative(sha256)));
                tokio::task::spawn_blocking(move || keep_local(&source, &target))
                    .await
                    .map_err(io::Error::other)?
            }
            Backend::Object(store) => {
                // Written again even when it is there (which marks it new), streamed in parts of 5 MiB (S3's smallest), never the whole file in memory.
                let mut file = tokio::fs::File::open(source).await?;
                let mut writer = object_store::buffered::BufWriter::with_capacity(
                    Arc::clone(store),
                    ObjectPath::from(relative(sha256)),
                    5 * 1024 * 1024,
                );
                tokio::io::copy(&mut file, &mut writer).await?;
                writer.shutdown().await
            }
        }
    }

    /// The bytes of `sha256` in `range` (the whole file without one), read in chunks.
    pub async fn read(&self, sha256: &str, range: Option<Range<u64>>) -> io::Result<Chunks> {
        match self {
            Backend::Local(root) => {
                let mut file = tokio::fs::File::open(root.join(relative(sha256))).await?;
                let length = match &range {
                    Some(r) => {
                        file.seek(io::SeekFrom::Start(r.start)).await?;
                        r.end - r.start
                    }
                    None => file.metadata().await?.len(),
                };
                let stream =
                    tokio_util::io::ReaderStream::with_capacity(file.take(length), 64 * 1024);
                Ok(stream.boxed())
            }
            Backend::Object(store) => {
                let options = GetOptions {
                    range: range.map(GetRange::Bounded),
                    ..GetOptions::default()
                };
                let found = store
                    .get_opts(&ObjectPath::from(relative(sha256)), options)
                    .await
                    .map_err(object_error)?;
                Ok(found.into_stream().map_err(object_error).boxed())
            }
        }
    }

    /// How long ago `sha256` was written (None when it is not kept).
    pub async fn age(&self, sha256: &str) -> io::Result<Option<Duration>> {
        match self {
            Backend::Local(root) => match tokio::fs::metadata(root.join(relative(sha256))).await {
                Ok(meta) => Ok(Some(age_of(&meta))),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Backend::Object(store) => match store.head(&ObjectPath::from(relative(sha256))).await {
                Ok(meta) => Ok(Some(
                    (chrono::Utc::now() - meta.last_modified)
                        .to_std()
                        .unwrap_or_default(),
                )),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(object_error(e)),
            },
        }
    }

    /// Whether `sha256` is kept.
    pub async fn exists(&self, sha256: &str) -> io::Result<bool> {
        match self {
            Backend::Local(root) => Ok(root.join(relative(sha256)).is_file()),
            Backend::Object(store) => match store.head(&ObjectPath::from(relative(sha256))).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(object_error(e)),
            },
        }
    }

    /// Removes `sha256` (gone already is fine).
    pub async fn remove(&self, sha256: &str) -> io::Result<()> {
        match self {
            Backend::Local(root) => match tokio::fs::remove_file(root.join(relative(sha256))).await
            {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            Backend::Object(store) => match store.delete(&ObjectPath::from(relative(sha256))).await
            {
                Err(e) if !matches!(e, object_store::Error::NotFound { .. }) => {
                    Err(object_error(e))
                }
                _ => Ok(()),
            },
        }
    }

    /// Every kept file.
    pub async fn list(&self) -> io::Result<Vec<Kept>> {
        match self {
            Backend::Local(root) => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || list_local(&root))
                    .await
                    .map_err(io::Error::other)?
            }
            Backend::Object(store) => {
                let now = chrono::Utc::now();
                let found: Vec<object_store::ObjectMeta> =
                    store.list(None).try_collect().await.map_err(object_error)?;
                Ok(found
                    .into_iter()
                    .filter_map(|meta| {
                        let sha256 = meta.location.filename()?.to_owned();
                        let age = (now - meta.last_modified).to_std().unwrap_or_default();
                        (sha256.len() == 64).then_some(Kept { sha256, age })
                    })
                    .collect())
            }
        }
    }
}

fn keep_local(source: &Path, target: &Path) -> io::Result<()> {
    if target.exists() {
        return std::fs::File::options()
            .write(true)
            .open(target)?
            .set_modified(SystemTime::now());
    }
    std::fs::File::open(source)?.sync_all()?;
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("no parent"))?;
    std::fs::create_dir_all(dir)?;
    match std::fs::hard_link(source, target) {
        Ok(()) => {}
        // Another upload of the same content got there first.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e),
    }
    // The new directory entry itself, so the link survives a crash.
    std::fs::File::open(dir)?.sync_all()
}

pub(super) fn age_of(meta: &std::fs::Metadata) -> Duration {
    meta.modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or_default()
}

/// The files of a local root (`ab/cd/<sha256>`; the staging directory aside).
fn list_local(root: &Path) -> io::Result<Vec<Kept>> {
    let mut kept = Vec::new();
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        // Nothing kept yet.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(kept),
        Err(e) => return Err(e),
    };
    for entry in entries.flatten() {
        if entry.file_name() == ".staging" || !entry.file_type()?.is_dir() {
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
                    kept.push(Kept {
                        sha256,
                        age: age_of(&meta),
                    });
                }
            }
        }
    }
    Ok(kept)
}
