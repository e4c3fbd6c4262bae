//! Building and running the application: the listener is bound here (port 0 works, which
//! is how tests start the real server), migrations are applied, and the schema is built
//! once and shared by every worker.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context as _;

use crate::config::Settings;
use crate::db::Db;
use crate::domain::time::{Clock, SystemClock};
use crate::graphql;
use crate::service::audit::AuditLog;

/// Brings the database up to this build: applies pending migrations, then derives what the
/// schema alone cannot make — the deadline history of assignments from before it was kept
/// (by the workflow's rule, once) and the search index (built by banli's tokenizer; rebuilt
/// when a new build tokenizes differently).
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    db.migrate().await?;
    crate::service::deadline::upgrade_spans(db)
        .await
        .map_err(|e| anyhow::anyhow!("filling in the deadline history: {e:?}"))?;
    crate::service::search::ensure_current(db)
        .await
        .map_err(|e| anyhow::anyhow!("building the search index: {e:?}"))?;
    Ok(())
}

/// The server's background tasks: the housekeeping chores, the daily reminder pass, the
/// delivery worker, the listener for other instances' sign-outs and user changes
/// (PostgreSQL), and the checkpoints of the audit log's head written outside the database.
/// Each may be switched off by its setting.
fn spawn_tasks(
    settings: &Settings,
    db: &Db,
    audit: &Arc<AuditLog>,
    tokens: Arc<crate::service::token_cache::TokenCache>,
    clock: &Arc<dyn Clock>,
    delivery_worker: crate::delivery::Worker,
    files: Arc<crate::service::attachment::FileStore>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let housekeeping = crate::housekeeping::spawn(
        db.clone(),
        Arc::clone(audit),
        Arc::clone(clock),
        settings.feedback_retention_days,
        Duration::from_secs(settings.housekeeping_interval_secs),
        crate::housekeeping::Files {
            store: files,
            grace: Duration::from_secs(settings.files.attachment_orphan_grace_hours * 3600),
        },
    );
    let reminders = crate::reminders::spawn(
        db.clone(),
        Arc::clone(clock),
        settings.reminder_rules(),
        settings.reminder_hour,
        Duration::from_secs(settings.reminder_check_secs),
    );
    let deliveries = crate::delivery::spawn(
        delivery_worker,
        Duration::from_millis(settings.delivery_poll_ms),
    );
    let auth_listener = crate::service::token_cache::listen(db.clone(), tokens);
    let audit_checkpoints = crate::service::audit::anchor::spawn(
        db.clone(),
        audit.anchors.clone(),
        Arc::clone(clock),
        Duration::from_secs(settings.audit_checkpoint_secs),
    );
    [
        housekeeping,
        reminders,
        deliveries,
        auth_listener,
        audit_checkpoints,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Says in the log where banli listens and how it is set up, and warns of settings that must
/// not reach a real server (the CAPTCHA test mode, development mode).
fn announce(settings: &Settings, port: u16, backend: sea_orm::DbBackend) {
    let host = match settings.listen.ip() {
        ip if ip.is_unspecified() => "localhost".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    tracing::info!(
        url = %format_args!("http://{host}:{port}/graphql"),
        version = %crate::build_info::LONG_VERSION,
        database = %crate::db::without_password(&settings.database_url),
        graphiql = crate::http::graphiql::available() && settings.graphiql,
        serve_examples = settings.serve_examples,
        backend = ?backend,
        environment = %settings.environment.as_str(),
        cors_allowed_origins = ?settings.cors_allowed_origins,
        "banli is listening"
    );
    if let Some(answer) = &settings.captcha_test_answer {
        tracing::warn!(
            test_answer = %answer,
            "!!! CAPTCHA TEST MODE: every CAPTCHA accepts the fixed test answer; the public forms are NOT protected. Never run a public server like this. !!!"
        );
    }
    if settings.environment == crate::config::Environment::Development {
        tracing::warn!(
            "development mode: every caller gets introspection and field suggestions; set BANLI_ENVIRONMENT=production on a real server"
        );
    }
}

/// What the routes are configured with, for every worker.
#[derive(Clone)]
struct Routes {
    max_body: usize,
    graphiql: bool,
    serve_examples: bool,
    cors_origins: Vec<String>,
    cors_max_age: usize,
    import_limits: crate::service::import::ImportLimits,
    metrics_access: crate::http::metrics::MetricsAccess,
}

impl Routes {
    fn from_settings(settings: &Settings) -> Self {
        Self {
            max_body: settings.max_body_bytes,
            graphiql: settings.graphiql,
            serve_examples: settings.serve_examples,
            cors_origins: settings.cors_allowed_origins.clone(),
            cors_max_age: settings.cors_max_age_secs,
            import_limits: crate::service::import::ImportLimits {
                max_bytes: settings.files.import_max_bytes,
                max_rows: settings.files.import_max_rows,
            },
            metrics_access: crate::http::metrics::MetricsAccess {
                enabled: settings.metrics_enabled,
                token: settings.metrics_token.clone().filter(|t| !t.is_empty()),
            },
        }
    }
}

/// Real time: the poller of new notifications (while anyone subscribes) and the limits of
/// the open subscriptions.
fn real_time(
    settings: &Settings,
    db: &Db,
    policies: &graphql::Policies,
) -> (
    Option<tokio::task::JoinHandle<()>>,
    web::Data<Arc<crate::http::subscription::Subscriptions>>,
) {
    let poller = policies.feed.spawn_poller(
        db.clone(),
        Duration::from_millis(settings.notification_poll_ms),
    );
    let subscriptions = web::Data::new(crate::http::subscription::Subscriptions::new(
        settings.subscriptions_per_user,
        settings.subscriptions_total,
        settings.cors_allowed_origins.clone(),
    ));
    (poller, subscriptions)
}

/// The attachment store (its directories made, so a server that cannot write there says so
/// now) and what the upload and download routes share.
fn uploads(
    settings: &Settings,
    policies: &graphql::Policies,
) -> anyhow::Result<(
    Arc<crate::service::attachment::FileStore>,
    web::Data<crate::http::upload::Uploads>,
)> {
    policies.files.prepare()?;
    let uploads = crate::http::upload::Uploads::from_settings(
        settings,
        Arc::clone(&policies.files),
        Arc::clone(&policies.links),
    );
    Ok((Arc::clone(&policies.files), web::Data::new(uploads)))
}

pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    /// The audit log's key, checkpoints and refusal sampling.
    audit: Arc<AuditLog>,
    /// The background tasks, stopped with the server.
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Connects to the database, migrates it (unless disabled) and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Db::connect(&settings).await?;
        if settings.auto_migrate {
            migrate(&db).await?;
        }
        Self::build_with(&settings, db, Arc::new(SystemClock))
    }

    /// Builds the server over an open database with a given clock (tests pin the clock).
    pub fn build_with(settings: &Settings, db: Db, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        settings.validate()?;
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let policies = graphql::Policies::from_settings(settings)?;
        let (feed_poller, subscriptions) = real_time(settings, &db, &policies);
        let audit = Arc::clone(&policies.audit);
        let tokens = Arc::clone(&policies.tokens);
        let auth_policy = policies.auth;
        let (files, uploads) = uploads(settings, &policies)?;
        let schemas = web::Data::new(graphql::Schemas::build(
            db.clone(),
            Arc::clone(&clock),
            graphql::Limits::from_settings(settings),
            policies,
            settings.environment,
        ));
        let authenticator = web::Data::new(crate::http::Authenticator {
            policy: auth_policy,
            tokens: Arc::clone(&tokens),
            audit: Arc::clone(&audit),
            clock: Arc::clone(&clock),
            trusted_proxies: settings.trusted_proxy_networks()?,
        });
        let timeout = web::Data::new(crate::http::RequestTimeout::new(
            &settings.load,
            actix_workers(settings),
        ));
        let db_data = web::Data::new(db.clone());
        let public_cache = web::Data::new(crate::http::public_get::PublicCache {
            max_age_secs: settings.public_cache_secs,
        });
        // One set of metrics for the process, shared by every worker.
        let metrics = web::Data::new(crate::http::metrics::Metrics::new()?);
        let routes = Routes::from_settings(settings);
        let mut server = HttpServer::new(move || {
            let r = routes.clone();
            App::new()
                .wrap(crate::http::cors(&r.cors_origins, r.cors_max_age))
                .wrap(Compress::default())
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(actix_web::middleware::from_fn(
                    crate::http::access_log::log_request,
                ))
                .app_data(schemas.clone())
                .app_data(db_data.clone())
                .app_data(timeout.clone())
                .app_data(authenticator.clone())
                .app_data(public_cache.clone())
                .app_data(metrics.clone())
                .app_data(subscriptions.clone())
                .app_data(uploads.clone())
                .configure(|cfg| crate::http::metrics::configure(cfg, r.metrics_access.clone()))
                .configure(|cfg| crate::http::configure(cfg, r.max_body, r.graphiql))
                .configure(|cfg| crate::http::examples::configure(cfg, r.serve_examples))
                .configure(|cfg| crate::http::sheets::configure(cfg, r.import_limits))
                .configure(crate::http::files::configure)
        })
        .shutdown_timeout(settings.shutdown_timeout_secs)
        .client_request_timeout(Duration::from_secs(30));
        server = server.workers(actix_workers(settings));
        let server = server.listen(listener)?.run();
        announce(settings, port, db.backend());
        let worker =
            crate::delivery::Worker::from_settings(settings, db.clone(), Arc::clone(&clock))?;
        let mut tasks = spawn_tasks(settings, &db, &audit, tokens, &clock, worker, files);
        tasks.extend(feed_poller);
        Ok(Self {
            port,
            server,
            db,
            audit,
            tasks,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The audit log's anchors and refusal sampling this server appends and verifies with.
    pub fn audit_log(&self) -> &Arc<AuditLog> {
        &self.audit
    }

    /// Serves until SIGINT/SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for task in self.tasks {
            task.abort();
        }
        self.db.close().await;
        result
    }
}

/// The HTTP workers: `workers`, or one per CPU (actix-web's default) when it is 0.
fn actix_workers(settings: &Settings) -> usize {
    if settings.workers > 0 {
        settings.workers
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
}
