//! `spawn_app()` and a `TestApp` with one method per operation, so tests read as
//! arrange / act / assert.

use std::sync::{Arc, Once};

use banli::config::Settings;
use banli::db::Db;
use banli::domain::time::Clock;
use banli::startup::Application;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

/// A clock pinned to 2026-11-22 10:00 in Shanghai, so "today" never moves under a test;
/// tests of expiry move it on explicitly.
pub struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl FixedClock {
    #[allow(dead_code)]
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(std::sync::Mutex::new(at))
    }

    #[allow(dead_code)]
    pub fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
}

pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 2, 0, 0).unwrap()
}

#[derive(Clone)]
pub struct TestApp {
    pub address: String,
    pub db: Db,
    /// The server's audit log: its anchors (key, checkpoints) and refusal sampling.
    #[allow(dead_code)]
    pub audit: Arc<banli::service::audit::AuditLog>,
    /// The database URL, for tests that run the `banli` binary against the same database.
    pub database_url: String,
    /// `sqlite` or `postgres`: which database this test runs on.
    #[allow(dead_code)]
    pub backend: &'static str,
    /// The bearer token sent with every request; `None` calls as the public.
    pub token: Option<String>,
    /// The server's clock.
    #[allow(dead_code)]
    pub clock: Arc<FixedClock>,
    client: awc::Client,
    /// Where this app keeps attachment files (in the test's temporary directory).
    #[allow(dead_code)]
    pub files_dir: std::path::PathBuf,
    /// The attachment settings the server runs with (its store: local or S3).
    #[allow(dead_code)]
    pub files: banli::config::FileSettings,
    _dir: Arc<tempfile::TempDir>,
}

/// The office administrator every test app starts signed in as.
pub const ADMIN: (&str, &str) = ("test-admin", "test admin password 2026");

/// The password of every user [`TestApp::user`] creates.
pub const USER_PASSWORD: &str = "correct horse battery 2026";
/// The public form's mutation.
pub const SUBMIT_FEEDBACK: &str = "mutation($input: SubmitPublicFeedbackInput!) {
    submitPublicFeedback(input: $input) { lookupCode userErrors { field code message retryAfterSeconds } } }";
/// The answer every CAPTCHA accepts in the tests (CAPTCHA test mode).
pub const CAPTCHA_TEST_ANSWER: &str = "TEST";

static ANNOUNCE: Once = Once::new();

static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// Drops the test databases earlier runs left behind (each test makes its own and keeps
/// it for inspection until the next run), once per test process and before it makes any;
/// one still in use is left alone.
async fn sweep(admin_url: &str) {
    let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url).await else {
        return;
    };
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'banli\\_t\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    for name in names {
        // The names are ours (checked just above to be banli_t_…), not user input.
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

/// A fresh, migrated database for one test.
async fn fresh_database() -> (String, &'static str) {
    match std::env::var("BANLI_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.trim().is_empty() => {
            SWEPT.get_or_init(|| sweep(&admin_url)).await;
            let name = format!("banli_t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                .await
                .expect("BANLI_TEST_DATABASE_URL must point at a reachable PostgreSQL");
            // The name is ours (a UUID), not user input.
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create a test database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            (format!("{base}/{name}"), "postgres")
        }
        _ => {
            ANNOUNCE.call_once(|| {
                eprintln!("banli tests: SQLite only; PostgreSQL skipped (BANLI_TEST_DATABASE_URL is not set)");
            });
            (String::new(), "sqlite")
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// An app whose audit log is still empty: the administrator exists but has not signed
/// in (signing in is a mutation, and leaves an audit row). Calls go out as the public.
#[allow(dead_code)]
pub async fn spawn_bare_app() -> TestApp {
    spawn(|_| {}, false).await
}

/// [`spawn_bare_app`] with adjusted settings.
#[allow(dead_code)]
pub async fn spawn_bare_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(adjust, false).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(adjust, true).await
}

/// The settings every test server starts from, over `database_url`.
fn test_settings(database_url: &str, files_dir: &std::path::Path) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.to_owned(),
        workers: 1,
        // Tests run the chores themselves, so no background statements race the
        // statement counts.
        housekeeping_interval_secs: 0,
        reminder_check_secs: 0,
        // Tests run the delivery worker themselves, on the test's clock.
        delivery_poll_ms: 0,
        // The public form tests pass the CAPTCHA with this answer (the test mode, forced
        // on although the environment is production, as in a production load test).
        captcha_test_answer: Some(CAPTCHA_TEST_ANSWER.to_owned()),
        captcha_test_mode_in_production: true,
        // Every test client is 127.0.0.1; the limiter has its own test.
        captcha_per_minute: 10_000,
        files: banli::config::FileSettings {
            attachments_dir: Some(files_dir.display().to_string()),
            ..Default::default()
        },
        ..Settings::default()
    }
}

async fn spawn(adjust: impl FnOnce(&mut Settings), sign_in: bool) -> TestApp {
    let (database_url, backend) = fresh_database().await;
    // The SQLite database (on SQLite) and the attachment files of this test.
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = if database_url.is_empty() {
        format!("sqlite://{}", dir.path().join("banli.db").display())
    } else {
        database_url
    };
    let files_dir = dir.path().join("files");
    let mut settings = test_settings(&database_url, &files_dir);
    adjust(&mut settings);
    let db = Db::connect(&settings).await.expect("connect");
    banli::startup::migrate(&db).await.expect("migrate");
    let clock = Arc::new(FixedClock(std::sync::Mutex::new(fixed_now())));
    let files = settings.files.clone();
    let app = Application::build_with(&settings, db.clone(), clock.clone()).expect("build");
    let address = format!("http://127.0.0.1:{}", app.port());
    let audit = Arc::clone(app.audit_log());
    actix_web::rt::spawn(app.run_until_stopped());
    banli::service::account::create_user(
        &db,
        banli::service::account::NewUser {
            username: ADMIN.0.into(),
            display_name: "测试管理员".into(),
            role: banli::domain::access::Role::OfficeAdmin,
            unit_id: None,
            deputy_id: None,
            password: ADMIN.1.into(),
        },
        fixed_now(),
    )
    .await
    .expect("create the test administrator");
    let mut app = TestApp {
        address,
        db,
        audit,
        backend,
        token: None,
        database_url,
        clock,
        client: awc::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .finish(),
        files_dir,
        files,
        _dir: Arc::new(dir),
    };
    if sign_in {
        app.token = Some(app.login(ADMIN.0, ADMIN.1).await);
    }
    app
}

/// The global ID of the object at `path` in `data`, e.g. `createSession.session.id`.
pub fn id_at(data: &Value, path: &str) -> String {
    let mut v = data;
    for key in path.split('.') {
        v = match key.parse::<usize>() {
            Ok(index) => &v[index],
            Err(_) => &v[key],
        };
    }
    v.as_str()
        .unwrap_or_else(|| panic!("no id at {path} in {data:#}"))
        .to_owned()
}

/// The error codes of `payload.userErrors`.
pub fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {payload:#}"))
        .iter()
        .map(|e| e["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The field paths of `payload.userErrors`, joined with dots.
pub fn fields(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect()
}

impl TestApp {
    /// Another server instance over this app's database (as a second process behind a load
    /// balancer would be), with its own settings and in-memory state; calls go out with
    /// this app's token.
    #[allow(dead_code)]
    pub async fn second_instance(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = test_settings(&self.database_url, &self.files_dir);
        adjust(&mut settings);
        let db = Db::connect(&settings).await.expect("connect");
        let app =
            Application::build_with(&settings, db.clone(), self.clock.clone()).expect("build");
        let address = format!("http://127.0.0.1:{}", app.port());
        let audit = Arc::clone(app.audit_log());
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            address,
            db,
            audit,
            ..self.clone()
        }
    }

    /// POSTs a raw body (with this app's token); returns the status and the body text.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> (u16, String) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .insert_header(("content-type", content_type));
        if let Some(token) = &self.token {
            request = request.insert_header(("authorization", format!("Bearer {token}")));
        }
        let mut response = request.send_body(body.into()).await.expect("request");
        let bytes = response.body().limit(64 * 1024 * 1024).await.expect("body");
        (
            response.status().as_u16(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// Sends any request with the given headers; returns the status, the response headers
    /// and the body text.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> (u16, awc::http::header::HeaderMap, String) {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = request.send_body(body.into()).await.expect("request");
        let bytes = response.body().limit(64 * 1024 * 1024).await.expect("body");
        (
            response.status().as_u16(),
            response.headers().clone(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// A GraphQL multipart request (operations, map, then one part per file) with this
    /// app's token and `headers`; `files` are (variable path, file name, bytes). Returns
    /// the status and the body as JSON.
    #[allow(dead_code)]
    pub async fn upload(
        &self,
        query: &str,
        variables: Value,
        files: &[(&str, &str, &[u8])],
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        const BOUNDARY: &str = "banli-test-7d3f9c1e";
        let mut body = Vec::new();
        let part = |body: &mut Vec<u8>, disposition: String, bytes: &[u8]| {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n{disposition}\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        };
        let operations = json!({"query": query, "variables": variables}).to_string();
        part(
            &mut body,
            "Content-Disposition: form-data; name=\"operations\"".into(),
            operations.as_bytes(),
        );
        let map: serde_json::Map<String, Value> = files
            .iter()
            .enumerate()
            .map(|(i, (path, _, _))| (i.to_string(), json!([path])))
            .collect();
        part(
            &mut body,
            "Content-Disposition: form-data; name=\"map\"".into(),
            Value::Object(map).to_string().as_bytes(),
        );
        for (i, (_, name, bytes)) in files.iter().enumerate() {
            part(
                &mut body,
                format!("Content-Disposition: form-data; name=\"{i}\"; filename=\"{name}\"\r\nContent-Type: application/pdf"),
                bytes,
            );
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        if let Some(token) = &self.token {
            request = request.insert_header(("authorization", format!("Bearer {token}")));
        }
        let mut response = match request.send_body(body).await {
            Ok(response) => response,
            // The server may answer and close before the whole body was sent (a refused
            // upload): the client then sees the connection go.
            Err(e) => return (0, json!({"sendError": e.to_string()})),
        };
        let bytes = response.body().limit(64 * 1024 * 1024).await.expect("body");
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("JSON response: {}", String::from_utf8_lossy(&bytes)));
        (response.status().as_u16(), value)
    }

    /// GETs `path` with this app's token and `headers`; returns the status, the headers
    /// and the body's bytes.
    #[allow(dead_code)]
    pub async fn get_bytes(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
        let mut request = self.client.get(format!("{}{path}", self.address));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        if let Some(token) = &self.token {
            request = request.insert_header(("authorization", format!("Bearer {token}")));
        }
        let mut response = request.send().await.expect("request");
        let bytes = response.body().limit(64 * 1024 * 1024).await.expect("body");
        (
            response.status().as_u16(),
            response.headers().clone(),
            bytes.to_vec(),
        )
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let mut response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request");
        let bytes = response.body().limit(64 * 1024 * 1024).await.expect("body");
        (
            response.status().as_u16(),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// POSTs a GraphQL operation with this app's token; returns the status and the body.
    pub async fn post_graphql(&self, query: &str, variables: Value) -> (u16, Value) {
        self.post_graphql_with(query, variables, &[]).await
    }

    /// Like `post_graphql`, with extra request headers (e.g. `X-Forwarded-For`).
    pub async fn post_graphql_with(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let body = json!({"query": query, "variables": variables}).to_string();
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .insert_header(("content-type", "application/json"));
        for (name, value) in headers {
            request = request.append_header((*name, *value));
        }
        if let Some(token) = &self.token {
            request = request.insert_header(("authorization", format!("Bearer {token}")));
        }
        let mut response = request.send_body(body).await.expect("request");
        let bytes = response.body().limit(64 * 1024 * 1024).await.expect("body");
        let status = response.status().as_u16();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("JSON response: {}", String::from_utf8_lossy(&bytes)));
        (status, value)
    }

    /// Runs a GraphQL operation; returns the whole response (`data` and `errors`).
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let (status, value) = self.post_graphql(query, variables).await;
        assert_eq!(status, 200, "{value}");
        value
    }

    /// Signs in; returns the token (panics on failure).
    pub async fn login(&self, username: &str, password: &str) -> String {
        let data = self
            .as_public()
            .data(
                "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token userErrors { code message } } }",
                json!({"u": username, "p": password}),
            )
            .await;
        data["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login as {username} failed: {data}"))
            .to_owned()
    }

    /// The same app, calling as the public (no token).
    pub fn as_public(&self) -> TestApp {
        TestApp {
            token: None,
            ..self.clone()
        }
    }

    /// The same app, calling with `token`.
    pub fn with_token(&self, token: &str) -> TestApp {
        TestApp {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    /// Creates a user with `role` (bound to `unit` / `deputy` global IDs where the role
    /// needs it) as the administrator, signs them in, and returns the app calling as them.
    pub async fn user(
        &self,
        username: &str,
        role: &str,
        unit: Option<&str>,
        deputy: Option<&str>,
    ) -> TestApp {
        let password = USER_PASSWORD;
        let data = self
            .data(
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code message field } } }",
                json!({"i": {"username": username, "displayName": username, "role": role, "unitId": unit, "deputyId": deputy, "password": password}}),
            )
            .await;
        assert!(
            data["createUser"]["userErrors"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{data}"
        );
        let token = self.login(username, password).await;
        self.with_token(&token)
    }

    /// Runs an operation that must succeed without GraphQL errors; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    pub async fn create_session(&self, input: Value) -> Value {
        self.data(
            "mutation($input: CreateSessionInput!) { createSession(input: $input) {
                session { id name level term meeting opensOn closesOn version
                  categoryScheme { code label } deadlineRules { replyMonths hardCapMonths coHandlerOpinionMonths dueSoonDays } }
                userErrors { field code message } } }",
            json!({"input": input}),
        )
        .await["createSession"]
            .clone()
    }

    /// A session with default rules; returns its ID.
    pub async fn session(&self, name: &str) -> String {
        let p = self
            .create_session(json!({"name": name, "level": "PROVINCIAL", "term": 13, "meeting": 5}))
            .await;
        id_at(&p, "session.id")
    }

    pub async fn create_deputy(&self, input: Value) -> Value {
        self.data(
            "mutation($input: CreateDeputyInput!) { createDeputy(input: $input) {
                deputy { id name delegation phone address } userErrors { field code message } } }",
            json!({"input": input}),
        )
        .await["createDeputy"]
            .clone()
    }

    pub async fn deputy(&self, name: &str) -> String {
        let p = self
            .create_deputy(json!({"name": name, "delegation": "淮南代表团"}))
            .await;
        id_at(&p, "deputy.id")
    }

    pub async fn create_unit(&self, input: Value) -> Value {
        self.data(
            "mutation($input: CreateHandlingUnitInput!) { createHandlingUnit(input: $input) {
                handlingUnit { id name code officePhone parent { name } } userErrors { field code message } } }",
            json!({"input": input}),
        )
        .await["createHandlingUnit"]
            .clone()
    }

    pub async fn unit(&self, name: &str, code: &str) -> String {
        let p = self.create_unit(json!({"name": name, "code": code})).await;
        id_at(&p, "handlingUnit.id")
    }

    pub async fn register(&self, input: Value) -> Value {
        self.data(
            "mutation($input: RegisterSuggestionInput!) { registerSuggestion(input: $input) {
                suggestion { id number title content status isKey confidential topic submittedOn version
                  leadDeputy { name } coSigners { name } session { name } }
                userErrors { field code message } } }",
            json!({"input": input}),
        )
        .await["registerSuggestion"]
            .clone()
    }

    /// A registered suggestion with the given number; returns its ID.
    pub async fn suggestion(&self, session: &str, deputy: &str, number: &str) -> String {
        let p = self
            .register(json!({"sessionId": session, "leadDeputyId": deputy, "number": number,
                "title": format!("关于第{number}号事项的建议"), "content": "建议内容。", "submittedOn": "2025-11-01"}))
            .await;
        id_at(&p, "suggestion.id")
    }

    pub async fn assign(&self, input: Value) -> Value {
        self.data(
            "mutation($input: AssignSuggestionInput!) { assignSuggestion(input: $input) {
                suggestion { id status version }
                assignments { id role assignedOn dueOn dueOnExplicit status unit { name } version }
                userErrors { field code message } } }",
            json!({"input": input}),
        )
        .await["assignSuggestion"]
            .clone()
    }

    pub async fn submit_reply(&self, input: Value) -> Value {
        self.data(
            "mutation($input: SubmitReplyInput!) { submitReply(input: $input) {
                reply { id round docNumber category body signedBy repliedOn contactName contactPhone publication publishedAt version }
                assignment { id status answeredOn suggestion { status } }
                userErrors { field code message } } }",
            json!({"input": input}),
        )
        .await["submitReply"]
            .clone()
    }

    pub async fn publish(&self, input: Value) -> Value {
        self.data(
            "mutation($input: PublishReplyInput!) { publishReply(input: $input) {
                reply { id publication publishedAt summary body version } userErrors { field code message } } }",
            json!({"input": input}),
        )
        .await["publishReply"]
            .clone()
    }

    /// A fresh CAPTCHA's id, fetched as the public.
    pub async fn captcha(&self) -> String {
        let data = self
            .as_public()
            .data(
                "mutation { createCaptcha { id imagePng expiresAt } }",
                json!({}),
            )
            .await;
        data["createCaptcha"]["id"]
            .as_str()
            .expect("captcha id")
            .to_owned()
    }

    /// Submits feedback as the public with a fresh CAPTCHA and the test answer; `input`
    /// adds to or overrides the fields. Returns the payload.
    pub async fn submit_feedback(&self, reply: &str, input: Value) -> Value {
        let mut full = json!({"replyId": reply, "content": "希望扩大交流名额。",
            "captchaId": self.captcha().await, "captchaAnswer": CAPTCHA_TEST_ANSWER});
        if let (Some(full), Some(extra)) = (full.as_object_mut(), input.as_object()) {
            full.extend(extra.clone());
        }
        self.as_public()
            .data(SUBMIT_FEEDBACK, json!({"input": full}))
            .await["submitPublicFeedback"]
            .clone()
    }

    /// A reply of a new suggestion `number`, sent by a new unit and published in full;
    /// returns (reply id, unit id).
    pub async fn published_reply(&self, number: &str) -> (String, String) {
        let session = self.session(&format!("公开测试会议{number}")).await;
        let deputy = self.deputy(&format!("夏代表{number}")).await;
        let unit = self
            .unit(&format!("公开测试单位{number}"), &format!("P{number}"))
            .await;
        let suggestion = self.suggestion(&session, &deputy, number).await;
        let p = self
            .assign(
                json!({"suggestionId": suggestion, "assignedOn": "2026-02-01",
                "units": [{"unitId": unit, "role": "SOLE"}]}),
            )
            .await;
        let assignment = id_at(&p, "assignments.0.id");
        self.sign_for(&assignment).await;
        let p = self.submit_reply(TestApp::reply_input(&assignment)).await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        let reply = id_at(&p, "reply.id");
        let p = self
            .publish(json!({"replyId": reply, "publication": "FULL"}))
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        (reply, unit)
    }

    /// 签收: signs for an assignment, which must succeed.
    pub async fn sign_for(&self, assignment: &str) -> Value {
        let p = self
            .data(
                "mutation($id: ID!) { signForAssignment(input: {assignmentId: $id}) {
                    assignment { id status version signedForAt } userErrors { field code message } } }",
                json!({"id": assignment}),
            )
            .await["signForAssignment"]
            .clone();
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        p
    }

    /// A co-handler signs for its assignment and sends its opinion, which must succeed.
    pub async fn opinion(&self, assignment: &str, sent_on: &str) -> Value {
        self.sign_for(assignment).await;
        let p = self
            .data(
                "mutation($input: SendCoOpinionInput!) { sendCoOpinion(input: $input) {
                    coOpinion { body sentOn } assignment { status answeredOn } userErrors { field code message } } }",
                json!({"input": {"assignmentId": assignment, "body": "同意主办单位意见。", "signedBy": "协办单位", "sentOn": sent_on}}),
            )
            .await["sendCoOpinion"]
            .clone();
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        p
    }

    /// A reply input with valid defaults for `assignment`.
    pub fn reply_input(assignment: &str) -> Value {
        json!({
            "assignmentId": assignment,
            "category": "A",
            "body": "现答复如下：……",
            "signedBy": "淮南市人民政府",
            "repliedOn": "2026-03-01",
            "contactName": "马友竹",
            "contactPhone": "0554-6678417",
        })
    }
}

/// A suggestion assigned to one SOLE unit on 2026-02-01 and signed for; returns
/// (session, suggestion, assignment).
pub async fn assigned(app: &TestApp, number: &str) -> (String, String, String) {
    let session = app.session(&format!("会议{number}")).await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app
        .unit(&format!("单位{number}"), &format!("U{number}"))
        .await;
    let suggestion = app.suggestion(&session, &deputy, number).await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-02-01",
            "units": [{"unitId": unit, "role": "SOLE"}]}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let assignment = id_at(&p, "assignments.0.id");
    app.sign_for(&assignment).await;
    (session, suggestion, assignment)
}

/// `text` percent-encoded for a URL query (everything but ASCII letters and digits).
pub fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A well-formed global ID of `kind` that names no row.
pub fn missing(kind: banli::graphql::ids::Kind) -> String {
    banli::graphql::ids::encode(kind, 987_654_321).0
}
