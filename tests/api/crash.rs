//! Crash test: the `banli` binary is killed with SIGKILL at random moments while clients
//! register, assign, sign for, answer and rate suggestions; every write the server acknowledged
//! must be there afterwards, whole, and nothing twice.
//!
//! Clients retry every request until it is answered, with the same `idempotencyKey`, so a
//! request whose answer was lost in a kill is answered from the stored key on retry rather
//! than done twice. Afterwards the database is checked directly: every acknowledged row
//! present and no other (no duplicates, nothing half-written), each reply with its timeline
//! event, the audit chain intact, and on SQLite `integrity_check` and `foreign_key_check`.
//! The line "acknowledged N, present N" is appended to `target/tmp/crash-report.txt`,
//! which `.ci/run` prints.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use actix_web::rt::time::sleep;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, ADMIN};
use crate::process::{free_port, Server};

/// Kills per run, and concurrent clients.
const KILLS: usize = 4;
const CLIENTS: usize = 4;
/// The longest a client waits for one request to be answered (through restarts).
const PATIENCE: Duration = Duration::from_secs(60);

/// One GraphQL call; `None` when no answer came (connection refused or cut, a 5xx, or an
/// error the server gives while going away or coming up).
async fn call(
    client: &awc::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Option<Value> {
    let body = json!({"query": query, "variables": variables}).to_string();
    let mut request = client
        .post(format!("{url}/graphql"))
        .insert_header(("content-type", "application/json"));
    if !token.is_empty() {
        request = request.insert_header(("authorization", format!("Bearer {token}")));
    }
    let mut response = request.send_body(body).await.ok()?;
    let status = response.status();
    let bytes = response.body().limit(16 * 1024 * 1024).await.ok()?;
    if !status.is_success() {
        return None;
    }
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    if let Some(errors) = value.get("errors") {
        // Only what a restart explains is retried; anything else is a finding.
        let transient = errors.as_array().is_some_and(|errors| {
            errors.iter().all(|e| {
                matches!(
                    e["extensions"]["code"].as_str(),
                    Some("UNAVAILABLE" | "INTERNAL")
                )
            })
        });
        assert!(transient, "{query}: {value}");
        return None;
    }
    Some(value["data"].clone())
}

/// Requests sent again because no answer came (the kills' effect on the clients).
static RETRIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// `call` until answered (the server may be down for a while).
async fn until_answered(
    client: &awc::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(data) = call(client, url, token, query, variables.clone()).await {
            return data;
        }
        assert!(
            Instant::now() < deadline,
            "no answer to {query} in {PATIENCE:?}"
        );
        RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sleep(Duration::from_millis(100)).await;
    }
}

fn user_error_codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// What the server acknowledged.
#[derive(Default)]
struct Acked {
    suggestions: Vec<(i64, String)>,
    assignments: Vec<i64>,
    replies: Vec<i64>,
    ratings: Vec<i64>,
}

fn db_id(global: &Value) -> i64 {
    let global = global.as_str().expect("an id");
    banli::graphql::ids::readable(global)
        .and_then(|t| t.rsplit_once(':').and_then(|(_, id)| id.parse().ok()))
        .unwrap_or_else(|| panic!("a global id: {global}"))
}

async fn scalar(db: &banli::db::Db, sql: &str) -> i64 {
    let row = db
        .conn()
        .query_one_raw(Statement::from_string(db.backend(), sql))
        .await
        .expect(sql)
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("an integer")
}

#[actix_web::test]
async fn acknowledged_writes_survive_kill_9() {
    let app = spawn_app().await;
    let session = app.session("崩溃测试会议").await;
    let deputy = app.deputy("夏维奇").await;
    let mut units = Vec::new();
    for i in 0..3 {
        units.push(app.unit(&format!("承办单位{i}"), &format!("CU{i}")).await);
    }

    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let server = Rc::new(RefCell::new(Server::start(&app.database_url, free_port())));
    let url = server.borrow().url.clone();
    let ready = server.borrow().ready_check();
    ready.wait(&client).await;
    let login = until_answered(
        &client,
        &url,
        "",
        "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
        json!({"u": ADMIN.0, "p": ADMIN.1}),
    )
    .await;
    let token = login["login"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();

    let acked = Rc::new(RefCell::new(Acked::default()));
    let stop = Rc::new(std::cell::Cell::new(false));
    let worker = |c: usize| {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        let (session, deputy, unit) = (
            session.clone(),
            deputy.clone(),
            units[c % units.len()].clone(),
        );
        let (acked, stop) = (Rc::clone(&acked), Rc::clone(&stop));
        async move {
            let mut n = 0;
            while !stop.get() {
                n += 1;
                let number = format!("{c}{n:03}");
                let registered = until_answered(&client, &url, &token,
                    "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) { suggestion { id number } userErrors { code } } }",
                    json!({"i": {"sessionId": session, "leadDeputyId": deputy, "number": number,
                        "title": format!("关于第{number}号事项的建议"), "content": "崩溃测试：建议内容。", "submittedOn": "2025-11-01",
                        "idempotencyKey": format!("register-{c}-{n}")}}),
                ).await["registerSuggestion"].clone();
                assert_eq!(
                    user_error_codes(&registered),
                    Vec::<String>::new(),
                    "{registered}"
                );
                let suggestion = registered["suggestion"]["id"].clone();
                acked
                    .borrow_mut()
                    .suggestions
                    .push((db_id(&suggestion), number.clone()));

                let assigned = until_answered(&client, &url, &token,
                    "mutation($i: AssignSuggestionInput!) { assignSuggestion(input: $i) { assignments { id } userErrors { code } } }",
                    json!({"i": {"suggestionId": suggestion, "assignedOn": "2026-02-01",
                        "units": [{"unitId": unit, "role": "SOLE"}], "idempotencyKey": format!("assign-{c}-{n}")}}),
                ).await["assignSuggestion"].clone();
                assert_eq!(
                    user_error_codes(&assigned),
                    Vec::<String>::new(),
                    "{assigned}"
                );
                let assignment = assigned["assignments"][0]["id"].clone();
                acked.borrow_mut().assignments.push(db_id(&assignment));

                // Signing for has no key: a retry after a lost answer finds it SIGNED_FOR.
                let signed = until_answered(&client, &url, &token,
                    "mutation($id: ID!) { signForAssignment(input: {assignmentId: $id}) { assignment { status } userErrors { code } } }",
                    json!({"id": assignment}),
                ).await["signForAssignment"].clone();
                let codes = user_error_codes(&signed);
                assert!(codes.is_empty() || codes == ["INVALID_STATE"], "{signed}");

                let replied = until_answered(&client, &url, &token,
                    "mutation($i: SubmitReplyInput!) { submitReply(input: $i) { reply { id } userErrors { code } } }",
                    json!({"i": {"assignmentId": assignment, "category": "A", "body": "现答复如下：……",
                        "signedBy": "淮南市人民政府", "repliedOn": "2026-03-01", "contactName": "马友竹",
                        "contactPhone": "0554-6678417", "idempotencyKey": format!("reply-{c}-{n}")}}),
                ).await["submitReply"].clone();
                assert_eq!(
                    user_error_codes(&replied),
                    Vec::<String>::new(),
                    "{replied}"
                );
                let reply = replied["reply"]["id"].clone();
                acked.borrow_mut().replies.push(db_id(&reply));

                let rated = until_answered(&client, &url, &token,
                    "mutation($i: RateReplyInput!) { rateReply(input: $i) { rating { round } userErrors { code } } }",
                    json!({"i": {"replyId": reply, "satisfaction": "SATISFIED",
                        "idempotencyKey": format!("rate-{c}-{n}")}}),
                ).await["rateReply"].clone();
                assert_eq!(user_error_codes(&rated), Vec::<String>::new(), "{rated}");
                // Ratings have no global id: the reply rated stands for its rating.
                acked.borrow_mut().ratings.push(db_id(&reply));
            }
        }
    };
    let killer = {
        let (server, client, stop) = (Rc::clone(&server), client.clone(), Rc::clone(&stop));
        async move {
            for _ in 0..KILLS {
                sleep(Duration::from_millis(rand::random_range(400..1500))).await;
                server.borrow_mut().kill_and_restart();
                let ready = server.borrow().ready_check();
                ready.wait(&client).await;
            }
            sleep(Duration::from_millis(500)).await;
            stop.set(true);
        }
    };
    let workers: Vec<_> = (0..CLIENTS).map(worker).collect();
    futures_util::future::join(futures_util::future::join_all(workers), killer).await;
    drop(server);

    // Every acknowledged write is there, and nothing else.
    let acked = std::mem::take(&mut *acked.borrow_mut());
    let db = &app.db;
    let ids = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let suggestion_ids: Vec<i64> = acked.suggestions.iter().map(|(id, _)| *id).collect();
    let present_suggestions = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM suggestion WHERE id IN ({}) AND title LIKE '关于第%号事项的建议'",
            ids(&suggestion_ids)
        ),
    )
    .await;
    let present_assignments = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM assignment WHERE id IN ({})",
            ids(&acked.assignments)
        ),
    )
    .await;
    let present_replies = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM reply WHERE id IN ({}) AND category = 'A'",
            ids(&acked.replies)
        ),
    )
    .await;
    let present_ratings = scalar(
        db,
        &format!(
            "SELECT COUNT(*) FROM rating WHERE reply_id IN ({}) AND satisfaction = 'SATISFIED'",
            ids(&acked.ratings)
        ),
    )
    .await;
    let all_ratings = scalar(db, "SELECT COUNT(*) FROM rating").await;
    let all_suggestions = scalar(db, "SELECT COUNT(*) FROM suggestion").await;
    let all_assignments = scalar(db, "SELECT COUNT(*) FROM assignment").await;
    let all_replies = scalar(db, "SELECT COUNT(*) FROM reply").await;
    let acknowledged = acked.suggestions.len()
        + acked.assignments.len()
        + acked.replies.len()
        + acked.ratings.len();
    let present = present_suggestions + present_assignments + present_replies + present_ratings;
    let line = format!(
        "crash test ({}, {KILLS} kills, {CLIENTS} clients): acknowledged {acknowledged}, present {present} \
         ({} suggestions, {} assignments, {} replies, {} ratings); rows in all {}; {} requests retried",
        app.backend,
        acked.suggestions.len(),
        acked.assignments.len(),
        acked.replies.len(),
        acked.ratings.len(),
        all_suggestions + all_assignments + all_replies + all_ratings,
        RETRIES.load(std::sync::atomic::Ordering::Relaxed),
    );
    eprintln!("{line}");
    let report = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("crash-report.txt");
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(report)
    {
        use std::io::Write as _;
        let _ = writeln!(file, "{line}");
    }
    assert!(
        acked.replies.len() >= CLIENTS,
        "the clients got work done: {line}"
    );
    assert_eq!(present, acknowledged as i64, "{line}");
    // Nothing unacknowledged or duplicated (a client only stops after its chain is answered).
    assert_eq!(all_suggestions, acked.suggestions.len() as i64, "{line}");
    assert_eq!(all_assignments, acked.assignments.len() as i64, "{line}");
    assert_eq!(all_replies, acked.replies.len() as i64, "{line}");
    assert_eq!(all_ratings, acked.ratings.len() as i64, "{line}");
    for (id, number) in &acked.suggestions {
        let stored = scalar(
            db,
            &format!("SELECT COUNT(*) FROM suggestion WHERE id = {id} AND number = '{number}'"),
        )
        .await;
        assert_eq!(stored, 1, "suggestion {id} is number {number}");
    }

    // Workflow invariants: every reply has its timeline event and answered its assignment;
    // every assignment its ASSIGNED event; the keys match the changes they guard.
    let orphans = [
        "SELECT COUNT(*) FROM reply r WHERE NOT EXISTS (SELECT 1 FROM workflow_event e \
         WHERE e.assignment_id = r.assignment_id AND e.kind = 'REPLY_SUBMITTED')",
        "SELECT COUNT(*) FROM reply r JOIN assignment a ON a.id = r.assignment_id WHERE a.answered_on IS NULL",
        "SELECT COUNT(*) FROM assignment a WHERE NOT EXISTS (SELECT 1 FROM workflow_event e \
         WHERE e.assignment_id = a.id AND e.kind = 'ASSIGNED')",
        "SELECT COUNT(*) FROM suggestion s WHERE NOT EXISTS (SELECT 1 FROM workflow_event e \
         WHERE e.suggestion_id = s.id AND e.kind = 'REGISTERED')",
    ];
    for sql in orphans {
        assert_eq!(scalar(db, sql).await, 0, "{sql}");
    }
    let keys = scalar(db, "SELECT COUNT(*) FROM idempotency_key").await;
    assert_eq!(
        keys, acknowledged as i64,
        "one key per acknowledged keyed write"
    );
    let audit = banli::service::audit::verify(db, &Default::default())
        .await
        .expect("verify the audit log");
    assert!(
        audit.is_intact(),
        "audit chain broken at {:?}",
        audit.first_broken
    );

    if db.backend() == DbBackend::Sqlite {
        let integrity = db
            .conn()
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await
            .expect("integrity_check")
            .expect("a row");
        assert_eq!(integrity.try_get_by_index::<String>(0).unwrap(), "ok");
        let violations = db
            .conn()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA foreign_key_check",
            ))
            .await
            .expect("foreign_key_check");
        assert!(
            violations.is_empty(),
            "foreign key violations: {}",
            violations.len()
        );
    }
}
