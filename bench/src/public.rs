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

/// One line of the results: latencies (and sizes) of the successful requests that completed
/// in the window; failed ones are only counted, by code.
#[derive(Default)]
struct Line {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
    bytes: u64,
    /// Requests still running when the window closed (not in the latencies), and their
    /// longest latency.
    late: u64,
    late_max: Duration,
}

#[derive(Default)]
struct Recorder {
    lines: BTreeMap<&'static str, Line>,
}

impl Recorder {
    fn merge(&mut self, other: Recorder) {
        for (name, line) in other.lines {
            let mine = self.lines.entry(name).or_default();
            mine.latencies.extend(line.latencies);
            mine.bytes += line.bytes;
            mine.late += line.late;
            mine.late_max = mine.late_max.max(line.late_max);
            for (code, n) in line.errors {
                *mine.errors.entry(code).or_default() += n;
            }
        }
    }
}

/// The measuring window, shared by every visitor.
#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

impl Window {
    fn record(
        &self,
        recorder: &mut Recorder,
        name: &'static str,
        began: Instant,
        outcome: &Outcome,
    ) {
        let done = Instant::now();
        if done < self.start {
            return;
        }
        let line = recorder.lines.entry(name).or_default();
        if done >= self.end {
            line.late += 1;
            line.late_max = line.late_max.max(done - began);
            if let Some(code) = &outcome.error {
                *line
                    .errors
                    .entry(format!("{code}, after the window"))
                    .or_default() += 1;
            }
            return;
        }
        match &outcome.error {
            Some(code) => *line.errors.entry(code.clone()).or_default() += 1,
            None => {
                line.latencies.push(done - began);
                line.bytes += outcome.bytes as u64;
            }
        }
    }
}

/// A request's answer: the GraphQL response, its size (decompressed), and the first error code found
/// (transport, HTTP status, GraphQL error or user error).
struct Outcome {
    data: Value,
    bytes: usize,
    error: Option<String>,
}

async fn post(client: &awc::Client, url: &str, address: &str, body: &Value) -> Outcome {
    let failed = |code: String| Outcome {
        data: Value::Null,
        bytes: 0,
        error: Some(code),
    };
    let sent = client
        .post(url)
        .insert_header(("accept-encoding", "gzip"))
        .insert_header(("x-forwarded-for", address))
        .send_json(body)
        .await;
    let mut response = match sent {
        Ok(response) => response,
        Err(e) => return failed(format!("TRANSPORT ({e})")),
    };
    let status = response.status();
    let bytes = match response.body().limit(16 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(e) => return failed(format!("BODY ({e})")),
    };
    if !status.is_success() {
        return failed(format!("HTTP {}", status.as_u16()));
    }
    let mut value: Value = match serde_json::from_slice(&bytes) {
        Ok(value) => value,
        Err(_) => return failed("NOT_JSON".to_owned()),
    };
    let error = value["errors"].as_array().and_then(|errors| {
        errors.first().map(|e| {
            e["extensions"]["code"]
                .as_str()
                .unwrap_or("GRAPHQL_ERROR")
                .to_owned()
        })
    });
    Outcome {
        data: value["data"].take(),
        bytes: bytes.len(),
        error,
    }
}

/// What one visitor does until the window closes.
async fn visitor(
    scenario: Scenario,
    index: usize,
    url: String,
    fixtures: Arc<Fixtures>,
    window: Window,
) -> Recorder {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    // Seeded afresh each run, so a second run over the same database sends other
    // addresses and contents (no DUPLICATE, no per-client limit carried over).
    let mut rng = StdRng::from_os_rng();
    let mut recorder = Recorder::default();
    // The visitor's own address for reads; each submission gets a fresh one.
    let address = format!("10.1.{}.{}", index / 250, index % 250 + 1);
    let mut cursor: Option<String> = None;
    let mut page = 1;
    let mut iteration: u64 = 0;
    while Instant::now() < window.end {
        iteration += 1;
        match scenario {
            Scenario::List => {
                let (name, variables) = match &cursor {
                    None => ("publishedReplies(first: 20), page 1", json!({"first": 20})),
                    Some(after) => (
                        "publishedReplies(first: 20), pages 2–5",
                        json!({"first": 20, "after": after}),
                    ),
                };
                let began = Instant::now();
                let mut outcome = post(
                    &client,
                    &url,
                    &address,
                    &json!({"query": LIST, "variables": variables}),
                )
                .await;
                let connection = &outcome.data["publishedReplies"];
                let rows = connection["nodes"].as_array().map_or(0, Vec::len);
                if outcome.error.is_none() && rows != 20 {
                    outcome.error = Some(format!("{rows} ROWS"));
                }
                window.record(&mut recorder, name, began, &outcome);
                let next = connection["pageInfo"]["endCursor"].as_str();
                match next {
                    Some(next) if page < 5 && rng.random_ratio(1, 4) => {
                        page += 1;
                        cursor = Some(next.to_owned());
                    }
                    _ => {
                        page = 1;
                        cursor = None;
                    }
                }
            }
            Scenario::Unit | Scenario::Keyword | Scenario::Number | Scenario::Everywhere => {
                let (name, filter) = match scenario {
                    Scenario::Unit => (
                        "publishedReplies(first: 20, filter: {unitId})",
                        json!({"unitId": fixtures.units[rng.random_range(0..fixtures.units.len())]}),
                    ),
                    Scenario::Keyword => (
                        "publishedReplies(first: 20, filter: {keyword: common word})",
                        json!({"keyword": KEYWORDS[rng.random_range(0..KEYWORDS.len())]}),
                    ),
                    Scenario::Everywhere => (
                        "publishedReplies(first: 20, filter: {keyword: in every text})",
                        json!({"keyword": EVERYWHERE[rng.random_range(0..EVERYWHERE.len())]}),
                    ),
                    _ => (
                        "publishedReplies(first: 20, filter: {keyword: suggestion number})",
                        json!({"keyword": fixtures.numbers[rng.random_range(0..fixtures.numbers.len())]}),
                    ),
                };
                let began = Instant::now();
                let outcome = post(
                    &client,
                    &url,
                    &address,
                    &json!({"query": LIST, "variables": {"first": 20, "filter": filter}}),
                )
                .await;
                window.record(&mut recorder, name, began, &outcome);
            }
            Scenario::Feedback => {
                // A fresh visitor: a random address of its own (12 million to draw
                // from), so a submission is nearly always its address's first.
                let address = format!(
                    "10.{}.{}.{}",
                    rng.random_range(64..=255),
                    rng.random::<u8>(),
                    rng.random_range(1..=254)
                );
                let tag: u32 = rng.random();
                let began = Instant::now();
                let mut captcha = post(&client, &url, &address, &json!({"query": CAPTCHA})).await;
                let id = captcha.data["createCaptcha"]["id"]
                    .as_str()
                    .map(str::to_owned);
                if captcha.error.is_none() && id.is_none() {
                    captcha.error = Some("NO_CAPTCHA".to_owned());
                }
                window.record(&mut recorder, "createCaptcha", began, &captcha);
                let Some(id) = id else { continue };
                let reply = &fixtures.replies[rng.random_range(0..fixtures.replies.len())];
                let input = json!({
                    "replyId": reply,
                    "name": if iteration.is_multiple_of(2) { Value::from("张先生") } else { Value::Null },
                    "contact": if iteration.is_multiple_of(3) { Value::from(format!("139{:08}", iteration)) } else { Value::Null },
                    "content": format!(
                        "看了答复，希望进一步落实到位，并及时公布进展。（访客 {index} 第 {iteration} 条，{tag:08x}）"
                    ),
                    "consentToPublish": iteration.is_multiple_of(2),
                    "captchaId": id,
                    "captchaAnswer": TEST_ANSWER,
                    "website": "",
                });
                let began = Instant::now();
                let mut submitted = post(
                    &client,
                    &url,
                    &address,
                    &json!({"query": SUBMIT, "variables": {"input": input}}),
                )
                .await;
                let payload = &submitted.data["submitPublicFeedback"];
                if submitted.error.is_none() {
                    submitted.error = payload["userErrors"]
                        .as_array()
                        .and_then(|errors| errors.first())
                        .map(|e| e["code"].as_str().unwrap_or("USER_ERROR").to_owned())
                        .or_else(|| {
                            payload["lookupCode"]
                                .is_null()
                                .then(|| "NO_LOOKUP_CODE".to_owned())
                        });
                }
                window.record(&mut recorder, "submitPublicFeedback", began, &submitted);
            }
        }
    }
    recorder
}

/// Runs `clients` visitors of `scenario` on `threads` threads until `window.end`.
fn spawn_visitors(
    scenario: Scenario,
    options: &Options,
    url: &str,
    fixtures: &Arc<Fixtures>,
    window: Window,
) -> anyhow::Result<Vec<std::thread::JoinHandle<Recorder>>> {
    let threads = options.client_threads.max(1);
    let mut handles = Vec::with_capacity(threads);
    for thread in 0..threads {
        let mine: Vec<usize> = (0..options.clients)
            .filter(|i| i % threads == thread)
            .collect();
        let url = url.to_owned();
        let fixtures = Arc::clone(fixtures);
        let handle = std::thread::Builder::new()
            .name(format!("bench-client-{thread}"))
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    let tasks: Vec<_> = mine
                        .into_iter()
                        .map(|i| {
                            actix_web::rt::spawn(visitor(
                                scenario,
                                i,
                                url.clone(),
                                Arc::clone(&fixtures),
                                window,
                            ))
                        })
                        .collect();
                    let mut all = Recorder::default();
                    for task in tasks {
                        if let Ok(recorder) = task.await {
                            all.merge(recorder);
                        }
                    }
                    all
                })
            })
            .context("starting a client thread")?;
        handles.push(handle);
    }
    Ok(handles)
}

/// CPU time so far (clock ticks, 100 per second on Linux), by who spent it.
#[derive(Default, Clone)]
struct Cpu {
    machine_busy: u64,
    machine_total: u64,
    iowait: u64,
    groups: BTreeMap<&'static str, u64>,
}

const SERVER: &str = "server workers (HTTP, GraphQL, gzip)";
const CLIENTS: &str = "load clients";
const SQLITE: &str = "SQLite connection threads";
const POSTGRES: &str = "PostgreSQL processes (with parallel workers)";
const OTHER_OWN: &str = "other threads of banli-bench (CAPTCHA drawing, pool)";

/// CPU ticks in a `/proc/…/stat` line: utime and stime, and with `children` also the
/// children that exited (cutime, cstime), which is where PostgreSQL's short-lived
/// parallel query workers end up (in the postmaster's).
fn ticks_of(stat: &str, children: bool) -> u64 {
    // Fields after the `(comm)`: state is the first, then utime is the 12th, stime the
    // 13th, cutime the 14th and cstime the 15th.
    stat.rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .skip(11)
                .take(if children { 4 } else { 2 })
                .filter_map(|t| t.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0)
}

fn cpu_now() -> Cpu {
    let mut cpu = Cpu::default();
    if let Ok(stat) = std::fs::read_to_string("/proc/stat") {
        if let Some(line) = stat.lines().next() {
            let v: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|t| t.parse().ok())
                .collect();
            if v.len() >= 8 {
                // user nice system idle iowait irq softirq steal
                cpu.machine_busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
                cpu.iowait = v[4];
                cpu.machine_total = cpu.machine_busy + v[3] + v[4];
            }
        }
    }
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let path = task.path();
            let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            let ticks = std::fs::read_to_string(path.join("stat"))
                .map(|s| ticks_of(&s, false))
                .unwrap_or(0);
            let group = if comm.starts_with("actix-server w") {
                SERVER
            } else if comm.starts_with("bench-client") {
                CLIENTS
            } else if comm.starts_with("sqlx-sqlite") {
                SQLITE
            } else {
                OTHER_OWN
            };
            *cpu.groups.entry(group).or_default() += ticks;
        }
    }
    if let Ok(processes) = std::fs::read_dir("/proc") {
        for process in processes.flatten() {
            let path = process.path();
            let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
            if comm.trim() == "postgres" {
                let ticks = std::fs::read_to_string(path.join("stat"))
                    .map(|s| ticks_of(&s, true))
                    .unwrap_or(0);
                *cpu.groups.entry(POSTGRES).or_default() += ticks;
            }
        }
    }
    cpu
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Sends one request of each kind alone and counts the SQL statements it made.
fn statements_per_request(
    db: &Db,
    url: &str,
    fixtures: &Arc<Fixtures>,
) -> anyhow::Result<Vec<(&'static str, u64)>> {
    let db = db.clone();
    let url = url.to_owned();
    let fixtures = Arc::clone(fixtures);
    let probe = std::thread::Builder::new()
        .name("bench-probe".to_owned())
        .spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let client = awc::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .finish();
                let mut counts = Vec::new();
                let mut measure = |name: &'static str, before: u64| {
                    counts.push((name, db.statement_count() - before));
                };
                // An address and content of its own, so a second run is no duplicate.
                let nonce = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                let address = format!("10.0.{}.{}", (nonce >> 8) % 250, nonce % 250 + 1);
                let address = address.as_str();
                let list = |variables: Value| json!({"query": LIST, "variables": variables});
                let before = db.statement_count();
                let first = post(&client, &url, address, &list(json!({"first": 20}))).await;
                measure("publishedReplies(first: 20), page 1", before);
                // The same page as it crosses the wire (gzip), for the record.
                let wire = match client
                    .post(&url)
                    .no_decompress()
                    .insert_header(("accept-encoding", "gzip"))
                    .send_json(&list(json!({"first": 20})))
                    .await
                {
                    Ok(mut response) => response
                        .body()
                        .limit(16 * 1024 * 1024)
                        .await
                        .map_or(0, |b| b.len()),
                    Err(_) => 0,
                };
                let after = first.data["publishedReplies"]["pageInfo"]["endCursor"].clone();
                let before = db.statement_count();
                post(
                    &client,
                    &url,
                    address,
                    &list(json!({"first": 20, "after": after})),
                )
                .await;
                measure("publishedReplies(first: 20), pages 2–5", before);
                let before = db.statement_count();
                post(
                    &client,
                    &url,
                    address,
                    &list(json!({"first": 20, "filter": {"keyword": KEYWORDS[0]}})),
                )
                .await;
                measure("publishedReplies(first: 20, filter: …)", before);
                let before = db.statement_count();
                let captcha = post(&client, &url, address, &json!({"query": CAPTCHA})).await;
                measure("createCaptcha", before);
                let input = json!({
                    "replyId": fixtures.replies[0],
                    "content": format!("探测：统计一次提交的 SQL 语句数（{nonce}）。"),
                    "captchaId": captcha.data["createCaptcha"]["id"],
                    "captchaAnswer": TEST_ANSWER,
                });
                let before = db.statement_count();
                let submitted = post(
                    &client,
                    &url,
                    address,
                    &json!({"query": SUBMIT, "variables": {"input": input}}),
                )
                .await;
                measure("submitPublicFeedback", before);
                let refused = submitted.data["submitPublicFeedback"]["userErrors"][0]["code"]
                    .as_str()
                    .map(str::to_owned);
                let error = first.error.or(submitted.error).or(refused);
                (counts, (first.bytes, wire), error)
            })
        })
        .context("starting the probe thread")?;
    let (counts, (json, gzip), error) = probe
        .join()
        .map_err(|_| anyhow::anyhow!("the probe thread panicked"))?;
    if let Some(error) = error {
        anyhow::bail!("a probe request failed: {error}");
    }
    println!("first page: {json} bytes of JSON, {gzip} bytes gzipped on the wire");
    Ok(counts)
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

    let statements = statements_per_request(&db, &url, &fixtures)?;
    println!("SQL statements per request (one request alone):");
    for (name, n) in &statements {
        println!("  {name:<48} {n}");
    }

    let mut table = Vec::new();
    for &scenario in &options.scenarios {
        let start = Instant::now() + Duration::from_millis(100);
        let window = Window {
            start: start + Duration::from_secs(options.warmup),
            end: start + Duration::from_secs(options.warmup + options.seconds),
        };
        let handles = spawn_visitors(scenario, &options, &url, &fixtures, window)?;
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
        let mut requests = 0;
        for (name, line) in joined.lines {
            let mut latencies = line.latencies;
            latencies.sort();
            let n = latencies.len();
            requests += n;
            let errors: u64 = line.errors.values().sum();
            if line.late > 0 {
                println!(
                    "  {name}: {} requests still running when the window closed (the slowest took {:.1} s)",
                    line.late,
                    line.late_max.as_secs_f64()
                );
            }
            let row = Row {
                scenario,
                name,
                requests: n,
                rps: n as f64 / seconds,
                p50: percentile(&latencies, 0.5),
                p99: percentile(&latencies, 0.99),
                max: percentile(&latencies, 1.0),
                errors,
                error_codes: line
                    .errors
                    .iter()
                    .map(|(code, n)| format!("{code}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                bytes: if n > 0 { line.bytes / n as u64 } else { 0 },
                late: line.late,
            };
            println!(
                "  {name:<66} ok={:<7} {:>8.1} req/s  p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.1} ms  errors={}{}  {} B/response",
                row.requests,
                row.rps,
                row.p50,
                row.p99,
                row.max,
                row.errors,
                if row.errors > 0 { format!(" ({})", row.error_codes) } else { String::new() },
                row.bytes
            );
            table.push(row);
        }
        if requests > 0 {
            println!(
                "  SQL statements in the window: {statements_in_window} ({:.1} per request)",
                statements_in_window as f64 / requests as f64
            );
        }
        print_cpu(&cpu_before, &cpu_after, seconds);
    }
    println!("\n| Scenario | Request | Successful requests/s | p50 ms | p99 ms | max ms | Errors | Unfinished at the end | JSON bytes/response |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in &table {
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
    server.abort();
    Ok(())
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

fn print_cpu(before: &Cpu, after: &Cpu, seconds: f64) {
    let total = after.machine_total.saturating_sub(before.machine_total) as f64;
    if total == 0.0 {
        return;
    }
    // Cores in use, out of those the machine has.
    let cores = total / 100.0 / seconds;
    let busy = after.machine_busy.saturating_sub(before.machine_busy) as f64;
    let iowait = after.iowait.saturating_sub(before.iowait) as f64;
    println!(
        "  CPU: machine {:.2} of {:.0} cores busy, iowait {:.2} cores",
        busy / 100.0 / seconds,
        cores.round(),
        iowait / 100.0 / seconds
    );
    let mut accounted = 0.0;
    for (group, ticks) in &after.groups {
        let spent = ticks.saturating_sub(before.groups.get(group).copied().unwrap_or(0)) as f64;
        accounted += spent;
        if spent > 0.0 {
            println!("    {group:<52} {:.2} cores", spent / 100.0 / seconds);
        }
    }
    println!(
        "    {:<52} {:.2} cores",
        "everything else on the machine",
        ((busy - accounted) / 100.0 / seconds).max(0.0)
    );
}
