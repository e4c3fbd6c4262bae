//! Anchors for the audit log's hash chain, kept where someone with only database access
//! cannot rewrite them.
//!
//! The chain alone (`service::audit`) shows a row edited or deleted in the middle. It cannot
//! show two other things. Rows cut off the end leave a shorter chain that is still valid. And
//! someone who edits a row and recomputes every hash after it leaves a valid chain too. Two
//! anchors close those gaps:
//!
//! - **A key** ([`AuditKey`], from `audit_key_file`). With a key, each new row's hash is an
//!   HMAC-SHA256 of its canonical bytes. A valid chain then cannot be recomputed without the
//!   key, and the key is not in the database. Rows written before a key was set keep their
//!   plain SHA-256. `verify` accepts those only before the first keyed row: a plain hash after
//!   a keyed one is a row forged or recomputed without the key.
//! - **Checkpoints** ([`write_checkpoint`], in `audit_checkpoint_file`). The server appends
//!   the head of the log to this file at intervals: the last row's id, its hash and the row
//!   count. With a key, each line is signed with an HMAC too. `verify` reads every line and
//!   checks that each named row still exists with that hash. A cut tail, a recomputed chain
//!   or a deleted log fails this check. Every checkpoint is also written to the server's log,
//!   which log shipping keeps elsewhere.
//!
//! What remains undetectable is documented in SECURITY.md:
//! - rows cut off after the last checkpoint, when no key is set;
//! - anything done by someone who holds the key file as well as the database.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The secret that keys the audit log's hashes and signs its checkpoints.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

/// The shortest key accepted, in bytes (after trimming the file's whitespace).
pub const MIN_KEY_BYTES: usize = 32;

impl AuditKey {
    /// The key in `path`: its contents, whitespace trimmed, at least [`MIN_KEY_BYTES`]
    /// (e.g. `head -c 48 /dev/urandom | base64 > audit.key`).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the audit key file {}", path.display()))?;
        Self::from_bytes(bytes.trim_ascii())
            .with_context(|| format!("the audit key file {}", path.display()))
    }

    pub fn from_bytes(bytes: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(
            bytes.len() >= MIN_KEY_BYTES,
            "an audit key needs at least {MIN_KEY_BYTES} bytes, got {}",
            bytes.len()
        );
        Ok(Self(bytes.to_vec()))
    }

    /// HMAC-SHA256 of `message`, lower-case hex.
    pub fn mac(&self, message: &[u8]) -> String {
        // HMAC takes a key of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(message);
        hex(&mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// One line of the checkpoint file: the log's head at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub written_at: DateTime<Utc>,
    /// Rows in the log (all of them, from the first).
    pub rows: u64,
    /// The last row's id and hash.
    pub last_id: i64,
    pub head: String,
    /// HMAC of the fields above with the audit key; `None` when no key is set.
    pub mac: Option<String>,
}

impl Checkpoint {
    fn signed_bytes(&self) -> Vec<u8> {
        format!(
            "banli-audit-checkpoint/v1\n{}\n{}\n{}\n{}",
            self.written_at.to_rfc3339(),
            self.rows,
            self.last_id,
            self.head
        )
        .into_bytes()
    }

    /// `self` signed with `key` (or unsigned without one).
    #[must_use]
    pub fn signed(mut self, key: Option<&AuditKey>) -> Self {
        self.mac = key.map(|key| key.mac(&self.signed_bytes()));
        self
    }

    /// Whether the signature holds (`Err` says why not). Unsigned lines pass only when no
    /// key is set: with a key, an unsigned line may have been written by anyone.
    pub fn check_signature(&self, key: Option<&AuditKey>) -> Result<(), String> {
        match (key, &self.mac) {
            (None, _) => Ok(()),
            (Some(key), Some(mac)) if key.mac(&self.signed_bytes()) == *mac => Ok(()),
            (Some(_), Some(_)) => Err("its signature does not match the audit key".to_owned()),
            (Some(_), None) => Err("it is not signed, but an audit key is set".to_owned()),
        }
    }
}

/// Appends `checkpoint` to the file at `path` (created if missing) and makes it durable.
pub fn append_checkpoint(path: &Path, checkpoint: &Checkpoint) -> anyhow::Result<()> {
    let mut line = serde_json::to_string(checkpoint).context("encoding a checkpoint")?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the audit checkpoint file {}", path.display()))?;
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing the audit checkpoint file {}", path.display()))
}

/// Every checkpoint in the file at `path`, oldest first; `Ok(None)` when there is no file.
pub fn read_checkpoints(path: &Path) -> anyhow::Result<Option<Vec<Checkpoint>>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(error)
                .with_context(|| format!("reading the audit checkpoint file {}", path.display()))
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).with_context(|| {
                format!(
                    "line {} of the audit checkpoint file {}",
                    i + 1,
                    path.display()
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map(Some)
}

/// Where anchors are kept: the key, and the checkpoint file.
#[derive(Debug, Clone, Default)]
pub struct Anchors {
    pub key: Option<AuditKey>,
    pub checkpoint_file: Option<PathBuf>,
}

impl Anchors {
    /// From the settings: the key file is read now (a missing or short key stops start-up).
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        let key = settings
            .audit_key_file
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(|p| AuditKey::load(Path::new(p)))
            .transpose()?;
        Ok(Self {
            key,
            checkpoint_file: settings.audit_checkpoint_path(),
        })
    }
}

/// Writes a checkpoint of the log's head to the checkpoint file and to the server's log,
/// unless the log has not grown since `last` (what the previous call wrote). Returns the
/// checkpoint written, if any.
pub async fn write_checkpoint(
    db: &crate::db::Db,
    anchors: &Anchors,
    last: Option<&Checkpoint>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Checkpoint>> {
    let Some(path) = &anchors.checkpoint_file else {
        return Ok(None);
    };
    let Some((rows, last_id, head)) = super::head(db).await? else {
        return Ok(None);
    };
    if last.is_some_and(|c| c.last_id == last_id && c.head == head) {
        return Ok(None);
    }
    let checkpoint = Checkpoint {
        written_at: now,
        rows,
        last_id,
        head,
        mac: None,
    }
    .signed(anchors.key.as_ref());
    let (path, line) = (path.clone(), checkpoint.clone());
    tokio::task::spawn_blocking(move || append_checkpoint(&path, &line))
        .await
        .context("writing a checkpoint")??;
    tracing::info!(
        rows = checkpoint.rows,
        last_id = checkpoint.last_id,
        head = %checkpoint.head,
        mac = checkpoint.mac.as_deref().unwrap_or(""),
        "audit log checkpoint"
    );
    Ok(Some(checkpoint))
}

/// Writes a checkpoint every `period` (when the log grew) until the task is aborted; `None`
/// when checkpoints are off (no file, or a zero period).
pub fn spawn(
    db: crate::db::Db,
    anchors: Anchors,
    clock: std::sync::Arc<dyn crate::domain::time::Clock>,
    period: std::time::Duration,
) -> Option<tokio::task::JoinHandle<()>> {
    if period.is_zero() || anchors.checkpoint_file.is_none() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last: Option<Checkpoint> = None;
        loop {
            ticks.tick().await;
            match write_checkpoint(&db, &anchors, last.as_ref(), clock.now()).await {
                Ok(Some(written)) => last = Some(written),
                Ok(None) => {}
                Err(error) => tracing::error!(
                    ?error,
                    "writing an audit checkpoint failed; retrying next period"
                ),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_are_signed_and_checked() {
        let key = AuditKey::from_bytes(&[7u8; 32]).unwrap();
        let other = AuditKey::from_bytes(&[8u8; 32]).unwrap();
        let checkpoint = Checkpoint {
            written_at: DateTime::<Utc>::UNIX_EPOCH,
            rows: 3,
            last_id: 3,
            head: "ab".repeat(32),
            mac: None,
        };
        let signed = checkpoint.clone().signed(Some(&key));
        assert!(signed.check_signature(Some(&key)).is_ok());
        assert!(signed.check_signature(Some(&other)).is_err());
        assert!(
            checkpoint.check_signature(Some(&key)).is_err(),
            "unsigned with a key"
        );
        assert!(checkpoint.check_signature(None).is_ok());
        let moved = Checkpoint {
            rows: 2,
            ..signed.clone()
        };
        assert!(moved.check_signature(Some(&key)).is_err(), "a changed line");
        assert!(AuditKey::from_bytes(b"short").is_err());
        assert_eq!(format!("{key:?}"), "AuditKey(***)");
    }
}
