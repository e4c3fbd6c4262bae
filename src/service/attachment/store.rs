//! Where attachment content lives: addressed by its SHA-256 (`ab/cd/abcd…`) in a directory
//! or an S3-compatible bucket ([`Backend`]), so a file uploaded twice is stored once.
//!
//! An upload streams into a temporary file in `attachments_dir/.staging/`, hashed as it
//! comes; [`FileStore::keep`] makes it durable under its hash (flushed and linked into
//! place, or uploaded to the bucket) before the database transaction that records it
//! commits. A file appears whole or not at all; a crash leaves at most a staging file or an
//! unreferenced file behind, which housekeeping removes.

use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

pub use super::backend::{Backend, Chunks, Kept};

/// The bytes of a file's start that the type check reads.
pub const HEAD_BYTES: usize = 8 * 1024;

const STAGING: &str = ".staging";

/// The attachment files of this deployment.
#[derive(Debug)]
pub struct FileStore {
    staging: PathBuf,
    backend: Backend,
}

impl FileStore {
    /// Opens (and creates) a store of files under `root`.
    pub fn open(root: &Path) -> anyhow::Result<Self> {
        Self::with_backend(root, Backend::Local(root.to_path_buf()))
    }

    /// A store whose staging directory is under `root` and whose files live in `backend`.
    /// Nothing is created on disk until [`FileStore::prepare`] or the first upload (so
    /// commands that never store a file, such as `banli schema`, leave no directory).
    pub fn with_backend(root: &Path, backend: Backend) -> anyhow::Result<Self> {
        Ok(Self {
            staging: root.join(STAGING),
            backend,
        })
    }

    /// Creates the directories the store writes to, so a server that cannot write there
    /// says so at start-up rather than at the first upload.
    pub fn prepare(&self) -> anyhow::Result<()> {
        use anyhow::Context as _;
        std::fs::create_dir_all(&self.staging)
            .with_context(|| format!("creating {}", self.staging.display()))
    }

    /// The store the settings describe.
    pub fn from_settings(
        files: &crate::config::FileSettings,
        database_url: &str,
    ) -> anyhow::Result<Self> {
        let root = files.root(database_url);
        match files.object_store()? {
            Some(store) => Self::with_backend(&root, Backend::Object(store)),
            None => Self::open(&root),
        }
    }

    /// Where uploads are received.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Where the content with this hash lives in a local store (None in a bucket).
    pub fn local_path(&self, sha256: &str) -> Option<PathBuf> {
        self.backend.local_path(sha256)
    }

    /// A new upload, written to a temporary file that disappears unless kept.
    pub async fn stage(&self, filename: &str, limit: u64) -> io::Result<Staging> {
        tokio::fs::create_dir_all(&self.staging).await?;
        let temp = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(&self.staging)?;
        let file = tokio::fs::File::from_std(temp.reopen()?);
        Ok(Staging {
            temp,
            file: tokio::io::BufWriter::with_capacity(64 * 1024, file),
            hasher: Sha256::new(),
            size: 0,
            head: Vec::with_capacity(HEAD_BYTES),
            limit,
            filename: filename.to_owned(),
        })
    }

    /// Makes the staged file durable under its hash (content already there is identical
    /// and is kept as it is).
    pub async fn keep(&self, staged: &StagedFile) -> io::Result<()> {
        self.backend.keep(staged.temp.path(), &staged.sha256).await
    }

    /// The content with this hash in `range` (all of it without one); `NotFound` when it
    /// is missing.
    pub async fn read(&self, sha256: &str, range: Option<Range<u64>>) -> io::Result<Chunks> {
        self.backend.read(sha256, range).await
    }

    /// Whether the content with this hash is kept.
    pub async fn exists(&self, sha256: &str) -> io::Result<bool> {
        self.backend.exists(sha256).await
    }

    /// Removes the content with this hash.
    pub async fn remove(&self, sha256: &str) -> io::Result<()> {
        self.backend.remove(sha256).await
    }

    /// How long ago the content with this hash was written (None when it is not kept).
    pub async fn age(&self, sha256: &str) -> io::Result<Option<std::time::Duration>> {
        self.backend.age(sha256).await
    }

    /// Every kept file.
    pub async fn list(&self) -> io::Result<Vec<Kept>> {
        self.backend.list().await
    }
}

/// A file being received: written, hashed and measured as its chunks arrive.
pub struct Staging {
    temp: tempfile::NamedTempFile,
    file: tokio::io::BufWriter<tokio::fs::File>,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    limit: u64,
    filename: String,
}

/// The file passed the size limit (it is discarded).
#[derive(Debug)]
pub struct TooLarge;

impl Staging {
    /// Appends a chunk; `Err(Ok(TooLarge))` once the file passes its limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), Result<TooLarge, io::Error>> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(Ok(TooLarge));
        }
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await.map_err(Err)
    }

    /// The whole file, received.
    pub async fn finish(mut self, client_type: Option<String>) -> io::Result<StagedFile> {
        self.file.flush().await?;
        Ok(StagedFile {
            temp: self.temp,
            sha256: crate::domain::feedback::hex(&self.hasher.finalize()),
            size: self.size,
            head: self.head,
            filename: self.filename,
            client_type,
        })
    }
}

/// An uploaded file waiting in the staging area (removed when this is dropped).
#[derive(Debug)]
pub struct StagedFile {
    temp: tempfile::NamedTempFile,
    pub sha256: String,
    pub size: u64,
    /// The first bytes, for the type check.
    pub head: Vec<u8>,
    /// The name the client sent (not yet cleaned).
    pub filename: String,
    /// The content type the client claimed (recorded nowhere: the bytes decide).
    pub client_type: Option<String>,
}

impl StagedFile {
    /// The staged file, for reading.
    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    /// A handle on the staged content (what async-graphql's `Upload` hands a resolver).
    pub fn reopen(&self) -> io::Result<std::fs::File> {
        self.temp.reopen()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_kept_file_lives_under_its_hash_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        let mut kept = Vec::new();
        for _ in 0..2 {
            let mut staging = store.stage("答复函.pdf", 100).await.unwrap();
            staging.write(b"%PDF-1.7 ").await.unwrap();
            staging.write(b"hello").await.unwrap();
            let staged = staging.finish(None).await.unwrap();
            assert_eq!(staged.size, 14);
            assert_eq!(
                staged.sha256,
                crate::domain::feedback::hex(&Sha256::digest(b"%PDF-1.7 hello"))
            );
            store.keep(&staged).await.unwrap();
            kept.push(staged.sha256.clone());
        }
        assert_eq!(kept[0], kept[1]);
        let path = store.local_path(&kept[0]).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.7 hello");
        assert!(path.starts_with(dir.path().join(&kept[0][..2]).join(&kept[0][2..4])));
        // The staging files went with their uploads.
        assert_eq!(
            std::fs::read_dir(dir.path().join(STAGING)).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn a_file_past_its_limit_is_cut_off_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        let mut staging = store.stage("big.pdf", 10).await.unwrap();
        staging.write(&[0; 10]).await.unwrap();
        assert!(matches!(staging.write(&[0]).await, Err(Ok(TooLarge))));
        drop(staging);
        assert_eq!(
            std::fs::read_dir(dir.path().join(STAGING)).unwrap().count(),
            0
        );
    }
}
