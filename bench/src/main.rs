//! banli's benchmarks. `generate` fills an empty database with a realistic data set;
//! `deadlines` times the deadline queries through the real GraphQL schema (no HTTP) and
//! prints their query plans; `public` loads the public pages over HTTP with concurrent
//! clients; `writers` has many clerks write at once; `compare` measures banli over HTTP
//! against a floor (a minimal handler with hand-written SQL) on the same data, in the same
//! run. See BENCHMARKS.md for the commands and results.

// The schema's resolvers nest deeper than rustc's default query depth allows when this crate
// lays out their futures in a release build.
#![recursion_limit = "256"]

mod compare;
mod floor;
mod public;
mod reminders;
mod subscribers;
mod timed;
mod uploads;
mod writers;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use banli::config::Settings;
use banli::db::Db;
use banli::generate::{generate, Scale};
use clap::{Parser, Subcommand};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// The same allocator as the server, so the floor is measured on equal terms.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "banli-bench", about = "Benchmarks of banli")]
struct Cli {
    /// The database (`sqlite://FILE` or `postgres://…`).
    #[arg(long, env = "BANLI_DATABASE_URL")]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate and fill an empty database: `small` (~1k assignments), `100k` or `1m`.
    Generate {
        #[arg(long, default_value = "1m")]
        scale: String,
    },
    /// Time `deadlineSummary` and `assignments(filter: {deadlineStatus: [OVERDUE]}, first: 50)`.
    Deadlines {
        #[arg(long, default_value_t = 30)]
        iterations: usize,
    },
    /// Time `statistics` grouped each way (all sessions and the latest one).
    Statistics {
        #[arg(long, default_value_t = 20)]
        iterations: usize,
    },
    /// Time the staff's `suggestions(filter: {keyword})` for rare to ubiquitous words, and
    /// `similarSuggestions`.
    Search {
        #[arg(long, default_value_t = 50)]
        iterations: usize,
    },
    /// Time the daily reminder pass (dry, real, and again the same day) over the data set,
    /// with one clerk per unit to receive the digests.
    Reminders,
    /// Load the public pages over HTTP: `publishedReplies` and `createCaptcha` +
    /// `submitPublicFeedback` from concurrent clients (requests/s, p50/p99 latency).
    Public(public::Options),
    /// Many clerks writing at once over HTTP (register, assign, sign for, reply, and one
    /// contested versioned edit): throughput, p99, lock errors, lost updates.
    Writers(writers::Options),
    /// banli against a floor (a minimal actix-web handler with hand-written SQL) over
    /// HTTP with wrk, scenario by scenario: requests/s, latency, SQL statements per
    /// request, RSS, start-up, and the ratios to the floor.
    Compare(compare::Options),
    /// Many WebSocket subscribers of `notificationAdded` on a `banli serve` child process:
    /// its RSS with every subscription idle, and commit → receipt latency of one notice each.
    Subscribers(subscribers::Options),
    /// Attachments through a `banli serve` child process: its RSS around a 20 MB upload,
    /// concurrent uploads and their errors, download MB/s.
    Uploads(uploads::Options),
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// A memory figure of `/proc/<process>/status` (`VmRSS:`, `VmHWM:`…) in MiB; 0 where the
/// kernel has none.
fn memory_mib(process: &str, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{process}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A `banli serve` child process (the release binary beside this one), killed when dropped:
/// its memory is its own to measure.
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `banli serve` on `port` over `database_url`, without its background chores,
/// with `env` added (`BANLI_…` settings).
fn serve(database_url: &str, port: u16, env: &[(&str, String)]) -> anyhow::Result<Child> {
    let binary = std::env::current_exe()?.with_file_name("banli");
    let mut command = std::process::Command::new(&binary);
    command
        .arg("serve")
        .env("BANLI_DATABASE_URL", database_url)
        .env("BANLI_CONFIG", "/dev/null")
        .env("BANLI_LISTEN", format!("127.0.0.1:{port}"))
        .env("BANLI_LOG", "warn")
        .env("BANLI_DELIVERY_POLL_MS", "0")
        .env("BANLI_REMINDER_CHECK_SECS", "0")
        .env("BANLI_HOUSEKEEPING_INTERVAL_SECS", "0")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit());
    let child = command.spawn().with_context(|| {
        format!(
            "starting {} (cargo build --release first)",
            binary.display()
        )
    })?;
    Ok(Child(child))
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    banli::telemetry::init(banli::config::LogFormat::Pretty);
    let settings = Settings {
        database_url: cli.database_url.clone(),
        ..Settings::default()
    };
    let db = Db::connect(&settings).await?;
    banli::startup::migrate(&db).await?;
    match cli.command {
        Command::Generate { scale } => {
            let scale = Scale::parse(&scale).context("scale must be small, 100k or 1m")?;
            let start = Instant::now();
            let made = generate(&db, scale, chrono::Utc::now()).await?;
            // Fresh statistics (and, on PostgreSQL, a visibility map for index-only scans),
            // as autovacuum would give a long-running server, so the planners see the data
            // as it is.
            let maintenance = if db.backend() == DbBackend::Postgres {
                "VACUUM ANALYZE"
            } else {
                "ANALYZE"
            };
            db.conn().execute_unprepared(maintenance).await?;
            println!(
                "generated {made:?} in {:.1} s",
                start.elapsed().as_secs_f64()
            );
        }
        Command::Deadlines { iterations } => timed::deadlines(&db, &settings, iterations).await?,
        Command::Statistics { iterations } => {
            timed::statistics(&db, &settings, iterations).await?;
        }
        Command::Search { iterations } => timed::search(&db, &settings, iterations).await?,
        Command::Reminders => reminders::run(&db).await?,
        Command::Public(options) => public::run(db.clone(), &cli.database_url, options).await?,
        Command::Writers(options) => writers::run(db.clone(), &cli.database_url, options).await?,
        Command::Compare(options) => compare::run(db.clone(), &cli.database_url, options).await?,
        Command::Subscribers(options) => {
            subscribers::run(db.clone(), &cli.database_url, options).await?
        }
        Command::Uploads(options) => uploads::run(db.clone(), &cli.database_url, options).await?,
    }
    db.close().await;
    Ok(())
}

/// The number of assignments and the latest session's id.
async fn sizes(db: &Db) -> anyhow::Result<(i64, i64)> {
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT (SELECT COUNT(*) FROM assignment) AS n, (SELECT MAX(id) FROM session) AS s",
        ))
        .await?
        .context("no counts")?;
    Ok((row.try_get("", "n")?, row.try_get("", "s")?))
}

/// The bench runs its queries in process as the congress office, which sees everything.
fn office_caller() -> banli::domain::access::Caller {
    banli::domain::access::Caller::User(banli::domain::access::Principal {
        user_id: 0,
        username: "bench".to_owned(),
        role: banli::domain::access::Role::OfficeStaff,
        unit_id: None,
        deputy_id: None,
    })
}

/// Creates an office administrator for a benchmark's requests (a fresh name each run);
/// the username and password to sign in with.
async fn office_admin(db: &Db, name: &str, display_name: &str) -> anyhow::Result<(String, String)> {
    let username = format!("bench-{name}-{}", chrono::Utc::now().timestamp_millis());
    let password = format!("bench {name} password 2026");
    banli::service::account::create_user(
        db,
        banli::service::account::NewUser {
            username: username.clone(),
            display_name: display_name.into(),
            role: banli::domain::access::Role::OfficeAdmin,
            unit_id: None,
            deputy_id: None,
            password: password.clone(),
        },
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("creating the bench user: {e:?}"))?;
    Ok((username, password))
}
