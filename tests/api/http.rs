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
