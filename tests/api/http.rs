//! The HTTP surface: health, readiness, GraphiQL served offline, and broken requests
//! answered with clear errors (never a crash, a stack trace or SQL).

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with};

#[actix_web::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.0, 200);
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
}

#[actix_web::test]
async fn graphiql_is_served_without_any_external_host() {
    let app = spawn_app().await;
    let (status, page) = app.get("/graphql").await;
    if !banli::http::graphiql::available() {
        assert_eq!(status, 503);
        assert!(page.contains("GraphiQL 不可用"));
        return;
    }
    assert_eq!(status, 200);
    let mut scripts = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in page.split(attr).skip(1) {
            let url = part.split('"').next().unwrap();
            assert!(url.starts_with('/'), "{url} must be served by banli");
            scripts.push(url.to_owned());
        }
    }
    assert_eq!(scripts.len(), 5, "{scripts:?}");
    for url in scripts {
        let (status, body) = app.get(&url).await;
        assert_eq!(status, 200, "{url}");
        assert!(body.len() > 50, "{url}");
    }
    let (_, start) = app.get("/graphiql/start.js").await;
    assert!(!start.contains("http://") && !start.contains("https://"));
    // It opens on a public read that runs before anyone signs in, and signs in with `login`.
    assert!(start.contains("var DEFAULT_QUERY = \"# banli"), "{start}");
    assert!(start.contains("login(input: $input) { token"), "{start}");
    let anonymous = app
        .as_public()
        .data(banli::http::graphiql::DEFAULT_QUERY, json!({}))
        .await;
    assert!(
        anonymous["publishedReplies"]["totalCount"].is_number(),
        "{anonymous}"
    );
    assert_eq!(app.get("/graphiql/../Cargo.toml").await.0, 404);
}

#[actix_web::test]
async fn broken_requests_get_clear_errors() {
    let app = spawn_app_with(|s| s.max_body_bytes = 4096).await;
    let code = |body: &str| -> Value {
        serde_json::from_str::<Value>(body)
            .map(|v| v["errors"][0]["extensions"]["code"].clone())
            .unwrap_or(Value::Null)
    };
    let big = format!(
        r#"{{"query":"{{ deputies(keyword: \"{}\") {{ totalCount }} }}"}}"#,
        "x".repeat(5000)
    );
    let cases: [(&str, String, u16); 5] = [
        ("application/json", "{not json".into(), 400),
        (
            "text/plain",
            r#"{"query":"{ sessions { totalCount } }"}"#.into(),
            415,
        ),
        (
            "application/x-www-form-urlencoded",
            "query=%7B%20sessions%20%7B%20totalCount%20%7D%20%7D".into(),
            415,
        ),
        ("application/json", big, 413),
        ("application/json", String::new(), 400),
    ];
    let mut bodies = Vec::new();
    for (content_type, body, expected) in cases {
        let (status, text) = app.post_raw("/graphql", content_type, body).await;
        assert_eq!(
            (status, code(&text)),
            (expected, json!("BAD_REQUEST")),
            "{content_type}: {text}"
        );
        bodies.push(text);
    }

    let r = app.graphql("{ nothingHere }", json!({})).await;
    assert!(r["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("nothingHere"));
    bodies.push(r.to_string());

    let r = app
        .graphql(
            "query($d: Date) { suggestions(filter: {submittedFrom: $d}) { totalCount } }",
            json!({"d": "2023-02-29"}),
        )
        .await;
    assert!(
        r["errors"].is_array(),
        "an impossible date is refused: {r:#}"
    );
    bodies.push(r.to_string());

    let r = app
        .graphql(
            "{ suggestion(id: \"'; DROP TABLE suggestion; --\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(r["data"]["suggestion"], Value::Null);
    let r = app.graphql("{ sessions { totalCount } }", json!({})).await;
    assert_eq!(r["data"]["sessions"]["totalCount"], 0, "still there");

    for text in &bodies {
        let lower = text.to_lowercase();
        for leak in [
            "sqlite",
            "postgres",
            "select ",
            "panicked",
            "backtrace",
            "src/",
        ] {
            assert!(!lower.contains(leak), "{leak} leaked in {text}");
        }
    }
    assert_eq!(app.get("/healthz").await.0, 200, "the server is still up");
}

#[actix_web::test]
async fn text_is_stored_verbatim_including_rare_characters() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let title = "<b>关于𠀀𪚥和😀的建议</b> ' OR 1=1 --";
    let p = app
        .register(json!({"sessionId": session, "leadDeputyId": deputy, "number": "1", "title": title, "content": "内容\n\t第二行"}))
        .await;
    assert_eq!(p["suggestion"]["title"], title);
    assert_eq!(p["suggestion"]["content"], "内容\n\t第二行");
    let bidi = app
        .register(json!({"sessionId": session, "leadDeputyId": deputy, "number": "2", "title": "abc\u{202e}def", "content": "x\u{0}y"}))
        .await;
    assert_eq!(crate::helpers::codes(&bidi), ["INVALID", "INVALID"]);
}

/// `HEAD` on the probes (load balancers use it), and `GET /` says what the server is.
#[actix_web::test]
async fn probes_answer_head_and_the_root_links_graphiql_and_health() {
    let app = spawn_app().await;
    let client = awc::Client::default();
    for path in ["/healthz", "/readyz"] {
        let mut response = client
            .head(format!("{}{path}", app.address))
            .no_decompress()
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "HEAD {path}");
        assert!(response.body().await.unwrap().is_empty(), "HEAD {path}");
    }
    let (status, health) = app.get("/healthz").await;
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], banli::build_info::VERSION);
    assert_eq!(health["commit"], banli::build_info::COMMIT);

    let (status, page) = app.get("/").await;
    assert_eq!(status, 200);
    for link in ["href=\"/graphql\"", "href=\"/healthz\"", "href=\"/readyz\""] {
        assert!(page.contains(link), "{link} in {page}");
    }
    assert!(page.contains(banli::build_info::LONG_VERSION));
}

/// Every answer names its request (`X-Request-Id`): a new UUID, or the one a trusted proxy
/// sent; a client that is not a trusted proxy cannot choose it.
#[actix_web::test]
async fn every_answer_carries_its_request_id() {
    let request_id = |app: &crate::helpers::TestApp, sent: Option<&str>| {
        let url = format!("{}/graphql", app.address);
        let sent = sent.map(str::to_owned);
        async move {
            let mut request = awc::Client::default().post(url);
            if let Some(id) = sent {
                request = request.insert_header(("X-Request-Id", id));
            }
            let response = request
                .send_json(&json!({"query": "{ __typename }"}))
                .await
                .unwrap();
            let id = response
                .headers()
                .get("x-request-id")
                .expect("X-Request-Id");
            id.to_str().unwrap().to_owned()
        }
    };
    let app = spawn_app().await;
    let first = request_id(&app, None).await;
    assert!(uuid::Uuid::parse_str(&first).is_ok(), "{first}");
    assert_ne!(request_id(&app, None).await, first, "one id per request");
    let chosen = request_id(&app, Some("lb-7f3a.42")).await;
    assert_ne!(chosen, "lb-7f3a.42", "not from a trusted proxy");

    let behind_proxy = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    assert_eq!(
        request_id(&behind_proxy, Some("lb-7f3a.42")).await,
        "lb-7f3a.42"
    );
    let refused = request_id(&behind_proxy, Some("id with spaces")).await;
    assert!(uuid::Uuid::parse_str(&refused).is_ok(), "{refused}");
    assert_eq!(behind_proxy.get("/healthz").await.0, 200);
}
