//! The settings of files banli receives: attachments and the spreadsheet import (part of
//! [`super::Settings`], flattened: `BANLI_ATTACHMENTS_DIR` and the others are top-level keys
//! like every setting).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where attachment files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// Under `attachments_dir`.
    Local,
    /// In an S3-compatible bucket (`s3_*`).
    S3,
}

/// Where attachments are kept, and how large an upload or an import may be.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct FileSettings {
    /// The directory of the attachment files (`BANLI_ATTACHMENTS_DIR`); unset:
    /// `banli-files/` beside an SQLite database file, or in the working directory. Several
    /// servers on one PostgreSQL database need it on shared storage.
    pub attachments_dir: Option<String>,
    /// `local` (files under `attachments_dir`) or `s3` (an S3-compatible object store; uploads
    /// are still received in `attachments_dir/.staging`) (`BANLI_ATTACHMENTS_STORE`).
    pub attachments_store: StoreKind,
    /// The object store's address, e.g. `https://minio.intranet:9000`
    /// (`BANLI_S3_ENDPOINT`; unset: AWS's for `s3_region`).
    pub s3_endpoint: Option<String>,
    /// The bucket (`BANLI_S3_BUCKET`; required with `s3`).
    pub s3_bucket: Option<String>,
    /// `BANLI_S3_REGION`.
    pub s3_region: String,
    /// Credentials (`BANLI_S3_ACCESS_KEY_ID`, `BANLI_S3_SECRET_ACCESS_KEY`).
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    /// Allow an `http://` endpoint (`BANLI_S3_ALLOW_HTTP`; only on a closed network).
    pub s3_allow_http: bool,
    /// Largest file one upload may carry, in bytes (`BANLI_ATTACHMENT_MAX_BYTES`; 20 MiB).
    pub attachment_max_bytes: u64,
    /// Most files in one request (`BANLI_ATTACHMENT_MAX_FILES`).
    pub attachment_max_files: usize,
    /// Largest multipart request, all parts together, in bytes
    /// (`BANLI_UPLOAD_MAX_REQUEST_BYTES`).
    pub upload_max_request_bytes: u64,
    /// The key of signed download links (`BANLI_DOWNLOAD_LINK_SECRET`, at least 32
    /// characters). Unset: a random key per process, so a link works only on the server that
    /// made it; set the same one on every server behind a load balancer.
    pub download_link_secret: Option<String>,
    /// Seconds a signed download link is good for (`BANLI_DOWNLOAD_LINK_SECS`).
    pub download_link_secs: u32,
    /// Hours a stored file no attachment refers to is kept before housekeeping removes it
    /// (`BANLI_ATTACHMENT_ORPHAN_GRACE_HOURS`): longer than any upload takes to commit.
    pub attachment_orphan_grace_hours: u64,
    /// Largest `.xlsx` file the bulk import accepts, in bytes (`BANLI_IMPORT_MAX_BYTES`; 413
    /// beyond). The template filled with a year's suggestions of a province is well under 1 MiB.
    pub import_max_bytes: usize,
    /// Most suggestions (data rows) one bulk import registers (`BANLI_IMPORT_MAX_ROWS`);
    /// all rows go through one transaction, which holds SQLite's writer while it runs.
    pub import_max_rows: u32,
}

impl Default for FileSettings {
    fn default() -> Self {
        Self {
            attachments_dir: None,
            attachments_store: StoreKind::Local,
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: "us-east-1".to_owned(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: false,
            attachment_max_bytes: 20 * 1024 * 1024,
            attachment_max_files: 5,
            upload_max_request_bytes: 64 * 1024 * 1024,
            download_link_secret: None,
            download_link_secs: 300,
            attachment_orphan_grace_hours: 24,
            import_max_bytes: 5 * 1024 * 1024,
            import_max_rows: 2_000,
        }
    }
}

impl FileSettings {
    /// The attachment directory: as set, else `banli-files/` beside the SQLite database
    /// file of `database_url`, else in the working directory.
    pub fn root(&self, database_url: &str) -> PathBuf {
        if let Some(dir) = self
            .attachments_dir
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            return PathBuf::from(dir);
        }
        let file = database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))
            .map(|f| f.split('?').next().unwrap_or(f))
            .filter(|f| !f.is_empty() && !f.contains(":memory:"));
        match file.and_then(|f| std::path::Path::new(f).parent()) {
            Some(dir) => dir.join("banli-files"),
            None => PathBuf::from("banli-files"),
        }
    }

    /// The object store of `attachments_store = "s3"`; None for local files.
    pub fn object_store(
        &self,
    ) -> anyhow::Result<Option<std::sync::Arc<dyn object_store::ObjectStore>>> {
        if self.attachments_store == StoreKind::Local {
            return Ok(None);
        }
        let Some(bucket) = self.s3_bucket.as_deref().filter(|b| !b.trim().is_empty()) else {
            anyhow::bail!("attachments_store = \"s3\" needs s3_bucket");
        };
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(&self.s3_region)
            .with_allow_http(self.s3_allow_http)
            // Path-style addresses (`endpoint/bucket/key`), which every S3-compatible
            // server understands.
            .with_virtual_hosted_style_request(false);
        if let Some(endpoint) = &self.s3_endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let (Some(id), Some(secret)) = (&self.s3_access_key_id, &self.s3_secret_access_key) {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret);
        }
        Ok(Some(std::sync::Arc::new(builder.build()?)))
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.attachment_max_bytes >= 1024 && self.attachment_max_files >= 1,
            "attachment_max_bytes must be at least 1024 and attachment_max_files at least 1"
        );
        anyhow::ensure!(
            self.upload_max_request_bytes >= self.attachment_max_bytes,
            "upload_max_request_bytes must be at least attachment_max_bytes"
        );
        anyhow::ensure!(
            self.download_link_secret
                .as_ref()
                .is_none_or(|s| s.len() >= 32),
            "download_link_secret must have at least 32 characters"
        );
        anyhow::ensure!(
            self.import_max_rows >= 1 && self.import_max_bytes >= 1024,
            "import_max_rows must be at least 1 and import_max_bytes at least 1024"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own error type
    fn file_settings_are_top_level_keys() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "banli.toml",
                "attachments_dir = \"/srv/banli-files\"\nimport_max_rows = 7\n",
            )?;
            jail.set_env("BANLI_ATTACHMENT_MAX_BYTES", "1048576");
            let settings = super::super::Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                settings.files.attachments_dir.as_deref(),
                Some("/srv/banli-files")
            );
            assert_eq!(settings.files.import_max_rows, 7);
            assert_eq!(settings.files.attachment_max_bytes, 1_048_576);
            assert_eq!(settings.files.attachment_max_files, 5);
            Ok(())
        });
    }

    #[test]
    fn files_sit_beside_an_sqlite_database_unless_set() {
        let files = FileSettings::default();
        let rows = [
            ("sqlite://banli.db", "banli-files"),
            (
                "sqlite:///var/lib/banli/banli.db?mode=rwc",
                "/var/lib/banli/banli-files",
            ),
            ("sqlite::memory:", "banli-files"),
            ("postgres://banli@db/banli", "banli-files"),
        ];
        for (url, expected) in rows {
            assert_eq!(files.root(url), PathBuf::from(expected), "{url}");
        }
        let set = FileSettings {
            attachments_dir: Some("/srv/files".into()),
            ..FileSettings::default()
        };
        assert_eq!(set.root("sqlite://banli.db"), PathBuf::from("/srv/files"));
    }
}
