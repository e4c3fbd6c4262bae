//! Logging with `tracing`: pretty lines in a terminal, JSON in production. The level comes
//! from `BANLI_LOG` (or `RUST_LOG`), default `info`.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber once; later calls (e.g. from tests) are ignored.
pub fn init(format: LogFormat) {
    let filter = std::env::var("BANLI_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .map(EnvFilter::new)
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    // Colour codes only on a terminal: a file, journald or a log collector gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let result = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
    // Already installed (tests start several apps in one process): keep the first.
    drop(result);
}
