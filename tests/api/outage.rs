//! When PostgreSQL goes away: `/readyz` fails, requests are answered `UNAVAILABLE` at once
//! instead of hanging, and the server recovers by itself when the database is back.
//!
//! The outage is made with a TCP proxy in front of the test database, so the machine's
//! PostgreSQL, which the other tests use at the same time, never stops: cutting the proxy
//! drops every connection banli holds and refuses new ones, as a stopped server does;
//! restoring it listens on the same port again. On SQLite there is no server to lose.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, ADMIN};
use crate::process::{free_port, Server};

/// A TCP forwarder from 127.0.0.1:`port` to `upstream` that can be cut and restored.
struct Proxy {
    port: u16,
    upstream: String,
    tasks: Rc<RefCell<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(port: u16, upstream: &str) -> Self {
        let proxy = Self {
            port,
            upstream: upstream.to_owned(),
            tasks: Rc::new(RefCell::new(Vec::new())),
        };
        proxy.listen().await;
        proxy
    }

    async fn listen(&self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("bind the proxy");
        let (upstream, tasks) = (self.upstream.clone(), Rc::clone(&self.tasks));
        let accept = actix_web::rt::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let task = actix_web::rt::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.borrow_mut().push(task);
            }
        });
        self.tasks.borrow_mut().push(accept);
    }

    /// The database "stops": every connection through the proxy is dropped, and new ones
    /// are refused.
    fn cut(&self) {
        for task in self.tasks.borrow_mut().drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        self.listen().await;
    }
}

async fn post(client: &awc::Client, url: &str, token: &str, query: &str) -> (u16, Value) {
    let mut request = client
        .post(format!("{url}/graphql"))
        .insert_header(("content-type", "application/json"));
    if !token.is_empty() {
        request = request.insert_header(("authorization", format!("Bearer {token}")));
    }
    let mut response = request
        .send_body(json!({"query": query, "variables": {"u": ADMIN.0, "p": ADMIN.1}}).to_string())
        .await
        .expect("an answer, not a hang");
    let status = response.status().as_u16();
    let body = response.body().await.expect("a body");
    (status, serde_json::from_slice(&body).expect("JSON"))
}

async fn readyz(client: &awc::Client, url: &str) -> u16 {
    match client.get(format!("{url}/readyz")).send().await {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

/// Polls `/readyz` until it answers `status` (within `limit`); how long that took.
async fn until_ready_is(client: &awc::Client, url: &str, status: u16, limit: Duration) -> Duration {
    let began = Instant::now();
    while began.elapsed() < limit {
        if readyz(client, url).await == status {
            return began.elapsed();
        }
        sleep(Duration::from_millis(100)).await;
    }
    panic!("/readyz did not answer {status} within {limit:?}");
}

#[actix_web::test]
async fn a_lost_database_makes_requests_unavailable_and_the_server_recovers() {
    let app = spawn_app().await;
    if app.backend != "postgres" {
        eprintln!("outage test: PostgreSQL only (SQLite has no server to lose); skipped on SQLite");
        return;
    }
    let session_count = "{ sessions { totalCount } }";
    let _ = app.session("会议").await;
    // postgres://user@HOST:PORT/db → the same through the proxy.
    let (head, rest) = app.database_url.split_once('@').expect("user@host");
    let (upstream, database) = rest.split_once('/').expect("host/db");
    let proxy = Proxy::start(free_port(), upstream).await;
    let proxied = format!("{head}@127.0.0.1:{}/{database}", proxy.port);
    let server = Server::start_with(
        &proxied,
        free_port(),
        &[
            ("BANLI_DB_ACQUIRE_TIMEOUT_SECS", "2"),
            ("BANLI_REQUEST_TIMEOUT_SECS", "10"),
            // The token stays checked through the outage, so the requests below get past
            // authentication and fail where they read.
            ("BANLI_AUTH_CACHE_SECS", "120"),
        ],
    );
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    server.ready_check().wait(&client).await;
    let (_, login) = post(
        &client,
        &server.url,
        "",
        "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
    )
    .await;
    let token = login["data"]["login"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let (_, before) = post(&client, &server.url, &token, session_count).await;
    assert_eq!(before["data"]["sessions"]["totalCount"], 1, "{before}");

    proxy.cut();
    let noticed = until_ready_is(&client, &server.url, 503, Duration::from_secs(15)).await;
    let began = Instant::now();
    let (status, during) = post(&client, &server.url, &token, session_count).await;
    let answered_in = began.elapsed();
    assert_eq!(
        during["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{status} {during}"
    );
    assert!(
        answered_in < Duration::from_secs(8),
        "answered in {answered_in:?}, not held until the request timeout"
    );
    // Anonymous (no token to check first): the resolver's own query fails the same way.
    let (_, public) = post(
        &client,
        &server.url,
        "",
        "{ publishedReplies(first: 1) { totalCount } }",
    )
    .await;
    assert_eq!(
        public["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{public}"
    );
    // A spreadsheet route answers as GraphQL does: 503 UNAVAILABLE, not an internal error.
    let mut sheet = client
        .get(format!("{}/export/statistics.csv", server.url))
        .insert_header(("authorization", format!("Bearer {token}")))
        .send()
        .await
        .expect("an answer, not a hang");
    let sheet_status = sheet.status().as_u16();
    let sheet: Value = serde_json::from_slice(&sheet.body().await.expect("a body")).expect("JSON");
    assert_eq!(sheet_status, 503, "{sheet}");
    assert_eq!(
        sheet["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{sheet}"
    );
    let text = format!("{during}{public}{sheet}").to_lowercase();
    assert!(
        !text.contains("postgres") && !text.contains("sqlx"),
        "{during}"
    );

    proxy.restore().await;
    let recovered = until_ready_is(&client, &server.url, 200, Duration::from_secs(30)).await;
    let (_, after) = post(&client, &server.url, &token, session_count).await;
    assert_eq!(after["data"]["sessions"]["totalCount"], 1, "{after}");
    eprintln!(
        "outage test: /readyz 503 after {noticed:?}, a request answered UNAVAILABLE ({status}) in {answered_in:?}, recovered in {recovered:?}"
    );
    proxy.cut();
}
