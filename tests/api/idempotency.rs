//! `idempotencyKey`: a retried create or workflow step answers with what the first request
//! did and changes nothing; the key is the sender's own; reusing it for something else is
//! the user error IDEMPOTENCY_KEY_REUSED; a request that failed does not use the key up.

use serde_json::{json, Value};

use crate::helpers::{assigned, codes, fields, id_at, spawn_app, TestApp};

async fn suggestion_count(app: &TestApp) -> i64 {
    app.data("{ suggestions(first: 1) { totalCount } }", json!({}))
        .await["suggestions"]["totalCount"]
        .as_i64()
        .unwrap()
}

fn registration(session: &str, deputy: &str, key: &str) -> Value {
    json!({"sessionId": session, "leadDeputyId": deputy, "number": "0255",
        "title": "关于加强基层干部交流培养的建议", "content": "建议内容。", "idempotencyKey": key})
}

#[actix_web::test]
async fn a_retried_registration_answers_with_the_first_suggestion() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let key = "0b5e2a4c-8d7f-4f0e-9a3b-1c2d3e4f5a6b";

    let first = app.register(registration(&session, &deputy, key)).await;
    assert_eq!(codes(&first), Vec::<String>::new(), "{first:#}");
    let again = app.register(registration(&session, &deputy, key)).await;
    assert_eq!(
        codes(&again),
        Vec::<String>::new(),
        "a retry is no DUPLICATE: {again:#}"
    );
    assert_eq!(
        again["suggestion"], first["suggestion"],
        "the same suggestion"
    );
    assert_eq!(suggestion_count(&app).await, 1);

    // The same key with another input is refused, and changes nothing.
    let mut other = registration(&session, &deputy, key);
    other["number"] = json!("0256");
    let reused = app.register(other.clone()).await;
    assert_eq!(codes(&reused), ["IDEMPOTENCY_KEY_REUSED"]);
    assert_eq!(fields(&reused), ["input.idempotencyKey"]);
    assert!(reused["suggestion"].is_null());
    assert_eq!(suggestion_count(&app).await, 1);

    // With a new key the other input goes through.
    other["idempotencyKey"] = json!("second-request");
    let second = app.register(other).await;
    assert_eq!(codes(&second), Vec::<String>::new());
    assert_eq!(second["suggestion"]["number"], "0256");
    assert_eq!(suggestion_count(&app).await, 2);

    // A key used for one mutation cannot be reused for another.
    let deputy_retry = app
        .create_deputy(json!({"name": "李明华", "delegation": "淮南代表团", "idempotencyKey": key}))
        .await;
    assert_eq!(
        codes(&deputy_retry),
        ["IDEMPOTENCY_KEY_REUSED"],
        "a key used for one mutation cannot be reused for another"
    );
}

#[actix_web::test]
async fn keys_belong_to_their_sender() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let clerk = app.user("clerk", "OFFICE_STAFF", None, None).await;
    let key = "shared-key";
    let mine = app.register(registration(&session, &deputy, key)).await;
    assert_eq!(codes(&mine), Vec::<String>::new());
    // The clerk's request with the same key is theirs: it neither replays the
    // administrator's suggestion nor counts as a reuse; it is registered (and is a
    // DUPLICATE number here, which the clerk sees as such).
    let theirs = clerk.register(registration(&session, &deputy, key)).await;
    assert_eq!(codes(&theirs), ["DUPLICATE"], "{theirs:#}");
    let mut renumbered = registration(&session, &deputy, key);
    renumbered["number"] = json!("0300");
    let theirs = clerk.register(renumbered).await;
    assert_eq!(codes(&theirs), Vec::<String>::new(), "{theirs:#}");
    assert_ne!(theirs["suggestion"]["id"], mine["suggestion"]["id"]);
}

#[actix_web::test]
async fn a_failed_request_does_not_use_the_key_up() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let mut bad = registration(&session, &deputy, "retry-after-fixing");
    bad["title"] = json!("   ");
    let failed = app.register(bad).await;
    assert_eq!(codes(&failed), ["INVALID"]);
    let fixed = app
        .register(registration(&session, &deputy, "retry-after-fixing"))
        .await;
    assert_eq!(codes(&fixed), Vec::<String>::new(), "{fixed:#}");
    assert_eq!(suggestion_count(&app).await, 1);
}

#[actix_web::test]
async fn malformed_keys_are_user_errors() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    for key in ["", "two words", "键", &"k".repeat(101)] {
        let p = app.register(registration(&session, &deputy, key)).await;
        assert_eq!(codes(&p), ["INVALID"], "{key:?}");
        assert_eq!(fields(&p), ["input.idempotencyKey"]);
    }
    assert_eq!(suggestion_count(&app).await, 0);
}

#[actix_web::test]
async fn retried_assignment_and_reply_change_nothing_the_second_time() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("淮南市民政局", "MZJ").await;
    let suggestion = app.suggestion(&session, &deputy, "0001").await;
    let assign = json!({"suggestionId": suggestion, "assignedOn": "2026-02-01",
        "units": [{"unitId": unit, "role": "SOLE"}], "idempotencyKey": "assign-0001"});
    let first = app.assign(assign.clone()).await;
    assert_eq!(codes(&first), Vec::<String>::new(), "{first:#}");
    let again = app.assign(assign).await;
    assert_eq!(
        codes(&again),
        Vec::<String>::new(),
        "not INVALID_STATE: {again:#}"
    );
    assert_eq!(again["assignments"], first["assignments"]);
    assert_eq!(again["suggestion"], first["suggestion"]);

    let (_, _, assignment) = assigned(&app, "0002").await;
    let mut reply = TestApp::reply_input(&assignment);
    reply["idempotencyKey"] = json!("reply-0002");
    let first = app.submit_reply(reply.clone()).await;
    assert_eq!(codes(&first), Vec::<String>::new(), "{first:#}");
    let again = app.submit_reply(reply).await;
    assert_eq!(codes(&again), Vec::<String>::new(), "{again:#}");
    assert_eq!(again["reply"], first["reply"], "the same reply");
    let replies = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { replies { id } } } }",
            json!({"id": assignment}),
        )
        .await;
    assert_eq!(
        replies["node"]["replies"].as_array().map(Vec::len),
        Some(1),
        "{replies:#}"
    );
    assert_eq!(id_at(&again, "reply.id"), id_at(&first, "reply.id"));

    let rate = "mutation($i: RateReplyInput!) { rateReply(input: $i) {
        rating { round satisfaction comment } assignment { id status } userErrors { code field } } }";
    let input = json!({"i": {"replyId": id_at(&first, "reply.id"), "satisfaction": "UNSATISFIED",
        "comment": "答复不具体", "idempotencyKey": "rate-0002"}});
    let first = app.data(rate, input.clone()).await["rateReply"].clone();
    assert_eq!(codes(&first), Vec::<String>::new(), "{first:#}");
    assert_eq!(first["assignment"]["status"], "REHANDLING");
    // Rating twice would be INVALID_STATE (the case is being handled again); the retry
    // answers with the first rating.
    let again = app.data(rate, input).await["rateReply"].clone();
    assert_eq!(codes(&again), Vec::<String>::new(), "{again:#}");
    assert_eq!(again, first);
}

#[actix_web::test]
async fn creates_of_sessions_deputies_and_units_replay() {
    let app = spawn_app().await;
    let session = json!({"name": "会议", "level": "PROVINCIAL", "term": 13, "meeting": 5, "idempotencyKey": "s1"});
    let a = app.create_session(session.clone()).await;
    let b = app.create_session(session).await;
    assert_eq!(codes(&b), Vec::<String>::new());
    assert_eq!(a["session"], b["session"]);
    let deputy = json!({"name": "夏维奇", "delegation": "淮南代表团", "idempotencyKey": "d1"});
    let a = app.create_deputy(deputy.clone()).await;
    let b = app.create_deputy(deputy).await;
    assert_eq!(a["deputy"], b["deputy"]);
    let unit = json!({"name": "淮南市民政局", "code": "MZJ", "idempotencyKey": "u1"});
    let a = app.create_unit(unit.clone()).await;
    let b = app.create_unit(unit).await;
    assert_eq!(codes(&b), Vec::<String>::new(), "not DUPLICATE code: {b:#}");
    assert_eq!(a["handlingUnit"], b["handlingUnit"]);
}

#[actix_web::test]
async fn the_idempotency_key_header_stands_for_the_input_field() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let query = "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) {
        suggestion { id number } userErrors { code field } } }";
    let input = json!({"i": {"sessionId": session, "leadDeputyId": deputy, "number": "0255",
        "title": "关于加强基层干部交流培养的建议", "content": "建议内容。"}});
    let header = [("idempotency-key", "7f1c0a5e-header")];
    let (_, first) = app.post_graphql_with(query, input.clone(), &header).await;
    let (_, again) = app.post_graphql_with(query, input.clone(), &header).await;
    assert_eq!(
        first["data"]["registerSuggestion"]["userErrors"],
        json!([]),
        "{first}"
    );
    assert_eq!(again, first, "answered from the key");
    assert_eq!(suggestion_count(&app).await, 1);
    let (_, bad) = app
        .post_graphql_with(query, input, &[("idempotency-key", "has spaces")])
        .await;
    let payload = &bad["data"]["registerSuggestion"];
    assert_eq!(codes(payload), ["INVALID"], "{bad}");
    assert_eq!(fields(payload), ["input.idempotencyKey"]);
}

#[actix_web::test]
async fn the_same_request_sent_several_times_at_once_makes_one_suggestion() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let input = registration(&session, &deputy, "double-click-0255");
    let answers = futures_util::future::join_all((0..6).map(|_| app.register(input.clone()))).await;
    for answer in &answers {
        assert_eq!(codes(answer), Vec::<String>::new(), "{answer:#}");
        assert_eq!(answer["suggestion"]["id"], answers[0]["suggestion"]["id"]);
    }
    assert_eq!(suggestion_count(&app).await, 1);
}

#[actix_web::test]
async fn a_retried_contact_record_is_logged_once() {
    let app = spawn_app().await;
    let (_, _, assignment) = assigned(&app, "0003").await;
    let log = "mutation($i: LogContactInput!) { logContact(input: $i) {
        contactRecord { method participants createdAt } assignment { id } userErrors { code } } }";
    let input = json!({"i": {"assignmentId": assignment, "stage": "DURING", "method": "FACE_TO_FACE",
        "contactedOn": "2026-02-20", "participants": "夏维奇代表、马友竹", "idempotencyKey": "contact-0003"}});
    let first = app.data(log, input.clone()).await["logContact"].clone();
    let again = app.data(log, input).await["logContact"].clone();
    assert_eq!(codes(&first), Vec::<String>::new(), "{first:#}");
    assert_eq!(again, first, "the same record, not a second one");
    let records = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { contactRecords { createdAt } } } }",
            json!({"id": assignment}),
        )
        .await;
    assert_eq!(
        records["node"]["contactRecords"].as_array().map(Vec::len),
        Some(1),
        "{records:#}"
    );
}
