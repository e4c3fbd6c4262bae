//! Request hardening (OWASP's GraphQL cheat sheet): every limit just under and just over,
//! batches, introspection and field suggestions by environment, CSRF (only JSON POSTs run
//! operations) and CORS.

use std::time::{Duration, Instant};

use banli::config::Environment;
use serde_json::{json, Value};

use crate::helpers::{assigned, spawn_app, spawn_app_with, TestApp};

/// `extensions.code` of the first error, or null.
fn code(response: &Value) -> Value {
    response["errors"][0]["extensions"]["code"].clone()
}

fn message(response: &Value) -> String {
    response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[track_caller]
fn assert_ok(response: &Value) {
    assert!(response.get("errors").is_none(), "{response:#}");
}

#[track_caller]
fn assert_refused(response: &Value, expected: &str) {
    assert_eq!(code(response), json!(expected), "{response:#}");
    assert!(response["data"].is_null(), "nothing ran: {response:#}");
}

/// The suggestion list of the office's desk: 50 rows with the lead deputy, each
/// assignment with its unit and replies, and the suggestion's replies.
const DESK_LIST: &str = "query DeskList($first: Int) {
  suggestions(first: $first, orderBy: NUMBER_ASC) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id number title status submittedOn isKey topic
      leadDeputy { id name delegation }
      assignments { id role status dueOn deadlineStatus unit { id name }
        replies { id category repliedOn publication } }
      replies { id category repliedOn }
    } }
  }
}";

/// 100 suggestions × 5 assignments × 20 timeline events: 10,000 nested rows.
const EXPLOSION: &str =
    "query Explode($first: Int) { suggestions(first: $first) { edges { node { assignments { timeline { kind } } } } } }";

/// The cost the server computed, read from a TOO_COMPLEX message ("… (query is too
/// complex: N > limit …").
async fn cost_of(app: &TestApp, query: &str, variables: Value) -> usize {
    let r = app.graphql(query, variables).await;
    assert_eq!(code(&r), json!("TOO_COMPLEX"), "{r:#}");
    let text = message(&r);
    let after = text.split("too complex: ").nth(1).expect("cost in message");
    after.split(' ').next().unwrap().parse().unwrap()
}

#[actix_web::test]
async fn list_costs_multiply_by_page_size() {
    // Above the number of fields each query selects (refused earlier and without the
    // cost), below the cost of each.
    let app = spawn_app_with(|s| s.max_query_complexity = 50).await;
    // A connection costs first × (what one row selects); the default page is 20 rows.
    let rows = "{ totalCount edges { node { id name } } }"; // 1 + (1 + (1 + 2)) = 5 per row
    for (first, cost) in [("", 100), ("(first: 11)", 55), ("(first: 100)", 500)] {
        let query = format!("{{ sessions{first} {rows} }}");
        assert_eq!(cost_of(&app, &query, json!({})).await, cost, "{query}");
    }
    // Lists without paging cost an estimate of their length (5 assignments, 20 events).
    assert_eq!(
        cost_of(&app, EXPLOSION, json!({"first": 100})).await,
        100 * (1 + (1 + 5 * 20))
    );
    // The office's 50-row list (the README documents the number).
    assert_eq!(cost_of(&app, DESK_LIST, json!({"first": 50})).await, 8_650);
}

#[actix_web::test]
async fn complexity_just_under_and_over_the_limit() {
    let app = spawn_app_with(|s| s.max_query_complexity = 100).await;
    let query =
        "query($first: Int) { sessions(first: $first) { totalCount edges { node { id name } } } }";
    assert_ok(&app.graphql(query, json!({"first": 20})).await);
    assert_ok(&app.graphql(query, json!({})).await);
    let r = app.graphql(query, json!({"first": 21})).await;
    assert_refused(&r, "TOO_COMPLEX");
    assert!(message(&r).contains("105 > 100"), "{r:#}");
    assert!(message(&r).contains("查询复杂度"), "{r:#}");
}

/// Documents are parsed once per text and kept; every limit still holds for a kept one,
/// since what a request costs depends on its variables, and a document that breaks a limit
/// is refused however often it has been sent.
#[actix_web::test]
async fn a_kept_document_is_still_refused_by_a_limit_it_breaks() {
    let app = spawn_app_with(|s| {
        s.max_query_complexity = 100;
        s.max_query_depth = 4;
        s.metrics_enabled = true;
    })
    .await;
    let before = document_cache(&app).await;
    let query = "query Sessions($first: Int) { sessions(first: $first) { totalCount edges { node { id name } } } }";
    for _ in 0..3 {
        assert_ok(&app.graphql(query, json!({"first": 20})).await);
        let r = app.graphql(query, json!({"first": 21})).await;
        assert_refused(&r, "TOO_COMPLEX");
        assert!(message(&r).contains("105 > 100"), "{r:#}");
    }
    let deep = "query Deep { suggestions { edges { node { session { name } } } } }";
    for _ in 0..2 {
        let r = app.graphql(deep, json!({})).await;
        assert_refused(&r, "TOO_DEEP");
        assert!(message(&r).contains("5 > 4"), "{r:#}");
    }
    let unknown = "query Unknown { sessions { nothing } }";
    for _ in 0..2 {
        let r = app.graphql(unknown, json!({})).await;
        assert_refused(&r, "GRAPHQL_VALIDATION_FAILED");
    }
    // Each of the three texts was parsed once; the other requests used the kept document.
    let after = document_cache(&app).await;
    assert_eq!(after[2] - before[2], 3, "parsed: {before:?} → {after:?}");
    assert_eq!(after[1] - before[1], 7, "kept: {before:?} → {after:?}");
    assert_eq!(after[0] - before[0], 3, "entries: {before:?} → {after:?}");
}

/// With one place for a GraphQL request in flight, forty at once wait their turn: all are
/// answered, none refused.
#[actix_web::test]
async fn requests_beyond_the_places_in_flight_wait_and_are_answered() {
    let app = spawn_app_with(|s| s.load.graphql_in_flight_per_worker = 1).await;
    let query = "query Sessions { sessions { totalCount edges { node { id name } } } }";
    let requests = (0..40).map(|_| app.graphql(query, json!({})));
    for response in futures_util::future::join_all(requests).await {
        assert_ok(&response);
        assert_eq!(response["data"]["sessions"]["totalCount"], 0);
    }
}

/// `banli_graphql_document_cache`: entries, hits, misses.
async fn document_cache(app: &TestApp) -> [u64; 3] {
    let (status, metrics) = app.get("/metrics").await;
    assert_eq!(status, 200, "{metrics}");
    ["entries", "hits", "misses"].map(|measure| {
        let line = format!("banli_graphql_document_cache{{measure=\"{measure}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(line.as_str()))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {measure} in {metrics}"))
    })
}

#[actix_web::test]
async fn default_limits_admit_the_desk_list_and_refuse_a_nested_explosion() {
    let app = spawn_app().await;
    let (_, suggestion, assignment) = assigned(&app, "0255").await;
    let reply = app.submit_reply(TestApp::reply_input(&assignment)).await;
    assert_eq!(crate::helpers::codes(&reply), Vec::<String>::new());

    let desk = app.data(DESK_LIST, json!({"first": 50})).await;
    let node = &desk["suggestions"]["edges"][0]["node"];
    assert_eq!(node["id"], json!(suggestion));
    assert_eq!(node["assignments"][0]["unit"]["name"], "单位0255");
    assert_eq!(node["assignments"][0]["replies"][0]["category"], "A");
    assert_eq!(node["replies"][0]["category"], "A");

    // 98 suggestions × 5 × 20 = 9,996 passes; 100 × … = 10,200 does not.
    assert_ok(&app.graphql(EXPLOSION, json!({"first": 98})).await);
    let r = app.graphql(EXPLOSION, json!({"first": 100})).await;
    assert_refused(&r, "TOO_COMPLEX");
    assert!(message(&r).contains("10200 > 10000"), "{r:#}");

    // The README's examples pass too.
    let readme = "{
      overdue: assignments(filter: {deadlineStatus: [OVERDUE]}, asOf: \"2026-06-30\", first: 20) {
        totalCount edges { node { dueOn daysLate(asOf: \"2026-06-30\") unit { name } suggestion { number } } } }
      deadlineSummary(asOf: \"2026-06-30\") { overall { overdue dueSoon answeredLate } byUnit { unit { name } counts { overdue } } }
      assignments(filter: {status: [ASSIGNED], dueTo: \"2026-12-31\"}, orderBy: DUE_ON_ASC, first: 20) {
        totalCount
        edges { node { dueOn role unit { name } suggestion { number title leadDeputy { name } } } }
        pageInfo { hasNextPage endCursor }
      }
    }";
    assert_ok(&app.graphql(readme, json!({})).await);
}

#[actix_web::test]
async fn depth_just_under_and_over_the_limit() {
    let app = spawn_app_with(|s| s.max_query_depth = 5).await;
    // Depth 5: suggestions → edges → node → leadDeputy → name.
    assert_ok(
        &app.graphql(
            "{ suggestions { edges { node { leadDeputy { name } } } } }",
            json!({}),
        )
        .await,
    );
    let r = app
        .graphql(
            "{ suggestions { edges { node { assignments { unit { name } } } } } }",
            json!({}),
        )
        .await;
    assert_refused(&r, "TOO_DEEP");
    assert!(message(&r).contains("6 > 5"), "{r:#}");
    // Fragments count where they are spread.
    let r = app
        .graphql(
            "{ suggestions { edges { node { ...Deep } } } } fragment Deep on Suggestion { assignments { unit { name } } }",
            json!({}),
        )
        .await;
    assert_refused(&r, "TOO_DEEP");
}

#[actix_web::test]
async fn aliases_just_under_and_over_the_limit() {
    let app = spawn_app_with(|s| s.max_query_aliases = 3).await;
    let three = "{ a: sessions { b: totalCount } c: deputies { totalCount } }";
    assert_ok(&app.graphql(three, json!({})).await);
    let four = "{ a: sessions { b: totalCount } c: deputies { d: totalCount } }";
    let r = app.graphql(four, json!({})).await;
    assert_refused(&r, "TOO_MANY_ALIASES");
    assert!(message(&r).contains("4 > 3"), "{r:#}");
    assert!(message(&r).contains("别名"), "{r:#}");

    // A fragment's aliases count at every spread: 1 + 1 + 2 × 1 = 4.
    let spread = "{ a: sessions { ...F } b: sessions { ...F } } fragment F on SessionConnection { c: totalCount }";
    assert_refused(&app.graphql(spread, json!({})).await, "TOO_MANY_ALIASES");
    let once = "{ a: sessions { ...F } sessions { totalCount } } fragment F on SessionConnection { c: totalCount }";
    assert_ok(&app.graphql(once, json!({})).await);

    // A thousand aliases are refused before validation, not after.
    let flood: String = (0..1000)
        .map(|i| format!("a{i}: sessions {{ totalCount }} "))
        .collect();
    assert_refused(
        &app.graphql(&format!("{{ {flood} }}"), json!({})).await,
        "TOO_MANY_ALIASES",
    );
}

#[actix_web::test]
async fn root_fields_just_under_and_over_the_limit() {
    let app = spawn_app_with(|s| s.max_root_fields = 3).await;
    assert_ok(
        &app.graphql(
            "{ sessions { totalCount } deputies { totalCount } handlingUnits { totalCount } }",
            json!({}),
        )
        .await,
    );
    // A fragment at the top level adds its fields.
    let r = app
        .graphql(
            "{ sessions { totalCount } deputies { totalCount } ...More }
             fragment More on QueryRoot { handlingUnits { totalCount } suggestions { totalCount } }",
            json!({}),
        )
        .await;
    assert_refused(&r, "TOO_MANY_ROOT_FIELDS");
    assert!(message(&r).contains("4 > 3"), "{r:#}");

    // Four mutations in one request: refused, and none of them runs.
    let create = |n: u32| {
        format!("m{n}: createSession(input: {{name: \"会议{n}\", level: PROVINCIAL, term: 13, meeting: {n}}}) {{ session {{ id }} }}")
    };
    let four: String = (1..=4).map(create).collect::<Vec<_>>().join(" ");
    let r = app
        .graphql(&format!("mutation {{ {four} }}"), json!({}))
        .await;
    assert_refused(&r, "TOO_MANY_ROOT_FIELDS");
    let three: String = (1..=3).map(create).collect::<Vec<_>>().join(" ");
    assert_ok(
        &app.graphql(&format!("mutation {{ {three} }}"), json!({}))
            .await,
    );
    let count = app.data("{ sessions { totalCount } }", json!({})).await;
    assert_eq!(count["sessions"]["totalCount"], 3);

    // Only the executed operation's root fields count.
    let two_operations = "query Small { sessions { totalCount } }
        query Big { a: sessions { totalCount } b: sessions { totalCount } c: sessions { totalCount } d: sessions { totalCount } }";
    let body = json!({"query": two_operations, "operationName": "Small"}).to_string();
    let (status, text) = app.post_raw("/graphql", "application/json", body).await;
    assert_eq!(status, 200);
    assert_ok(&serde_json::from_str(&text).unwrap());
    let body = json!({"query": two_operations, "operationName": "Big"}).to_string();
    let (_, text) = app.post_raw("/graphql", "application/json", body).await;
    assert_refused(
        &serde_json::from_str(&text).unwrap(),
        "TOO_MANY_ROOT_FIELDS",
    );
}

/// Fragments F0 … F25 on `on`, each spreading the next twice; F25 selects `leaf`.
fn doubling(on: &str, leaf: &str) -> String {
    let mut fragments: String = (0..25)
        .map(|i| format!("fragment F{i} on {on} {{ ...F{} ...F{} }}\n", i + 1, i + 1))
        .collect();
    fragments += &format!("fragment F25 on {on} {{ {leaf} }}\n");
    fragments
}

#[actix_web::test]
async fn fragment_cycles_and_fragment_bombs_are_answered_at_once() {
    let app = spawn_app().await;
    let start = Instant::now();
    let r = app
        .graphql(
            "{ ...A } fragment A on QueryRoot { sessions { totalCount } ...B } fragment B on QueryRoot { ...A }",
            json!({}),
        )
        .await;
    assert!(r["errors"].is_array() && r["data"].is_null(), "{r:#}");

    // Each fragment spreads the next one twice: 2^25 fields once expanded, under one root
    // field or at the top level.
    let nested = format!(
        "{{ sessions {{ ...F0 }} }}\n{}",
        doubling("SessionConnection", "totalCount")
    );
    assert_refused(&app.graphql(&nested, json!({})).await, "TOO_COMPLEX");
    let top = format!("{{ ...F0 }}\n{}", doubling("QueryRoot", "__typename"));
    assert_refused(&app.graphql(&top, json!({})).await, "TOO_MANY_ROOT_FIELDS");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(app.get("/healthz").await.0, 200);
}

#[actix_web::test]
async fn body_size_just_under_and_over_the_limit() {
    let app = spawn_app_with(|s| s.max_body_bytes = 4096).await;
    let body_of = |len: usize| {
        let head = r#"{"query":"{ sessions { totalCount } }","variables":{},"operationName":null,"extensions":{"pad":""#;
        let tail = r#""}}"#;
        let body = format!("{head}{}{tail}", "x".repeat(len - head.len() - tail.len()));
        assert_eq!(body.len(), len);
        body
    };
    let (status, text) = app
        .post_raw("/graphql", "application/json", body_of(4096))
        .await;
    assert_eq!(status, 200, "{text}");
    let (status, text) = app
        .post_raw("/graphql", "application/json", body_of(4097))
        .await;
    assert_eq!(status, 413, "{text}");
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(code(&r), json!("BAD_REQUEST"));
}

#[actix_web::test]
async fn batches_are_refused_explicitly() {
    let app = spawn_app().await;
    let batch = json!([
        {"query": "mutation { createSession(input: {name: \"批量\", level: PROVINCIAL, term: 13, meeting: 5}) { session { id } } }"},
        {"query": "{ sessions { totalCount } }"}
    ]);
    for body in [batch.to_string(), "[]".to_owned()] {
        let (status, text) = app.post_raw("/graphql", "application/json", body).await;
        assert_eq!(status, 400, "{text}");
        let r: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(code(&r), json!("BATCH_NOT_SUPPORTED"), "{r:#}");
        assert!(message(&r).contains("批量"), "{r:#}");
    }
    let count = app.data("{ sessions { totalCount } }", json!({})).await;
    assert_eq!(count["sessions"]["totalCount"], 0, "the batch did not run");
}

const INTROSPECTION: &str = include_str!("graphiql_introspection.graphql");

#[actix_web::test]
async fn introspection_in_development_not_for_anonymous_callers_in_production() {
    let development = spawn_app_with(|s| s.environment = Environment::Development).await;
    // GraphiQL's own introspection query fits the default limits.
    let r = development.data(INTROSPECTION, json!({})).await;
    assert_eq!(r["__schema"]["queryType"]["name"], "QueryRoot");
    let r = development
        .data("{ __type(name: \"Suggestion\") { name } }", json!({}))
        .await;
    assert_eq!(r["__type"]["name"], "Suggestion");

    let signed_in = spawn_app().await;
    // Signed-in users get introspection in production too (GraphiQL for staff).
    let r = signed_in.data(INTROSPECTION, json!({})).await;
    assert_eq!(r["__schema"]["queryType"]["name"], "QueryRoot");
    let production = signed_in.as_public();
    for query in [
        INTROSPECTION,
        "{ __type(name: \"Suggestion\") { fields { name } } }",
        "{ sessions { totalCount } s: __schema { types { name } } }",
        "{ ... on QueryRoot { __schema { queryType { name } } } }",
        "{ ...Peek } fragment Peek on QueryRoot { __type(name: \"Reply\") { name } }",
    ] {
        let r = production.graphql(query, json!({})).await;
        assert_refused(&r, "INTROSPECTION_DISABLED");
        assert!(!r.to_string().contains("Suggestion\""), "{r:#}");
    }
    // `__typename` is not introspection: clients add it to every selection.
    let r = production
        .data("{ __typename me { __typename } }", json!({}))
        .await;
    assert_eq!(r["__typename"], "QueryRoot");
}

#[actix_web::test]
async fn no_field_suggestions_in_production() {
    let typos = [
        ("{ sesions { totalCount } }", "sessions"),
        ("{ sessions(firs: 5) { totalCount } }", "first"),
        ("{ suggestions { edges { node { titl } } } }", "title"),
    ];
    let development = spawn_app_with(|s| s.environment = Environment::Development).await;
    for (query, leak) in typos {
        let r = development.graphql(query, json!({})).await;
        assert!(message(&r).contains("Did you mean"), "{r:#}");
        assert!(message(&r).contains(leak), "{r:#}");
    }
    let production = spawn_app().await.as_public();
    for (query, leak) in typos {
        let r = production.graphql(query, json!({})).await;
        let text = r["errors"].to_string();
        assert!(r["errors"].is_array(), "{r:#}");
        assert!(!text.contains("Did you mean"), "{r:#}");
        assert!(!text.contains(&format!("\\\"{leak}\\\"")), "{r:#}");
    }
}

#[actix_web::test]
async fn only_json_posts_run_operations() {
    let mutation = "mutation { createSession(input: {name: \"跨站\", level: PROVINCIAL, term: 13, meeting: 5}) { session { id } } }";
    for graphiql in [true, false] {
        let app = spawn_app_with(|s| s.graphiql = graphiql).await;
        // GET never runs an operation: a link or an image tag could send it cross-site.
        let encoded = crate::helpers::url_encoded(mutation);
        for path in [
            format!("/graphql?query={encoded}"),
            format!(
                "/graphql?query={}",
                "%7B%20sessions%20%7B%20totalCount%20%7D%20%7D"
            ),
        ] {
            let (status, headers, text) = app.request("GET", &path, &[], Vec::new()).await;
            assert_eq!(status, 405, "{text}");
            assert_eq!(headers.get("allow").unwrap(), "POST");
            let r: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(code(&r), json!("METHOD_NOT_ALLOWED"));
        }
        // Bodies a cross-site form can send without a preflight: refused with 415.
        let boundary = "XyZ";
        let multipart = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n{mutation}\r\n--{boundary}--\r\n"
        );
        let multipart_type = format!("multipart/form-data; boundary={boundary}");
        let cases = [
            ("text/plain", json!({"query": mutation}).to_string()),
            (
                "application/x-www-form-urlencoded",
                format!("query={encoded}"),
            ),
        ];
        for (content_type, body) in cases {
            let (status, text) = app.post_raw("/graphql", content_type, body).await;
            assert_eq!(status, 415, "{content_type}: {text}");
            let r: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(code(&r), json!("BAD_REQUEST"), "{content_type}");
            assert!(message(&r).contains("application/json"), "{content_type}");
        }
        // Multipart (file uploads) runs only with a header a form cannot send.
        let (status, text) = app.post_raw("/graphql", &multipart_type, multipart).await;
        assert_eq!(status, 400, "{text}");
        let r: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(code(&r), json!("PREFLIGHT_REQUIRED"));
        let count = app.data("{ sessions { totalCount } }", json!({})).await;
        assert_eq!(count["sessions"]["totalCount"], 0, "nothing ran");
        // The page itself is still served (or not) as configured.
        let (status, _) = app.get("/graphql").await;
        let expected = match (graphiql, banli::http::graphiql::available()) {
            (false, _) => 404,
            (true, true) => 200,
            (true, false) => 503,
        };
        assert_eq!(status, expected);
    }
}

const OFFICE_APP: &str = "https://banli.example.gov.cn";
const FOREIGN: &str = "https://evil.example.com";

async fn preflight(app: &TestApp, origin: &str) -> (u16, awc::http::header::HeaderMap) {
    let (status, headers, _) = app
        .request(
            "OPTIONS",
            "/graphql",
            &[
                ("origin", origin),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "content-type,authorization,idempotency-key",
                ),
            ],
            Vec::new(),
        )
        .await;
    (status, headers)
}

#[actix_web::test]
async fn cors_admits_the_configured_origins_only() {
    let app = spawn_app_with(|s| {
        s.cors_allowed_origins = vec![OFFICE_APP.to_owned()];
        s.cors_max_age_secs = 600;
    })
    .await;
    let (status, headers) = preflight(&app, OFFICE_APP).await;
    assert_eq!(status, 200);
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .unwrap_or_default()
    };
    assert_eq!(header("access-control-allow-origin"), OFFICE_APP);
    for method in ["get", "post"] {
        assert!(header("access-control-allow-methods").contains(method));
    }
    for name in ["content-type", "authorization", "idempotency-key"] {
        assert!(
            header("access-control-allow-headers").contains(name),
            "{name}"
        );
    }
    assert_eq!(header("access-control-max-age"), "600");
    assert!(headers.get("access-control-allow-credentials").is_none());

    let (status, headers) = preflight(&app, FOREIGN).await;
    assert_ne!(status, 200);
    assert!(headers.get("access-control-allow-origin").is_none());

    // The actual request: only the allowed origin may read the answer.
    let body = json!({"query": "{ sessions { totalCount } }"}).to_string();
    for (origin, readable) in [(OFFICE_APP, true), (FOREIGN, false)] {
        let (status, headers, text) = app
            .request(
                "POST",
                "/graphql",
                &[("origin", origin), ("content-type", "application/json")],
                body.clone(),
            )
            .await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(
            headers.get("access-control-allow-origin").is_some(),
            readable,
            "{origin}"
        );
    }

    // By default no origin is allowed.
    let closed = spawn_app().await;
    let (status, headers) = preflight(&closed, OFFICE_APP).await;
    assert_ne!(status, 200);
    assert!(headers.get("access-control-allow-origin").is_none());
}
