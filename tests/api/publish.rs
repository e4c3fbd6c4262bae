//! Publishing replies.

use banli::graphql::ids::Kind;
use serde_json::json;

use crate::helpers::{assigned, codes, id_at, missing, spawn_app, TestApp};

async fn replied(app: &TestApp, number: &str) -> (String, String) {
    let (_, suggestion, assignment) = assigned(app, number).await;
    let p = app.submit_reply(TestApp::reply_input(&assignment)).await;
    (suggestion, id_at(&p, "reply.id"))
}

#[actix_web::test]
async fn publish_full_and_summary() {
    let app = spawn_app().await;
    let (_, full) = replied(&app, "0701").await;
    let p = app
        .publish(json!({"replyId": full, "publication": "FULL", "expectedVersion": 1}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["reply"]["publication"], "FULL");
    assert_eq!(
        p["reply"]["publishedAt"], "2026-11-22T10:00:00+08:00",
        "China time"
    );
    assert_eq!(p["reply"]["version"], 2);

    let again = app
        .publish(json!({"replyId": full, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&again), ["INVALID_STATE"]);

    let (_, summary) = replied(&app, "0702").await;
    let missing_summary = app
        .publish(json!({"replyId": summary, "publication": "SUMMARY"}))
        .await;
    assert_eq!(codes(&missing_summary), ["INVALID"]);
    let p = app
        .publish(json!({"replyId": summary, "publication": "SUMMARY", "summary": "已列入计划逐步解决。"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new());
    assert_eq!(p["reply"]["summary"], "已列入计划逐步解决。");

    let none = app
        .publish(json!({"replyId": summary, "publication": "NONE"}))
        .await;
    assert_eq!(codes(&none), ["INVALID"]);
    let gone = app
        .publish(json!({"replyId": missing(Kind::Reply), "publication": "FULL"}))
        .await;
    assert_eq!(codes(&gone), ["NOT_FOUND"]);
}

#[actix_web::test]
async fn confidential_suggestions_are_never_published() {
    let app = spawn_app().await;
    let (suggestion, reply) = replied(&app, "0703").await;
    let marked = app
        .data(
            "mutation($id: ID!) { updateSuggestion(input: {id: $id, confidential: true}) { userErrors { code } } }",
            json!({"id": suggestion}),
        )
        .await;
    assert_eq!(marked["updateSuggestion"]["userErrors"], json!([]));
    let p = app
        .publish(json!({"replyId": reply, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), ["INVALID_STATE"]);
    let state = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Reply { publication publishedAt } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(
        state["node"],
        json!({"publication": "NONE", "publishedAt": null})
    );
}
