//! The audit log: appended rows form a hash chain that `verify` (and `banli audit verify`)
//! checks; the database refuses edits; edits made by someone who gets around that are
//! found at the row they touched; concurrent appenders never fork the chain; `auditLog`
//! is for auditors and office administrators only.

use std::sync::Arc;

use banli::domain::access::{Caller, Principal, Role};
use banli::graphql::ids::{encode, Kind};
use banli::service::audit::{
    self, AuditFilter, AuditOutcome, ChainedRow, NewAuditEntry, GENESIS_HASH,
};
use banli::service::page::PageArgs;
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use entity::audit_log;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use serde_json::{json, Value};

use crate::helpers::{fixed_now, spawn_bare_app, FixedClock, TestApp};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A varied entry: the n-th of a little story at the office's desk.
fn entry(n: usize) -> NewAuditEntry {
    let outcomes = [
        AuditOutcome::Success,
        AuditOutcome::UserError,
        AuditOutcome::Refused,
        AuditOutcome::Error,
    ];
    let outcome = outcomes[n % outcomes.len()];
    NewAuditEntry {
        occurred_at: fixed_now() + TimeDelta::microseconds(1_234_567 * n as i64 + 89),
        actor_user_id: (!n.is_multiple_of(3)).then_some(n as i64 % 3),
        actor_name: (!n.is_multiple_of(3)).then(|| format!("办公室工作人员{n}")),
        role: if n.is_multiple_of(3) {
            "ANONYMOUS".to_owned()
        } else {
            "OFFICE_STAFF".to_owned()
        },
        operation: ["registerSuggestion", "assignSuggestion", "submitReply"][n % 3].to_owned(),
        target: Some(format!("Suggestion:{n}")),
        outcome,
        error_codes: match outcome {
            AuditOutcome::UserError => vec!["NOT_FOUND".to_owned(), "INVALID".to_owned()],
            _ => Vec::new(),
        },
        client_ip: Some(format!("10.0.0.{n}")),
        request_id: Some(format!("req-{n}")),
        details: None,
    }
}

/// Appends `count` entries, each in its own transaction; returns their ids.
async fn append_entries(app: &TestApp, count: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(
            audit::append_now(&app.db, &app.audit, &entry(n))
                .await
                .unwrap(),
        );
    }
    ids
}

async fn rows(app: &TestApp) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(app.db.conn())
        .await
        .unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    app.db
        .conn()
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// What an attacker with access to the database does first: get the triggers out of the way.
async fn disable_triggers(app: &TestApp) {
    if app.backend == "postgres" {
        exec(app, "ALTER TABLE audit_log DISABLE TRIGGER USER").await;
    } else {
        exec(app, "DROP TRIGGER audit_log_no_update").await;
        exec(app, "DROP TRIGGER audit_log_no_delete").await;
    }
}

/// The broken row `verify` reports, with its reason; panics when the log is intact.
async fn broken(app: &TestApp) -> (i64, String, u64) {
    let report = audit::verify(&app.db, &app.audit.anchors).await.unwrap();
    let Some((id, reason)) = report.first_broken else {
        panic!("expected a broken log, got {report:?}");
    };
    (id, reason, report.rows_checked)
}

async fn assert_intact(app: &TestApp, rows: u64) {
    let report = audit::verify(&app.db, &app.audit.anchors).await.unwrap();
    assert_eq!(report.first_broken, None, "{report:?}");
    assert_eq!(report.rows_checked, rows);
}

#[actix_web::test]
async fn appended_entries_form_a_chain_that_verifies() {
    let app = spawn_bare_app().await;
    assert_intact(&app, 0).await;
    let ids = append_entries(&app, 5).await;
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

    let stored = rows(&app).await;
    assert_eq!(stored.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
    assert_eq!(stored[0].prev_hash, GENESIS_HASH);
    for pair in stored.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash, "row {}", pair[1].id);
    }
    // What was appended is what is stored, the timestamp cut to the microsecond.
    let first = &stored[1];
    let expected = entry(1);
    assert_eq!(first.occurred_at, expected.occurred_at.trunc_subsecs(6));
    assert_eq!(first.actor_name.as_deref(), Some("办公室工作人员1"));
    assert_eq!(first.outcome, "USER_ERROR");
    assert_eq!(first.error_codes.as_deref(), Some("NOT_FOUND,INVALID"));
    assert_eq!(stored[0].error_codes, None);
    assert_eq!(stored[0].actor_user_id, None);

    assert_intact(&app, 5).await;
    // Pages that end exactly at the last row, and pages that split the log.
    for rows_per_page in [1, 2, 5] {
        let report = audit::verify_in_pages(&app.db, &app.audit.anchors, rows_per_page)
            .await
            .unwrap();
        assert!(report.is_intact(), "{rows_per_page}: {report:?}");
        assert_eq!(report.rows_checked, 5, "{rows_per_page}");
    }
}

#[actix_web::test]
async fn timestamps_round_trip_to_the_microsecond() {
    let app = spawn_bare_app().await;
    // SQLite keeps instants as text with 0, 3, 6 or 9 fractional digits, PostgreSQL as
    // microseconds: each must come back as exactly the instant that was hashed.
    let cases = [
        "2026-11-22T02:00:00Z",
        "2026-11-22T02:00:00.5Z",
        "2026-11-22T02:00:00.000001Z",
        "2026-11-22T02:00:00.123456Z",
        "2026-11-22T02:00:00.123456789Z",
        "2026-11-22T02:00:00.999999999Z",
        "1999-12-31T23:59:59.999999Z",
    ];
    for text in cases {
        let mut e = entry(1);
        e.occurred_at = at(text);
        let id = audit::append_now(&app.db, &app.audit, &e).await.unwrap();
        let row = audit_log::Entity::find_by_id(id)
            .one(app.db.conn())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.occurred_at, at(text).trunc_subsecs(6), "{text}");
        assert_eq!(ChainedRow::of(&row).hash(), row.hash, "{text}");
    }
    assert_intact(&app, cases.len() as u64).await;
}

#[actix_web::test]
async fn the_database_refuses_updates_and_deletes() {
    let app = spawn_bare_app().await;
    let ids = append_entries(&app, 3).await;
    let mut statements = vec![
        format!(
            "UPDATE audit_log SET outcome = 'SUCCESS' WHERE id = {}",
            ids[1]
        ),
        "UPDATE audit_log SET client_ip = NULL".to_owned(),
        format!("DELETE FROM audit_log WHERE id = {}", ids[1]),
        "DELETE FROM audit_log".to_owned(),
    ];
    if app.backend == "postgres" {
        statements.push("TRUNCATE audit_log".to_owned());
    }
    for sql in &statements {
        let error = app
            .db
            .conn()
            .execute_unprepared(sql)
            .await
            .expect_err(sql)
            .to_string();
        assert!(error.contains("audit_log is append-only"), "{sql}: {error}");
    }
    // Inside a write transaction too, as the services run.
    let txn = app.db.begin_write().await.unwrap();
    assert!(txn
        .execute_unprepared("UPDATE audit_log SET role = 'OFFICE_ADMIN'")
        .await
        .is_err());
    drop(txn);
    assert_eq!(rows(&app).await.len(), 3);
    assert_intact(&app, 3).await;
}

#[actix_web::test]
async fn an_edited_row_is_reported_at_that_row() {
    let app = spawn_bare_app().await;
    let ids = append_entries(&app, 5).await;
    let target = ids[2];
    disable_triggers(&app).await;
    let original = audit_log::Entity::find_by_id(target)
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();

    let cases = [
        ("outcome", "outcome = 'SUCCESS'"),
        ("actor name", "actor_name = '张三'"),
        ("actor", "actor_user_id = 999"),
        ("role", "role = 'OFFICE_ADMIN'"),
        ("operation", "operation = 'publishReply'"),
        ("target", "target = NULL"),
        ("error codes", "error_codes = 'CONFLICT'"),
        ("client IP", "client_ip = '192.168.1.1'"),
        ("request id", "request_id = NULL"),
        (
            "details",
            r#"details = '{"backdated":{"publishedAt":"2022-09-19"}}'"#,
        ),
        (
            "hash",
            "hash = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'",
        ),
    ];
    for (what, set) in cases {
        exec(
            &app,
            &format!("UPDATE audit_log SET {set} WHERE id = {target}"),
        )
        .await;
        let (id, reason, checked) = broken(&app).await;
        assert_eq!(id, target, "{what}: {reason}");
        assert!(reason.contains("altered"), "{what}: {reason}");
        assert_eq!(checked, 2, "{what}");
        // Put the row back exactly as it was: the chain verifies again.
        original
            .clone()
            .into_active_model()
            .reset_all()
            .update(app.db.conn())
            .await
            .unwrap();
        assert_intact(&app, 5).await;
    }

    // A time moved by one microsecond, written as each backend writes instants.
    audit_log::Entity::update_many()
        .col_expr(
            audit_log::Column::OccurredAt,
            Expr::value(original.occurred_at + TimeDelta::microseconds(1)),
        )
        .filter(audit_log::Column::Id.eq(target))
        .exec(app.db.conn())
        .await
        .unwrap();
    assert_eq!(broken(&app).await.0, target);
}

#[actix_web::test]
async fn an_edit_with_a_recomputed_hash_is_reported_at_the_next_row() {
    let app = spawn_bare_app().await;
    let ids = append_entries(&app, 5).await;
    disable_triggers(&app).await;
    let mut row = audit_log::Entity::find_by_id(ids[2])
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    row.outcome = "SUCCESS".to_owned();
    row.error_codes = None;
    let forged = ChainedRow::of(&row).hash();
    exec(
        &app,
        &format!(
            "UPDATE audit_log SET outcome = 'SUCCESS', error_codes = NULL, hash = '{forged}' WHERE id = {}",
            ids[2]
        ),
    )
    .await;
    let (id, reason, checked) = broken(&app).await;
    assert_eq!(id, ids[3], "{reason}");
    assert!(reason.contains(&format!("row {}", ids[2])), "{reason}");
    assert_eq!(checked, 3);
}

#[actix_web::test]
async fn a_deleted_row_is_reported_at_the_row_after_it() {
    let app = spawn_bare_app().await;
    let ids = append_entries(&app, 5).await;
    disable_triggers(&app).await;

    exec(
        &app,
        &format!("DELETE FROM audit_log WHERE id = {}", ids[2]),
    )
    .await;
    let (id, reason, checked) = broken(&app).await;
    assert_eq!(id, ids[3], "{reason}");
    assert!(reason.contains("deleted"), "{reason}");
    assert_eq!(checked, 2);

    // The first row deleted: the new first row does not start from the genesis value.
    exec(
        &app,
        &format!("DELETE FROM audit_log WHERE id = {}", ids[0]),
    )
    .await;
    let (id, reason, checked) = broken(&app).await;
    assert_eq!(id, ids[1], "{reason}");
    assert!(reason.contains("genesis"), "{reason}");
    assert_eq!(checked, 0);
}

#[actix_web::test]
async fn twenty_concurrent_appends_leave_a_valid_chain() {
    let app = spawn_bare_app().await;
    let appends = (0..20).map(|n| {
        let (db, log) = (app.db.clone(), Arc::clone(&app.audit));
        actix_web::rt::spawn(async move { audit::append_now(&db, &log, &entry(n)).await })
    });
    let mut ids = Vec::new();
    for handle in futures_util::future::join_all(appends).await {
        ids.push(handle.unwrap().unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_intact(&app, 20).await;
}

/// Runs `banli audit verify` against the test's database; returns (exit code, stdout, stderr).
async fn run_verify(app: &TestApp) -> (Option<i32>, String, String) {
    let url = app.database_url.clone();
    let output = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_banli"))
            .args(["audit", "verify"])
            .env("BANLI_CONFIG", "/dev/null")
            .env("BANLI_DATABASE_URL", url)
            .env("BANLI_LOG", "warn")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[actix_web::test]
async fn banli_audit_verify_exits_0_when_intact_and_1_after_tampering() {
    let app = spawn_bare_app().await;
    let ids = append_entries(&app, 4).await;

    let (code, stdout, stderr) = run_verify(&app).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("audit log intact: 4 rows checked"),
        "{stdout}\n{stderr}"
    );

    disable_triggers(&app).await;
    exec(
        &app,
        &format!(
            "UPDATE audit_log SET actor_name = '李四' WHERE id = {}",
            ids[1]
        ),
    )
    .await;
    let (code, stdout, stderr) = run_verify(&app).await;
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("audit log BROKEN at row {}: ", ids[1])),
        "{stderr}"
    );
    assert!(stderr.contains("(1 rows checked before it)"), "{stderr}");
}

#[actix_web::test]
async fn list_filters_by_china_dates_and_pages_newest_first() {
    let app = spawn_bare_app().await;
    // Around midnight in Shanghai: 23:59:59.999999 on the 21st and 00:00 on the 22nd.
    let times = [
        "2026-11-21T15:59:59.999999Z",
        "2026-11-21T16:00:00Z",
        "2026-11-22T09:30:00Z",
    ];
    let mut ids = Vec::new();
    for (n, text) in times.iter().enumerate() {
        let mut e = entry(n);
        e.occurred_at = at(text);
        ids.push(audit::append_now(&app.db, &app.audit, &e).await.unwrap());
    }
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d);
    let cases = [
        (AuditFilter::default(), vec![ids[2], ids[1], ids[0]]),
        (
            AuditFilter {
                to: day(21),
                ..AuditFilter::default()
            },
            vec![ids[0]],
        ),
        (
            AuditFilter {
                from: day(22),
                to: day(22),
                ..AuditFilter::default()
            },
            vec![ids[2], ids[1]],
        ),
        (
            AuditFilter {
                from: day(23),
                ..AuditFilter::default()
            },
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        let page = audit::list(&app.db, &filter, &PageArgs::default())
            .await
            .unwrap();
        let got: Vec<i64> = page.rows.iter().map(|(_, r)| r.id).collect();
        assert_eq!(got, expected, "{filter:?}");
        assert_eq!(
            audit::count(&app.db, &filter).await.unwrap(),
            expected.len() as u64
        );
    }
}

fn principal(role: Role) -> Caller {
    Caller::User(Principal {
        user_id: 41,
        username: "shenji".to_owned(),
        role,
        unit_id: (role == Role::UnitStaff).then_some(1),
        deputy_id: (role == Role::Deputy).then_some(1),
    })
}

/// Runs `query` in process as `caller`: a query signs nobody in, so the log stays exactly
/// as the test wrote it.
async fn graphql_as(app: &TestApp, caller: Caller, query: &str, variables: Value) -> Value {
    let settings = banli::config::Settings::default();
    let schema = banli::graphql::build_schema(
        app.db.clone(),
        Arc::new(FixedClock::new(fixed_now())),
        banli::graphql::Limits::from_settings(&settings),
        banli::graphql::Policies::from_settings(&settings).unwrap(),
    );
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables));
    let request = banli::graphql::prepare(
        request,
        &app.db,
        "test".to_owned(),
        caller,
        Default::default(),
        banli::config::Environment::Development,
    );
    serde_json::to_value(schema.execute(request).await).unwrap()
}

const AUDIT_LOG: &str = "query($filter: AuditLogFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      totalCount
      edges { cursor node { id occurredAt actorUserId actorName role operation target outcome
        errorCodes clientIp requestId prevHash hash } }
      pageInfo { hasNextPage hasPreviousPage endCursor } } }";

fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {response:#}"))
}

#[actix_web::test]
async fn audit_log_is_for_auditors_and_office_administrators() {
    let app = spawn_bare_app().await;
    append_entries(&app, 5).await;

    let anonymous = graphql_as(&app, Caller::Anonymous, AUDIT_LOG, json!({})).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous:#}");
    for role in [Role::OfficeStaff, Role::UnitStaff, Role::Deputy] {
        let refused = graphql_as(&app, principal(role), AUDIT_LOG, json!({})).await;
        assert_eq!(error_code(&refused), "FORBIDDEN", "{role}: {refused:#}");
        assert_eq!(refused["data"], Value::Null, "{role}");
    }

    for role in [Role::Auditor, Role::OfficeAdmin] {
        let response = graphql_as(&app, principal(role), AUDIT_LOG, json!({"first": 2})).await;
        assert!(response.get("errors").is_none(), "{role}: {response:#}");
        let log = &response["data"]["auditLog"];
        assert_eq!(log["totalCount"], 5);
        assert_eq!(log["pageInfo"]["hasNextPage"], true);
        let newest = &log["edges"][0]["node"];
        assert_eq!(newest["operation"], "assignSuggestion");
        assert_eq!(newest["outcome"], "SUCCESS");
        assert_eq!(newest["errorCodes"], json!([]));
        assert_eq!(newest["actorName"], "办公室工作人员4");
        assert_eq!(newest["role"], "OFFICE_STAFF");
        assert_eq!(newest["clientIp"], "10.0.0.4");
        assert_eq!(newest["requestId"], "req-4");
        assert_eq!(newest["target"], encode(Kind::Suggestion, 4).0);
        assert_eq!(newest["hash"].as_str().map(str::len), Some(64));
        // Written in China time.
        assert!(
            newest["occurredAt"]
                .as_str()
                .is_some_and(|t| t.ends_with("+08:00")),
            "{newest}"
        );
        assert_eq!(
            log["edges"][1]["node"]["hash"], newest["prevHash"],
            "each entry names the one before"
        );
    }
}

#[actix_web::test]
async fn audit_log_filters_and_pages() {
    let app = spawn_bare_app().await;
    append_entries(&app, 7).await;
    let auditor = || principal(Role::Auditor);
    let ids_of = |response: &Value| -> Vec<i64> {
        response["data"]["auditLog"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{response:#}"))
            .iter()
            .map(|e| e["node"]["id"].as_i64().unwrap())
            .collect()
    };
    let all = graphql_as(&app, auditor(), AUDIT_LOG, json!({})).await;
    let all_ids = ids_of(&all);
    assert_eq!(all_ids.len(), 7);
    assert!(all_ids.windows(2).all(|w| w[0] > w[1]), "newest first");

    // entry(n): outcome cycles SUCCESS, USER_ERROR, REFUSED, ERROR; operation cycles
    // registerSuggestion, assignSuggestion, submitReply; actor n % 3.
    let cases = [
        (json!({"outcome": "USER_ERROR"}), vec![5, 1]),
        (json!({"operation": "submitReply"}), vec![5, 2]),
        (json!({"actorUserId": 1}), vec![4, 1]),
        (
            json!({"outcome": "REFUSED", "operation": "submitReply"}),
            vec![2],
        ),
        (json!({"target": encode(Kind::Suggestion, 3).0}), vec![3]),
        (json!({"target": "Suggestion:3"}), vec![3]),
        (
            json!({"from": "2026-11-22", "to": "2026-11-22"}),
            vec![6, 5, 4, 3, 2, 1, 0],
        ),
        (json!({"to": "2026-11-21"}), vec![]),
        (json!({"operation": "无此操作"}), vec![]),
    ];
    for (filter, expected_n) in cases {
        let response = graphql_as(&app, auditor(), AUDIT_LOG, json!({"filter": filter})).await;
        let expected: Vec<i64> = expected_n.iter().map(|n| all_ids[6 - n]).collect();
        assert_eq!(ids_of(&response), expected, "{filter}: {response:#}");
        assert_eq!(
            response["data"]["auditLog"]["totalCount"],
            expected.len(),
            "{filter}"
        );
    }
    let first = graphql_as(
        &app,
        auditor(),
        AUDIT_LOG,
        json!({"filter": {"outcome": "USER_ERROR"}}),
    )
    .await;
    assert_eq!(
        first["data"]["auditLog"]["edges"][0]["node"]["errorCodes"],
        json!(["NOT_FOUND", "INVALID"])
    );

    // Page by page, the pages add up to the whole log in order.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = graphql_as(
            &app,
            auditor(),
            AUDIT_LOG,
            json!({"first": 3, "after": after}),
        )
        .await;
        seen.extend(ids_of(&page));
        let info = &page["data"]["auditLog"]["pageInfo"];
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].clone();
    }
    assert_eq!(seen, all_ids);

    // A reversed date range and an oversized page are INVALID.
    for variables in [
        json!({"filter": {"from": "2026-11-22", "to": "2026-11-21"}}),
        json!({"first": 101}),
    ] {
        let response = graphql_as(&app, auditor(), AUDIT_LOG, variables.clone()).await;
        assert_eq!(
            error_code(&response),
            "INVALID",
            "{variables}: {response:#}"
        );
    }
}

/// An app whose audit log is anchored: a key file (or none) and a checkpoint file, in a
/// directory of the test's own.
async fn anchored_app(keyed: bool) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("audit.key");
    std::fs::write(
        &key,
        "淮南市人大常委会审计密钥 2026 never in the database\n",
    )
    .unwrap();
    let checkpoints = dir.path().join("audit.checkpoints");
    let app = crate::helpers::spawn_bare_app_with(|s| {
        s.audit_key_file = keyed.then(|| key.display().to_string());
        s.audit_checkpoint_file = Some(checkpoints.display().to_string());
    })
    .await;
    (app, dir)
}

async fn checkpoint(app: &TestApp) {
    let written = banli::service::audit::anchor::write_checkpoint(
        &app.db,
        &app.audit.anchors,
        None,
        fixed_now(),
    )
    .await
    .unwrap();
    assert!(written.is_some());
}

/// What someone with database access but without the key does to hide an edit: change row
/// `from` and recompute every hash from it on with plain SHA-256.
async fn recompute_from(app: &TestApp, from: i64) {
    let mut previous: Option<String> = None;
    for mut row in rows(app).await {
        if row.id < from {
            previous = Some(row.hash.clone());
            continue;
        }
        if row.id == from {
            row.outcome = "SUCCESS".to_owned();
            row.error_codes = None;
        }
        row.prev_hash = previous.clone().unwrap_or_else(|| GENESIS_HASH.to_owned());
        let hash = ChainedRow::of(&row).hash();
        exec(
            app,
            &format!(
                "UPDATE audit_log SET outcome = '{}', error_codes = {}, prev_hash = '{}', hash = '{hash}' WHERE id = {}",
                row.outcome,
                row.error_codes.as_deref().map_or("NULL".to_owned(), |c| format!("'{c}'")),
                row.prev_hash,
                row.id
            ),
        )
        .await;
        previous = Some(hash);
    }
}

#[actix_web::test]
async fn keyed_rows_and_checkpoints_verify() {
    let (app, _dir) = anchored_app(true).await;
    append_entries(&app, 6).await;
    let log = rows(&app).await;
    assert_ne!(
        ChainedRow::of(&log[0]).hash(),
        log[0].hash,
        "the hash is keyed"
    );
    checkpoint(&app).await;
    let report = audit::verify(&app.db, &app.audit.anchors).await.unwrap();
    assert_eq!(report.first_broken, None, "{report:?}");
    assert_eq!((report.rows_checked, report.checkpoints_checked), (6, 1));
    assert!(report.notes.is_empty(), "{report:?}");
}

#[actix_web::test]
async fn rows_cut_off_the_end_are_caught_by_a_checkpoint() {
    let (app, _dir) = anchored_app(false).await;
    let ids = append_entries(&app, 6).await;
    checkpoint(&app).await;
    disable_triggers(&app).await;
    exec(
        &app,
        &format!("DELETE FROM audit_log WHERE id > {}", ids[3]),
    )
    .await;
    let (id, reason, checked) = broken(&app).await;
    assert_eq!(id, ids[5], "{reason}");
    assert!(reason.contains("cut off the end"), "{reason}");
    assert_eq!(checked, 4);
}

#[actix_web::test]
async fn a_recomputed_chain_is_caught_by_the_key_and_by_a_checkpoint() {
    // With a key: the recomputed rows are not keyed.
    let (app, _dir) = anchored_app(true).await;
    let ids = append_entries(&app, 6).await;
    disable_triggers(&app).await;
    recompute_from(&app, ids[2]).await;
    let (id, reason, _) = broken(&app).await;
    assert_eq!(id, ids[2], "{reason}");
    assert!(reason.contains("without the audit key"), "{reason}");

    // Without a key: only the checkpoint shows it.
    let (app, _dir) = anchored_app(false).await;
    let ids = append_entries(&app, 6).await;
    checkpoint(&app).await;
    disable_triggers(&app).await;
    recompute_from(&app, ids[2]).await;
    let (id, reason, _) = broken(&app).await;
    assert_eq!(id, ids[5], "{reason}");
    assert!(reason.contains("recomputed"), "{reason}");

    // A checkpoint line edited to match is refused when a key signs them.
    let (app, dir) = anchored_app(true).await;
    append_entries(&app, 3).await;
    checkpoint(&app).await;
    let path = dir.path().join("audit.checkpoints");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"rows\":3", "\"rows\":2")).unwrap();
    let (_, reason, _) = broken(&app).await;
    assert!(reason.contains("cannot be trusted"), "{reason}");
}
