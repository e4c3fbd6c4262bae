//! Defects an attack run found (issue 26), each with the test that failed before its fix:
//! dates outside the `Date` scalar's range, and a confidential mark that republished a
//! withdrawn reply when it was cleared.

use serde_json::{json, Value};

use crate::helpers::{codes, id_at, spawn_app, TestApp};

const PREVIEW: &str = "query($s: ID!, $start: Date!, $p: DeadlinePeriod!) {
    previewDueDate(sessionId: $s, start: $start, period: $p) { dueOn } }";

#[actix_web::test]
async fn dates_stay_within_1900_to_9999_in_and_out() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    // A due date past 9999-12-31 is a user error, not "+10000-06-30".
    for (start, period) in [("9999-12-31", "HARD_CAP"), ("9999-10-01", "REPLY")] {
        let r = app
            .graphql(PREVIEW, json!({"s": session, "start": start, "p": period}))
            .await;
        let error = &r["errors"][0];
        assert_eq!(error["extensions"]["code"], "INVALID", "{start}: {r}");
        assert_eq!(error["extensions"]["field"], json!(["start"]), "{r}");
        assert!(r["data"].is_null(), "{r}");
    }
    let r = app
        .data(
            PREVIEW,
            json!({"s": session, "start": "9999-06-30", "p": "REPLY"}),
        )
        .await;
    assert_eq!(r["previewDueDate"]["dueOn"], "9999-09-30");
    // Outside the scalar's range on the way in.
    for start in ["1899-12-31", "0000-01-01", "+10000-06-30", "10000-01-01"] {
        let r = app
            .graphql(PREVIEW, json!({"s": session, "start": start, "p": "REPLY"}))
            .await;
        assert_eq!(
            r["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{start}: {r}"
        );
    }
    // Assigning so late that the due date would leave the range: a user error, no rows.
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("市委组织部", "ZZB").await;
    let suggestion = app.suggestion(&session, &deputy, "0255").await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "9999-12-01",
            "units": [{"unitId": unit, "role": "SOLE"}]}),
        )
        .await;
    assert_eq!(codes(&p), ["INVALID"], "{p}");
    let count = app.data("{ assignments { totalCount } }", json!({})).await;
    assert_eq!(count["assignments"]["totalCount"], 0);
}

const PUBLIC_REPLY: &str = "query($id: ID!) { publishedReply(id: $id) { id } }";
const PUBLIC_SEARCH: &str =
    "query($k: String) { publishedReplies(filter: {keyword: $k}) { totalCount } }";
const SET_CONFIDENTIAL: &str = "mutation($id: ID!, $c: Boolean) {
    updateSuggestion(input: {id: $id, confidential: $c}) { suggestion { confidential } userErrors { code } } }";

async fn public_view(app: &TestApp, reply: &str) -> (bool, i64) {
    let public = app.as_public();
    let shown = public.data(PUBLIC_REPLY, json!({"id": reply})).await["publishedReply"].is_object();
    // The suggestion's number and a word of the published body.
    let mut found = Vec::new();
    for keyword in ["0300", "答复如下"] {
        let r = public.data(PUBLIC_SEARCH, json!({"k": keyword})).await;
        found.push(r["publishedReplies"]["totalCount"].as_i64().unwrap());
    }
    assert_eq!(
        found[0], found[1],
        "the number and the body are found alike"
    );
    (shown, found[0])
}

#[actix_web::test]
async fn clearing_the_confidential_mark_does_not_publish_the_reply_again() {
    let app = spawn_app().await;
    let (reply, _unit) = app.published_reply("0300").await;
    let suggestion = app
        .data("{ suggestions { nodes { id } } }", json!({}))
        .await["suggestions"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(public_view(&app, &reply).await, (true, 1));

    // Marked confidential: the publication is withdrawn, the public sees and finds nothing.
    let p = app
        .data(SET_CONFIDENTIAL, json!({"id": suggestion, "c": true}))
        .await;
    assert_eq!(
        p["updateSuggestion"]["suggestion"]["confidential"], true,
        "{p}"
    );
    assert_eq!(public_view(&app, &reply).await, (false, 0));
    let staff = app
        .data(
            "query($id: ID!) { suggestion(id: $id) { replies { publication publishedAt }
                timeline { kind actorRole } } }",
            json!({"id": suggestion}),
        )
        .await;
    let replies = &staff["suggestion"]["replies"];
    assert_eq!(replies[0]["publication"], "NONE", "{staff}");
    assert_eq!(replies[0]["publishedAt"], Value::Null, "{staff}");
    let kinds: Vec<&str> = staff["suggestion"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"PUBLICATION_WITHDRAWN"), "{kinds:?}");

    // The mark cleared: still nothing public until the office publishes again.
    let p = app
        .data(SET_CONFIDENTIAL, json!({"id": suggestion, "c": false}))
        .await;
    assert_eq!(
        p["updateSuggestion"]["suggestion"]["confidential"], false,
        "{p}"
    );
    assert_eq!(public_view(&app, &reply).await, (false, 0));

    let p = app
        .publish(json!({"replyId": reply, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p}");
    assert_eq!(public_view(&app, &reply).await, (true, 1));
    assert!(id_at(&p, "reply.id") == reply);
}

const LOGIN: &str = "mutation($u: String!, $p: String!) {
    login(input: {username: $u, password: $p}) { token userErrors { code retryAfterSeconds } } }";

async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> Value {
    let (status, response) = app
        .as_public()
        .post_graphql_with(
            LOGIN,
            json!({"u": username, "p": password}),
            &[("x-forwarded-for", address)],
        )
        .await;
    assert_eq!(status, 200, "{response}");
    response["data"]["login"].clone()
}

#[actix_web::test]
async fn one_address_cannot_guess_on_or_lock_every_account() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.login_address_max_failures = 3;
        s.login_max_failures = 5;
    })
    .await;
    let attacker = "203.0.113.9";
    // Three failures, each on another account (known or not).
    for name in [crate::helpers::ADMIN.0, "nobody", "clerk"] {
        let failed = login_from(&app, attacker, name, "a wrong password 1").await;
        assert_eq!(
            failed["userErrors"][0]["code"], "INVALID_CREDENTIALS",
            "{failed}"
        );
    }
    // Then the address is turned away before any password is checked, even a right one.
    let refused = login_from(
        &app,
        attacker,
        crate::helpers::ADMIN.0,
        crate::helpers::ADMIN.1,
    )
    .await;
    assert_eq!(
        refused["userErrors"][0]["code"], "RATE_LIMITED",
        "{refused}"
    );
    assert!(
        refused["userErrors"][0]["retryAfterSeconds"]
            .as_i64()
            .unwrap()
            >= 1
    );
    assert_eq!(refused["token"], Value::Null);
    // Another address signs in to the same account: it was not locked.
    let signed_in = login_from(
        &app,
        "198.51.100.20",
        crate::helpers::ADMIN.0,
        crate::helpers::ADMIN.1,
    )
    .await;
    assert!(signed_in["token"].is_string(), "{signed_in}");
    // The window passes.
    app.clock.advance(chrono::Duration::minutes(16));
    let again = login_from(
        &app,
        attacker,
        crate::helpers::ADMIN.0,
        crate::helpers::ADMIN.1,
    )
    .await;
    assert!(again["token"].is_string(), "{again}");
}

#[actix_web::test]
async fn one_request_runs_at_most_one_password_operation() {
    let app = spawn_app().await;
    let aliased: String = (0..20)
        .map(|i| format!("l{i}: login(input: {{username: \"test-admin\", password: \"guess {i} guess\"}}) {{ token }}"))
        .collect::<Vec<_>>()
        .join(" ");
    let mixed = "mutation { login(input: {username: \"a\", password: \"b\"}) { token }
        changePassword(input: {currentPassword: \"x\", newPassword: \"y\"}) { user { id } } }";
    let fragments = "mutation { ...L ...L } fragment L on MutationRoot {
        login(input: {username: \"a\", password: \"b\"}) { token } }";
    for document in [
        format!("mutation {{ {aliased} }}"),
        mixed.to_owned(),
        fragments.to_owned(),
    ] {
        let r = app.as_public().graphql(&document, json!({})).await;
        assert_eq!(
            r["errors"][0]["extensions"]["code"], "TOO_MANY_ROOT_FIELDS",
            "{r}"
        );
        assert!(r["data"].is_null(), "{r}");
    }
    // Nothing ran: the administrator has no failed attempt counted.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let admin = entity::app_user::Entity::find()
        .filter(entity::app_user::Column::Username.eq(crate::helpers::ADMIN.0))
        .one(app.db.conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.failed_attempts, 0);
}

#[actix_web::test]
async fn the_captcha_limit_holds_across_instances() {
    let app = crate::helpers::spawn_app_with(|s| s.captcha_per_minute = 3).await;
    let other = app.second_instance(|s| s.captcha_per_minute = 3).await;
    const CREATE: &str = "mutation { createCaptcha { id } }";
    for instance in [&app, &app, &other] {
        instance.as_public().data(CREATE, json!({})).await;
    }
    for instance in [&other, &app] {
        let refused = instance.as_public().graphql(CREATE, json!({})).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "RATE_LIMITED",
            "{refused}"
        );
    }
    // A minute later the client may draw again, on either instance.
    app.clock.advance(chrono::Duration::seconds(61));
    other.as_public().data(CREATE, json!({})).await;
}

/// The server process's peak resident memory (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

#[actix_web::test]
async fn concurrent_sign_ins_do_not_multiply_the_servers_memory() {
    use crate::process::{free_port, Server};
    let app = spawn_app().await;
    let server = Server::start_with(
        &app.database_url,
        free_port(),
        &[("BANLI_LOGIN_ADDRESS_MAX_FAILURES", "100000")],
    );
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish();
    server.ready_check().wait(&client).await;
    let pid = server.child.id();
    let before = peak_rss_mib(pid);

    // 32 connections at once, each signing in over and over (argon2: 19 MiB a hash).
    let mut clients = Vec::new();
    for c in 0..32 {
        let url = server.url.clone();
        let client = client.clone();
        clients.push(actix_web::rt::spawn(async move {
            let mut codes = Vec::new();
            for i in 0..3 {
                let body = json!({"query": LOGIN, "variables": {"u": format!("user{c}"), "p": format!("guess {i} of {c}")}});
                let mut response = client
                    .post(format!("{url}/graphql"))
                    .insert_header(("content-type", "application/json"))
                    .send_body(body.to_string())
                    .await
                    .expect("an answer");
                let value: Value = serde_json::from_slice(&response.body().await.unwrap()).unwrap();
                codes.push(value["data"]["login"]["userErrors"][0]["code"].as_str().unwrap_or("?").to_owned());
            }
            codes
        }));
    }
    for handle in clients {
        for code in handle.await.unwrap() {
            assert!(
                ["INVALID_CREDENTIALS", "RATE_LIMITED"].contains(&code.as_str()),
                "{code}"
            );
        }
    }
    let after = peak_rss_mib(pid);
    println!("sign-in storm: server peak RSS {before} MiB → {after} MiB");
    // One hash per core at a time (19 MiB each) plus the server's own working memory;
    // without the bound, 32 at once took 600 MiB more.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let bound = before + 19 * cores + 120;
    assert!(
        after < bound,
        "peak RSS {before} → {after} MiB, bound {bound}"
    );
    server.terminate();
}

#[actix_web::test]
async fn common_and_patterned_passwords_are_refused() {
    let app = spawn_app().await;
    const CREATE: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) {
        user { id } userErrors { field code } } }";
    for password in [
        "123456789012",
        "password1234",
        "qwertyuiop12",
        "abcabcabcabc",
    ] {
        let data = app
            .data(
                CREATE,
                json!({"i": {"username": "clerk", "displayName": "办事员", "role": "OFFICE_STAFF", "password": password}}),
            )
            .await;
        let errors = &data["createUser"]["userErrors"];
        assert_eq!(errors[0]["code"], "INVALID", "{password}: {data}");
        assert_eq!(errors[0]["field"], json!(["input", "password"]), "{data}");
    }
    let data = app
        .data(
            CREATE,
            json!({"i": {"username": "clerk", "displayName": "办事员", "role": "OFFICE_STAFF",
                "password": "淮南 desk lamp river 0255"}}),
        )
        .await;
    assert!(data["createUser"]["user"]["id"].is_string(), "{data}");
}

/// A workbook of the given sheet XML, written by hand (no spreadsheet writer makes cell
/// references past Excel's last column), parts stored uncompressed.
fn handmade_xlsx(sheet_xml: &str) -> Vec<u8> {
    use std::io::Write as _;
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="建议登记" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml.to_owned()),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, text) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn sheet_with_cells(cells: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#
    )
}

#[actix_web::test]
async fn an_import_cannot_be_made_to_allocate_gigabytes() {
    use crate::process::{free_port, Server};
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    let server = Server::start(&app.database_url, free_port());
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish();
    server.ready_check().wait(&client).await;
    // Signed in at the server process itself (its clock is the real one).
    let login = json!({"query": LOGIN, "variables": {"u": crate::helpers::ADMIN.0, "p": crate::helpers::ADMIN.1}});
    let mut response = client
        .post(format!("{}/graphql", server.url))
        .insert_header(("content-type", "application/json"))
        .send_body(login.to_string())
        .await
        .expect("an answer");
    let signed_in: Value = serde_json::from_slice(&response.body().await.unwrap()).unwrap();
    let token = signed_in["data"]["login"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let pid = server.child.id();
    let before = peak_rss_mib(pid);

    let files = [
        // One cell in column ZZZZZZ (7.7 KB took a reader to 7.4 GB and 22 s).
        (
            "a cell in column ZZZZZZ",
            sheet_with_cells(
                r#"<row r="1"><c r="ZZZZZZ1" t="inlineStr"><is><t>x</t></is></c></row>"#,
            ),
            "第 50 列",
        ),
        (
            "a cell in column XFD",
            sheet_with_cells(
                r#"<row r="1"><c r="A1" t="inlineStr"><is><t>编号</t></is></c><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>"#,
            ),
            "第 50 列",
        ),
        (
            "a cell in row 1,048,576",
            sheet_with_cells(
                r#"<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>"#,
            ),
            "最多导入",
        ),
    ];
    for (what, sheet, message) in files {
        let started = std::time::Instant::now();
        let mut response = client
            .post(format!(
                "{}/import/suggestions?sessionId={session}",
                server.url
            ))
            .insert_header(("authorization", format!("Bearer {token}")))
            .insert_header((
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ))
            .send_body(handmade_xlsx(&sheet))
            .await
            .expect("an answer");
        let status = response.status().as_u16();
        let body: Value = serde_json::from_slice(&response.body().await.unwrap()).unwrap();
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "INVALID",
            "{what}: {body}"
        );
        let text = body["errors"][0]["message"].as_str().unwrap();
        assert!(text.contains(message), "{what}: {text}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{what}"
        );
    }
    let after = peak_rss_mib(pid);
    println!("hostile imports: server peak RSS {before} MiB → {after} MiB");
    assert!(after < before + 64, "peak RSS {before} → {after} MiB");
    let count = app.data("{ suggestions { totalCount } }", json!({})).await;
    assert_eq!(count["suggestions"]["totalCount"], 0);
    server.terminate();
}

#[actix_web::test]
async fn housekeeping_runs_once_per_period_across_instances() {
    use banli::housekeeping::{claim, CHORE};
    let app = spawn_app().await;
    let other = app.second_instance(|_| {}).await;
    let period = std::time::Duration::from_secs(3600);
    let now = crate::helpers::fixed_now();
    // Both instances' timers fire at once: one of them runs the chores.
    let (a, b) = futures_util::future::join(
        claim(&app.db, CHORE, period, now),
        claim(&other.db, CHORE, period, now),
    )
    .await;
    assert_eq!(
        [a.unwrap(), b.unwrap()].iter().filter(|won| **won).count(),
        1
    );
    // Later in the same period: nobody.
    let later = now + chrono::Duration::minutes(30);
    assert!(!claim(&app.db, CHORE, period, later).await.unwrap());
    assert!(!claim(&other.db, CHORE, period, later).await.unwrap());
    // The next period, even if a timer fires a little early: one again.
    let next = now + chrono::Duration::minutes(57);
    assert!(claim(&other.db, CHORE, period, next).await.unwrap());
    assert!(!claim(&app.db, CHORE, period, next).await.unwrap());
}

#[actix_web::test]
async fn a_sign_out_reaches_every_instance_within_a_second() {
    let app = spawn_app().await;
    if app.backend != "postgres" {
        eprintln!("sign-outs across instances: PostgreSQL only (NOTIFY); skipped on SQLite");
        return;
    }
    // Both instances trust a checked token for a minute: only the notification can make the
    // other one forget it in time.
    let other = app.second_instance(|s| s.auth_cache_secs = 60).await;
    let clerk = app.user("clerk", "OFFICE_STAFF", None, None).await;
    let token = clerk.token.clone().unwrap();
    const ME: &str = "{ me { username } }";
    let (status, _) = other.with_token(&token).post_graphql(ME, json!({})).await;
    assert_eq!(
        status, 200,
        "the other instance knows the token (and caches it)"
    );

    let out = clerk
        .data("mutation { logout { revoked } }", json!({}))
        .await;
    assert_eq!(out["logout"]["revoked"], true);
    let started = std::time::Instant::now();
    loop {
        let (status, _) = other.with_token(&token).post_graphql(ME, json!({})).await;
        if status == 401 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "the other instance still accepts a revoked token after {:?}",
            started.elapsed()
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    println!(
        "sign-out seen by the other instance after {:?}",
        started.elapsed()
    );
}

/// The audit rows of refusals, as (operation, role, client).
async fn refusal_rows(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Outcome.eq("REFUSED"))
        .order_by_asc(entity::audit_log::Column::Id)
        .all(app.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.operation, r.role, r.client_ip))
        .collect()
}

#[actix_web::test]
async fn refusals_of_callers_not_signed_in_are_sampled_not_written_one_by_one() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.metrics_enabled = true;
    })
    .await;
    let auditor = app.user("auditor", "AUDITOR", None, None).await;
    const CREATE: &str = "mutation { createDeputy(input: {name: \"某代表\"}) { deputy { id } } }";
    let from = |client: &'static str| [("x-forwarded-for", client)];
    // 200 refused mutations from one address, 5 from another: a row each address.
    for _ in 0..200 {
        let (_, r) = app
            .as_public()
            .post_graphql_with(CREATE, json!({}), &from("203.0.113.1"))
            .await;
        assert_eq!(
            r["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{r}"
        );
    }
    for _ in 0..5 {
        app.as_public()
            .post_graphql_with(CREATE, json!({}), &from("203.0.113.2"))
            .await;
    }
    // A revoked or made-up token (HTTP 401 before GraphQL): sampled too, no longer untraced.
    for _ in 0..20 {
        let (status, _) = app
            .with_token("bl_made_up_token")
            .post_graphql_with(CREATE, json!({}), &from("203.0.113.3"))
            .await;
        assert_eq!(status, 401);
    }
    // The import without a token: sampled; refused to a signed-in role: a row each.
    for (caller, client) in [
        (app.as_public(), "203.0.113.4"),
        (auditor.clone(), "203.0.113.5"),
    ] {
        let bearer = caller.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers = vec![
            ("x-forwarded-for", client),
            ("content-type", "application/octet-stream"),
        ];
        headers.extend(bearer.as_deref().map(|b| ("authorization", b)));
        for _ in 0..3 {
            let (status, _, _) = caller
                .request(
                    "POST",
                    "/import/suggestions?sessionId=x",
                    &headers,
                    Vec::new(),
                )
                .await;
            assert!([401, 403].contains(&status), "{status}");
        }
    }
    let rows = refusal_rows(&app).await;
    let ip = |s: &str| Some(s.to_owned());
    assert_eq!(
        rows,
        [
            (
                "createDeputy".to_owned(),
                "ANONYMOUS".to_owned(),
                ip("203.0.113.1")
            ),
            (
                "createDeputy".to_owned(),
                "ANONYMOUS".to_owned(),
                ip("203.0.113.2")
            ),
            (
                "http:POST /graphql".to_owned(),
                "ANONYMOUS".to_owned(),
                ip("203.0.113.3")
            ),
            (
                "importSuggestions".to_owned(),
                "ANONYMOUS".to_owned(),
                ip("203.0.113.4")
            ),
            (
                "importSuggestions".to_owned(),
                "AUDITOR".to_owned(),
                ip("203.0.113.5")
            ),
            (
                "importSuggestions".to_owned(),
                "AUDITOR".to_owned(),
                ip("203.0.113.5")
            ),
            (
                "importSuggestions".to_owned(),
                "AUDITOR".to_owned(),
                ip("203.0.113.5")
            ),
        ]
    );
    // A minute later the first address gets a row again.
    app.clock.advance(chrono::Duration::seconds(61));
    app.as_public()
        .post_graphql_with(CREATE, json!({}), &from("203.0.113.1"))
        .await;
    assert_eq!(refusal_rows(&app).await.len(), 8);
    // Every refusal is counted.
    let (_, _, metrics) = app.request("GET", "/metrics", &[], Vec::new()).await;
    let value = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
    };
    assert_eq!(
        value("banli_refusals_total"),
        Some(200 + 5 + 20 + 3 + 1),
        "{metrics}"
    );
    assert_eq!(value("banli_refusals_audited_total"), Some(5), "{metrics}");
}
