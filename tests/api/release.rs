//! Review before release (issue 27, 答复审核): in a session that requires it, a unit's
//! reply goes to the office first; the deputy, the rating, the publication and the
//! deadline figures see only a sent reply.

use serde_json::{json, Value};

use crate::helpers::{assigned, codes, fields, id_at, TestApp};

const REVIEW: &str = "mutation($i: ReviewReplyReleaseInput!) { reviewReplyRelease(input: $i) {
    reply { releaseState reviewComment version } userErrors { field code message } } }";
const REVISE: &str = "mutation($i: ReviseReplyInput!) { reviseReply(input: $i) {
    reply { releaseState category body version } userErrors { field code message } } }";
const SEND: &str = "mutation($id: ID!) { sendReply(input: {replyId: $id}) {
    reply { releaseState sentOn } assignment { status answeredOn deadlineStatus }
    userErrors { field code message } } }";

async fn set_review(app: &TestApp, session: &str, on: bool) -> Value {
    app.data(
        "mutation($id: ID!, $on: Boolean) { updateSession(input: {id: $id, reviewBeforeRelease: $on}) {
            session { reviewBeforeRelease } userErrors { field code message } } }",
        json!({"id": session, "on": on}),
    )
    .await["updateSession"]
        .clone()
}

async fn kinds(app: &TestApp, assignment: &str) -> Vec<String> {
    let t = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { timeline { kind } } } }",
            json!({"id": assignment}),
        )
        .await;
    t["node"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .filter(|k| k.contains("REPLY") || k.contains("RELEASE"))
        .collect()
}

#[actix_web::test]
async fn a_reply_reaches_the_deputy_only_once_the_office_released_it() {
    let app = crate::helpers::spawn_app().await;
    let (session, suggestion, assignment) = assigned(&app, "0255").await;
    let p = set_review(&app, &session, true).await;
    assert_eq!(p["session"]["reviewBeforeRelease"], true, "{p}");
    let lead = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Suggestion { leadDeputy { id } } } }",
            json!({"id": suggestion}),
        )
        .await;
    let deputy_id = lead["node"]["leadDeputy"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let deputy = app.user("xia-wq", "DEPUTY", None, Some(&deputy_id)).await;

    // Submitted: with the office, not answered, not the deputy's.
    let p = app.submit_reply(TestApp::reply_input(&assignment)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let reply = id_at(&p, "reply.id");
    let state = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Reply { releaseState sentOn assignment { status answeredOn } } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(
        state["node"],
        json!({"releaseState": "SUBMITTED_FOR_REVIEW", "sentOn": null,
            "assignment": {"status": "SIGNED_FOR", "answeredOn": null}})
    );
    let seen = deputy
        .data(
            "query($id: ID!) { node(id: $id) { ... on Suggestion { replies { id } assignments { replies { id } } } } }",
            json!({"id": suggestion}),
        )
        .await;
    assert_eq!(
        seen["node"],
        json!({"replies": [], "assignments": [{"replies": []}]})
    );
    let hidden = deputy
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(hidden["node"], Value::Null);
    let rated = app
        .data(
            "mutation($id: ID!) { rateReply(input: {replyId: $id, satisfaction: SATISFIED}) { userErrors { field code message } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(codes(&rated["rateReply"]), ["INVALID_STATE"], "{rated}");
    let published = app
        .publish(json!({"replyId": reply, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&published), ["INVALID_STATE"], "{published}");
    // On the office's review desk.
    let desk = app
        .data(
            "query($s: ID!) { repliesInRelease(filter: {sessionId: $s, states: [SUBMITTED_FOR_REVIEW]}) { totalCount nodes { id } } }",
            json!({"s": session}),
        )
        .await;
    assert_eq!(
        desk["repliesInRelease"],
        json!({"totalCount": 1, "nodes": [{"id": reply}]})
    );
    // Review cannot be switched off while a reply is in it.
    let p = set_review(&app, &session, false).await;
    assert_eq!(codes(&p), ["INVALID_STATE"], "{p}");
    assert_eq!(fields(&p), ["input.reviewBeforeRelease"]);

    // Returned with comments; nothing is sent before approval.
    let p = app
        .data(REVIEW, json!({"i": {"replyId": reply, "approve": false}}))
        .await;
    assert_eq!(
        codes(&p["reviewReplyRelease"]),
        ["INVALID"],
        "a return needs comments"
    );
    let p = app
        .data(
            REVIEW,
            json!({"i": {"replyId": reply, "approve": false, "comment": "请补充具体措施和时间表。"}}),
        )
        .await;
    assert_eq!(
        p["reviewReplyRelease"]["reply"],
        json!({"releaseState": "RETURNED_FOR_REVISION", "reviewComment": "请补充具体措施和时间表。", "version": 2})
    );
    let p = app.data(SEND, json!({"id": reply})).await;
    assert_eq!(codes(&p["sendReply"]), ["INVALID_STATE"], "{p}");

    // Revised and submitted again, approved, sent: answered today — late, since the case
    // (assigned 2026-02-01) was due in May; the letter's own date does not count.
    let p = app
        .data(
            REVISE,
            json!({"i": {"replyId": reply, "expectedVersion": 2, "category": "B", "body": "现答复如下：一、……二、……（时间表）"}}),
        )
        .await;
    assert_eq!(
        p["reviseReply"]["reply"],
        json!({"releaseState": "SUBMITTED_FOR_REVIEW", "category": "B",
            "body": "现答复如下：一、……二、……（时间表）", "version": 3}),
        "{p}"
    );
    let p = app
        .data(REVIEW, json!({"i": {"replyId": reply, "approve": true}}))
        .await;
    assert_eq!(p["reviewReplyRelease"]["reply"]["releaseState"], "APPROVED");
    let p = app.data(SEND, json!({"id": reply})).await;
    assert_eq!(
        p["sendReply"],
        json!({"reply": {"releaseState": "SENT", "sentOn": "2026-11-22"},
            "assignment": {"status": "REPLIED", "answeredOn": "2026-11-22", "deadlineStatus": "ANSWERED_LATE"},
            "userErrors": []}),
        "{p}"
    );
    let p = app.data(SEND, json!({"id": reply})).await;
    assert_eq!(codes(&p["sendReply"]), ["INVALID_STATE"], "sent once");
    let desk = app
        .data("{ repliesInRelease { totalCount } }", json!({}))
        .await;
    assert_eq!(
        desk["repliesInRelease"]["totalCount"], 0,
        "sent: off the desk"
    );

    // The deputy could not filter by the category of a reply in review; now they can.
    let by_category = deputy
        .data(
            "{ suggestions(filter: {category: [B]}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(by_category["suggestions"]["totalCount"], 1);
    // Now the deputy sees it and rates it — not before the day it was sent.
    let early = deputy
        .data(
            "mutation($id: ID!) { rateReply(input: {replyId: $id, satisfaction: SATISFIED, ratedOn: \"2026-11-21\"}) { userErrors { field code message } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(codes(&early["rateReply"]), ["INVALID"], "{early}");
    let seen = deputy
        .data(
            "query($id: ID!) { node(id: $id) { ... on Suggestion { replies { id category } } } }",
            json!({"id": suggestion}),
        )
        .await;
    assert_eq!(
        seen["node"]["replies"],
        json!([{"id": reply, "category": "B"}])
    );
    let rated = deputy
        .data(
            "mutation($id: ID!) { rateReply(input: {replyId: $id, satisfaction: SATISFIED}) { userErrors { field code message } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(codes(&rated["rateReply"]), Vec::<String>::new(), "{rated}");
    assert_eq!(
        kinds(&app, &assignment).await,
        [
            "REPLY_SUBMITTED_FOR_REVIEW",
            "RELEASE_RETURNED",
            "REPLY_REVISED",
            "RELEASE_APPROVED",
            "REPLY_SUBMITTED"
        ]
    );
    // Each step audited.
    let log = app
        .data(
            "{ auditLog(filter: {outcome: SUCCESS}, first: 50) { nodes { operation } } }",
            json!({}),
        )
        .await;
    let ops: Vec<&str> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["operation"].as_str().unwrap())
        .filter(|o| ["reviewReplyRelease", "reviseReply", "sendReply"].contains(o))
        .collect();
    assert_eq!(
        ops,
        [
            "sendReply",
            "reviewReplyRelease",
            "reviseReply",
            "reviewReplyRelease"
        ]
    );
}

#[actix_web::test]
async fn without_review_a_reply_is_sent_as_it_is_submitted() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, assignment) = assigned(&app, "0256").await;
    let p = app.submit_reply(TestApp::reply_input(&assignment)).await;
    let reply = id_at(&p, "reply.id");
    let state = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Reply { releaseState sentOn repliedOn } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(
        state["node"],
        json!({"releaseState": "SENT", "sentOn": "2026-03-01", "repliedOn": "2026-03-01"})
    );
    // Nothing to review, revise or send.
    let p = app
        .data(REVIEW, json!({"i": {"replyId": reply, "approve": true}}))
        .await;
    assert_eq!(codes(&p["reviewReplyRelease"]), ["INVALID_STATE"]);
    let p = app
        .data(REVISE, json!({"i": {"replyId": reply, "body": "改"}}))
        .await;
    assert_eq!(codes(&p["reviseReply"]), ["INVALID_STATE"]);
    let p = app.data(SEND, json!({"id": reply})).await;
    assert_eq!(codes(&p["sendReply"]), ["INVALID_STATE"]);
    assert_eq!(kinds(&app, &assignment).await, ["REPLY_SUBMITTED"]);
}
