//! `GET /metrics` in the Prometheus text format: GraphQL requests counted and timed per
//! operation name, the database pool's connections, and the SQL statements executed.
//!
//! Off unless `metrics_enabled`; with `metrics_token` set, a scraper must send it as
//! `Authorization: Bearer …`. Operation names come from clients, so only well-formed names
//! become labels, and only the first [`MAX_OPERATIONS`] distinct ones: the rest count as
//! `other`, so no client can grow the label set (and the server's memory) at will.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use actix_web::{http::header, web, HttpRequest, HttpResponse};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use sea_orm::DbBackend;

use crate::db::Db;

/// Distinct operation names kept as labels.
pub const MAX_OPERATIONS: usize = 100;

/// The metrics of one server process (shared by its workers).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    seconds: HistogramVec,
    statements: IntCounter,
    statements_seen: AtomicU64,
    refusals: IntCounter,
    refusals_seen: AtomicU64,
    refusals_audited: IntCounter,
    refusals_audited_seen: AtomicU64,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    documents: IntGaugeVec,
    operations: Mutex<HashSet<String>>,
}

/// `banli_build_info{version, commit, build_date} 1`: which build answers.
fn build_info() -> Result<IntGaugeVec, prometheus::Error> {
    let build = IntGaugeVec::new(
        Opts::new(
            "banli_build_info",
            "Always 1; its labels say which build answers: version, git commit, build date.",
        ),
        &["version", "commit", "build_date"],
    )?;
    build
        .with_label_values(&[
            crate::build_info::VERSION,
            crate::build_info::COMMIT,
            crate::build_info::BUILD_DATE,
        ])
        .set(1);
    Ok(build)
}

impl Metrics {
    /// The metrics, registered (fails only on an invalid metric definition, i.e. a bug).
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "banli_graphql_requests_total",
                "GraphQL requests answered, by operation name and outcome (ok, or error when the answer has errors).",
            ),
            &["operation", "outcome"],
        )
        ?;
        let seconds = HistogramVec::new(
            HistogramOpts::new(
                "banli_graphql_request_duration_seconds",
                "Time to answer a GraphQL request (parse, validate, execute), by operation name.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["operation"],
        )?;
        let statements = IntCounter::new(
            "banli_sql_statements_total",
            "SQL statements executed through the database pool.",
        )?;
        let refusals = IntCounter::new(
            "banli_refusals_total",
            "Requests refused to callers who are not signed in (no token, or an invalid one).",
        )?;
        let refusals_audited = IntCounter::new(
            "banli_refusals_audited_total",
            "Of those, the ones with an audit row (the first of each client address a minute).",
        )?;
        let pool_connections = IntGauge::new(
            "banli_db_pool_connections",
            "Connections the database pool holds (busy and idle).",
        )?;
        let pool_idle = IntGauge::new(
            "banli_db_pool_idle_connections",
            "Idle connections in the database pool.",
        )?;
        let documents = IntGaugeVec::new(
            Opts::new(
                "banli_graphql_document_cache",
                "Parsed GraphQL documents kept by their text: entries now, and since start the requests answered from them (hits) and the documents parsed (misses).",
            ),
            &["measure"],
        )?;
        let build = build_info()?;
        for collector in [
            Box::new(build) as Box<dyn prometheus::core::Collector>,
            Box::new(requests.clone()),
            Box::new(documents.clone()),
            Box::new(seconds.clone()),
            Box::new(statements.clone()),
            Box::new(refusals.clone()),
            Box::new(refusals_audited.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_idle.clone()),
        ] {
            registry.register(collector)?;
        }
        Ok(Self {
            registry,
            requests,
            seconds,
            statements,
            statements_seen: AtomicU64::new(0),
            refusals,
            refusals_seen: AtomicU64::new(0),
            refusals_audited,
            refusals_audited_seen: AtomicU64::new(0),
            pool_connections,
            pool_idle,
            documents,
            operations: Mutex::new(HashSet::new()),
        })
    }

    /// The label for a request's operation name: `anonymous` without one, the name when it
    /// is a GraphQL name already seen or while fewer than [`MAX_OPERATIONS`] were, else
    /// `other`.
    fn operation(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return "anonymous".to_owned();
        };
        let well_formed = name.len() <= 64
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !well_formed {
            return "other".to_owned();
        }
        let mut known = match self.operations.lock() {
            Ok(known) => known,
            Err(poisoned) => poisoned.into_inner(),
        };
        if known.contains(name) || known.len() < MAX_OPERATIONS {
            known.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }

    /// Records one answered GraphQL request.
    pub fn observe(&self, operation: Option<&str>, seconds: f64, ok: bool) {
        let operation = self.operation(operation);
        let outcome = if ok { "ok" } else { "error" };
        self.requests
            .with_label_values(&[operation.as_str(), outcome])
            .inc();
        self.seconds
            .with_label_values(&[operation.as_str()])
            .observe(seconds);
    }

    /// The metrics as Prometheus text, with the pool and statement figures read now.
    pub fn render(
        &self,
        db: &Db,
        refusals: &crate::service::audit::RefusalSampler,
        documents: crate::graphql::documents::DocumentStats,
    ) -> String {
        for (measure, value) in [
            ("entries", documents.entries as u64),
            ("hits", documents.hits),
            ("misses", documents.misses),
        ] {
            self.documents
                .with_label_values(&[measure])
                .set(i64::try_from(value).unwrap_or(i64::MAX));
        }
        let (refused, audited) = refusals.counts();
        for (counter, seen, total) in [
            (
                &self.statements,
                &self.statements_seen,
                db.statement_count(),
            ),
            (&self.refusals, &self.refusals_seen, refused),
            (&self.refusals_audited, &self.refusals_audited_seen, audited),
        ] {
            let before = seen.swap(total, Ordering::Relaxed);
            counter.inc_by(total.saturating_sub(before));
        }
        let (size, idle) = match db.backend() {
            DbBackend::Sqlite => {
                let pool = db.conn().get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => {
                let pool = db.conn().get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
        };
        self.pool_connections.set(i64::from(size));
        self.pool_idle.set(i64::try_from(idle).unwrap_or(i64::MAX));
        let mut text = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            tracing::error!(%error, "encoding the metrics");
        }
        String::from_utf8(text).unwrap_or_default()
    }
}

/// Who may read `/metrics`.
#[derive(Clone)]
pub struct MetricsAccess {
    pub enabled: bool,
    pub token: Option<String>,
}

pub fn configure(cfg: &mut web::ServiceConfig, access: MetricsAccess) {
    cfg.app_data(web::Data::new(access))
        .route("/metrics", web::get().to(metrics));
}

async fn metrics(
    req: HttpRequest,
    access: web::Data<MetricsAccess>,
    metrics: web::Data<Metrics>,
    db: web::Data<Db>,
    authenticator: web::Data<super::Authenticator>,
    schemas: web::Data<crate::graphql::Schemas>,
) -> HttpResponse {
    if !access.enabled {
        return HttpResponse::NotFound().finish();
    }
    if let Some(token) = &access.token {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if sent != Some(token.as_str()) {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .finish();
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(metrics.render(&db, &authenticator.audit.refusals, schemas.document_stats()))
}
