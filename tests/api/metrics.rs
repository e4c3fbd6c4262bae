//! `GET /metrics`: off by default, token-protected when a token is set, and counting
//! GraphQL requests per operation name (with a bounded set of names), SQL statements and
//! the database pool.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[actix_web::test]
async fn metrics_are_off_by_default() {
    let app = spawn_app().await;
    assert_eq!(app.get("/metrics").await.0, 404);
}

#[actix_web::test]
async fn metrics_count_operations_statements_and_the_pool() {
    let app = spawn_app_with(|s| {
        s.metrics_enabled = true;
        s.metrics_token = Some("scrape-secret-2026".to_owned());
    })
    .await;
    app.data("query DeskList { sessions { totalCount } }", json!({}))
        .await;
    app.data("query DeskList { sessions { totalCount } }", json!({}))
        .await;
    let _ = app.graphql("query Broken { nothingHere }", json!({})).await;
    // Client-chosen names cannot grow the label set without bound.
    for i in 0..150 {
        app.data(
            &format!("query Flood{i} {{ sessions {{ totalCount }} }}"),
            json!({}),
        )
        .await;
    }

    let (status, _, _) = app.request("GET", "/metrics", &[], Vec::new()).await;
    assert_eq!(status, 401, "the token is required");
    let (status, _, _) = app
        .request(
            "GET",
            "/metrics",
            &[("authorization", "Bearer wrong")],
            Vec::new(),
        )
        .await;
    assert_eq!(status, 401);
    let (status, headers, text) = app
        .request(
            "GET",
            "/metrics",
            &[("authorization", "Bearer scrape-secret-2026")],
            Vec::new(),
        )
        .await;
    assert_eq!(status, 200, "{text}");
    assert!(headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let build = format!(
        r#"banli_build_info{{build_date="{}",commit="{}",version="{}"}} 1"#,
        banli::build_info::BUILD_DATE,
        banli::build_info::COMMIT,
        banli::build_info::VERSION
    );
    assert!(text.contains(&build), "{build} in {text}");
    assert!(
        text.contains(r#"banli_graphql_requests_total{operation="DeskList",outcome="ok"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"banli_graphql_requests_total{operation="Broken",outcome="error"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"banli_graphql_request_duration_seconds_count{operation="DeskList"} 2"#)
    );
    let labels = text
        .lines()
        .filter(|l| l.starts_with("banli_graphql_requests_total{"))
        .count();
    assert!(labels <= 101 + 2, "{labels} label sets");
    assert!(
        text.contains(r#"operation="other""#),
        "overflow counted as other"
    );
    let number = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {text}"))
    };
    assert!(number("banli_sql_statements_total ") > 150.0);
    assert!(number("banli_db_pool_connections ") >= 1.0);
    assert!(number("banli_db_pool_idle_connections ") >= 0.0);
}
