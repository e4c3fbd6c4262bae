//! Defects found trying banli end to end as a new office would (issue 27), each with its
//! regression test over HTTP.

use serde_json::{json, Value};

use crate::helpers::{assigned, codes, id_at, TestApp};

const PUBLIC_LIST: &str = "{ publishedReplies { totalCount nodes { id round category } } }";

async fn rate_unsatisfied(app: &TestApp, reply: &str, on: &str) {
    let rated = app
        .data(
            "mutation($r: ID!, $on: Date) { rateReply(input: {replyId: $r, satisfaction: UNSATISFIED, ratedOn: $on}) { userErrors { code } } }",
            json!({"r": reply, "on": on}),
        )
        .await;
    assert_eq!(rated["rateReply"]["userErrors"], json!([]), "{rated}");
}

async fn reply(app: &TestApp, assignment: &str, category: &str, on: &str) -> String {
    let mut input = TestApp::reply_input(assignment);
    input["category"] = json!(category);
    input["repliedOn"] = json!(on);
    let p = app.submit_reply(input).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    id_at(&p, "reply.id")
}

async fn public_list(app: &TestApp) -> Value {
    app.as_public().data(PUBLIC_LIST, json!({})).await["publishedReplies"].clone()
}

#[actix_web::test]
async fn only_the_reply_in_force_is_published() {
    let app = crate::helpers::spawn_app().await;
    // Round 1 answered C, not published; UNSATISFIED; round 2 answered A.
    let (_, suggestion, assignment) = assigned(&app, "0255").await;
    let first = reply(&app, &assignment, "C", "2026-03-01").await;
    rate_unsatisfied(&app, &first, "2026-03-05").await;
    let second = reply(&app, &assignment, "A", "2026-03-20").await;

    // The superseded reply cannot be published beside the one in force.
    let p = app
        .publish(json!({"replyId": first, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), ["INVALID_STATE"], "{p:#}");
    assert!(p["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("round-2"));
    let p = app
        .publish(json!({"replyId": second, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let list = public_list(&app).await;
    assert_eq!(list["totalCount"], 1, "{list}");
    assert_eq!(list["nodes"][0]["round"], 2);
    assert_eq!(list["nodes"][0]["category"], "A");

    // Published in round 1, then re-handled: publishing round 2 replaces it.
    let (_, _, assignment) = assigned(&app, "0256").await;
    let first = reply(&app, &assignment, "C", "2026-03-01").await;
    let p = app
        .publish(json!({"replyId": first, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(public_list(&app).await["totalCount"], 2);
    rate_unsatisfied(&app, &first, "2026-03-05").await;
    let second = reply(&app, &assignment, "B", "2026-03-20").await;
    let p = app
        .publish(json!({"replyId": second, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let list = public_list(&app).await;
    assert_eq!(list["totalCount"], 2, "one answer per suggestion: {list}");
    let rounds: Vec<(i64, &str)> = list["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["round"].as_i64().unwrap(),
                n["category"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        rounds.contains(&(2, "B")) && !rounds.contains(&(1, "C")),
        "{rounds:?}"
    );
    let gone = app
        .as_public()
        .data(
            "query($id: ID!) { publishedReply(id: $id) { id } }",
            json!({"id": first}),
        )
        .await;
    assert_eq!(gone["publishedReply"], Value::Null);
    let timeline = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { suggestion { timeline { kind details } } } } }",
            json!({"id": assignment}),
        )
        .await;
    let withdrawn: Vec<&Value> = timeline["node"]["suggestion"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "PUBLICATION_WITHDRAWN")
        .collect();
    assert_eq!(withdrawn.len(), 1, "{timeline}");
    assert_eq!(withdrawn[0]["details"]["reason"], "SUPERSEDED");
    let _ = suggestion;
}
