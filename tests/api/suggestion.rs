//! Registering and editing suggestions.

use banli::graphql::ids::Kind;
use serde_json::json;

use crate::helpers::{codes, fields, id_at, missing, spawn_app};

#[actix_web::test]
async fn register_with_co_signers_and_defaults() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    let lead = app.deputy("夏维奇").await;
    let a = app.deputy("李明华").await;
    let b = app.deputy("陈丽").await;
    let p = app
        .register(json!({"sessionId": session, "leadDeputyId": lead, "coSignerIds": [b, a],
            "number": "０２５５", "title": "  关于加强基层干部交流培养的建议 ", "content": "第一段\n第二段",
            "isKey": true, "topic": "组织人事"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let s = &p["suggestion"];
    assert_eq!(s["number"], "0255", "full-width digits folded");
    assert_eq!(s["title"], "关于加强基层干部交流培养的建议", "trimmed");
    assert_eq!(s["content"], "第一段\n第二段");
    assert_eq!(s["status"], "REGISTERED");
    assert_eq!(
        s["submittedOn"], "2026-11-22",
        "defaults to today in Shanghai"
    );
    assert_eq!(
        s["coSigners"],
        json!([{"name": "陈丽"}, {"name": "李明华"}]),
        "signing order kept"
    );
    assert_eq!(s["version"], 1);
}

#[actix_web::test]
async fn register_user_errors() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let lead = app.deputy("夏维奇").await;
    app.suggestion(&session, &lead, "0255").await;

    let dup = app
        .register(json!({"sessionId": session, "leadDeputyId": lead, "number": "0255", "title": "t", "content": "c"}))
        .await;
    assert_eq!(codes(&dup), ["DUPLICATE"]);
    assert_eq!(fields(&dup), ["input.number"]);

    // The same number in another session is fine.
    let other = app.session("另一会议").await;
    let ok = app
        .register(json!({"sessionId": other, "leadDeputyId": lead, "number": "0255", "title": "t", "content": "c"}))
        .await;
    assert_eq!(codes(&ok), Vec::<String>::new());

    let missing_refs = app
        .register(json!({"sessionId": missing(Kind::Session), "leadDeputyId": missing(Kind::Deputy),
            "coSignerIds": [banli::graphql::ids::encode(Kind::Deputy, 5555).0], "number": "1", "title": "t", "content": "c"}))
        .await;
    assert_eq!(
        codes(&missing_refs),
        ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]
    );
    assert_eq!(
        fields(&missing_refs),
        [
            "input.sessionId",
            "input.leadDeputyId",
            "input.coSignerIds.0"
        ]
    );

    let wrong_kind = app
        .register(json!({"sessionId": lead, "leadDeputyId": session, "number": "1", "title": "t", "content": "c"}))
        .await;
    assert_eq!(
        codes(&wrong_kind),
        ["NOT_FOUND", "NOT_FOUND"],
        "an ID of another type is not found"
    );

    let bad = app
        .register(
            json!({"sessionId": session, "leadDeputyId": lead, "coSignerIds": [lead],
            "number": "第1号", "title": "", "content": "  ", "submittedOn": "2026-11-23"}),
        )
        .await;
    assert_eq!(
        codes(&bad),
        ["INVALID", "INVALID", "INVALID", "INVALID", "INVALID"]
    );
    assert_eq!(
        fields(&bad),
        [
            "input.number",
            "input.title",
            "input.content",
            "input.submittedOn",
            "input.coSignerIds.0"
        ]
    );
}

#[actix_web::test]
async fn update_changes_given_fields_and_checks_versions() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let lead = app.deputy("夏维奇").await;
    let co = app.deputy("李明华").await;
    let id = app.suggestion(&session, &lead, "0001").await;
    app.suggestion(&session, &lead, "0002").await;
    let update = |input| {
        let app = &app;
        async move {
            app.data(
                "mutation($input: UpdateSuggestionInput!) { updateSuggestion(input: $input) {
                    suggestion { number title topic isKey confidential version coSigners { name } }
                    userErrors { field code message } } }",
                json!({"input": input}),
            )
            .await["updateSuggestion"]
                .clone()
        }
    };

    let p = update(json!({"id": id, "expectedVersion": 1, "title": "新标题", "topic": "教科文卫", "coSignerIds": [co]})).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["suggestion"]["title"], "新标题");
    assert_eq!(p["suggestion"]["number"], "0001", "untouched");
    assert_eq!(p["suggestion"]["coSigners"], json!([{"name": "李明华"}]));
    assert_eq!(p["suggestion"]["version"], 2);

    let cleared = update(json!({"id": id, "topic": null})).await;
    assert!(cleared["suggestion"]["topic"].is_null());

    let stale = update(json!({"id": id, "expectedVersion": 1, "title": "会丢失的修改"})).await;
    assert_eq!(codes(&stale), ["CONFLICT"]);
    assert!(stale["suggestion"].is_null());

    let dup = update(json!({"id": id, "number": "0002"})).await;
    assert_eq!(codes(&dup), ["DUPLICATE"]);

    let gone = update(json!({"id": missing(Kind::Suggestion), "title": "x"})).await;
    assert_eq!(codes(&gone), ["NOT_FOUND"]);

    let bad = update(json!({"id": id, "title": " "})).await;
    assert_eq!(codes(&bad), ["INVALID"]);

    let after = app
        .data(
            "query($id: ID!) { suggestion(id: $id) { title version } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        after["suggestion"]["title"], "新标题",
        "failed updates changed nothing"
    );
    assert_eq!(after["suggestion"]["version"], 3);
    let _ = id_at;
}
