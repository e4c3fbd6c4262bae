//! `banli-bench compare`: banli against a floor, over HTTP, in one run.
//!
//! It starts the release `banli` binary as a server of its own (a child process, so its
//! start-up time and peak RSS are its own) on the database given, and the floor
//! (`floor.rs`: actix-web + hand-written SQL + serde) in this process on the same
//! database. Before measuring, it sends sample requests of every read scenario to both
//! and stops unless both answer the same `data`. Then, for each scenario, it runs `wrk`
//! (a warm-up, then the measured run; a fixed number of connections for a fixed time)
//! against banli and against the floor, one after the other, and prints requests/s,
//! p50/p95/p99 latency and errors (wrk's histogram), SQL statements per request (banli's
//! `/metrics` counter over the measured run) and banli's RSS, and the ratios. The write
//! mix (`submitReply`, `createCaptcha` + `submitPublicFeedback`) runs on banli only: the
//! floor answers reads. It writes to the database (replies to open assignments).
//!
//! On PostgreSQL, with `--postgraphile`, PostGraphile 4 runs beside them on the two nested
//! reads (`postgraphile.rs`), checked for the same rows first.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use banli::db::Db;
use banli::graphql::ids::{decode, encode, Kind};
use sea_orm::{ConnectionTrait, Statement};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::floor;

mod postgraphile;
mod report;
mod requests;
use requests::*;

const READS_LUA: &str = include_str!("../../wrk-reads.lua");
const WRITES_LUA: &str = include_str!("../../wrk-writes.lua");

/// The selection every suggestion scenario asks for: what a suggestion's page shows.
const SUGGESTION_FIELDS: &str = "id number title status submittedOn leadDeputy { id name } \
    assignments { id role status dueOn answeredOn unit { id name } \
    replies { id category repliedOn contactName } }";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    Suggestion,
    Suggestions,
    Overdue,
    Summary,
    Published,
    Writes,
}

impl Scenario {
    fn title(self) -> &'static str {
        match self {
            Self::Suggestion => "`suggestion(id)` nested",
            Self::Suggestions => "`suggestions(first: 50)` nested",
            Self::Overdue => "`assignments(OVERDUE, first: 50)`",
            Self::Summary => "`deadlineSummary`",
            Self::Published => "`publishedReplies(first: 20)`",
            Self::Writes => "write mix",
        }
    }

    /// The floor's path for a read scenario.
    fn floor_path(self) -> Option<&'static str> {
        Some(match self {
            Self::Suggestion => "/suggestion",
            Self::Suggestions => "/suggestions",
            Self::Overdue => "/overdue",
            Self::Summary => "/summary",
            Self::Published => "/published",
            Self::Writes => return None,
        })
    }

    /// Whether the request is anonymous (the public pages) or staff's.
    fn public(self) -> bool {
        self == Self::Published
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Concurrent connections (wrk `-c`).
    #[arg(long, default_value_t = 50)]
    pub connections: usize,
    /// wrk threads (`-t`).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Measured seconds per scenario and server.
    #[arg(long, default_value_t = 15)]
    pub seconds: u64,
    /// Seconds of load before each measured run.
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,
    /// HTTP worker threads of banli and of the floor.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// The banli server binary (default: `banli` beside this one, i.e. the same build).
    #[arg(long)]
    pub banli: Option<PathBuf>,
    /// PostGraphile 4's command (`target/postgraphile/node_modules/.bin/postgraphile`, as
    /// `bench/compare.sh` installs it): run beside banli and the floor on PostgreSQL.
    #[arg(long)]
    pub postgraphile: Option<PathBuf>,
    /// Scenarios to run, in this order.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "suggestion,suggestions,overdue,summary,published,writes"
    )]
    pub scenarios: Vec<Scenario>,
}

/// What wrk's script printed.
#[derive(Debug, Deserialize)]
struct Wrk {
    requests: u64,
    duration_us: u64,
    errors: u64,
    socket_errors: u64,
    p50_us: u64,
    p95_us: u64,
    p99_us: u64,
    counts: serde_json::Map<String, Value>,
}

impl Wrk {
    fn per_second(&self) -> f64 {
        self.requests as f64 / (self.duration_us.max(1) as f64 / 1e6)
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Runs wrk with `script` against `url`; its summary.
fn wrk(
    options: &Options,
    seconds: u64,
    script: &Path,
    url: &str,
    args: &[&str],
) -> anyhow::Result<Wrk> {
    let output = Command::new("wrk")
        .arg(format!("-t{}", options.threads))
        .arg(format!("-c{}", options.connections))
        .arg(format!("-d{seconds}s"))
        .arg("--timeout")
        .arg("30s")
        .arg("-s")
        .arg(script)
        .arg(url)
        .arg("--")
        .args(args)
        .output()
        .context("running wrk (install it: apt-get install wrk; bench/compare.sh does)")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WRKJSON "))
        .with_context(|| {
            format!(
                "wrk printed no summary: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    Ok(serde_json::from_str(line)?)
}

/// One HTTP request from a thread of its own (awc needs an actix system); status and body.
fn http(
    method: &'static str,
    url: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> anyhow::Result<(u16, String)> {
    let url = url.to_owned();
    let token = token.map(str::to_owned);
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(120))
                .finish();
            let mut request = if method == "GET" {
                client.get(&url)
            } else {
                client.post(&url)
            };
            if let Some(token) = token {
                request = request.insert_header(("authorization", format!("Bearer {token}")));
            }
            let mut response = match body {
                Some(body) => request.send_json(&body).await,
                None => request.send().await,
            }
            .map_err(|e| anyhow::anyhow!("{method} {url}: {e}"))?;
            let bytes = response
                .body()
                .limit(64 * 1024 * 1024)
                .await
                .map_err(|e| anyhow::anyhow!("{method} {url}: {e}"))?;
            Ok((
                response.status().as_u16(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ))
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the HTTP thread panicked"))?
}

/// A metric's value from Prometheus text (the sum over its label sets).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(' ') || rest.starts_with('{'))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// banli's counters of SQL statements and of GraphQL requests, once the requests wrk left
/// in flight have finished.
fn counters(base: &str) -> anyhow::Result<(f64, f64)> {
    std::thread::sleep(Duration::from_millis(300));
    let (status, text) = http("GET", &format!("{base}/metrics"), None, None)?;
    anyhow::ensure!(status == 200, "GET /metrics answered {status}");
    Ok((
        metric(&text, "banli_sql_statements_total"),
        metric(&text, "banli_graphql_requests_total"),
    ))
}

/// SQL statements per GraphQL request between two readings of `counters`.
fn per_request(before: (f64, f64), after: (f64, f64)) -> f64 {
    (after.0 - before.0) / (after.1 - before.1).max(1.0)
}

/// (current, peak) resident set of a process, in MiB.
fn rss(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The banli server, stopped (SIGKILL) when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Starts banli on `database_url` and waits until `/readyz` answers 200; the server and
/// the time that took.
fn start_banli(
    binary: &Path,
    database_url: &str,
    workers: usize,
    log: &Path,
) -> anyhow::Result<(Server, Duration)> {
    let port = free_port()?;
    let log = std::fs::File::create(log)?;
    let started = Instant::now();
    let child = Command::new(binary)
        .arg("serve")
        .env("BANLI_DATABASE_URL", database_url)
        .env("BANLI_LISTEN", format!("127.0.0.1:{port}"))
        .env("BANLI_WORKERS", workers.to_string())
        .env("BANLI_ENVIRONMENT", "production")
        .env("BANLI_LOG_FORMAT", "json")
        .env("BANLI_METRICS_ENABLED", "true")
        .env("BANLI_HOUSEKEEPING_INTERVAL_SECS", "0")
        .env("BANLI_CAPTCHA_TEST_ANSWER", "TEST")
        .env("BANLI_CAPTCHA_TEST_MODE_IN_PRODUCTION", "true")
        .env("BANLI_TRUSTED_PROXIES", "127.0.0.1")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let ready = format!("{}/readyz", server.base);
    loop {
        if let Ok((200, _)) = http("GET", &ready, None, None) {
            return Ok((server, started.elapsed()));
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "banli did not become ready in 120 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct Measured {
    scenario: Scenario,
    banli: Wrk,
    floor: Option<Wrk>,
    postgraphile: Option<Wrk>,
    statements: f64,
    rss_mib: f64,
}

pub async fn run(db: Db, database_url: &str, options: Options) -> anyhow::Result<()> {
    let binary = match &options.banli {
        Some(path) => path.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("the bench binary's folder")?
            .join("banli"),
    };
    let dir = tempfile::tempdir()?;
    let reads_lua = dir.path().join("reads.lua");
    let writes_lua = dir.path().join("writes.lua");
    std::fs::write(&reads_lua, READS_LUA)?;
    std::fs::write(&writes_lua, WRITES_LUA)?;
    let (assignments, _) = crate::sizes(&db).await?;
    let log = std::env::temp_dir().join(format!("banli-compare-{}.log", std::process::id()));
    println!("banli's log: {}", log.display());
    let (server, startups) = start_timed(&binary, database_url, options.workers, &log)?;
    let pid = server.child.id();
    let token = token(&db, &server.base).await?;
    // The floor's pool is as large as banli's by default.
    let pool = floor::Pool::connect(
        database_url,
        banli::config::Settings::default().db_max_connections,
    )
    .await?;
    let (floor_address, floor_handle) = floor::start(pool, options.workers)?;
    let generated = match (&options.postgraphile, db.backend()) {
        (Some(binary), sea_orm::DbBackend::Postgres) => {
            let log = log.with_extension("postgraphile.log");
            Some(postgraphile::start(
                binary,
                database_url,
                options.workers,
                &log,
            )?)
        }
        _ => None,
    };
    println!(
        "backend {:?}, {assignments} assignments; banli {} (pid {pid}); wrk -t{} -c{}, {} s warm-up + {} s measured per server; {} workers each",
        db.backend(),
        binary.display(),
        options.threads,
        options.connections,
        options.warmup,
        options.seconds,
        options.workers
    );
    println!(
        "start-up to ready (/readyz 200), existing database: {}",
        report::durations(&startups)
    );
    let setup = Setup {
        db: &db,
        options: &options,
        dir: dir.path(),
        reads_lua,
        writes_lua,
        base: server.base.clone(),
        graphql: format!("{}/graphql", server.base),
        token,
        floor_base: format!("http://{floor_address}"),
        postgraphile: generated.as_ref().map(|g| g.url.clone()),
    };
    let results = setup.measure(pid).await?;
    let (_, peak) = rss(pid);
    floor_handle.stop(true).await;
    drop(generated);
    drop(server);
    report::print_table(&db, &results, peak, &startups);
    Ok(())
}

/// Start-up: three cold starts of the server on this database (the first also applies
/// pending migrations, if any, and is not counted), then the server for the run. Returns
/// it and the counted start-up times, sorted.
fn start_timed(
    binary: &Path,
    database_url: &str,
    workers: usize,
    log: &Path,
) -> anyhow::Result<(Server, Vec<Duration>)> {
    let mut startups = Vec::new();
    for _ in 0..3 {
        let (server, took) = start_banli(binary, database_url, workers, log)?;
        startups.push(took);
        drop(server);
    }
    let (server, took) = start_banli(binary, database_url, workers, log)?;
    startups.push(took);
    startups.remove(0);
    startups.sort();
    Ok((server, startups))
}

/// What every scenario of a run uses: the scripts, the two servers and the token.
struct Setup<'a> {
    db: &'a Db,
    options: &'a Options,
    dir: &'a Path,
    reads_lua: PathBuf,
    writes_lua: PathBuf,
    base: String,
    graphql: String,
    token: String,
    floor_base: String,
    /// PostGraphile's GraphQL URL, when it runs.
    postgraphile: Option<String>,
}

/// One scenario's result: banli's run, the floor's (reads only), banli's SQL statements
/// per request and PostGraphile's run (when it runs the scenario).
type ScenarioRun = (Wrk, Option<Wrk>, f64, Option<Wrk>);

impl Setup<'_> {
    /// Every scenario of the run, each line printed as it finishes.
    async fn measure(&self, pid: u32) -> anyhow::Result<Vec<Measured>> {
        let mut results = Vec::new();
        for &scenario in &self.options.scenarios {
            let (banli_run, floor_run, per_request, generated_run) = if scenario == Scenario::Writes
            {
                self.writes(scenario).await?
            } else {
                self.reads(scenario).await?
            };
            let (rss_now, _) = rss(pid);
            report::print_line(
                scenario,
                &banli_run,
                floor_run.as_ref(),
                generated_run.as_ref(),
                per_request,
                rss_now,
            );
            results.push(Measured {
                scenario,
                banli: banli_run,
                floor: floor_run,
                postgraphile: generated_run,
                statements: per_request,
                rss_mib: rss_now,
            });
        }
        Ok(results)
    }

    /// The write scenario: each open SOLE assignment answered once, with reads of
    /// published replies between (no warm-up: every assignment can be answered once).
    async fn writes(&self, scenario: Scenario) -> anyhow::Result<ScenarioRun> {
        let open = ids(self.db, Kind::Assignment,
            "SELECT id FROM assignment WHERE status = 'SIGNED_FOR' AND role = 'SOLE' AND answered_on IS NULL ORDER BY id").await?;
        let replies = ids(self.db, Kind::Reply,
            "SELECT r.id FROM reply r JOIN assignment a ON a.id = r.assignment_id JOIN suggestion s ON s.id = a.suggestion_id \
             WHERE r.publication <> 'NONE' AND r.published_at IS NOT NULL AND s.confidential = false AND r.id % 7 = 0").await?;
        anyhow::ensure!(
            !open.is_empty() && !replies.is_empty(),
            "no open assignments or published replies"
        );
        let open_file = self.dir.join("assignments.txt");
        let replies_file = self.dir.join("replies.txt");
        write_lines(&open_file, open.iter().cloned())?;
        write_lines(&replies_file, replies)?;
        let args = [
            open_file.to_string_lossy().into_owned(),
            replies_file.to_string_lossy().into_owned(),
            self.token.clone(),
            self.options.threads.to_string(),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let before = counters(&self.base)?;
        let seconds = self.options.seconds;
        let measured = wrk(
            self.options,
            seconds,
            &self.writes_lua,
            &self.graphql,
            &args,
        )?;
        let per = per_request(before, counters(&self.base)?);
        println!(
            "{}: {} open SOLE assignments signed for to answer",
            scenario.title(),
            open.len()
        );
        Ok((measured, None, per, None))
    }

    /// A read scenario: the same answers checked on samples, then banli and the floor each
    /// warmed up and measured.
    async fn reads(&self, scenario: Scenario) -> anyhow::Result<ScenarioRun> {
        let bodies = bodies(self.db, scenario).await?;
        anyhow::ensure!(
            !bodies.is_empty(),
            "{}: no data to ask for",
            scenario.title()
        );
        let floor_url = format!(
            "{}{}",
            self.floor_base,
            scenario.floor_path().context("a read scenario")?
        );
        let token = (!scenario.public()).then_some(self.token.as_str());
        let checked = same_answers(scenario, &bodies, &self.graphql, &floor_url, token)?;
        let file = self.dir.join("bodies.txt");
        write_lines(&file, bodies.iter().map(Value::to_string))?;
        let file = file.to_string_lossy().into_owned();
        let args = [file.as_str(), token.unwrap_or("")];
        let (options, lua) = (self.options, &self.reads_lua);
        wrk(options, options.warmup, lua, &self.graphql, &args)?;
        let before = counters(&self.base)?;
        let ours = wrk(options, options.seconds, lua, &self.graphql, &args)?;
        let per = per_request(before, counters(&self.base)?);
        wrk(options, options.warmup, lua, &floor_url, &args)?;
        let theirs = wrk(options, options.seconds, lua, &floor_url, &args)?;
        println!(
            "{}: same answers from banli and the floor on {checked} sample requests of {}",
            scenario.title(),
            bodies.len()
        );
        let generated = match &self.postgraphile {
            Some(url) if postgraphile::runs(scenario) => {
                Some(self.generated(scenario, &bodies, url)?)
            }
            _ => None,
        };
        Ok((ours, Some(theirs), per, generated))
    }

    /// PostGraphile on a read scenario: the same rows checked on samples, then warmed up
    /// and measured.
    fn generated(&self, scenario: Scenario, bodies: &[Value], url: &str) -> anyhow::Result<Wrk> {
        let theirs = postgraphile::bodies(scenario, bodies)?;
        let checked = postgraphile::same_rows(
            scenario,
            bodies,
            &self.graphql,
            &theirs,
            url,
            Some(&self.token),
        )?;
        println!(
            "{}: same rows from banli and PostGraphile on {checked} sample requests",
            scenario.title()
        );
        let file = self.dir.join("postgraphile.txt");
        write_lines(&file, theirs.iter().map(Value::to_string))?;
        let file = file.to_string_lossy().into_owned();
        let args = [file.as_str(), ""];
        let (options, lua) = (self.options, &self.reads_lua);
        wrk(options, options.warmup, lua, url, &args)?;
        wrk(options, options.seconds, lua, url, &args)
    }
}
