//! Graceful shutdown: on SIGTERM the server stops accepting connections, finishes the
//! requests in flight (within `shutdown_timeout_secs`) and exits with status 0.

use std::time::Duration;

use actix_web::rt::time::sleep;
use sea_orm::{ConnectionTrait, DbBackend, TransactionOptions, TransactionTrait};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, ADMIN};
use crate::process::{free_port, Server};

async fn post(
    client: &awc::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(format!("{url}/graphql"))
        .insert_header(("content-type", "application/json"));
    if let Some(token) = token {
        request = request.insert_header(("authorization", format!("Bearer {token}")));
    }
    let mut response = request
        .send_body(json!({"query": query, "variables": variables}).to_string())
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 200);
    serde_json::from_slice(&response.body().await.expect("a body")).expect("JSON")
}

#[actix_web::test]
async fn sigterm_finishes_the_request_in_flight_then_exits_cleanly() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let mut server = Server::start_with(
        &app.database_url,
        free_port(),
        &[("BANLI_SHUTDOWN_TIMEOUT_SECS", "20")],
    );
    server.ready_check().wait(&client).await;
    let login = post(
        &client,
        &server.url,
        None,
        "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
        json!({"u": ADMIN.0, "p": ADMIN.1}),
    )
    .await;
    let token = login["data"]["login"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();

    // Hold the database's write lock, so the next write waits inside the server.
    let lock = app
        .db
        .conn()
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
        .expect("begin");
    if app.db.backend() == DbBackend::Postgres {
        lock.execute_unprepared("LOCK TABLE suggestion IN EXCLUSIVE MODE")
            .await
            .expect("lock the table");
    }
    let in_flight = {
        let (client, url, token) = (client.clone(), server.url.clone(), token.clone());
        actix_web::rt::spawn(async move {
            post(&client, &url, Some(&token),
                "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) { suggestion { number } userErrors { code } } }",
                json!({"i": {"sessionId": session, "leadDeputyId": deputy, "number": "0255",
                    "title": "关于加强基层干部交流培养的建议", "content": "在途请求。", "submittedOn": "2025-11-01"}}),
            )
            .await
        })
    };
    sleep(Duration::from_millis(500)).await;
    server.terminate();
    sleep(Duration::from_millis(500)).await;

    // Stopping: no new connections (a new client, so no kept-alive connection is reused).
    let fresh = awc::Client::builder()
        .timeout(Duration::from_secs(2))
        .finish();
    let refused = fresh.get(format!("{}/healthz", server.url)).send().await;
    assert!(
        refused.is_err(),
        "a stopping server accepted a new connection"
    );
    assert!(
        server.child.try_wait().expect("try_wait").is_none(),
        "it waits for the request"
    );

    // The request in flight goes through once the lock is gone, and is answered.
    lock.rollback().await.expect("release the lock");
    let answered = in_flight.await.expect("the request task");
    assert_eq!(
        answered["data"]["registerSuggestion"],
        json!({"suggestion": {"number": "0255"}, "userErrors": []}),
        "{answered}"
    );
    let status = server
        .exited_within(Duration::from_secs(15))
        .await
        .expect("banli exits after its last request");
    assert!(status.success(), "exit status {status}");
    let stored = app
        .db
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.backend(),
            "SELECT COUNT(*) FROM suggestion WHERE number = '0255'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(stored, 1);
}
