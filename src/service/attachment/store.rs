//! Where attachment content lives: files under `attachments_dir`, addressed by their
//! SHA-256 (`ab/cd/abcd…`), so a file uploaded twice is stored once.
//!
//! An upload streams into a temporary file in `.staging/` (the same file system), hashed
//! as it comes; [`FileStore::keep`] flushes it to disk and links it into place under its
//! hash before the database transaction that records it commits. A file appears whole or
//! not at all; a crash leaves at most a staging file or an unreferenced file behind, which
//! housekeeping removes.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// The bytes of a file's start that the type check reads.
pub const HEAD_BYTES: usize = 8 * 1024;

const STAGING: &str = ".staging";

/// The attachment files of this deployment.
#[derive(Debug)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    /// Opens (and creates) the store at `root`.
    pub fn open(root: &Path) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        std::fs::create_dir_all(root.join(STAGING))
            .with_context(|| format!("creating attachments_dir {}", root.display()))?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the content with this hash lives (whether or not it is there).
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let a = sha256.get(..2).unwrap_or("_");
        let b = sha256.get(2..4).unwrap_or("_");
        self.root.join(a).join(b).join(sha256)
    }

    /// A new upload, written to a temporary file that disappears unless kept.
    pub async fn stage(&self, filename: &str, limit: u64) -> io::Result<Staging> {
        let temp = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(self.root.join(STAGING))?;
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

    /// Makes the staged file durable under its hash: flushed to disk, then linked into
    /// place (content already there is identical and is kept as it is).
    pub async fn keep(&self, staged: &StagedFile) -> io::Result<()> {
        let target = self.path_of(&staged.sha256);
        let source = staged.temp.path().to_path_buf();
        tokio::task::spawn_blocking(move || keep_blocking(&source, &target))
            .await
            .map_err(io::Error::other)?
    }

    /// The content with this hash, for reading; `NotFound` when it is missing.
    pub async fn open_read(&self, sha256: &str) -> io::Result<tokio::fs::File> {
        tokio::fs::File::open(self.path_of(sha256)).await
    }
}

fn keep_blocking(source: &Path, target: &Path) -> io::Result<()> {
    if target.exists() {
        return Ok(());
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
        let path = store.path_of(&kept[0]);
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
