//! The paths banli serves files at, and how a link to one is written: the HTTP layer mounts
//! its routes here, and the GraphQL layer hands out links to them (`exportUrl`,
//! `importForm`) without depending on the HTTP layer.

/// Where the suggestion list is served as `.xlsx`.
pub const SUGGESTIONS_XLSX: &str = "/export/suggestions.xlsx";
/// Where the suggestion list is served as `.csv`.
pub const SUGGESTIONS_CSV: &str = "/export/suggestions.csv";
/// Where the import template is served.
pub const IMPORT_TEMPLATE: &str = "/import/suggestions/template.xlsx";
/// A statistics table as Excel.
pub const STATISTICS_XLSX: &str = "/export/statistics.xlsx";
/// A statistics table as CSV.
pub const STATISTICS_CSV: &str = "/export/statistics.csv";
/// Where the filled template is posted.
pub const IMPORT: &str = "/import/suggestions";
/// Where attachments are downloaded: `/files/{attachment's global ID}`.
pub const FILES: &str = "/files";

/// The download address of an attachment (relative; its global ID).
pub fn file_url(global_id: &str) -> String {
    format!("{FILES}/{}", url_encode(global_id))
}

/// `value` percent-encoded for a URL query (all but unreserved ASCII).
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?key=value&…`, values percent-encoded; just `path` without parameters.
pub fn with_query(path: &str, params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return path.to_owned();
    }
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_encoded() {
        assert_eq!(
            with_query(
                SUGGESTIONS_CSV,
                &[("keyword", "干部 培训".into()), ("status", "ASSIGNED,REPLIED".into())]
            ),
            "/export/suggestions.csv?keyword=%E5%B9%B2%E9%83%A8%20%E5%9F%B9%E8%AE%AD&status=ASSIGNED%2CREPLIED"
        );
        assert_eq!(with_query(SUGGESTIONS_XLSX, &[]), SUGGESTIONS_XLSX);
    }
}
