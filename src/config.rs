//! Typed settings: built-in defaults, then an optional `banli.toml`, then `BANLI_*`
//! environment variables (the last one wins). With nothing configured banli serves on
//! 127.0.0.1:8080 from `./banli.db`, so a newcomer runs it with one command.

use std::net::SocketAddr;

use anyhow::Context as _;

use serde::{Deserialize, Serialize};

mod files;
mod load;
mod source;
pub use files::{FileSettings, StoreKind};
pub use load::LoadSettings;
pub use source::DEFAULT_CONFIG_FILE;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for log collectors in production.
    Json,
}

/// How banli talks to the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// A plain connection upgraded with STARTTLS, refused if the server cannot (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or a closed network.
    None,
}

/// What the server reveals about its own schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Introspection and "did you mean …" suggestions for every caller, so GraphiQL and
    /// client generators work against a local server.
    Development,
    /// Anonymous callers get neither: the public cannot map the schema. The default, so a
    /// server whose configuration was forgotten errs on the safe side.
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Production => "production",
        }
    }
}

/// Every setting of banli. Each field is also an environment variable: `BANLI_` plus
/// the field name in upper case (e.g. `BANLI_DATABASE_URL`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address and port to listen on (`BANLI_LISTEN`). Port 0 picks a free port.
    pub listen: SocketAddr,
    /// `sqlite://FILE` (created if missing) or `postgres://USER@HOST/DB` (`BANLI_DATABASE_URL`).
    pub database_url: String,
    /// Largest number of pooled database connections (`BANLI_DB_MAX_CONNECTIONS`).
    pub db_max_connections: u32,
    /// Seconds to wait for a pooled connection before a request fails (`BANLI_DB_ACQUIRE_TIMEOUT_SECS`).
    pub db_acquire_timeout_secs: u64,
    /// Milliseconds SQLite waits on a locked database before giving up (`BANLI_SQLITE_BUSY_TIMEOUT_MS`).
    pub sqlite_busy_timeout_ms: u64,
    /// Seconds a checked bearer token is trusted without asking the database again
    /// (`BANLI_AUTH_CACHE_SECS`; 0 looks every token up). Changes made by this process take
    /// effect at once; another process's (a second server, the CLI) within this time.
    pub auth_cache_secs: u64,
    /// Largest accepted request body in bytes (`BANLI_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// `pretty` or `json` (`BANLI_LOG_FORMAT`); the level comes from `BANLI_LOG` / `RUST_LOG`.
    pub log_format: LogFormat,
    /// Serve the GraphiQL page at `GET /graphql` (`BANLI_GRAPHIQL`).
    pub graphiql: bool,
    /// Apply pending migrations when the server starts (`BANLI_AUTO_MIGRATE`).
    pub auto_migrate: bool,
    /// Seconds in-flight requests get to finish on shutdown (`BANLI_SHUTDOWN_TIMEOUT_SECS`).
    pub shutdown_timeout_secs: u64,
    /// HTTP worker threads; 0 means one per CPU core (`BANLI_WORKERS`).
    pub workers: usize,
    /// `development` or `production` (`BANLI_ENVIRONMENT`): in production, anonymous callers
    /// get no introspection and no field suggestions in error messages.
    pub environment: Environment,
    /// Deepest selection a GraphQL query may nest (`BANLI_MAX_QUERY_DEPTH`).
    pub max_query_depth: usize,
    /// Largest cost a GraphQL query may have (`BANLI_MAX_QUERY_COMPLEXITY`): every field costs
    /// 1 plus what it selects, and a list costs its page size (`first`, default 20, at most
    /// 100; a fixed estimate for lists without `first`) times what one element selects. The
    /// default admits a 50-row suggestion list with lead deputy, assignments with their unit
    /// and replies (cost 8,650) and refuses 100 suggestions × 5 assignments × 20
    /// timeline events (10,200).
    pub max_query_complexity: usize,
    /// Most aliases a GraphQL document may use, a fragment's counted at every spread
    /// (`BANLI_MAX_QUERY_ALIASES`). Checked right after parsing, so an alias flood never
    /// reaches validation.
    pub max_query_aliases: usize,
    /// Most top-level fields the executed operation may select (`BANLI_MAX_ROOT_FIELDS`):
    /// bounds how many mutations one request runs.
    pub max_root_fields: usize,
    /// How long a GraphQL request may run, and how many run at once.
    #[serde(flatten)]
    pub load: LoadSettings,
    /// Wrong passwords in a row that lock an account (`BANLI_LOGIN_MAX_FAILURES`).
    pub login_max_failures: u32,
    /// Seconds a locked account stays locked (`BANLI_LOGIN_LOCKOUT_SECS`); also the window
    /// of `login_address_max_failures`.
    pub login_lockout_secs: u64,
    /// Failed sign-ins one client address may make per `login_lockout_secs`, over all
    /// accounts and all instances (`BANLI_LOGIN_ADDRESS_MAX_FAILURES`); then its sign-ins
    /// are refused RATE_LIMITED before any password is checked, so one address can neither
    /// guess on without end nor lock every account.
    pub login_address_max_failures: u32,
    /// Minutes a sign-in token lives at most, however busy (`BANLI_SESSION_ABSOLUTE_MINUTES`).
    pub session_absolute_minutes: u64,
    /// Minutes of inactivity after which a token expires (`BANLI_SESSION_IDLE_MINUTES`).
    pub session_idle_minutes: u64,
    /// Web origins (`https://host[:port]`) whose pages may call the API from a browser
    /// (`BANLI_CORS_ALLOWED_ORIGINS`, comma-separated). Empty: no cross-origin access; pages
    /// served from banli's own origin need no entry.
    #[serde(deserialize_with = "list_or_commas")]
    pub cors_allowed_origins: Vec<String>,
    /// Seconds a browser may reuse a CORS preflight answer (`BANLI_CORS_MAX_AGE_SECS`).
    pub cors_max_age_secs: usize,
    /// Reverse proxies (IP addresses or CIDR networks, e.g. `10.0.0.0/8`) whose
    /// `X-Forwarded-For` header banli believes (`BANLI_TRUSTED_PROXIES`, comma-separated).
    /// From any other peer the header is ignored, so a client cannot pick its own address
    /// to slip past the per-client rate limits.
    #[serde(deserialize_with = "list_or_commas")]
    pub trusted_proxies: Vec<String>,
    /// Seconds a CAPTCHA stays valid (`BANLI_CAPTCHA_TTL_SECS`).
    pub captcha_ttl_secs: u64,
    /// Characters a CAPTCHA shows (`BANLI_CAPTCHA_LENGTH`, 4–5).
    pub captcha_length: u32,
    /// CAPTCHAs one client may request per minute (`BANLI_CAPTCHA_PER_MINUTE`); counted in
    /// the database, over all instances.
    pub captcha_per_minute: u32,
    /// Public keyword searches (`publishedReplies(filter: {keyword})`) one server process
    /// runs at once (`BANLI_PUBLIC_SEARCH_CONCURRENCY`, at least 1); more wait up to 3 s and
    /// are then answered RATE_LIMITED, so anonymous searches never hold more than this many
    /// pooled connections.
    pub public_search_concurrency: usize,
    /// Test mode (`BANLI_CAPTCHA_TEST_ANSWER`): when set, every CAPTCHA's answer is this
    /// text instead of the drawn characters, so automated tests can pass the public form.
    /// Logged loudly at start-up; refused in production unless
    /// `captcha_test_mode_in_production` is also set.
    pub captcha_test_answer: Option<String>,
    /// Allows the CAPTCHA test mode in production (`BANLI_CAPTCHA_TEST_MODE_IN_PRODUCTION`),
    /// e.g. for a load test against a production build. Never on a public server.
    pub captcha_test_mode_in_production: bool,
    /// Feedback one client (IP address) may submit per window (`BANLI_FEEDBACK_PER_CLIENT`).
    pub feedback_per_client: u32,
    /// Length of the per-client window in seconds (`BANLI_FEEDBACK_PER_CLIENT_WINDOW_SECS`).
    pub feedback_per_client_window_secs: u32,
    /// Feedback one reply may receive per window, from everyone (`BANLI_FEEDBACK_PER_REPLY`):
    /// bounds a flood from many addresses.
    pub feedback_per_reply: u32,
    /// Length of the per-reply window in seconds (`BANLI_FEEDBACK_PER_REPLY_WINDOW_SECS`).
    pub feedback_per_reply_window_secs: u32,
    /// Seconds within which the same content from the same client on the same reply is a
    /// duplicate (`BANLI_FEEDBACK_DUPLICATE_WINDOW_SECS`).
    pub feedback_duplicate_window_secs: u32,
    /// Days after submission when a submitter's name, contact and address hash are erased
    /// (`BANLI_FEEDBACK_RETENTION_DAYS`); the server does this daily, `banli feedback purge`
    /// on demand.
    pub feedback_retention_days: u32,
    /// Seconds between runs of the server's chores (`BANLI_HOUSEKEEPING_INTERVAL_SECS`):
    /// deleting expired CAPTCHAs and erasing feedback contact details past retention.
    /// The first run is a minute after start; 0 switches the chores off (run
    /// `banli feedback purge` from cron instead).
    pub housekeeping_interval_secs: u64,
    /// The China-time hour after which the daily reminder pass runs on working days
    /// (`BANLI_REMINDER_HOUR`, 0–23).
    pub reminder_hour: u32,
    /// Calendar days before a due date at which the unit is told a case is due soon
    /// (`BANLI_REMINDER_DUE_SOON_DAYS`, e.g. `[15,5,1]`).
    pub reminder_due_soon_days: Vec<u32>,
    /// Working days after the assignment by which a unit should have signed for it; later,
    /// the unit and the office are told (`BANLI_REMINDER_SIGN_WITHIN_DAYS`).
    pub reminder_sign_within_days: u32,
    /// A deputy who has not rated a reply is told (测评提醒) when this many working days of
    /// the session's rating window are left (`BANLI_REMINDER_RATING_DAYS`; default 5).
    pub reminder_rating_days: u32,
    /// A TOML file with the deployment's own notice texts (`BANLI_NOTICE_TEMPLATES`); the
    /// kinds and keys it leaves out keep the shipped texts (`src/domain/notices.toml`).
    pub notice_templates: Option<std::path::PathBuf>,
    /// Seconds between the server's checks whether today's reminder pass is due
    /// (`BANLI_REMINDER_CHECK_SECS`); 0 switches the pass off (run `banli reminders run`
    /// from cron instead).
    pub reminder_check_secs: u64,
    /// Milliseconds between the checks for new notifications while anyone subscribes to
    /// `notificationAdded` (`BANLI_NOTIFICATION_POLL_MS`); 0 switches real time off.
    pub notification_poll_ms: u64,
    /// Open `notificationAdded` connections one user may have (`BANLI_SUBSCRIPTIONS_PER_USER`).
    pub subscriptions_per_user: usize,
    /// Open `notificationAdded` connections in all (`BANLI_SUBSCRIPTIONS_TOTAL`).
    pub subscriptions_total: usize,
    /// Milliseconds between the delivery worker's rounds (`BANLI_DELIVERY_POLL_MS`); 0
    /// switches it off (deliveries then wait in the outbox).
    pub delivery_poll_ms: u64,
    /// Seconds a worker's claim on a delivery holds (`BANLI_DELIVERY_LEASE_SECS`); a worker
    /// killed mid-send leaves it to be sent again after this.
    pub delivery_lease_secs: u64,
    /// Attempts per delivery before it is marked FAILED (`BANLI_DELIVERY_MAX_ATTEMPTS`).
    pub delivery_max_attempts: u32,
    /// Seconds before the second attempt; the wait doubles after each failure
    /// (`BANLI_DELIVERY_BACKOFF_SECS`), up to `delivery_backoff_max_secs`.
    pub delivery_backoff_secs: u64,
    pub delivery_backoff_max_secs: u64,
    /// Seconds a gateway may take to answer one call (`BANLI_DELIVERY_TIMEOUT_SECS`).
    pub delivery_timeout_secs: u64,
    /// The SMS provider gateway's URL (`BANLI_SMS_GATEWAY_URL`); unset: no SMS is sent
    /// (deliveries are marked SKIPPED).
    pub sms_gateway_url: Option<String>,
    /// The shared secret the gateway checks each call's HMAC-SHA256 signature with
    /// (`BANLI_SMS_GATEWAY_SECRET`).
    pub sms_gateway_secret: Option<String>,
    /// The signature registered with the provider, shown as 【…】 (`BANLI_SMS_SIGNATURE`).
    pub sms_signature: String,
    /// The provider's registered template id for notices (`BANLI_SMS_TEMPLATE_ID`).
    pub sms_template_id: String,
    /// Segments (70 Chinese characters; 67 each in a longer message) an SMS may take
    /// (`BANLI_SMS_MAX_SEGMENTS`); a longer notice is cut with "…".
    pub sms_max_segments: usize,
    /// The office's OA system's webhook (`BANLI_WEBHOOK_URL`); unset: webhook deliveries are
    /// marked SKIPPED.
    pub webhook_url: Option<String>,
    /// The shared secret of each call's HMAC-SHA256 signature (`BANLI_WEBHOOK_SECRET`).
    pub webhook_secret: Option<String>,
    /// The SMTP server for e-mail notices (`BANLI_SMTP_HOST`); unset: no e-mail is sent
    /// (deliveries are marked SKIPPED).
    pub smtp_host: Option<String>,
    /// Its port (`BANLI_SMTP_PORT`): 587 for STARTTLS, 465 for TLS, 25 for a plain relay.
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none` (`BANLI_SMTP_SECURITY`); `none` only to a relay on the
    /// same host or a closed network.
    pub smtp_security: SmtpSecurity,
    /// Credentials, if the server asks for them (`BANLI_SMTP_USERNAME`, `BANLI_SMTP_PASSWORD`).
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// The sender, e.g. `人大代表建议办理 <banli@rd.example.gov.cn>` (`BANLI_SMTP_FROM`).
    pub smtp_from: String,
    /// Seconds browsers and proxies may cache answers to public read queries sent with
    /// `GET` (`BANLI_PUBLIC_CACHE_SECS`); 0 sends `no-store`.
    pub public_cache_secs: u32,
    /// Serve the example public page at `/examples/public-form/` (`BANLI_SERVE_EXAMPLES`).
    pub serve_examples: bool,
    /// Serve `GET /metrics` in the Prometheus text format (`BANLI_METRICS_ENABLED`; off by
    /// default: a 404).
    pub metrics_enabled: bool,
    /// When set, `/metrics` answers only `Authorization: Bearer <this>`
    /// (`BANLI_METRICS_TOKEN`).
    pub metrics_token: Option<String>,
    /// A file holding the audit key (`BANLI_AUDIT_KEY_FILE`; at least 32 bytes, kept outside
    /// the database and its backups): new audit rows are hashed with HMAC-SHA256 under it
    /// and checkpoints are signed with it, so the chain cannot be recomputed without it.
    pub audit_key_file: Option<String>,
    /// Where the server appends checkpoints of the audit log's head
    /// (`BANLI_AUDIT_CHECKPOINT_FILE`); unset: beside an SQLite database file
    /// (`banli.db.audit-checkpoints`), none on PostgreSQL. `banli audit verify` compares the
    /// log with every checkpoint, which shows rows cut off its end.
    pub audit_checkpoint_file: Option<String>,
    /// Seconds between checkpoints, written when the log grew
    /// (`BANLI_AUDIT_CHECKPOINT_SECS`; 0: none).
    pub audit_checkpoint_secs: u64,
    /// Files received: attachments (where they are kept, how large) and the import's limits.
    #[serde(flatten)]
    pub files: FileSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://banli.db".to_owned(),
            db_max_connections: 8,
            db_acquire_timeout_secs: 10,
            sqlite_busy_timeout_ms: 10_000,
            auth_cache_secs: 5,
            max_body_bytes: 1024 * 1024,
            log_format: LogFormat::Pretty,
            graphiql: true,
            auto_migrate: true,
            shutdown_timeout_secs: 30,
            workers: 0,
            environment: Environment::Production,
            max_query_depth: 15,
            max_query_complexity: 10_000,
            max_query_aliases: 30,
            max_root_fields: 20,
            load: LoadSettings::default(),
            login_max_failures: 5,
            login_lockout_secs: 15 * 60,
            login_address_max_failures: 30,
            session_absolute_minutes: 12 * 60,
            session_idle_minutes: 30,
            cors_allowed_origins: Vec::new(),
            cors_max_age_secs: 3600,
            trusted_proxies: Vec::new(),
            captcha_ttl_secs: 300,
            captcha_length: 4,
            captcha_per_minute: 20,
            public_search_concurrency: 2,
            captcha_test_answer: None,
            captcha_test_mode_in_production: false,
            feedback_per_client: 5,
            feedback_per_client_window_secs: 3600,
            feedback_per_reply: 200,
            feedback_per_reply_window_secs: 3600,
            feedback_duplicate_window_secs: 24 * 3600,
            feedback_retention_days: 180,
            housekeeping_interval_secs: 3600,
            reminder_hour: 9,
            reminder_due_soon_days: vec![15, 5, 1],
            reminder_sign_within_days: 3,
            reminder_rating_days: 5,
            notice_templates: None,
            reminder_check_secs: 300,
            notification_poll_ms: 200,
            subscriptions_per_user: 5,
            subscriptions_total: 1_000,
            delivery_poll_ms: 1_000,
            delivery_lease_secs: 120,
            delivery_max_attempts: 5,
            delivery_backoff_secs: 60,
            delivery_backoff_max_secs: 3_600,
            delivery_timeout_secs: 10,
            sms_gateway_url: None,
            sms_gateway_secret: None,
            sms_signature: "人大代表建议办理".to_owned(),
            sms_template_id: "BANLI_NOTICE".to_owned(),
            sms_max_segments: 2,
            webhook_url: None,
            webhook_secret: None,
            smtp_host: None,
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: None,
            smtp_password: None,
            smtp_from: "人大代表建议办理 <banli@localhost>".to_owned(),
            public_cache_secs: 60,
            serve_examples: false,
            metrics_enabled: false,
            metrics_token: None,
            audit_key_file: None,
            audit_checkpoint_file: None,
            audit_checkpoint_secs: 300,
            files: FileSettings::default(),
        }
    }
}

impl Settings {
    /// Refuses settings that would fail later or mean something else than they say.
    /// How failed deliveries are tried again.
    pub fn delivery_backoff(&self) -> crate::domain::delivery::Backoff {
        let secs = |s: u64| chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
        crate::domain::delivery::Backoff {
            attempts: self.delivery_max_attempts.max(1),
            first: secs(self.delivery_backoff_secs),
            longest: secs(
                self.delivery_backoff_max_secs
                    .max(self.delivery_backoff_secs),
            ),
        }
    }

    /// The notice texts these settings give: the shipped ones, with the deployment's file
    /// (`notice_templates`) in their place where it says so.
    pub fn notice_texts(&self) -> anyhow::Result<crate::domain::templates::Templates> {
        use crate::domain::templates::Templates;
        let Some(path) = &self.notice_templates else {
            return Ok(Templates::defaults());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading notice_templates {}", path.display()))?;
        Templates::with_overrides(&text).with_context(|| format!("in {}", path.display()))
    }

    /// The reminder rules these settings give.
    pub fn reminder_rules(&self) -> crate::domain::reminder::ReminderRules {
        crate::domain::reminder::ReminderRules {
            due_soon_days: self.reminder_due_soon_days.clone(),
            sign_within_working_days: self.reminder_sign_within_days,
            rating_warning_working_days: self.reminder_rating_days,
        }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        for origin in &self.cors_allowed_origins {
            check_origin(origin)?;
        }
        self.trusted_proxy_networks()?;
        anyhow::ensure!(
            (4..=5).contains(&self.captcha_length),
            "captcha_length must be 4–5, got {}",
            self.captcha_length
        );
        anyhow::ensure!(
            self.public_search_concurrency >= 1,
            "public_search_concurrency must be at least 1"
        );
        anyhow::ensure!(
            self.captcha_ttl_secs >= 30,
            "captcha_ttl_secs must be at least 30"
        );
        anyhow::ensure!(
            self.reminder_hour <= 23,
            "reminder_hour must be 0–23, got {}",
            self.reminder_hour
        );
        anyhow::ensure!(
            self.reminder_due_soon_days
                .iter()
                .all(|d| (1..=90).contains(d)),
            "reminder_due_soon_days must be 1–90 days each"
        );
        self.validate_delivery()?;
        self.files.validate()?;
        if let Some(answer) = &self.captcha_test_answer {
            anyhow::ensure!(
                crate::domain::captcha::normalise_answer(answer).is_some(),
                "captcha_test_answer must not be blank"
            );
            anyhow::ensure!(
                self.environment != Environment::Production || self.captcha_test_mode_in_production,
                "验证码测试模式不能在生产环境中开启 (captcha_test_answer is set while environment is \
                 production; unset it, or set captcha_test_mode_in_production to force it)"
            );
        }
        Ok(())
    }

    /// The delivery worker's and the SMS gateway's settings.
    fn validate_delivery(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.delivery_max_attempts >= 1 && self.delivery_lease_secs >= 2,
            "delivery_max_attempts must be at least 1 and delivery_lease_secs at least 2"
        );
        anyhow::ensure!(
            (1..=5).contains(&self.sms_max_segments),
            "sms_max_segments must be 1–5, got {}",
            self.sms_max_segments
        );
        if let Some(host) = &self.smtp_host {
            anyhow::ensure!(!host.trim().is_empty(), "smtp_host must not be blank");
            anyhow::ensure!(
                self.smtp_from.parse::<lettre::message::Mailbox>().is_ok(),
                "smtp_from must be a mailbox such as `banli <banli@example.gov.cn>`, got {:?}",
                self.smtp_from
            );
        }
        for (name, url, secret) in [
            (
                "sms_gateway",
                &self.sms_gateway_url,
                &self.sms_gateway_secret,
            ),
            ("webhook", &self.webhook_url, &self.webhook_secret),
        ] {
            if let Some(url) = url {
                anyhow::ensure!(
                    url.starts_with("https://") || url.starts_with("http://"),
                    "{name}_url must be an http(s) URL, got {url:?}"
                );
                anyhow::ensure!(
                    secret.as_ref().is_some_and(|s| s.len() >= 16),
                    "{name}_secret must be set (at least 16 characters) when {name}_url is"
                );
            }
        }
        Ok(())
    }

    /// `trusted_proxies` parsed: each entry an IP address or a CIDR network.
    pub fn trusted_proxy_networks(&self) -> anyhow::Result<Vec<ipnet::IpNet>> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "trusted_proxies: {entry:?} is not an IP address or CIDR network"
                        )
                    })
            })
            .collect()
    }

    /// True when the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The audit checkpoint file: as set, else beside an SQLite database file.
    pub fn audit_checkpoint_path(&self) -> Option<std::path::PathBuf> {
        if let Some(path) = self.audit_checkpoint_file.as_deref() {
            return (!path.trim().is_empty()).then(|| std::path::PathBuf::from(path));
        }
        let file = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))?;
        let file = file.split('?').next().unwrap_or(file);
        (!file.is_empty() && !file.contains(":memory:"))
            .then(|| std::path::PathBuf::from(format!("{file}.audit-checkpoints")))
    }
}

/// A browser sends `Origin` as exactly `scheme://host[:port]`; an entry written any other
/// way (a trailing slash, a path, a wildcard) would never match, so it is refused at start-up.
fn check_origin(origin: &str) -> anyhow::Result<()> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let valid = rest.is_some_and(|host| {
        !host.is_empty()
            && !host.contains(['/', '?', '#', '@', '*', ' '])
            && origin.parse::<actix_web::http::Uri>().is_ok()
    });
    anyhow::ensure!(
        valid,
        "cors_allowed_origins: {origin:?} 不是有效的来源 (is not an origin like https://host or http://host:port, without path or trailing slash)"
    );
    Ok(())
}

/// Accepts a TOML list, or one string of comma-separated entries (as an environment
/// variable carries it).
fn list_or_commas<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        Text(String),
    }
    let items = match ListOrString::deserialize(deserializer)? {
        ListOrString::List(items) => items,
        ListOrString::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    Ok(items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captcha_test_mode_is_refused_in_production_unless_forced() {
        let mut settings = Settings {
            captcha_test_answer: Some("TEST".into()),
            ..Settings::default()
        };
        assert_eq!(settings.environment, Environment::Production);
        let refused = settings.validate().unwrap_err().to_string();
        assert!(
            refused.contains("captcha_test_mode_in_production"),
            "{refused}"
        );
        settings.captcha_test_mode_in_production = true;
        assert!(settings.validate().is_ok());
        settings.captcha_test_mode_in_production = false;
        settings.environment = Environment::Development;
        assert!(settings.validate().is_ok());
        settings.captcha_test_answer = Some("  ".into());
        assert!(settings.validate().is_err(), "a blank answer");
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let mut settings = Settings {
            trusted_proxies: vec!["10.0.0.0/8".into(), "127.0.0.1".into(), "::1".into()],
            ..Settings::default()
        };
        assert_eq!(settings.trusted_proxy_networks().unwrap().len(), 3);
        settings.trusted_proxies.push("proxy.example".into());
        assert!(settings.validate().is_err());
    }

    #[test]
    fn defaults_serve_locally_from_an_sqlite_file() {
        let settings = Settings::default();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.database_url, "sqlite://banli.db");
        assert!(settings.is_sqlite());
    }

    #[test]
    fn production_is_the_default_environment() {
        assert_eq!(Settings::default().environment, Environment::Production);
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own error type
    fn hardening_settings_from_file_and_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "banli.toml",
                "cors_allowed_origins = [\"https://a.example\"]\nmax_root_fields = 5\n",
            )?;
            let settings = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(settings.cors_allowed_origins, ["https://a.example"]);
            assert_eq!(settings.max_root_fields, 5);
            assert_eq!(settings.environment, Environment::Production);

            jail.set_env("BANLI_ENVIRONMENT", "development");
            jail.set_env(
                "BANLI_CORS_ALLOWED_ORIGINS",
                "https://a.example, http://10.1.2.3:8081",
            );
            jail.set_env("BANLI_MAX_QUERY_ALIASES", "7");
            let settings = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(settings.environment, Environment::Development);
            assert_eq!(
                settings.cors_allowed_origins,
                ["https://a.example", "http://10.1.2.3:8081"]
            );
            assert_eq!(settings.max_query_aliases, 7);
            settings.validate().map_err(|e| e.to_string())?;

            jail.set_env("BANLI_ENVIRONMENT", "staging");
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn origins_must_be_written_as_browsers_send_them() {
        for good in [
            "https://banli.example.gov.cn",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
        ] {
            assert!(check_origin(good).is_ok(), "{good}");
        }
        for bad in [
            "https://banli.example.gov.cn/",
            "https://banli.example.gov.cn/app",
            "banli.example.gov.cn",
            "ftp://banli.example.gov.cn",
            "*",
            "https://*.example.gov.cn",
            "https://",
            "https://user@host",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }
}
