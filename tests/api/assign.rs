//! Assigning suggestions to handling units.

use banli::graphql::ids::Kind;
use serde_json::json;

use crate::helpers::{codes, fields, id_at, missing, spawn_app, TestApp};

async fn setup(app: &TestApp) -> (String, String, String, String) {
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let a = app.unit("淮南市人民政府", "HN-GOV").await;
    let b = app.unit("中共淮南市委组织部", "HN-ZZB").await;
    let suggestion = app.suggestion(&session, &deputy, "0255").await;
    (suggestion, a, b, session)
}

#[actix_web::test]
async fn assign_lead_and_co_handler_with_rule_and_explicit_due_dates() {
    let app = spawn_app().await;
    let (suggestion, a, b, _) = setup(&app).await;
    let c = app.unit("淮南市财政局", "HN-CZJ").await;
    let p = app
        .assign(json!({"suggestionId": suggestion, "expectedVersion": 1, "assignedOn": "2025-11-30", "units": [
            {"unitId": a, "role": "LEAD"},
            {"unitId": b, "role": "CO_HANDLER"},
            {"unitId": c, "role": "CO_HANDLER", "dueOn": "2026-01-05"}]}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["suggestion"]["status"], "ASSIGNED");
    assert_eq!(p["suggestion"]["version"], 2);
    let list = p["assignments"].as_array().unwrap();
    assert_eq!(
        list[0]["dueOn"], "2026-02-28",
        "30 Nov + 3 months is the end of February"
    );
    assert_eq!(list[1]["dueOn"], "2025-12-30");
    assert_eq!(list[2]["dueOn"], "2026-01-05");
    assert_eq!(list[2]["dueOnExplicit"], true);
    assert_eq!(list[0]["status"], "ASSIGNED");

    let by_unit = app
        .data(
            "query($u: ID!) { suggestions(filter: {unitId: $u}) { totalCount } }",
            json!({"u": b}),
        )
        .await;
    assert_eq!(by_unit["suggestions"]["totalCount"], 1);
}

#[actix_web::test]
async fn assign_role_rules_are_user_errors() {
    let app = spawn_app().await;
    let (suggestion, a, b, _) = setup(&app).await;
    let two_leads = app
        .assign(json!({"suggestionId": suggestion, "units": [{"unitId": a, "role": "LEAD"}, {"unitId": b, "role": "LEAD"}]}))
        .await;
    assert_eq!(codes(&two_leads), ["INVALID"]);
    assert_eq!(fields(&two_leads), ["input.units.1.role"]);

    let sole_and_other = app
        .assign(json!({"suggestionId": suggestion, "units": [{"unitId": a, "role": "SOLE"}, {"unitId": b, "role": "SEPARATE"}]}))
        .await;
    assert_eq!(codes(&sole_and_other), ["INVALID", "INVALID"]);

    let same_unit = app
        .assign(json!({"suggestionId": suggestion, "units": [{"unitId": a, "role": "LEAD"}, {"unitId": a, "role": "CO_HANDLER"}]}))
        .await;
    assert_eq!(codes(&same_unit), ["DUPLICATE"]);

    let no_unit = app
        .assign(json!({"suggestionId": suggestion, "units": [{"unitId": missing(Kind::HandlingUnit), "role": "SOLE"}]}))
        .await;
    assert_eq!(codes(&no_unit), ["NOT_FOUND"]);
    assert_eq!(fields(&no_unit), ["input.units.0.unitId"]);

    let no_suggestion = app
        .assign(json!({"suggestionId": missing(Kind::Suggestion), "units": [{"unitId": a, "role": "SOLE"}]}))
        .await;
    assert_eq!(codes(&no_suggestion), ["NOT_FOUND"]);

    let bad_dates = app
        .assign(json!({"suggestionId": suggestion, "assignedOn": "2027-01-01", "units": [{"unitId": a, "role": "SOLE", "dueOn": "2026-01-01"}]}))
        .await;
    assert_eq!(codes(&bad_dates), ["INVALID", "INVALID"]);

    let none = app
        .assign(json!({"suggestionId": suggestion, "units": []}))
        .await;
    assert_eq!(codes(&none), ["INVALID"]);

    let stale = app
        .assign(json!({"suggestionId": suggestion, "expectedVersion": 7, "units": [{"unitId": a, "role": "SOLE"}]}))
        .await;
    assert_eq!(codes(&stale), ["CONFLICT"]);

    let unchanged = app
        .data(
            "query($id: ID!) { suggestion(id: $id) { status assignments { id } } }",
            json!({"id": suggestion}),
        )
        .await;
    assert_eq!(
        unchanged["suggestion"]["status"], "REGISTERED",
        "refused calls assign nothing"
    );
    assert_eq!(unchanged["suggestion"]["assignments"], json!([]));
}

#[actix_web::test]
async fn adding_units_later_respects_existing_roles_and_state() {
    let app = spawn_app().await;
    let (suggestion, a, b, _) = setup(&app).await;
    let first = app
        .assign(json!({"suggestionId": suggestion, "assignedOn": "2026-02-01", "units": [{"unitId": a, "role": "LEAD"}]}))
        .await;
    assert_eq!(codes(&first), Vec::<String>::new());
    let second_lead = app
        .assign(json!({"suggestionId": suggestion, "assignedOn": "2026-02-01", "units": [{"unitId": b, "role": "LEAD"}]}))
        .await;
    assert_eq!(codes(&second_lead), ["INVALID"]);
    let co = app
        .assign(json!({"suggestionId": suggestion, "assignedOn": "2026-02-02", "units": [{"unitId": b, "role": "CO_HANDLER"}]}))
        .await;
    assert_eq!(codes(&co), Vec::<String>::new());

    // Once replied, the suggestion takes no more units.
    let lead = id_at(&first, "assignments.0.id");
    app.sign_for(&lead).await;
    app.opinion(&id_at(&co, "assignments.0.id"), "2026-02-10")
        .await;
    let replied = app.submit_reply(TestApp::reply_input(&lead)).await;
    assert_eq!(codes(&replied), Vec::<String>::new(), "{replied:#}");
    let c = app.unit("淮南市财政局", "HN-CZJ").await;
    let late = app
        .assign(json!({"suggestionId": suggestion, "units": [{"unitId": c, "role": "CO_HANDLER"}]}))
        .await;
    assert_eq!(codes(&late), ["INVALID_STATE"]);
    assert!(
        late["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("REPLIED"),
        "{late:#}"
    );
}

#[actix_web::test]
async fn set_assignment_contact() {
    let app = spawn_app().await;
    let (_, _, assignment) = crate::helpers::assigned(&app, "0300").await;
    let set = |input| {
        let app = &app;
        async move {
            app.data(
                "mutation($input: SetAssignmentContactInput!) { setAssignmentContact(input: $input) {
                    assignment { contactName contactPhone version } userErrors { field code message } } }",
                json!({"input": input}),
            )
            .await["setAssignmentContact"]
                .clone()
        }
    };
    let ok = set(json!({"assignmentId": assignment, "expectedVersion": 2, "contactName": "马友竹", "contactPhone": "０５５４－６６７８４１７"})).await;
    assert_eq!(codes(&ok), Vec::<String>::new());
    assert_eq!(ok["assignment"]["contactPhone"], "0554-6678417");
    assert_eq!(
        ok["assignment"]["version"], 3,
        "assigned, signed for, contact set"
    );

    let bad =
        set(json!({"assignmentId": assignment, "contactName": "", "contactPhone": "123"})).await;
    assert_eq!(codes(&bad), ["INVALID", "INVALID"]);
    assert_eq!(fields(&bad), ["input.contactName", "input.contactPhone"]);
    let stale = set(json!({"assignmentId": assignment, "expectedVersion": 2, "contactName": "周敏", "contactPhone": "13812345678"})).await;
    assert_eq!(codes(&stale), ["CONFLICT"]);
    let gone = set(json!({"assignmentId": missing(Kind::Assignment), "contactName": "周敏", "contactPhone": "13812345678"})).await;
    assert_eq!(codes(&gone), ["NOT_FOUND"]);
}
