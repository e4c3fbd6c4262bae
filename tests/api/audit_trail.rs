//! Every mutation leaves exactly one audit row — success, user error or refusal — written
//! with the change itself when something changed, and never holding what was typed.

use banli::service::audit;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, ADMIN};

async fn rows(app: &TestApp) -> Vec<entity::audit_log::Model> {
    use sea_orm::{EntityTrait, QueryOrder};
    entity::audit_log::Entity::find()
        .order_by_asc(entity::audit_log::Column::Id)
        .all(app.db.conn())
        .await
        .unwrap()
}

#[actix_web::test]
async fn every_mutation_leaves_exactly_one_audit_row() {
    let app = spawn_app().await;
    let before = rows(&app).await.len();
    assert_eq!(before, 1, "spawn_app signs in once");
    let secret = "never stored anywhere 13812345678";

    // 1. A success: the row is written in the same transaction as the session.
    let created = app
        .create_session(json!({"name": "审计测试会议", "level": "CITY", "term": 17, "meeting": 3}))
        .await;
    let session_id = created["session"]["id"].as_str().unwrap().to_owned();
    // 2. A user error: a duplicate name changes nothing.
    let duplicate = app
        .create_session(json!({"name": "审计测试会议", "level": "CITY", "term": 17, "meeting": 3}))
        .await;
    assert_eq!(duplicate["userErrors"][0]["code"], "DUPLICATE");
    // 3. Refusals: the public, and a role that may not.
    let public = app
        .as_public()
        .graphql(
            "mutation { createDeputy(input: {name: \"某代表\"}) { deputy { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(public["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let auditor = app.user("auditor", "AUDITOR", None, None).await; // createUser + login
    let refused = auditor
        .graphql(
            "mutation { createDeputy(input: {name: \"某代表\"}) { deputy { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // 4. Failed sign-ins, with a password that must not end up in the log.
    for name in [ADMIN.0, "nobody"] {
        let failed = app
            .as_public()
            .data(
                "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { token } }",
                json!({"u": name, "p": secret}),
            )
            .await;
        assert_eq!(failed["login"]["token"], Value::Null);
    }
    // Queries leave no rows.
    app.data("{ sessions { totalCount } }", json!({})).await;

    let log = rows(&app).await;
    let new: Vec<(&str, &str, &str, Option<&str>)> = log[before..]
        .iter()
        .map(|r| {
            (
                r.operation.as_str(),
                r.outcome.as_str(),
                r.role.as_str(),
                r.error_codes.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        new,
        [
            ("createSession", "SUCCESS", "OFFICE_ADMIN", None),
            (
                "createSession",
                "USER_ERROR",
                "OFFICE_ADMIN",
                Some("DUPLICATE")
            ),
            (
                "createDeputy",
                "REFUSED",
                "ANONYMOUS",
                Some("UNAUTHENTICATED")
            ),
            ("createUser", "SUCCESS", "OFFICE_ADMIN", None),
            ("login", "SUCCESS", "ANONYMOUS", None),
            ("createDeputy", "REFUSED", "AUDITOR", Some("FORBIDDEN")),
            (
                "login",
                "USER_ERROR",
                "ANONYMOUS",
                Some("INVALID_CREDENTIALS")
            ),
            (
                "login",
                "USER_ERROR",
                "ANONYMOUS",
                Some("INVALID_CREDENTIALS")
            ),
        ]
    );
    let success = &log[before];
    let readable = banli::graphql::ids::readable(&session_id).unwrap();
    assert_eq!(success.target.as_deref(), Some(readable.as_str()));
    assert_eq!(readable, "Session:1");
    assert_eq!(success.actor_name.as_deref(), Some(ADMIN.0));
    assert_eq!(success.client_ip.as_deref(), Some("127.0.0.1"));
    assert!(success.request_id.as_deref().is_some_and(|r| !r.is_empty()));

    let everything = format!("{log:?}");
    assert!(
        !everything.contains(secret),
        "a password reached the audit log"
    );
    assert!(!everything.contains("13812345678"));
    assert!(!everything.contains(ADMIN.1));

    let report = audit::verify(&app.db, &app.audit.anchors).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows_checked, log.len() as u64);
}

#[actix_web::test]
async fn a_failed_workflow_step_is_one_user_error_row_and_changes_nothing() {
    let app = spawn_app().await;
    let (_, _, assignment) = crate::helpers::assigned(&app, "0001").await;
    let before = rows(&app).await.len();
    // The helper signed for it already: signing again is an INVALID_STATE user error.
    let again = app
        .data(
            "mutation($id: ID!) { signForAssignment(input: {assignmentId: $id}) { userErrors { code } } }",
            json!({"id": assignment}),
        )
        .await;
    assert_eq!(
        again["signForAssignment"]["userErrors"][0]["code"],
        "INVALID_STATE"
    );
    let log = rows(&app).await;
    let new: Vec<(&str, &str)> = log[before..]
        .iter()
        .map(|r| (r.operation.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(new, [("signForAssignment", "USER_ERROR")]);
    let target = banli::graphql::ids::readable(&assignment);
    assert_eq!(log[before].target, target);
    assert_eq!(log[before].error_codes.as_deref(), Some("INVALID_STATE"));
}

#[actix_web::test]
async fn the_audit_log_is_filtered_by_the_global_id_it_shows() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    app.session("另一次会议").await;
    let log = app
        .data(
            "query($t: ID) { auditLog(filter: {target: $t}) { totalCount nodes { operation target } } }",
            json!({"t": session}),
        )
        .await;
    assert_eq!(log["auditLog"]["totalCount"], 1, "{log}");
    assert_eq!(log["auditLog"]["nodes"][0]["operation"], "createSession");
    assert_eq!(log["auditLog"]["nodes"][0]["target"], session.as_str());
}
