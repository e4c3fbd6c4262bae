//! What this binary is: its version, the commit it was built from and the day it was built
//! (set by `build.rs`), for `banli --version`, the start-up log, `/healthz` and the
//! `banli_build_info` metric, so an operator can tell which build answers.

/// The crate's version (`Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit built from (12 hex digits), or `unknown` for a source tree without git.
pub const COMMIT: &str = env!("BANLI_GIT_COMMIT");
/// The day of the build (UTC, `YYYY-MM-DD`; `SOURCE_DATE_EPOCH` for reproducible builds).
pub const BUILD_DATE: &str = env!("BANLI_BUILD_DATE");

/// `0.1.0 (commit 0123456789ab, built 2026-12-07)`, as `banli --version` prints it.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("BANLI_GIT_COMMIT"),
    ", built ",
    env!("BANLI_BUILD_DATE"),
    ")"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_version_names_the_commit_and_the_day() {
        assert!(LONG_VERSION.starts_with(VERSION));
        assert!(LONG_VERSION.contains(COMMIT) && LONG_VERSION.contains(BUILD_DATE));
        assert!(
            COMMIT == "unknown"
                || (COMMIT.len() == 12 && COMMIT.chars().all(|c| c.is_ascii_hexdigit())),
            "{COMMIT}"
        );
        assert!(
            chrono::NaiveDate::parse_from_str(BUILD_DATE, "%Y-%m-%d").is_ok(),
            "{BUILD_DATE}"
        );
    }
}
