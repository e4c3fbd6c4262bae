//! `banli-bench public`: the public pages under load, over real HTTP. The real server
//! (`Application::build_with`) listens on 127.0.0.1 in this process; simulated visitors
//! (one task and one HTTP connection each, spread over a few client threads) send
//! requests back to back for a fixed time after a warm-up, and every request's latency
//! is recorded.
//!
//! Scenarios, each run on its own:
//! - `list`: `publishedReplies(first: 20)` with what the public page shows; a visitor
//!   opens the first page and goes on to the next one a quarter of the time (up to page 5).
//! - `unit`: the same, filtered by a random handling unit.
//! - `keyword`: the same, with a common keyword (a topic or a department).
//! - `number`: the same, with a suggestion number as keyword (few matches).
//! - `feedback`: `createCaptcha`, then `submitPublicFeedback` on a random published reply
//!   with the test answer and unique content. Every submission comes from a random
//!   address of its own (`X-Forwarded-For`, believed from 127.0.0.1 only), as from many
//!   members of the public, so the per-client limits stay at their defaults and are
//!   checked as for real visitors.
//!
//! Requests/s and latencies (client side: from sending to the whole answer) count the
//! successful requests that completed in the window; failures are counted by error code.
//! Besides latencies it reports the SQL statements each request sends (measured on one
//! request alone, before the load) and where the CPU went during the measured window:
//! server workers, client threads, SQLite's connection threads, PostgreSQL's processes,
//! and the rest of the machine.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use banli::config::Settings;
use banli::db::Db;
use banli::domain::time::SystemClock;
use banli::graphql::ids::{encode, Kind};
use banli::startup::Application;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

mod cpu;
mod probe;
mod visit;
use cpu::*;
use visit::*;

/// What the public list page shows of each reply.
const LIST: &str = "query PublicList($first: Int, $after: String, $filter: PublishedReplyFilter) {
  publishedReplies(first: $first, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { id title unit { name } publishedAt categoryLabel text }
  }
}";
const CAPTCHA: &str = "mutation { createCaptcha { id imagePng expiresAt } }";
const SUBMIT: &str = "mutation Submit($input: SubmitPublicFeedbackInput!) {
  submitPublicFeedback(input: $input) { lookupCode userErrors { field code message } }
}";
/// The answer every CAPTCHA accepts (test mode, as in a production load test).
const TEST_ANSWER: &str = "TEST";

/// Words people search for that many replies match: topics (in every title) and
/// departments (in the FULL texts, which end with the unit's name).
const KEYWORDS: [&str; 10] = [
    "交通运输",
    "生态环境",
    "教科文卫",
    "农业农村",
    "财政经济",
    "教育局",
    "卫健委",
    "民政局",
    "住建局",
    "公安局",
];

/// Keywords that (nearly) every published text holds, the most expensive to search: words
/// of every letter's opening and a single character (a prefix of thousands of tokens).
const EVERYWHERE: [&str; 4] = ["建议", "收悉", "答复如下", "建"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Scenario {
    List,
    Unit,
    Keyword,
    Number,
    Everywhere,
    Feedback,
}

impl Scenario {
    fn title(self) -> &'static str {
        match self {
            Self::List => "A. publishedReplies(first: 20), pages 1–5",
            Self::Unit => "A'. publishedReplies(first: 20, filter: {unitId})",
            Self::Keyword => "A'. publishedReplies(first: 20, filter: {keyword}), common word",
            Self::Number => "A'. publishedReplies(first: 20, filter: {keyword}), suggestion number",
            Self::Everywhere => {
                "A'. publishedReplies(first: 20, filter: {keyword}), a word in every text"
            }
            Self::Feedback => "B. createCaptcha + submitPublicFeedback",
        }
    }
}

/// How to run the load.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Concurrent simulated visitors (one HTTP connection each).
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Seconds of load before measuring, per scenario.
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,
    /// HTTP worker threads of the server.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Threads the simulated visitors run on.
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
    /// Scenarios to run, in this order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "list,unit,keyword,number,everywhere,feedback"
    )]
    pub scenarios: Vec<Scenario>,
}

/// What the visitors need to know about the data: IDs as the API writes them.
struct Fixtures {
    replies: Vec<String>,
    units: Vec<String>,
    numbers: Vec<String>,
}

async fn fixtures(db: &Db) -> anyhow::Result<Fixtures> {
    let backend = db.backend();
    let ids = |sql: &str| {
        let statement = Statement::from_string(backend, sql.to_owned());
        async move {
            db.conn()
                .query_all_raw(statement)
                .await?
                .iter()
                .map(|row| row.try_get_by_index::<i64>(0))
                .collect::<Result<Vec<i64>, _>>()
        }
    };
    let replies = ids(
        "SELECT r.id FROM reply r JOIN assignment a ON a.id = r.assignment_id \
         JOIN suggestion s ON s.id = a.suggestion_id \
         WHERE r.publication <> 'NONE' AND r.published_at IS NOT NULL AND s.confidential = false",
    )
    .await?;
    anyhow::ensure!(
        !replies.is_empty(),
        "no published replies: fill the database with `banli-bench generate` first"
    );
    let units = ids("SELECT id FROM handling_unit").await?;
    let numbers: Vec<String> = db
        .conn()
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT DISTINCT number FROM suggestion",
        ))
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<_, _>>()?;
    Ok(Fixtures {
        replies: replies
            .into_iter()
            .map(|id| encode(Kind::Reply, id).0)
            .collect(),
        units: units
            .into_iter()
            .map(|id| encode(Kind::HandlingUnit, id).0)
            .collect(),
        numbers,
    })
}

/// The server as a load test runs it: the real application, CAPTCHA test mode forced on in
/// production, 127.0.0.1 trusted as a proxy (so each visitor's `X-Forwarded-For` counts),
/// no background chores; every limit at its default.
fn server_settings(database_url: &str, workers: usize) -> Settings {
    Settings {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: database_url.to_owned(),
        workers,
        housekeeping_interval_secs: 0,
        captcha_test_answer: Some(TEST_ANSWER.to_owned()),
        captcha_test_mode_in_production: true,
        trusted_proxies: vec!["127.0.0.1".to_owned()],
        ..Settings::default()
    }
}

pub async fn run(db: Db, database_url: &str, options: Options) -> anyhow::Result<()> {
    let fixtures = Arc::new(fixtures(&db).await?);
    println!(
        "backend {:?}: {} published replies, {} units; {} clients on {} client threads, {} server workers, {} s warm-up + {} s measured per scenario",
        db.backend(),
        fixtures.replies.len(),
        fixtures.units.len(),
        options.clients,
        options.client_threads,
        options.workers,
        options.warmup,
        options.seconds
    );
    let settings = server_settings(database_url, options.workers);
    let app = Application::build_with(&settings, db.clone(), Arc::new(SystemClock))?;
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    let server = tokio::spawn(app.run_until_stopped());

    let statements = probe::statements_per_request(&db, &url, &fixtures)?;
    println!("SQL statements per request (one request alone):");
    for (name, n) in &statements {
        println!("  {name:<48} {n}");
    }
    let mut table = Vec::new();
    for &scenario in &options.scenarios {
        table.extend(measure(&db, &options, &url, &fixtures, scenario).await?);
    }
    print_table(&table);
    server.abort();
    Ok(())
}

/// Runs one scenario: visitors from a warm-up to the end of the window, then a line per
/// request kind, the statements in the window and where the CPU went.
async fn measure(
    db: &Db,
    options: &Options,
    url: &str,
    fixtures: &Arc<Fixtures>,
    scenario: Scenario,
) -> anyhow::Result<Vec<Row>> {
    let start = Instant::now() + Duration::from_millis(100);
    let window = Window {
        start: start + Duration::from_secs(options.warmup),
        end: start + Duration::from_secs(options.warmup + options.seconds),
    };
    let handles = spawn_visitors(scenario, options, url, fixtures, window)?;
    tokio::time::sleep_until(window.start.into()).await;
    let cpu_before = cpu_now();
    let statements_before = db.statement_count();
    tokio::time::sleep_until(window.end.into()).await;
    let cpu_after = cpu_now();
    let statements_in_window = db.statement_count() - statements_before;
    let joined = tokio::task::spawn_blocking(move || {
        let mut all = Recorder::default();
        for handle in handles {
            if let Ok(recorder) = handle.join() {
                all.merge(recorder);
            }
        }
        all
    })
    .await?;
    let seconds = options.seconds as f64;
    println!("\n{}", scenario.title());
    let mut rows = Vec::new();
    for (name, line) in joined.lines {
        if line.late > 0 {
            println!(
                "  {name}: {} requests still running when the window closed (the slowest took {:.1} s)",
                line.late,
                line.late_max.as_secs_f64()
            );
        }
        let row = Row::of(scenario, name, line, seconds);
        row.print();
        rows.push(row);
    }
    let requests: usize = rows.iter().map(|r| r.requests).sum();
    if requests > 0 {
        println!(
            "  SQL statements in the window: {statements_in_window} ({:.1} per request)",
            statements_in_window as f64 / requests as f64
        );
    }
    print_cpu(&cpu_before, &cpu_after, seconds);
    Ok(rows)
}

impl Row {
    fn of(scenario: Scenario, name: &'static str, line: Line, seconds: f64) -> Self {
        let mut latencies = line.latencies;
        latencies.sort();
        let n = latencies.len();
        Row {
            scenario,
            name,
            requests: n,
            rps: n as f64 / seconds,
            p50: percentile(&latencies, 0.5),
            p99: percentile(&latencies, 0.99),
            max: percentile(&latencies, 1.0),
            errors: line.errors.values().sum(),
            error_codes: line
                .errors
                .iter()
                .map(|(code, n)| format!("{code}: {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            bytes: if n > 0 { line.bytes / n as u64 } else { 0 },
            late: line.late,
        }
    }

    fn print(&self) {
        println!(
            "  {:<66} ok={:<7} {:>8.1} req/s  p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.1} ms  errors={}{}  {} B/response",
            self.name,
            self.requests,
            self.rps,
            self.p50,
            self.p99,
            self.max,
            self.errors,
            if self.errors > 0 { format!(" ({})", self.error_codes) } else { String::new() },
            self.bytes
        );
    }
}

/// The results as a Markdown table, for BENCHMARKS.md.
fn print_table(table: &[Row]) {
    println!("\n| Scenario | Request | Successful requests/s | p50 ms | p99 ms | max ms | Errors | Unfinished at the end | JSON bytes/response |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in table {
        let ms = |v: f64, digits: usize| {
            if row.requests == 0 {
                "–".to_owned()
            } else {
                format!("{v:.digits$}")
            }
        };
        println!(
            "| {} | `{}` | {:.0} | {} | {} | {} | {}{} | {} | {} |",
            match row.scenario {
                Scenario::List => "A",
                Scenario::Feedback => "B",
                _ => "A'",
            },
            row.name,
            row.rps,
            ms(row.p50, 1),
            ms(row.p99, 1),
            ms(row.max, 0),
            row.errors,
            if row.errors > 0 {
                format!(" ({})", row.error_codes)
            } else {
                String::new()
            },
            row.late,
            row.bytes
        );
    }
}

struct Row {
    scenario: Scenario,
    name: &'static str,
    requests: usize,
    rps: f64,
    p50: f64,
    p99: f64,
    max: f64,
    errors: u64,
    error_codes: String,
    bytes: u64,
    late: u64,
}
