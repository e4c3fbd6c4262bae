//! Accounts and sign-in: tokens, expiry, logout, lockout, and user management.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp, ADMIN};

const LOGIN: &str = "mutation($u: String!, $p: String!) {
    login(input: {username: $u, password: $p}) {
        token expiresAt user { username role } userErrors { code field message } } }";
const ME: &str = "{ me { username displayName role unit { code } deputy { name } } }";

async fn login(app: &TestApp, username: &str, password: &str) -> Value {
    app.as_public()
        .data(LOGIN, json!({"u": username, "p": password}))
        .await["login"]
        .clone()
}

fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

#[actix_web::test]
async fn sign_in_shows_me_and_the_public_is_nobody() {
    let app = spawn_app().await;
    let me = app.data(ME, json!({})).await;
    assert_eq!(me["me"]["username"], ADMIN.0);
    assert_eq!(me["me"]["role"], "OFFICE_ADMIN");

    let public = app.as_public().data(ME, json!({})).await;
    assert_eq!(public["me"], Value::Null);

    let payload = login(&app, "TEST-ADMIN ", ADMIN.1).await;
    let token = payload["token"].as_str().unwrap();
    assert!(token.starts_with("bl_") && token.len() > 40, "{token}");
    // 12 hours after the fixed test time (10:00 Shanghai).
    assert_eq!(payload["expiresAt"], "2026-11-22T22:00:00+08:00");
    // Only the hash is stored.
    let stored: Vec<String> = sqlx_strings(&app, "SELECT token_hash AS v FROM auth_token").await;
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(token)));
}

async fn sqlx_strings(app: &TestApp, sql: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_string(app.db.backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "v").unwrap())
        .collect()
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = login(&app, ADMIN.0, "not the password at all").await;
    let unknown = login(&app, "nobody-here", "not the password at all").await;
    let huge = login(&app, ADMIN.0, &"x".repeat(100_000)).await;
    assert_eq!(wrong["token"], Value::Null);
    assert_eq!(wrong["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, huge);
}

#[actix_web::test]
async fn repeated_failures_lock_the_account_until_the_lockout_ends() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 3;
        s.login_lockout_secs = 600;
    })
    .await;
    for _ in 0..3 {
        let failed = login(&app, ADMIN.0, "wrong password, again").await;
        assert_eq!(failed["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    }
    // Locked: the right password gets the same answer as a wrong one.
    let locked = login(&app, ADMIN.0, ADMIN.1).await;
    assert_eq!(locked["userErrors"][0]["code"], "INVALID_CREDENTIALS");
    assert_eq!(locked["token"], Value::Null);
    let users = app
        .data(
            "{ users { edges { node { username lockedUntil } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        users["users"]["edges"][0]["node"]["lockedUntil"],
        "2026-11-22T10:10:00+08:00"
    );

    app.clock.advance(chrono::Duration::minutes(11));
    let unlocked = login(&app, ADMIN.0, ADMIN.1).await;
    assert!(unlocked["token"].is_string(), "{unlocked}");
}

#[actix_web::test]
async fn an_administrator_lifts_a_lockout() {
    let app = spawn_app_with(|s| s.login_max_failures = 2).await;
    let clerk = app.user("clerk", "OFFICE_STAFF", None, None).await;
    let me = clerk.data("{ me { username } }", json!({})).await;
    assert_eq!(me["me"]["username"], "clerk");
    for _ in 0..2 {
        login(&app, "clerk", "wrong password, again").await;
    }
    assert_eq!(
        login(&app, "clerk", "correct horse battery 2026").await["token"],
        Value::Null
    );
    let users = app
        .data(
            "{ users(filter: {keyword: \"clerk\"}) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(users["users"]["totalCount"], 1);
    let id = users["users"]["edges"][0]["node"]["id"].clone();
    let unlocked = app
        .data(
            "mutation($id: ID!) { updateUser(input: {id: $id, unlock: true}) { user { lockedUntil } userErrors { code } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(unlocked["updateUser"]["user"]["lockedUntil"], Value::Null);
    assert!(login(&app, "clerk", "correct horse battery 2026").await["token"].is_string());
}

#[actix_web::test]
async fn tokens_expire_when_idle_and_at_their_absolute_limit() {
    let app = spawn_app_with(|s| {
        s.session_idle_minutes = 30;
        s.session_absolute_minutes = 120;
    })
    .await;
    let token = app.login(ADMIN.0, ADMIN.1).await;
    let user = app.with_token(&token);
    // Used every 20 minutes, the token stays alive past the idle limit...
    for _ in 0..5 {
        app.clock.advance(chrono::Duration::minutes(20));
        let (status, _) = user.post_graphql(ME, json!({})).await;
        assert_eq!(status, 200);
    }
    // ...but not past its absolute expiry (2 hours).
    app.clock.advance(chrono::Duration::minutes(25));
    let (status, body) = user.post_graphql(ME, json!({})).await;
    assert_eq!((status, error_code(&body)), (401, Some("UNAUTHENTICATED")));

    // A fresh token left alone for 31 minutes is dead.
    let idle = app.with_token(&app.login(ADMIN.0, ADMIN.1).await);
    app.clock.advance(chrono::Duration::minutes(31));
    let (status, _) = idle.post_graphql(ME, json!({})).await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn logout_revokes_the_token_and_a_replay_is_refused() {
    let app = spawn_app().await;
    let token = app.login(ADMIN.0, ADMIN.1).await;
    let session = app.with_token(&token);
    let out = session
        .data("mutation { logout { revoked } }", json!({}))
        .await;
    assert_eq!(out["logout"]["revoked"], true);
    for _ in 0..2 {
        let (status, body) = session.post_graphql(ME, json!({})).await;
        assert_eq!((status, error_code(&body)), (401, Some("UNAUTHENTICATED")));
    }
    // Other tokens of the same user live on.
    assert_eq!(app.data(ME, json!({})).await["me"]["username"], ADMIN.0);
    // Garbage and malformed headers are refused, not treated as the public.
    for token in ["bl_forged", "", "x".repeat(500).as_str()] {
        let (status, _) = app.with_token(token).post_graphql(ME, json!({})).await;
        assert_eq!(status, 401, "{token:?}");
    }
    let public_logout = app
        .as_public()
        .graphql("mutation { logout { revoked } }", json!({}))
        .await;
    assert_eq!(error_code(&public_logout), Some("UNAUTHENTICATED"));
}

#[actix_web::test]
async fn disabling_a_user_or_moving_their_unit_takes_effect_on_the_next_request() {
    let app = spawn_app().await;
    let unit_a = app.unit("淮南市民政局", "HN-MZJ").await;
    let unit_b = app.unit("淮南市财政局", "HN-CZJ").await;
    let staff = app
        .user("mzj-staff", "UNIT_STAFF", Some(&unit_a), None)
        .await;
    let me = staff.data(ME, json!({})).await;
    assert_eq!(me["me"]["unit"]["code"], "HN-MZJ");
    let id = app
        .data(
            "{ users(filter: {role: UNIT_STAFF}) { edges { node { id version } } } }",
            json!({}),
        )
        .await["users"]["edges"][0]["node"]
        .clone();

    let moved = app
        .data(
            "mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { unit { code } version } userErrors { code } } }",
            json!({"i": {"id": id["id"], "expectedVersion": id["version"], "unitId": unit_b}}),
        )
        .await;
    assert_eq!(moved["updateUser"]["user"]["unit"]["code"], "HN-CZJ");
    assert_eq!(
        staff.data(ME, json!({})).await["me"]["unit"]["code"],
        "HN-CZJ"
    );

    // A stale version is a conflict, not a lost update.
    let stale = app
        .data(
            "mutation($i: UpdateUserInput!) { updateUser(input: $i) { userErrors { code field } } }",
            json!({"i": {"id": id["id"], "expectedVersion": id["version"], "disabled": true}}),
        )
        .await;
    assert_eq!(stale["updateUser"]["userErrors"][0]["code"], "CONFLICT");

    let disabled = app
        .data(
            "mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { disabled } userErrors { code } } }",
            json!({"i": {"id": id["id"], "disabled": true}}),
        )
        .await;
    assert_eq!(disabled["updateUser"]["user"]["disabled"], true);
    let (status, _) = staff.post_graphql(ME, json!({})).await;
    assert_eq!(status, 401);
    assert_eq!(
        login(&app, "mzj-staff", "correct horse battery 2026").await["userErrors"][0]["code"],
        "INVALID_CREDENTIALS"
    );
}

#[actix_web::test]
async fn user_management_validates_and_is_for_administrators_only() {
    let app = spawn_app().await;
    let create = "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code field } } }";
    let bad = app
        .data(
            create,
            json!({"i": {"username": "张三", "displayName": " ", "role": "UNIT_STAFF", "password": "short"}}),
        )
        .await;
    let mut fields: Vec<String> = bad["createUser"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["field"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        ["input.displayName", "input.unitId", "input.username"]
    );

    let taken = app
        .data(
            create,
            json!({"i": {"username": ADMIN.0, "displayName": "又一个", "role": "AUDITOR", "password": "correct horse battery 2026"}}),
        )
        .await;
    assert_eq!(taken["createUser"]["userErrors"][0]["code"], "DUPLICATE");

    let auditor = app.user("auditor", "AUDITOR", None, None).await;
    let refused = auditor
        .graphql(
            create,
            json!({"i": {"username": "sneaky", "displayName": "x", "role": "OFFICE_ADMIN", "password": "correct horse battery 2026"}}),
        )
        .await;
    assert_eq!(error_code(&refused), Some("FORBIDDEN"));
    assert_eq!(refused["data"], Value::Null);
    let public = app
        .as_public()
        .graphql("{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&public), Some("UNAUTHENTICATED"));
}

#[actix_web::test]
async fn changing_the_password_signs_out_everywhere() {
    let app = spawn_app().await;
    let clerk = app.user("clerk", "OFFICE_STAFF", None, None).await;
    let change = "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { user { username } userErrors { code field } } }";
    let wrong = clerk
        .data(
            change,
            json!({"c": "not my password!", "n": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(
        wrong["changePassword"]["userErrors"][0]["field"],
        json!(["input", "currentPassword"])
    );
    let changed = clerk
        .data(
            change,
            json!({"c": "correct horse battery 2026", "n": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(changed["changePassword"]["user"]["username"], "clerk");
    let (status, _) = clerk.post_graphql(ME, json!({})).await;
    assert_eq!(status, 401);
    assert!(login(&app, "clerk", "a brand new passphrase").await["token"].is_string());
}

#[actix_web::test]
async fn the_command_line_bootstraps_the_first_administrator() {
    let app = spawn_app().await;
    let url = database_url(&app);
    let run = |name: &str, password: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_banli"))
            .args(["user", "add", "--role", "office-admin", "--name", name])
            .env("BANLI_DATABASE_URL", &url)
            .env("BANLI_USER_PASSWORD", password)
            .env("BANLI_CONFIG", "/dev/null")
            .output()
            .unwrap()
    };
    let made = run("chief", "a long passphrase for 办公室");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(String::from_utf8_lossy(&made.stdout).contains("user chief created (OFFICE_ADMIN)"));
    assert!(login(&app, "chief", "a long passphrase for 办公室").await["token"].is_string());

    let weak = run("deputy-chief", "short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("密码至少 12 个字符"));
}

/// The database URL the test app runs on (so the CLI can open the same database).
fn database_url(app: &TestApp) -> String {
    app.database_url.clone()
}

#[actix_web::test]
async fn wrong_current_passwords_count_toward_the_lockout_like_failed_sign_ins() {
    let app = spawn_app_with(|s| {
        s.login_max_failures = 3;
        s.login_lockout_secs = 600;
    })
    .await;
    let clerk = app.user("clerk", "OFFICE_STAFF", None, None).await;
    let change = "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { user { username } userErrors { code field } } }";
    let new = "a brand new passphrase";
    // A stolen token guesses: each wrong guess counts.
    for guess in ["guess number one", "guess number two", "guess number three"] {
        let wrong = clerk.data(change, json!({"c": guess, "n": new})).await;
        assert_eq!(
            wrong["changePassword"]["userErrors"][0]["code"],
            "INVALID_CREDENTIALS"
        );
    }
    // Locked now: even the right current password is not checked, and sign-in is locked too.
    let locked = clerk
        .data(
            change,
            json!({"c": crate::helpers::USER_PASSWORD, "n": new}),
        )
        .await;
    assert_eq!(
        locked["changePassword"]["userErrors"][0]["code"], "INVALID_CREDENTIALS",
        "{locked}"
    );
    let signed_in = login(&app, "clerk", crate::helpers::USER_PASSWORD).await;
    assert_eq!(signed_in["token"], Value::Null, "{signed_in}");
    let users = app
        .data(
            "{ users(filter: {keyword: \"clerk\"}) { nodes { lockedUntil } } }",
            json!({}),
        )
        .await;
    assert!(
        users["users"]["nodes"][0]["lockedUntil"].is_string(),
        "{users}"
    );

    // After the lockout the right password works again.
    app.clock.advance(chrono::Duration::minutes(11));
    let changed = clerk
        .data(
            change,
            json!({"c": crate::helpers::USER_PASSWORD, "n": new}),
        )
        .await;
    assert_eq!(
        changed["changePassword"]["user"]["username"], "clerk",
        "{changed}"
    );
}
