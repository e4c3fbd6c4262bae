//! Attachments (附件): which kinds a record takes, which file types are accepted (judged by
//! their bytes, never by their name or the client's word), and the names files keep.
//!
//! Accepted: PDF, OFD (GB/T 33190: a ZIP with `OFD.xml` at its root), JPEG, PNG, DOC,
//! DOCX, XLS, XLSX. Anything else (HTML, SVG, scripts, executables, other archives) is
//! refused, whatever it is called.

use entity::enums::{AttachmentKind, AttachmentOwner};

use super::UserError;

/// A file type banli accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Ofd,
    Jpeg,
    Png,
    Doc,
    Docx,
    Xls,
    Xlsx,
}

impl FileType {
    /// The media type a download is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Ofd => "application/ofd",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Doc => "application/msword",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xls => "application/vnd.ms-excel",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file name extensions of the type; the first is the one a download gets.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Pdf => &["pdf"],
            Self::Ofd => &["ofd"],
            Self::Jpeg => &["jpg", "jpeg"],
            Self::Png => &["png"],
            Self::Doc => &["doc"],
            Self::Docx => &["docx"],
            Self::Xls => &["xls"],
            Self::Xlsx => &["xlsx"],
        }
    }
}

/// The types in words, for the message that refuses a file.
pub const ALLOWED_TYPES: &str = "PDF、OFD、JPEG、PNG、DOC、DOCX、XLS、XLSX";

/// The container a file's first bytes announce, when its type depends on what is inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A ZIP archive (OFD, DOCX, XLSX): judged by its entry names.
    Zip,
    /// An OLE compound file (DOC, XLS): judged by its stream names.
    Compound,
}

/// What the first bytes say: a type, a container to look inside, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Type(FileType),
    Container(Container),
    /// Not an accepted type; `detected` names it when the bytes are recognised.
    Refused {
        detected: Option<&'static str>,
    },
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const COMPOUND_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Judges a file by its first bytes (a few KiB are enough).
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(ZIP_MAGIC) {
        return Sniffed::Container(Container::Zip);
    }
    if head.starts_with(COMPOUND_MAGIC) {
        return Sniffed::Container(Container::Compound);
    }
    match infer::get(head) {
        Some(t) if t.mime_type() == "application/pdf" => Sniffed::Type(FileType::Pdf),
        Some(t) if t.mime_type() == "image/jpeg" => Sniffed::Type(FileType::Jpeg),
        Some(t) if t.mime_type() == "image/png" => Sniffed::Type(FileType::Png),
        Some(t) => Sniffed::Refused {
            detected: Some(t.mime_type()),
        },
        None => Sniffed::Refused { detected: None },
    }
}

/// The type of a container, from the names of its entries (a ZIP's files, a compound
/// file's streams at its root).
pub fn container_type(container: Container, entries: &[String]) -> Option<FileType> {
    let has = |name: &str| entries.iter().any(|e| e == name);
    match container {
        // OFD: `OFD.xml` at the root is the document's entry point (GB/T 33190 §7.3).
        Container::Zip if has("OFD.xml") => Some(FileType::Ofd),
        Container::Zip if has("word/document.xml") => Some(FileType::Docx),
        Container::Zip if has("xl/workbook.xml") => Some(FileType::Xlsx),
        Container::Compound if has("WordDocument") => Some(FileType::Doc),
        Container::Compound if has("Workbook") || has("Book") => Some(FileType::Xls),
        _ => None,
    }
}

/// INVALID at `field`: the file is not of an accepted type.
pub fn refused(field: &[&str], detected: Option<&str>) -> UserError {
    let seen = detected
        .map(|d| format!("（检测到 {d}）"))
        .unwrap_or_default();
    UserError::invalid(
        field,
        format!(
            "不支持的文件类型{seen}，仅接受 {ALLOWED_TYPES} (file type not accepted; allowed: \
             PDF, OFD, JPEG, PNG, DOC, DOCX, XLS, XLSX)"
        ),
    )
}

/// The kinds of attachment a record of `owner` takes.
pub fn kinds_for(owner: AttachmentOwner) -> &'static [AttachmentKind] {
    use AttachmentKind as K;
    match owner {
        AttachmentOwner::Suggestion => &[K::SuggestionOriginal, K::Supporting],
        AttachmentOwner::Reply => &[K::ReplyLetter, K::ReplyLetterForPublication, K::Supporting],
        AttachmentOwner::ContactRecord => &[K::ContactEvidence, K::Supporting],
        AttachmentOwner::CoOpinion => &[K::CoOpinionLetter, K::Supporting],
        // The letter of the reply being prepared (submitReply takes it along).
        AttachmentOwner::Assignment => &[K::ReplyLetter, K::ReplyLetterForPublication],
    }
}

/// INVALID at `field` unless `kind` belongs on a record of `owner`.
pub fn check_kind(
    owner: AttachmentOwner,
    kind: AttachmentKind,
    field: &[&str],
) -> Result<(), UserError> {
    if kinds_for(owner).contains(&kind) {
        return Ok(());
    }
    Err(UserError::invalid(
        field,
        format!("该记录不能添加此类附件 ({kind:?} does not belong on a {owner:?})"),
    ))
}

/// Longest file name kept, in characters.
const NAME_MAX: usize = 120;

/// The name a file keeps: its last path segment, without control characters or the
/// characters Windows forbids, at most 120 characters (the extension kept), "附件" when
/// nothing is left. Never used as a path.
pub fn clean_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        .collect();
    let cleaned = cleaned.trim().trim_matches('.').trim();
    if cleaned.is_empty() {
        return "附件".to_owned();
    }
    if cleaned.chars().count() <= NAME_MAX {
        return cleaned.to_owned();
    }
    let (stem, ext) = split_extension(cleaned);
    let ext = ext.filter(|e| e.chars().count() <= 10);
    let keep = NAME_MAX - ext.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(keep).collect();
    match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem,
    }
}

fn split_extension(name: &str) -> (&str, Option<&str>) {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => (stem, Some(ext)),
        _ => (name, None),
    }
}

/// The name a download is offered under: the kept name, with the extension of the type
/// the bytes have (`照片.pdf` holding a PNG is offered as `照片.png`).
pub fn download_name(filename: &str, file_type: FileType) -> String {
    let (stem, ext) = split_extension(filename);
    let fits = ext.is_some_and(|e| {
        file_type
            .extensions()
            .iter()
            .any(|x| x.eq_ignore_ascii_case(e))
    });
    if fits {
        return filename.to_owned();
    }
    format!("{stem}.{}", file_type.extensions()[0])
}

/// The accepted type a stored media type names.
pub fn type_of(media_type: &str) -> Option<FileType> {
    use FileType::*;
    [Pdf, Ofd, Jpeg, Png, Doc, Docx, Xls, Xlsx]
        .into_iter()
        .find(|t| t.media_type() == media_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png() -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bytes.extend_from_slice(&[0; 32]);
        bytes
    }

    #[test]
    fn files_are_judged_by_their_bytes() {
        let refused = None;
        let rows: Vec<(&[u8], Option<Sniffed>)> = vec![
            (
                b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
                Some(Sniffed::Type(FileType::Pdf)),
            ),
            (
                b"\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01",
                Some(Sniffed::Type(FileType::Jpeg)),
            ),
            (
                b"PK\x03\x04\x14\0\0\0\x08\0",
                Some(Sniffed::Container(Container::Zip)),
            ),
            (
                COMPOUND_MAGIC,
                Some(Sniffed::Container(Container::Compound)),
            ),
            (b"<!DOCTYPE html><html><script>alert(1)</script>", refused),
            (
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
                refused,
            ),
            (b"#!/bin/sh\nrm -rf /\n", refused),
            (b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0", refused),
            (b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0", refused),
            (b"GIF89a\x01\0\x01\0", refused),
            (b"Rar!\x1a\x07\x01\0", refused),
            (b"plain text that claims nothing", refused),
            (b"", refused),
        ];
        for (bytes, expected) in rows {
            let found = sniff(bytes);
            match expected {
                Some(expected) => assert_eq!(found, expected),
                None => assert!(
                    matches!(found, Sniffed::Refused { .. }),
                    "{:?}: {found:?}",
                    String::from_utf8_lossy(bytes)
                ),
            }
        }
        assert_eq!(sniff(&png()), Sniffed::Type(FileType::Png));
        // What infer recognises is named in the refusal.
        assert_eq!(
            sniff(b"GIF89a\x01\0\x01\0"),
            Sniffed::Refused {
                detected: Some("image/gif")
            }
        );
    }

    #[test]
    fn containers_are_judged_by_their_entries() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let rows = [
            (
                Container::Zip,
                names(&["OFD.xml", "Doc_0/Document.xml"]),
                Some(FileType::Ofd),
            ),
            (
                Container::Zip,
                names(&["[Content_Types].xml", "word/document.xml"]),
                Some(FileType::Docx),
            ),
            (
                Container::Zip,
                names(&["xl/workbook.xml", "xl/worksheets/sheet1.xml"]),
                Some(FileType::Xlsx),
            ),
            // OFD.xml must sit at the root; any other ZIP is refused.
            (Container::Zip, names(&["sub/OFD.xml"]), None),
            (Container::Zip, names(&["index.html", "app.js"]), None),
            (
                Container::Compound,
                names(&["WordDocument", "1Table"]),
                Some(FileType::Doc),
            ),
            (
                Container::Compound,
                names(&["Workbook"]),
                Some(FileType::Xls),
            ),
            (Container::Compound, names(&["Book"]), Some(FileType::Xls)),
            (Container::Compound, names(&["PowerPoint Document"]), None),
        ];
        for (container, entries, expected) in rows {
            assert_eq!(container_type(container, &entries), expected, "{entries:?}");
        }
    }

    #[test]
    fn each_record_takes_its_own_kinds() {
        use AttachmentKind as K;
        use AttachmentOwner as O;
        let f = &["input", "kind"];
        let rows = [
            (O::Suggestion, K::SuggestionOriginal, true),
            (O::Suggestion, K::ReplyLetter, false),
            (O::Reply, K::ReplyLetter, true),
            (O::Reply, K::ReplyLetterForPublication, true),
            (O::Reply, K::ContactEvidence, false),
            (O::ContactRecord, K::ContactEvidence, true),
            (O::ContactRecord, K::CoOpinionLetter, false),
            (O::CoOpinion, K::CoOpinionLetter, true),
            (O::CoOpinion, K::Supporting, true),
            (O::CoOpinion, K::SuggestionOriginal, false),
            (O::Assignment, K::ReplyLetter, true),
            (O::Assignment, K::ReplyLetterForPublication, true),
            (O::Assignment, K::ContactEvidence, false),
        ];
        for (owner, kind, ok) in rows {
            assert_eq!(check_kind(owner, kind, f).is_ok(), ok, "{owner:?} {kind:?}");
        }
    }

    #[test]
    fn names_are_kept_but_never_paths() {
        let long = format!("{}.pdf", "长".repeat(200));
        let rows = [
            ("答复函（盖章件）.pdf", "答复函（盖章件）.pdf".to_owned()),
            ("../../etc/passwd", "passwd".to_owned()),
            ("C:\\Users\\张三\\建议原件.docx", "建议原件.docx".to_owned()),
            ("a\u{0}b\r\nc.pdf", "abc.pdf".to_owned()),
            ("  ..  ", "附件".to_owned()),
            ("x:<>|?*\".png", "x.png".to_owned()),
            (long.as_str(), format!("{}.pdf", "长".repeat(116))),
        ];
        for (name, expected) in rows {
            assert_eq!(clean_filename(name), expected, "{name}");
        }
        assert_eq!(clean_filename(&long).chars().count(), NAME_MAX);
    }

    #[test]
    fn downloads_carry_the_extension_of_their_bytes() {
        let rows = [
            ("照片.pdf", FileType::Png, "照片.png"),
            ("照片.PNG", FileType::Png, "照片.PNG"),
            ("扫描件.jpeg", FileType::Jpeg, "扫描件.jpeg"),
            ("答复函", FileType::Pdf, "答复函.pdf"),
            ("公文.ofd", FileType::Ofd, "公文.ofd"),
        ];
        for (name, file_type, expected) in rows {
            assert_eq!(download_name(name, file_type), expected);
        }
        assert_eq!(type_of("image/png"), Some(FileType::Png));
        assert_eq!(type_of("text/html"), None);
    }
}
