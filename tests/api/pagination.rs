//! Relay pagination: empty lists, last pages, bad cursors and the page-size cap.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const PAGE: &str = "query($first: Int, $after: String, $order: SuggestionOrder) {
    suggestions(first: $first, after: $after, orderBy: $order) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { number } } } }";

async fn page(app: &TestApp, first: Value, after: Value, order: &str) -> Value {
    app.graphql(
        PAGE,
        json!({"first": first, "after": after, "order": order}),
    )
    .await
}

fn numbers(response: &Value) -> Vec<String> {
    response["data"]["suggestions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["number"].as_str().unwrap().to_owned())
        .collect()
}

fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[actix_web::test]
async fn empty_list() {
    let app = spawn_app().await;
    let r = page(&app, json!(10), Value::Null, "NUMBER_ASC").await;
    assert_eq!(r["data"]["suggestions"]["totalCount"], 0);
    assert_eq!(numbers(&r), Vec::<String>::new());
    let info = &r["data"]["suggestions"]["pageInfo"];
    assert_eq!(info["hasNextPage"], false);
    assert!(info["endCursor"].is_null());
}

#[actix_web::test]
async fn walking_every_page_in_each_order_sees_each_row_once() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    for n in [7, 3, 11, 1, 5, 9, 2] {
        app.suggestion(&session, &deputy, &format!("{n:04}")).await;
    }
    for (order, expected) in [
        (
            "NUMBER_ASC",
            vec!["0001", "0002", "0003", "0005", "0007", "0009", "0011"],
        ),
        (
            "NUMBER_DESC",
            vec!["0011", "0009", "0007", "0005", "0003", "0002", "0001"],
        ),
        (
            "REGISTERED_ASC",
            vec!["0007", "0003", "0011", "0001", "0005", "0009", "0002"],
        ),
        (
            "REGISTERED_DESC",
            vec!["0002", "0009", "0005", "0001", "0011", "0003", "0007"],
        ),
        (
            "SUBMITTED_ON_ASC",
            vec!["0007", "0003", "0011", "0001", "0005", "0009", "0002"],
        ),
    ] {
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let r = page(&app, json!(3), after.clone(), order).await;
            assert!(r.get("errors").is_none(), "{r:#}");
            assert_eq!(r["data"]["suggestions"]["totalCount"], 7);
            seen.extend(numbers(&r));
            let info = &r["data"]["suggestions"]["pageInfo"];
            assert_eq!(info["hasPreviousPage"], !after.is_null());
            if info["hasNextPage"] == false {
                break;
            }
            after = info["endCursor"].clone();
        }
        assert_eq!(seen, expected, "{order}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
    }
}

#[actix_web::test]
async fn last_page_has_no_next_page() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    for n in 1..=4 {
        app.suggestion(&session, &deputy, &format!("{n:04}")).await;
    }
    let r = page(&app, json!(4), Value::Null, "NUMBER_ASC").await;
    assert_eq!(numbers(&r).len(), 4);
    assert_eq!(
        r["data"]["suggestions"]["pageInfo"]["hasNextPage"], false,
        "exactly full is the last page"
    );
    let zero = page(&app, json!(0), Value::Null, "NUMBER_ASC").await;
    assert_eq!(numbers(&zero).len(), 0);
    assert_eq!(zero["data"]["suggestions"]["totalCount"], 4);
}

#[actix_web::test]
async fn bad_cursors_and_page_sizes_are_clear_errors() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    app.suggestion(&session, &deputy, "0001").await;
    app.suggestion(&session, &deputy, "0002").await;

    for bad in ["not-a-cursor", "eyJ4IjoxfQ", "", "%%%"] {
        let r = page(&app, json!(1), json!(bad), "NUMBER_ASC").await;
        assert_eq!(error_code(&r), "INVALID", "{bad}: {r:#}");
        assert!(r["data"].is_null());
    }
    // A cursor made for another ordering.
    let r = page(&app, json!(1), Value::Null, "REGISTERED_DESC").await;
    let other = r["data"]["suggestions"]["pageInfo"]["endCursor"].clone();
    let r = page(&app, json!(1), other, "NUMBER_ASC").await;
    assert_eq!(error_code(&r), "INVALID");

    for first in [101, -1, 1_000_000] {
        let r = page(&app, json!(first), Value::Null, "NUMBER_ASC").await;
        assert_eq!(error_code(&r), "INVALID", "first: {first}");
        assert_eq!(r["errors"][0]["extensions"]["field"], json!(["first"]));
    }
    let r = page(&app, json!(100), Value::Null, "NUMBER_ASC").await;
    assert_eq!(numbers(&r).len(), 2, "100 is allowed");
}

#[actix_web::test]
async fn list_filters_combine() {
    let app = spawn_app().await;
    let s1 = app.session("会议一").await;
    let s2 = app.session("会议二").await;
    let lead = app.deputy("夏维奇").await;
    let co = app.deputy("李明华").await;
    app.register(json!({"sessionId": s1, "leadDeputyId": lead, "number": "1", "title": "关于干部培训的建议", "content": "沪苏浙交流", "isKey": true, "submittedOn": "2026-01-05"})).await;
    app.register(json!({"sessionId": s1, "leadDeputyId": co, "coSignerIds": [lead], "number": "2", "title": "关于教育的建议", "content": "乡村教师", "submittedOn": "2026-02-05"})).await;
    app.register(json!({"sessionId": s2, "leadDeputyId": co, "number": "3", "title": "关于交通的建议", "content": "公交", "submittedOn": "2026-03-05"})).await;
    let count = |filter: Value| {
        let app = &app;
        async move {
            app.data(
                "query($f: SuggestionFilter) { suggestions(filter: $f) { totalCount } }",
                json!({"f": filter}),
            )
            .await["suggestions"]["totalCount"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(count(json!({"sessionId": s1})).await, 2);
    assert_eq!(
        count(json!({"deputyId": lead})).await,
        2,
        "lead or co-signer"
    );
    assert_eq!(count(json!({"deputyId": co, "sessionId": s2})).await, 1);
    assert_eq!(count(json!({"isKey": true})).await, 1);
    assert_eq!(count(json!({"keyword": "沪苏浙"})).await, 1);
    assert_eq!(count(json!({"keyword": "建议"})).await, 3);
    assert_eq!(count(json!({"keyword": "3"})).await, 1, "exact number");
    assert_eq!(
        count(json!({"submittedFrom": "2026-02-01", "submittedTo": "2026-02-28"})).await,
        1
    );
    assert_eq!(count(json!({"status": ["REGISTERED"]})).await, 3);
    assert_eq!(count(json!({"status": ["ASSIGNED", "REPLIED"]})).await, 0);

    let forged = app
        .graphql(
            "{ suggestions(filter: {sessionId: \"bm9wZQ\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(forged["errors"][0]["extensions"]["code"], "NOT_FOUND");
}
