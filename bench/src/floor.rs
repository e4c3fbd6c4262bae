//! The floor of `banli-bench compare`: the least a server could do to answer the same reads.
//! A minimal actix-web server in the bench process with hand-written SQL over sqlx (no ORM,
//! no GraphQL, no authentication, one joined statement where a join serves) and serde
//! JSON. It takes the very request bodies banli gets (it parses them for their variables)
//! and answers with the same rows in the same JSON shape as banli's `data`; `compare`
//! checks that on sample requests before it measures anything.
//!
//! Each scenario has its own path (`/suggestion`, `/suggestions`, `/overdue`, `/summary`,
//! `/published`), so no dispatch on the query text is timed.
//!
//! Staff scenarios are authenticated as a hand-written production handler would do it:
//! the bearer token's SHA-256 looked up with its user in one statement (unknown, revoked,
//! expired or a disabled user: 401), then answered from a cache for 5 seconds, as banli's
//! `auth_cache_secs` does by default ([`Tokens`]). The public scenario is anonymous, as in
//! banli.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::time::Duration;

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context as _;
use banli::graphql::ids::{decode, encode, Kind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row as _;

/// The floor's pool: the same database banli serves, the same pool size.
#[derive(Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Runs `$body` with `$p` bound to whichever pool this is (the code is the same; the row
/// types differ, so it is expanded once per database).
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Pg($p) => $body,
        }
    };
}

impl Pool {
    pub async fn connect(url: &str, connections: u32) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(connections)
                .connect_with(options)
                .await
                .context("the floor's SQLite pool")?;
            Ok(Self::Sqlite(pool))
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(connections)
                .connect_with(PgConnectOptions::from_str(url)?)
                .await
                .context("the floor's PostgreSQL pool")?;
            Ok(Self::Pg(pool))
        }
    }
}

/// Tokens checked in the last [`TOKEN_CACHE`]: the hash and until when it answers.
#[derive(Default)]
pub struct Tokens(std::sync::Mutex<HashMap<String, std::time::Instant>>);

/// How long a checked token is believed (banli's default `auth_cache_secs`).
const TOKEN_CACHE: Duration = Duration::from_secs(5);

impl Tokens {
    /// `Ok` when the request carries a valid staff token.
    async fn check(&self, pool: &Pool, req: &actix_web::HttpRequest) -> Result<(), HttpResponse> {
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| t.len() <= 128)
            .ok_or_else(|| HttpResponse::Unauthorized().finish())?;
        let hash = banli::service::account::token_hash(token);
        let now = std::time::Instant::now();
        if self.lock().get(&hash).is_some_and(|until| *until > now) {
            return Ok(());
        }
        match token_valid(pool, &hash).await {
            Ok(true) => {
                let mut cache = self.lock();
                if cache.len() >= 10_000 {
                    cache.clear();
                }
                cache.insert(hash, now + TOKEN_CACHE);
                Ok(())
            }
            Ok(false) => Err(HttpResponse::Unauthorized().finish()),
            Err(e) => Err(HttpResponse::InternalServerError().body(format!("{e:#}"))),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, std::time::Instant>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Whether the token with this hash is usable: known, not revoked, not expired, its user
/// enabled (one statement).
async fn token_valid(pool: &Pool, hash: &str) -> anyhow::Result<bool> {
    const SQL: &str = "SELECT t.expires_at, t.revoked_at IS NULL AS live, u.disabled \
        FROM auth_token t JOIN app_user u ON u.id = t.user_id WHERE t.token_hash = $1";
    let row: Option<(DateTime<Utc>, bool, bool)> = on_pool!(pool, |p| {
        sqlx::query_as(SQL).bind(hash).fetch_optional(p).await?
    });
    Ok(
        row.is_some_and(|(expires_at, live, disabled)| {
            live && !disabled && expires_at > Utc::now()
        }),
    )
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    variables: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
}

#[derive(Serialize)]
struct Named {
    id: String,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplyOut {
    id: String,
    category: String,
    replied_on: String,
    contact_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AssignmentOut {
    id: String,
    role: String,
    status: String,
    due_on: String,
    answered_on: Option<String>,
    unit: Named,
    replies: Vec<ReplyOut>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SuggestionOut {
    id: String,
    number: String,
    title: String,
    status: String,
    submitted_on: String,
    lead_deputy: Named,
    assignments: Vec<AssignmentOut>,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// An ID variable as banli reads it.
fn id_of(body: &Body, name: &str, kind: Kind) -> Option<i64> {
    body.variables[name]
        .as_str()
        .and_then(decode)
        .filter(|(k, _)| *k == kind)
        .map(|(_, id)| id)
}

type Row = (i64, String, String, String, NaiveDate, i64, String);

/// Suggestions with their lead deputy, assignments and units, and replies: one joined
/// statement for the suggestions, one for their assignments with units and replies.
async fn suggestions_out(pool: &Pool, rows: Vec<Row>) -> anyhow::Result<Vec<SuggestionOut>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Placeholders for the ids (bound, so each page size is one prepared statement).
    let placeholders: Vec<String> = (1..=rows.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT a.id, a.suggestion_id, a.role, a.status, a.due_on, a.answered_on, a.unit_id, u.name, \
                r.id, r.category, r.replied_on, r.contact_name \
         FROM assignment a JOIN handling_unit u ON u.id = a.unit_id \
         LEFT JOIN reply r ON r.assignment_id = a.id \
         WHERE a.suggestion_id IN ({}) ORDER BY a.id, r.round",
        placeholders.join(",")
    );
    let mut by_suggestion: HashMap<i64, Vec<AssignmentOut>> = HashMap::new();
    on_pool!(pool, |p| {
        // Built above from placeholders only.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for row in &rows {
            query = query.bind(row.0);
        }
        let fetched = query.fetch_all(p).await?;
        for row in fetched {
            let assignment_id: i64 = row.try_get(0)?;
            let list = by_suggestion.entry(row.try_get(1)?).or_default();
            let reply_id: Option<i64> = row.try_get(8)?;
            if list.last().map(|a| &a.id) != Some(&encode(Kind::Assignment, assignment_id).0) {
                list.push(AssignmentOut {
                    id: encode(Kind::Assignment, assignment_id).0,
                    role: row.try_get(2)?,
                    status: row.try_get(3)?,
                    due_on: day(row.try_get(4)?),
                    answered_on: row.try_get::<Option<NaiveDate>, _>(5)?.map(day),
                    unit: Named {
                        id: encode(Kind::HandlingUnit, row.try_get(6)?).0,
                        name: row.try_get(7)?,
                    },
                    replies: Vec::new(),
                });
            }
            if let (Some(reply_id), Some(assignment)) = (reply_id, list.last_mut()) {
                assignment.replies.push(ReplyOut {
                    id: encode(Kind::Reply, reply_id).0,
                    category: row.try_get(9)?,
                    replied_on: day(row.try_get(10)?),
                    contact_name: row.try_get(11)?,
                });
            }
        }
    });
    Ok(rows
        .into_iter()
        .map(
            |(id, number, title, status, submitted_on, deputy_id, deputy_name)| SuggestionOut {
                id: encode(Kind::Suggestion, id).0,
                number,
                title,
                status,
                submitted_on: day(submitted_on),
                lead_deputy: Named {
                    id: encode(Kind::Deputy, deputy_id).0,
                    name: deputy_name,
                },
                assignments: by_suggestion.remove(&id).unwrap_or_default(),
            },
        )
        .collect())
}

macro_rules! suggestion_rows {
    ($rest:literal) => {
        concat!(
            "SELECT s.id, s.number, s.title, s.status, s.submitted_on, d.id, d.name \
             FROM suggestion s JOIN deputy d ON d.id = s.lead_deputy_id ",
            $rest
        )
    };
}

async fn suggestion(pool: &Pool, body: &Body) -> anyhow::Result<Value> {
    let Some(id) = id_of(body, "id", Kind::Suggestion) else {
        return Ok(json!({"suggestion": null}));
    };
    let sql = suggestion_rows!("WHERE s.id = $1");
    let rows: Vec<Row> = on_pool!(pool, |p| sqlx::query_as(sql).bind(id).fetch_all(p).await?);
    let mut out = suggestions_out(pool, rows).await?;
    Ok(json!({"suggestion": out.pop()}))
}

async fn suggestions(pool: &Pool, body: &Body) -> anyhow::Result<Value> {
    let session = id_of(body, "session", Kind::Session).unwrap_or(0);
    // The page's ids from the index `(session_id, id)` alone, then the rows, as banli
    // does (asked for whole rows, PostgreSQL walks the primary key and filters).
    let sql = suggestion_rows!(
        "WHERE s.id IN (SELECT id FROM suggestion WHERE session_id = $1 ORDER BY id DESC LIMIT 51) \
         ORDER BY s.id DESC"
    );
    let mut rows: Vec<Row> = on_pool!(pool, |p| sqlx::query_as(sql)
        .bind(session)
        .fetch_all(p)
        .await?);
    let has_next_page = rows.len() > 50;
    rows.truncate(50);
    let nodes = suggestions_out(pool, rows).await?;
    Ok(json!({"suggestions": {"pageInfo": PageInfo { has_next_page }, "nodes": nodes}}))
}

/// Today in China, as banli computes deadline statuses.
fn today() -> NaiveDate {
    banli::domain::time::local_date(Utc::now())
}

#[derive(Serialize)]
struct Numbered {
    number: String,
    title: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OverdueOut {
    id: String,
    due_on: String,
    status: String,
    unit: Named,
    suggestion: Numbered,
}

async fn overdue(pool: &Pool, _body: &Body) -> anyhow::Result<Value> {
    // The page's ids from the partial index of open deadlines (covering), then the rows:
    // asked for whole rows at once, SQLite's planner walks the index of every due date.
    let sql = "SELECT a.id, a.due_on, a.status, u.id, u.name, s.number, s.title \
               FROM assignment a JOIN handling_unit u ON u.id = a.unit_id \
               JOIN suggestion s ON s.id = a.suggestion_id \
               WHERE a.id IN (SELECT id FROM assignment \
                   WHERE assigned_on <= $1 AND status NOT IN ('RETURNED', 'WITHDRAWN') \
                     AND answered_on IS NULL AND due_on < $1 \
                   ORDER BY due_on, id LIMIT 51) \
               ORDER BY a.due_on, a.id";
    let today = today();
    let rows: Vec<(i64, NaiveDate, String, i64, String, String, String)> =
        on_pool!(pool, |p| sqlx::query_as(sql)
            .bind(today)
            .fetch_all(p)
            .await?);
    let has_next_page = rows.len() > 50;
    let nodes: Vec<OverdueOut> = rows
        .into_iter()
        .take(50)
        .map(
            |(id, due_on, status, unit_id, unit_name, number, title)| OverdueOut {
                id: encode(Kind::Assignment, id).0,
                due_on: day(due_on),
                status,
                unit: Named {
                    id: encode(Kind::HandlingUnit, unit_id).0,
                    name: unit_name,
                },
                suggestion: Numbered { number, title },
            },
        )
        .collect();
    Ok(json!({"assignments": {"pageInfo": PageInfo { has_next_page }, "nodes": nodes}}))
}

#[derive(Serialize, Default, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Counts {
    not_due: i64,
    due_soon: i64,
    overdue: i64,
    answered_on_time: i64,
    answered_late: i64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.not_due += o.not_due;
        self.due_soon += o.due_soon;
        self.overdue += o.overdue;
        self.answered_on_time += o.answered_on_time;
        self.answered_late += o.answered_late;
    }
    fn total(&self) -> i64 {
        self.not_due + self.due_soon + self.overdue + self.answered_on_time + self.answered_late
    }
}

#[derive(Serialize)]
struct UnitCounts {
    unit: Named,
    counts: Counts,
}

/// Open deadlines aggregated from the unanswered assignments, answered ones from the
/// running tallies (as banli keeps them), unit names joined in.
async fn summary(pool: &Pool, _body: &Body) -> anyhow::Result<Value> {
    let open = "SELECT a.unit_id, u.name, \
                  CAST(SUM(CASE WHEN a.due_soon_from > $1 THEN 1 ELSE 0 END) AS BIGINT), \
                  CAST(SUM(CASE WHEN a.due_on >= $1 AND a.due_soon_from <= $1 THEN 1 ELSE 0 END) AS BIGINT), \
                  CAST(SUM(CASE WHEN a.due_on < $1 THEN 1 ELSE 0 END) AS BIGINT) \
                FROM assignment a JOIN handling_unit u ON u.id = a.unit_id \
                WHERE a.assigned_on <= $1 AND a.status NOT IN ('RETURNED', 'WITHDRAWN') \
                  AND a.answered_on IS NULL GROUP BY a.unit_id, u.name";
    let answered = "SELECT t.unit_id, u.name, CAST(SUM(t.answered_on_time) AS BIGINT), \
                      CAST(SUM(t.answered_late) AS BIGINT) \
                    FROM assignment_tally t JOIN handling_unit u ON u.id = t.unit_id \
                    GROUP BY t.unit_id, u.name";
    let today = today();
    let mut by_unit: BTreeMap<i64, (String, Counts)> = BTreeMap::new();
    on_pool!(pool, |p| {
        let rows: Vec<(i64, String, i64, i64, i64)> =
            sqlx::query_as(open).bind(today).fetch_all(p).await?;
        for (unit, name, not_due, due_soon, overdue) in rows {
            let counts = &mut by_unit.entry(unit).or_insert((name, Counts::default())).1;
            counts.not_due += not_due;
            counts.due_soon += due_soon;
            counts.overdue += overdue;
        }
        let rows: Vec<(i64, String, i64, i64)> = sqlx::query_as(answered).fetch_all(p).await?;
        for (unit, name, on_time, late) in rows {
            let counts = &mut by_unit.entry(unit).or_insert((name, Counts::default())).1;
            counts.answered_on_time += on_time;
            counts.answered_late += late;
        }
    });
    let mut overall = Counts::default();
    let units: Vec<UnitCounts> = by_unit
        .into_iter()
        .filter(|(_, (_, c))| c.total() > 0)
        .map(|(id, (name, counts))| {
            overall.add(&counts);
            UnitCounts {
                unit: Named {
                    id: encode(Kind::HandlingUnit, id).0,
                    name,
                },
                counts,
            }
        })
        .collect();
    Ok(json!({"deadlineSummary": {"overall": overall, "byUnit": units}}))
}

#[derive(Serialize)]
struct UnitName {
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublishedOut {
    id: String,
    suggestion_number: String,
    suggestion_title: String,
    unit: UnitName,
    category: String,
    published_at: Option<String>,
    text: String,
}

async fn published(pool: &Pool, _body: &Body) -> anyhow::Result<Value> {
    let sql = "SELECT r.id, s.number, s.title, u.name, r.category, r.published_at, r.public_text \
               FROM reply r JOIN assignment a ON a.id = r.assignment_id \
               JOIN suggestion s ON s.id = a.suggestion_id \
               JOIN handling_unit u ON u.id = a.unit_id \
               WHERE r.published_at IS NOT NULL AND r.publication <> 'NONE' AND s.confidential = $1 \
               ORDER BY r.published_at DESC, r.id DESC LIMIT 21";
    type PublishedRow = (
        i64,
        String,
        String,
        String,
        String,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    let rows: Vec<PublishedRow> = on_pool!(pool, |p| sqlx::query_as(sql)
        .bind(false)
        .fetch_all(p)
        .await?);
    let has_next_page = rows.len() > 20;
    let nodes: Vec<PublishedOut> = rows
        .into_iter()
        .take(20)
        .map(
            |(id, number, title, unit, category, published_at, text)| PublishedOut {
                id: encode(Kind::Reply, id).0,
                suggestion_number: number,
                suggestion_title: title,
                unit: UnitName { name: unit },
                category,
                published_at: published_at.map(banli::domain::time::rfc3339_local),
                text: text.unwrap_or_default(),
            },
        )
        .collect();
    Ok(json!({"publishedReplies": {"pageInfo": PageInfo { has_next_page }, "nodes": nodes}}))
}

/// `{"data": …}` as banli answers, or a 500 the bench counts as an error.
fn answer(result: anyhow::Result<Value>) -> HttpResponse {
    match result {
        Ok(data) => HttpResponse::Ok().json(json!({ "data": data })),
        Err(e) => HttpResponse::InternalServerError().body(format!("{e:#}")),
    }
}

macro_rules! route {
    ($name:ident) => {
        |pool: web::Data<Pool>, body: web::Json<Body>| async move {
            answer($name(&pool, &body).await)
        }
    };
}

/// A route for staff: the token first.
macro_rules! staff_route {
    ($name:ident) => {
        |req: actix_web::HttpRequest,
         pool: web::Data<Pool>,
         tokens: web::Data<Tokens>,
         body: web::Json<Body>| async move {
            match tokens.check(&pool, &req).await {
                Ok(()) => answer($name(&pool, &body).await),
                Err(refused) => refused,
            }
        }
    };
}

/// Starts the floor on 127.0.0.1 (a free port) with `workers` threads; its address and
/// a handle that stops it.
pub fn start(
    pool: Pool,
    workers: usize,
) -> anyhow::Result<(std::net::SocketAddr, actix_web::dev::ServerHandle)> {
    let data = web::Data::new(pool);
    let tokens = web::Data::new(Tokens::default());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(tokens.clone())
            .app_data(web::JsonConfig::default().limit(1 << 20))
            .route("/suggestion", web::post().to(staff_route!(suggestion)))
            .route("/suggestions", web::post().to(staff_route!(suggestions)))
            .route("/overdue", web::post().to(staff_route!(overdue)))
            .route("/summary", web::post().to(staff_route!(summary)))
            .route("/published", web::post().to(route!(published)))
    })
    .workers(workers)
    .disable_signals()
    .bind(("127.0.0.1", 0))?;
    let address = *server
        .addrs()
        .first()
        .context("the floor listens nowhere")?;
    let server = server.run();
    let handle = server.handle();
    std::thread::spawn(move || actix_web::rt::System::new().block_on(server));
    Ok((address, handle))
}
