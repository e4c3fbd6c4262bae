//! The type of a staged file, from its bytes: the first bytes, and for a ZIP or an OLE
//! compound file the names inside it (read from its directory, never unpacked).

use std::path::PathBuf;

use super::store::StagedFile;
use crate::domain::attachment::{self as rules, Container, FileType, Sniffed};
use crate::service::ServiceResult;

const FIELD: [&str; 2] = ["input", "file"];

/// The accepted type of the staged file, or INVALID at `input.file`.
pub async fn detect(staged: &StagedFile) -> ServiceResult<FileType> {
    let container = match rules::sniff(&staged.head) {
        Sniffed::Type(found) => return Ok(found),
        Sniffed::Refused { detected } => return Err(rules::refused(&FIELD, detected).into()),
        Sniffed::Container(container) => container,
    };
    let path = staged.path().to_path_buf();
    let entries = tokio::task::spawn_blocking(move || entries(container, path))
        .await
        .map_err(|e| anyhow::anyhow!("inspecting an upload: {e}"))?;
    rules::container_type(container, &entries)
        .ok_or_else(|| rules::refused(&FIELD, Some(kind_name(container))).into())
}

fn kind_name(container: Container) -> &'static str {
    match container {
        Container::Zip => "application/zip",
        Container::Compound => "application/x-ole-storage",
    }
}

/// The names inside the container; none when it cannot be read (then it is refused).
fn entries(container: Container, path: PathBuf) -> Vec<String> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    match container {
        Container::Zip => zip::ZipArchive::new(file)
            .map(|archive| {
                archive
                    .file_names()
                    .filter_map(|n| n.ok().map(|n| n.into_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        Container::Compound => cfb::CompoundFile::open(file)
            .map(|cfb| {
                cfb.read_root_storage()
                    .map(|entry| entry.name().to_owned())
                    .collect()
            })
            .unwrap_or_default(),
    }
}
