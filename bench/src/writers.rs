//! `banli-bench writers`: many clerks writing at once, over real HTTP.
//!
//! The real server (`Application::build_with`) listens on 127.0.0.1 in this process;
//! `--clients` simulated clerks (one HTTP connection each, spread over client threads)
//! each repeat, back to back: register a suggestion, assign it, sign for it, reply to it,
//! and edit one suggestion that every clerk edits (`updateSuggestion` with the version
//! just read). For every step it prints requests/s and p50/p99/max latency of the
//! requests that completed in the measured window, and the errors by code. A database
//! that refuses a writer ("database is locked") reaches a client as `INTERNAL`; the run
//! reports those as lock errors. The shared edit checks the version check under load:
//! every edit either succeeds or is a `CONFLICT`, and the suggestion's final version is
//! exactly one more than its successful edits (no lost update).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use banli::config::Settings;
use banli::db::Db;
use banli::domain::time::SystemClock;
use banli::startup::Application;
use serde_json::{json, Value};

use crate::percentile;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Concurrent clerks (one HTTP connection each).
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 3)]
    pub warmup: u64,
    /// HTTP worker threads of the server.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Threads the clerks run on.
    #[arg(long, default_value_t = 2)]
    pub client_threads: usize,
}

const STEPS: [&str; 5] = [
    "registerSuggestion",
    "assignSuggestion",
    "signForAssignment",
    "submitReply",
    "updateSuggestion (shared, versioned)",
];

#[derive(Default)]
struct Line {
    latencies: Vec<Duration>,
    errors: BTreeMap<String, u64>,
}

type Recorder = BTreeMap<&'static str, Line>;

/// Adds `other`'s latencies and errors to `into`.
fn merge(into: &mut Recorder, other: Recorder) {
    for (step, line) in other {
        let mine = into.entry(step).or_default();
        mine.latencies.extend(line.latencies);
        for (code, n) in line.errors {
            *mine.errors.entry(code).or_default() += n;
        }
    }
}

struct Shared {
    url: String,
    token: String,
    session: String,
    deputy: String,
    units: Vec<String>,
    contested: String,
    edits_ok: AtomicU64,
    start: Instant,
    end: Instant,
}

/// Posts one operation; the data, or the first error code (transport, HTTP status,
/// GraphQL error, or the payload's first user error).
async fn call(
    client: &awc::Client,
    shared: &Shared,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    let mut request = client.post(&shared.url);
    if !shared.token.is_empty() {
        request = request.insert_header(("authorization", format!("Bearer {}", shared.token)));
    }
    let mut response = request
        .send_json(&json!({"query": query, "variables": variables}))
        .await
        .map_err(|e| format!("TRANSPORT ({e})"))?;
    let status = response.status();
    let body = response
        .body()
        .limit(4 * 1024 * 1024)
        .await
        .map_err(|e| format!("BODY ({e})"))?;
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    let mut value: Value = serde_json::from_slice(&body).map_err(|_| "NOT_JSON".to_owned())?;
    if let Some(error) = value["errors"].as_array().and_then(|e| e.first()) {
        return Err(error["extensions"]["code"]
            .as_str()
            .unwrap_or("GRAPHQL_ERROR")
            .to_owned());
    }
    let data = value["data"].take();
    let payload = data
        .as_object()
        .and_then(|d| d.values().next())
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(error) = payload["userErrors"].as_array().and_then(|e| e.first()) {
        return Err(error["code"].as_str().unwrap_or("USER_ERROR").to_owned());
    }
    Ok(payload)
}

fn record(
    recorder: &mut Recorder,
    shared: &Shared,
    step: &'static str,
    began: Instant,
    outcome: &Result<Value, String>,
) {
    let done = Instant::now();
    if done < shared.start || done >= shared.end {
        return;
    }
    let line = recorder.entry(step).or_default();
    match outcome {
        Ok(_) => line.latencies.push(done - began),
        Err(code) => *line.errors.entry(code.clone()).or_default() += 1,
    }
}

async fn clerk(index: usize, shared: Arc<Shared>) -> Recorder {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let mut recorder = Recorder::new();
    let unit = &shared.units[index % shared.units.len()];
    let mut n = 0u64;
    while Instant::now() < shared.end {
        n += 1;
        macro_rules! step {
            ($i:expr, $query:expr, $vars:expr) => {{
                let began = Instant::now();
                let outcome = call(&client, &shared, $query, $vars).await;
                record(&mut recorder, &shared, STEPS[$i], began, &outcome);
                outcome
            }};
        }
        let Ok(registered) = step!(0,
            "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) { suggestion { id } userErrors { code } } }",
            json!({"i": {"sessionId": shared.session, "leadDeputyId": shared.deputy,
                "number": format!("{index:02}{n:05}"), "title": format!("关于第{index}-{n}号事项的建议"),
                "content": "并发写入测试。", "idempotencyKey": format!("w-{index}-{n}")}})) else { continue };
        let suggestion = registered["suggestion"]["id"].clone();
        let Ok(assigned) = step!(1,
            "mutation($i: AssignSuggestionInput!) { assignSuggestion(input: $i) { assignments { id } userErrors { code } } }",
            json!({"i": {"suggestionId": suggestion, "units": [{"unitId": unit, "role": "SOLE"}]}})) else { continue };
        let assignment = assigned["assignments"][0]["id"].clone();
        if step!(2,
            "mutation($id: ID!) { signForAssignment(input: {assignmentId: $id}) { assignment { id } userErrors { code } } }",
            json!({"id": assignment})).is_err() { continue }
        let _ = step!(3,
            "mutation($i: SubmitReplyInput!) { submitReply(input: $i) { reply { id } userErrors { code } } }",
            json!({"i": {"assignmentId": assignment, "category": "A", "body": "现答复如下：……",
                "signedBy": "某市人民政府", "contactName": "马友竹", "contactPhone": "0554-6678417"}}));
        // The contested edit: read the version, then write with it.
        let read = call(
            &client,
            &shared,
            "query($id: ID!) { node(id: $id) { ... on Suggestion { version } } }",
            json!({"id": shared.contested}),
        )
        .await;
        // `call` returns the first field of data: here the node itself.
        if let Ok(node) = read {
            let version = node["version"].as_i64().unwrap_or(0);
            let edited = step!(4,
                "mutation($i: UpdateSuggestionInput!) { updateSuggestion(input: $i) { suggestion { version } userErrors { code } } }",
                json!({"i": {"id": shared.contested, "expectedVersion": version, "topic": format!("第{index}位办事员第{n}次修改")}}));
            if edited.is_ok() {
                shared.edits_ok.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    recorder
}

/// What the clerks share: a token, a session, a deputy, units and the contested suggestion.
type Fixtures = (String, String, String, Vec<String>, String);

/// Creates what the clerks need through the API, signed in as `username` (an office
/// administrator). Runs on an actix system of its own (the HTTP client needs one).
fn setup(url: String, username: String, password: String, stamp: i64) -> anyhow::Result<Fixtures> {
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(setup_over_http(&url, &username, &password, stamp))
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the setup thread panicked"))?
}

async fn setup_over_http(
    url: &str,
    username: &str,
    password: &str,
    stamp: i64,
) -> anyhow::Result<Fixtures> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let mut shared = Shared {
        url: url.to_owned(),
        token: String::new(),
        session: String::new(),
        deputy: String::new(),
        units: Vec::new(),
        contested: String::new(),
        edits_ok: AtomicU64::new(0),
        start: Instant::now(),
        end: Instant::now(),
    };
    let login = call(&client, &shared,
        "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token userErrors { code } } }",
        json!({"u": username, "p": password})).await.map_err(anyhow::Error::msg)?;
    shared.token = login["token"].as_str().context("a token")?.to_owned();
    let id = |v: &Value, path: &str| -> anyhow::Result<String> {
        v.pointer(path)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("{path} in {v}"))
    };
    let session = call(&client, &shared,
        "mutation($i: CreateSessionInput!) { createSession(input: $i) { session { id } userErrors { code } } }",
        json!({"i": {"name": format!("并发写入测试会议 {stamp}"), "level": "PROVINCIAL", "term": 14, "meeting": 1}})).await.map_err(anyhow::Error::msg)?;
    let session = id(&session, "/session/id")?;
    let deputy = call(&client, &shared,
        "mutation($i: CreateDeputyInput!) { createDeputy(input: $i) { deputy { id } userErrors { code } } }",
        json!({"i": {"name": format!("测试代表{stamp}"), "delegation": "测试代表团"}})).await.map_err(anyhow::Error::msg)?;
    let deputy = id(&deputy, "/deputy/id")?;
    let mut units = Vec::new();
    for i in 0..8 {
        let unit = call(&client, &shared,
            "mutation($i: CreateHandlingUnitInput!) { createHandlingUnit(input: $i) { handlingUnit { id } userErrors { code } } }",
            json!({"i": {"name": format!("测试承办单位{i}-{stamp}"), "code": format!("W{i}{stamp}")}})).await.map_err(anyhow::Error::msg)?;
        units.push(id(&unit, "/handlingUnit/id")?);
    }
    let contested = call(&client, &shared,
        "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) { suggestion { id } userErrors { code } } }",
        json!({"i": {"sessionId": session, "leadDeputyId": deputy, "number": "9999999",
            "title": "人人都在修改的建议", "content": "版本检查测试。"}})).await.map_err(anyhow::Error::msg)?;
    let contested = id(&contested, "/suggestion/id")?;
    Ok((shared.token, session, deputy, units, contested))
}

pub async fn run(db: Db, database_url: &str, options: Options) -> anyhow::Result<()> {
    banli::startup::migrate(&db).await?;
    let settings = Settings {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: database_url.to_owned(),
        workers: options.workers,
        housekeeping_interval_secs: 0,
        ..Settings::default()
    };
    let app = Application::build_with(&settings, db.clone(), Arc::new(SystemClock))?;
    let url = format!("http://127.0.0.1:{}/graphql", app.port());
    let server = tokio::spawn(app.run_until_stopped());
    let stamp = chrono::Utc::now().timestamp_millis();
    let (username, password) = crate::office_admin(&db, "writer", "并发测试").await?;
    let (token, session, deputy, units, contested) = setup(url.clone(), username, password, stamp)?;
    println!(
        "backend {:?}: {} clerks on {} client threads, {} server workers, {} s warm-up + {} s measured",
        db.backend(), options.clients, options.client_threads, options.workers, options.warmup, options.seconds
    );
    let begin = Instant::now() + Duration::from_millis(100);
    let shared = Arc::new(Shared {
        url,
        token,
        session,
        deputy,
        units,
        contested: contested.clone(),
        edits_ok: AtomicU64::new(0),
        start: begin + Duration::from_secs(options.warmup),
        end: begin + Duration::from_secs(options.warmup + options.seconds),
    });
    let joined = run_clerks(&options, &shared).await?;
    print_steps(&joined, options.seconds as f64);
    // No lost update on the contested suggestion: its version counts every successful edit
    // (the warm-up's too).
    let version = contested_version(&db, &contested).await?;
    let edits = shared.edits_ok.load(Ordering::Relaxed);
    let intact = u64::try_from(version).ok() == Some(edits + 1);
    println!(
        "contested suggestion: {edits} successful edits, final version {version} (expected {}): {}",
        edits + 1,
        if intact {
            "no lost update"
        } else {
            "LOST UPDATES"
        }
    );
    server.abort();
    anyhow::ensure!(intact, "lost updates");
    Ok(())
}

/// Runs the clerks on their threads until the window closes; their merged records.
async fn run_clerks(options: &Options, shared: &Arc<Shared>) -> anyhow::Result<Recorder> {
    let threads = options.client_threads.max(1);
    let mut handles = Vec::new();
    for thread in 0..threads {
        let mine: Vec<usize> = (0..options.clients)
            .filter(|i| i % threads == thread)
            .collect();
        let shared = Arc::clone(shared);
        handles.push(
            std::thread::Builder::new()
                .name(format!("bench-clerk-{thread}"))
                .spawn(move || {
                    actix_web::rt::System::new().block_on(async move {
                        let tasks: Vec<_> = mine
                            .into_iter()
                            .map(|i| actix_web::rt::spawn(clerk(i, Arc::clone(&shared))))
                            .collect();
                        let mut all = Recorder::new();
                        for task in tasks {
                            if let Ok(recorder) = task.await {
                                merge(&mut all, recorder);
                            }
                        }
                        all
                    })
                })?,
        );
    }
    Ok(tokio::task::spawn_blocking(move || {
        let mut all = Recorder::new();
        for handle in handles {
            if let Ok(recorder) = handle.join() {
                merge(&mut all, recorder);
            }
        }
        all
    })
    .await?)
}

/// A Markdown line per step, then the successful writes and the lock errors.
fn print_steps(joined: &Recorder, seconds: f64) {
    let mut lock_errors = 0;
    let mut writes = 0;
    println!("| Step | Successful/s | p50 ms | p99 ms | max ms | Errors |");
    println!("|---|---|---|---|---|---|");
    for step in STEPS {
        let Some(line) = joined.get(step) else {
            continue;
        };
        let mut latencies = line.latencies.clone();
        latencies.sort();
        writes += latencies.len();
        lock_errors += line
            .errors
            .iter()
            .filter(|(code, _)| code.as_str() == "INTERNAL")
            .map(|(_, n)| n)
            .sum::<u64>();
        let errors = if line.errors.is_empty() {
            "0".to_owned()
        } else {
            line.errors
                .iter()
                .map(|(code, n)| format!("{code}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "| `{step}` | {:.1} | {:.1} | {:.1} | {:.0} | {errors} |",
            latencies.len() as f64 / seconds,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0),
        );
    }
    println!("successful writes: {writes} ({:.1}/s); lock errors (INTERNAL at the client): {lock_errors}", writes as f64 / seconds);
}

/// The stored version of the contested suggestion.
async fn contested_version(db: &Db, contested: &str) -> anyhow::Result<i32> {
    let id = banli::graphql::ids::readable(contested)
        .and_then(|t| t.rsplit_once(':').map(|(_, id)| id.to_owned()))
        .context("the contested id")?;
    let row = sea_orm::ConnectionTrait::query_one_raw(
        db.conn(),
        sea_orm::Statement::from_string(
            db.backend(),
            format!("SELECT version FROM suggestion WHERE id = {id}"),
        ),
    )
    .await?
    .context("the contested suggestion")?;
    Ok(row.try_get_by_index::<i32>(0)?)
}
