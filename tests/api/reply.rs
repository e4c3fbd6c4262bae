//! Submitting replies.

use banli::graphql::ids::Kind;
use serde_json::json;

use crate::helpers::{assigned, codes, fields, id_at, missing, spawn_app, TestApp};

#[actix_web::test]
async fn submit_reply_marks_assignment_and_suggestion_replied() {
    let app = spawn_app().await;
    let (_, suggestion, assignment) = assigned(&app, "0401").await;
    let mut input = TestApp::reply_input(&assignment);
    input["contactPhone"] = json!("0554 6678417");
    input["expectedVersion"] = json!(2);
    let p = app.submit_reply(input).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["reply"]["round"], 1);
    assert_eq!(p["reply"]["contactPhone"], "0554-6678417");
    assert_eq!(p["reply"]["publication"], "NONE");
    assert_eq!(p["assignment"]["status"], "REPLIED");
    assert_eq!(p["assignment"]["suggestion"]["status"], "REPLIED");

    let by_category = app
        .data(
            "{ suggestions(filter: {category: [A]}) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(by_category["suggestions"]["totalCount"], 1);
    assert_eq!(
        by_category["suggestions"]["edges"][0]["node"]["id"],
        suggestion.as_str()
    );
    let none_b = app
        .data(
            "{ suggestions(filter: {category: [B]}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(none_b["suggestions"]["totalCount"], 0);

    let again = app.submit_reply(TestApp::reply_input(&assignment)).await;
    assert_eq!(codes(&again), ["INVALID_STATE"], "one reply per round");
}

#[actix_web::test]
async fn separate_units_each_reply_before_the_suggestion_is_replied() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let a = app.unit("甲局", "A").await;
    let b = app.unit("乙局", "B").await;
    let suggestion = app.suggestion(&session, &deputy, "0500").await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-02-01",
            "units": [{"unitId": a, "role": "SEPARATE"}, {"unitId": b, "role": "SEPARATE"}]}),
        )
        .await;
    app.sign_for(&id_at(&p, "assignments.0.id")).await;
    app.sign_for(&id_at(&p, "assignments.1.id")).await;
    let first = app
        .submit_reply(TestApp::reply_input(&id_at(&p, "assignments.0.id")))
        .await;
    assert_eq!(codes(&first), Vec::<String>::new(), "{first:#}");
    assert_eq!(
        first["assignment"]["suggestion"]["status"], "ASSIGNED",
        "the other unit has not replied"
    );
    let second = app
        .submit_reply(TestApp::reply_input(&id_at(&p, "assignments.1.id")))
        .await;
    assert_eq!(second["assignment"]["suggestion"]["status"], "REPLIED");
}

#[actix_web::test]
async fn submit_reply_user_errors() {
    let app = spawn_app().await;
    let (_, _, assignment) = assigned(&app, "0402").await;

    let mut d_class = TestApp::reply_input(&assignment);
    d_class["category"] = json!("D");
    let p = app.submit_reply(d_class).await;
    assert_eq!(codes(&p), ["INVALID"], "D is not in a three-class session");
    assert_eq!(fields(&p), ["input.category"]);
    assert!(p["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("A类、B类、C类"));

    let mut no_contact = TestApp::reply_input(&assignment);
    no_contact["contactName"] = json!(" ");
    no_contact["contactPhone"] = json!("电话");
    no_contact["repliedOn"] = json!("2026-11-23");
    let p = app.submit_reply(no_contact).await;
    assert_eq!(codes(&p), ["INVALID", "INVALID", "INVALID"]);
    assert_eq!(
        fields(&p),
        ["input.contactName", "input.contactPhone", "input.repliedOn"]
    );

    let mut before_assignment = TestApp::reply_input(&assignment);
    before_assignment["repliedOn"] = json!("2026-01-31");
    assert_eq!(
        codes(&app.submit_reply(before_assignment).await),
        ["INVALID"]
    );

    let mut stale = TestApp::reply_input(&assignment);
    stale["expectedVersion"] = json!(9);
    assert_eq!(codes(&app.submit_reply(stale).await), ["CONFLICT"]);

    assert_eq!(
        codes(
            &app.submit_reply(TestApp::reply_input(&missing(Kind::Assignment)))
                .await
        ),
        ["NOT_FOUND"]
    );

    let state = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { status replies { id } } } }",
            json!({"id": assignment}),
        )
        .await;
    assert_eq!(
        state["node"]["status"], "SIGNED_FOR",
        "refused replies store nothing"
    );
    assert_eq!(state["node"]["replies"], json!([]));
}

#[actix_web::test]
async fn co_handlers_do_not_reply_to_the_deputy() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let a = app.unit("甲局", "A").await;
    let b = app.unit("乙局", "B").await;
    let suggestion = app.suggestion(&session, &deputy, "0600").await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-02-01",
            "units": [{"unitId": a, "role": "LEAD"}, {"unitId": b, "role": "CO_HANDLER"}]}),
        )
        .await;
    app.sign_for(&id_at(&p, "assignments.1.id")).await;
    let co = app
        .submit_reply(TestApp::reply_input(&id_at(&p, "assignments.1.id")))
        .await;
    assert_eq!(codes(&co), ["INVALID_STATE"]);
    let message = co["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("CO_HANDLER"), "{message}");

    // Nor may the lead unit reply while the co-handler's opinion is missing.
    app.sign_for(&id_at(&p, "assignments.0.id")).await;
    let lead = app
        .submit_reply(TestApp::reply_input(&id_at(&p, "assignments.0.id")))
        .await;
    assert_eq!(codes(&lead), ["INVALID_STATE"]);
    assert!(lead["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("会办意见"));
}

#[actix_web::test]
async fn four_class_sessions_accept_d() {
    let app = spawn_app().await;
    let session = app
        .create_session(json!({"name": "全国人大", "level": "NATIONAL", "term": 14, "meeting": 2, "categoryScheme": "FOUR_CLASS"}))
        .await;
    let session = id_at(&session, "session.id");
    let deputy = app.deputy("代表").await;
    let unit = app.unit("国家某部", "GJ").await;
    let suggestion = app.suggestion(&session, &deputy, "1001").await;
    let p = app
        .assign(json!({"suggestionId": suggestion, "assignedOn": "2026-02-01", "units": [{"unitId": unit, "role": "SOLE"}]}))
        .await;
    app.sign_for(&id_at(&p, "assignments.0.id")).await;
    let mut input = TestApp::reply_input(&id_at(&p, "assignments.0.id"));
    input["category"] = json!("D");
    assert_eq!(codes(&app.submit_reply(input).await), Vec::<String>::new());
}
