//! The full multi-unit handling story, event by event.
//!
//! The server's clock is pinned to Sunday 2026-11-22 (Shanghai), and a unit's request to
//! return an assignment is dated the day it is made. So the main story is assigned on
//! Monday 2026-11-16, the earliest date whose 5-working-day return window (17, 18, 19, 20
//! and 23 November) still contains "today"; an assignment of 2026-03-02 could no longer be
//! returned. The late requests use 2026-01-05 (window closed 2026-01-12) and the
//! boundary case 2026-11-13 (window closed Friday 2026-11-20).

use banli::graphql::ids;
use serde_json::{json, Value};

use crate::helpers::{assigned, codes, fields, id_at, spawn_app, TestApp};

const USER_ERRORS: &str = "userErrors { field code message }";

/// The input type of each mutation this file calls.
fn input_type(mutation: &str) -> &'static str {
    match mutation {
        "signForAssignment" => "SignForAssignmentInput",
        "requestReturn" => "RequestReturnInput",
        "decideReturn" => "DecideReturnInput",
        "sendCoOpinion" => "SendCoOpinionInput",
        "requestExtension" => "RequestExtensionInput",
        "decideExtension" => "DecideExtensionInput",
        "logContact" => "LogContactInput",
        "submitReply" => "SubmitReplyInput",
        "reviewReply" => "ReviewReplyInput",
        "rateReply" => "RateReplyInput",
        "sendFollowUp" => "SendFollowUpInput",
        "closeSuggestion" | "withdrawSuggestion" => "SuggestionTransitionInput",
        other => panic!("no input type known for {other}"),
    }
}

/// Runs `mutation(input: $input) { selection userErrors {…} }`; returns the payload.
async fn call(app: &TestApp, mutation: &str, input: Value, selection: &str) -> Value {
    let query = format!(
        "mutation($input: {}!) {{ {mutation}(input: $input) {{ {selection} {USER_ERRORS} }} }}",
        input_type(mutation)
    );
    app.data(&query, json!({ "input": input })).await[mutation].clone()
}

/// Asserts that a payload carries no user error.
fn ok(payload: &Value) {
    assert_eq!(codes(payload), Vec::<String>::new(), "{payload:#}");
}

/// The message of the only user error of a payload.
fn message(payload: &Value) -> String {
    let errors = payload["userErrors"].as_array().expect("userErrors");
    assert_eq!(errors.len(), 1, "{payload:#}");
    errors[0]["message"].as_str().unwrap().to_owned()
}

/// An assignment read back through `node(id:)` with `selection`.
async fn assignment(app: &TestApp, id: &str, selection: &str) -> Value {
    app.data(
        &format!("query($id: ID!) {{ node(id: $id) {{ ... on Assignment {{ {selection} }} }} }}"),
        json!({ "id": id }),
    )
    .await["node"]
        .clone()
}

/// A suggestion read back with `selection`.
async fn suggestion(app: &TestApp, id: &str, selection: &str) -> Value {
    app.data(
        &format!("query($id: ID!) {{ suggestion(id: $id) {{ {selection} }} }}"),
        json!({ "id": id }),
    )
    .await["suggestion"]
        .clone()
}

/// A co-handler's opinion (the assignment is already signed for).
fn opinion_input(assignment: &str, sent_on: &str) -> Value {
    json!({"assignmentId": assignment, "body": "同意主办单位意见，我部将配合做好干部交流培养工作。",
        "signedBy": "协办单位", "sentOn": sent_on})
}

/// A new suggestion in `session` assigned to `units` (unit, role) on `assigned_on`;
/// returns the suggestion and its assignments in order.
async fn assign_new(
    app: &TestApp,
    session: &str,
    deputy: &str,
    number: &str,
    assigned_on: &str,
    units: &[(&str, &str)],
) -> (String, Vec<String>) {
    let suggestion = app.suggestion(session, deputy, number).await;
    let units: Vec<Value> = units
        .iter()
        .map(|(unit, role)| json!({"unitId": unit, "role": role}))
        .collect();
    let p = app
        .assign(json!({"suggestionId": suggestion, "assignedOn": assigned_on, "units": units}))
        .await;
    ok(&p);
    let assignments = (0..units.len())
        .map(|i| id_at(&p, &format!("assignments.{i}.id")))
        .collect();
    (suggestion, assignments)
}

#[actix_web::test]
async fn full_multi_unit_story_with_timeline() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    let xia = app.deputy("夏维奇").await;
    let co_signer = app.deputy("王晓红").await;
    let city = app.unit("淮南市人民政府", "HN-GOV").await;
    let organisation = app.unit("中共淮南市委组织部", "HN-ZZB").await;
    let finance = app.unit("淮南市财政局", "HN-CZJ").await;
    let hr = app.unit("淮南市人力资源和社会保障局", "HN-RSJ").await;
    let registered = app
        .register(json!({"sessionId": session, "number": "0255",
            "title": "关于加强基层干部赴沪苏浙交流培养 提升乡镇(街道)工作能力和水平的建议",
            "content": "建议加大基层干部赴沪苏浙交流培养力度。", "leadDeputyId": xia,
            "coSignerIds": [co_signer], "topic": "组织人事", "submittedOn": "2026-01-18"}))
        .await;
    ok(&registered);
    let suggestion_id = id_at(&registered, "suggestion.id");

    // 交办 on Monday 2026-11-16: the city government leads, two departments co-handle.
    let p = app
        .assign(
            json!({"suggestionId": suggestion_id, "assignedOn": "2026-11-16", "units": [
            {"unitId": city, "role": "LEAD"},
            {"unitId": organisation, "role": "CO_HANDLER"},
            {"unitId": finance, "role": "CO_HANDLER"}]}),
        )
        .await;
    ok(&p);
    assert_eq!(p["suggestion"]["status"], "ASSIGNED");
    let roles: Vec<_> = (0..3)
        .map(|i| {
            let a = &p["assignments"][i];
            (
                a["role"].as_str().unwrap(),
                a["status"].as_str().unwrap(),
                a["dueOn"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            // 3 months: 2027-02-16, a Tuesday (2027 is not loaded: weekends only).
            ("LEAD", "ASSIGNED", "2027-02-16"),
            // 1 month: Wednesday 2026-12-16.
            ("CO_HANDLER", "ASSIGNED", "2026-12-16"),
            ("CO_HANDLER", "ASSIGNED", "2026-12-16"),
        ]
    );
    let lead = id_at(&p, "assignments.0.id");
    let co1 = id_at(&p, "assignments.1.id");
    let co2 = id_at(&p, "assignments.2.id");
    let lead_now = assignment(
        &app,
        &lead,
        "dueProvisional deadlineExplanation { period provisional provisionalYears }",
    )
    .await;
    assert_eq!(
        lead_now,
        json!({"dueProvisional": true, "deadlineExplanation": {"period": "REPLY", "provisional": true, "provisionalYears": [2027]}})
    );

    // 签收 by all three.
    for id in [&lead, &co1, &co2] {
        let signed = app.sign_for(id).await;
        assert_eq!(signed["assignment"]["status"], "SIGNED_FOR");
        assert!(signed["assignment"]["signedForAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-22T10:00:00"));
    }

    // 退回: the finance bureau says the matter belongs to the HR bureau, within the window
    // (5 working days after 2026-11-16: 17, 18, 19, 20 and Monday 23 November).
    let window = app
        .data(
            "query($s: ID!) { previewDueDate(sessionId: $s, start: \"2026-11-16\", period: RETURN_WINDOW) { dueOn workingDays } }",
            json!({"s": session}),
        )
        .await;
    assert_eq!(
        window["previewDueDate"],
        json!({"dueOn": "2026-11-23", "workingDays": 5})
    );
    let requested = call(
        &app,
        "requestReturn",
        json!({"assignmentId": co2, "reason": "该事项主要涉及人才引进与交流政策，属市人社局职责。", "suggestedUnitId": hr}),
        "returnRequest { id status requestedOn reason suggestedUnit { name } } assignment { status }",
    )
    .await;
    ok(&requested);
    assert_eq!(requested["assignment"]["status"], "RETURN_REQUESTED");
    assert_eq!(
        requested["returnRequest"]["status"], "PENDING",
        "{requested:#}"
    );
    assert_eq!(requested["returnRequest"]["requestedOn"], "2026-11-22");
    assert_eq!(
        requested["returnRequest"]["suggestedUnit"]["name"],
        "淮南市人力资源和社会保障局"
    );
    let return_request = id_at(&requested, "returnRequest.id");

    let decided = call(
        &app,
        "decideReturn",
        json!({"requestId": return_request, "approve": true, "note": "同意改交市人社局协办。"}),
        "returnRequest { status decidedOn decisionNote newAssignment { id } }
         assignment { id status }
         newAssignment { id role status assignedOn dueOn unit { name } suggestion { status } }",
    )
    .await;
    ok(&decided);
    assert_eq!(decided["assignment"]["status"], "RETURNED");
    assert_eq!(decided["returnRequest"]["status"], "APPROVED");
    assert_eq!(decided["returnRequest"]["decidedOn"], "2026-11-22");
    assert_eq!(
        decided["returnRequest"]["decisionNote"],
        "同意改交市人社局协办。"
    );
    let co4 = id_at(&decided, "newAssignment.id");
    assert_eq!(
        decided["returnRequest"]["newAssignment"]["id"],
        co4.as_str()
    );
    assert_eq!(
        decided["newAssignment"],
        json!({"id": co4, "role": "CO_HANDLER", "status": "ASSIGNED", "assignedOn": "2026-11-22",
            // One month after Sunday 22 November: Tuesday 22 December.
            "dueOn": "2026-12-22", "unit": {"name": "淮南市人力资源和社会保障局"},
            "suggestion": {"status": "ASSIGNED"}})
    );
    app.sign_for(&co4).await;

    // A late request is refused, and changes nothing.
    let unit_late = app.unit("淮南市教育局", "HN-JYJ").await;
    for (number, assigned_on, closed_on) in [
        ("0256", "2026-01-05", "2026-01-12"),
        ("0257", "2026-11-13", "2026-11-20"),
    ] {
        let (_, late) = assign_new(
            &app,
            &session,
            &xia,
            number,
            assigned_on,
            &[(&unit_late, "SOLE")],
        )
        .await;
        let refused = call(
            &app,
            "requestReturn",
            json!({"assignmentId": late[0], "reason": "不属本单位职责。", "suggestedUnitId": hr}),
            "returnRequest { id }",
        )
        .await;
        assert_eq!(codes(&refused), ["INVALID_STATE"], "{refused:#}");
        assert_eq!(fields(&refused), ["input.assignmentId"]);
        assert!(
            message(&refused).contains(closed_on),
            "assigned {assigned_on}: {refused:#}"
        );
        assert_eq!(refused["returnRequest"], Value::Null);
        let after = assignment(&app, &late[0], "status version returnRequests { id }").await;
        assert_eq!(
            after,
            json!({"status": "ASSIGNED", "version": 1, "returnRequests": []})
        );
    }

    // 延期: the hard cap is 6 months after 2026-11-16, Sunday 2027-05-16, so Monday 17 May.
    let cap = app
        .data(
            "query($s: ID!) { previewDueDate(sessionId: $s, start: \"2026-11-16\", period: HARD_CAP) { rawEnd dueOn rolled provisional } }",
            json!({"s": session}),
        )
        .await;
    assert_eq!(
        cap["previewDueDate"],
        json!({"rawEnd": "2027-05-16", "dueOn": "2027-05-17", "rolled": true, "provisional": true})
    );
    let extension_selection =
        "extensionRequest { id status round requestedOn requestedDueOn approvedDueOn decidedOn }
        assignment { dueOn originalDueOn }";
    for (wanted, shown) in [("2027-05-18", "2027-05-17"), ("2027-02-16", "2027-02-16")] {
        let refused = call(
            &app,
            "requestExtension",
            json!({"assignmentId": lead, "reason": "需协调省级部门。", "requestedDueOn": wanted}),
            extension_selection,
        )
        .await;
        assert_eq!(codes(&refused), ["INVALID"], "{refused:#}");
        assert_eq!(fields(&refused), ["input.requestedDueOn"]);
        assert!(message(&refused).contains(shown), "{refused:#}");
    }
    let extension = call(
        &app,
        "requestExtension",
        json!({"assignmentId": lead, "reason": "涉及省级部门政策调整，需进一步协调。", "requestedDueOn": "2027-04-16"}),
        extension_selection,
    )
    .await;
    ok(&extension);
    assert_eq!(
        extension["extensionRequest"]["status"], "PENDING",
        "{extension:#}"
    );
    assert_eq!(extension["extensionRequest"]["round"], 1);
    assert_eq!(extension["extensionRequest"]["requestedOn"], "2026-11-22");
    assert_eq!(
        extension["extensionRequest"]["requestedDueOn"],
        "2027-04-16"
    );
    assert_eq!(extension["assignment"]["dueOn"], "2027-02-16", "not yet");
    let extension_id = id_at(&extension, "extensionRequest.id");

    let too_late = call(
        &app,
        "decideExtension",
        json!({"requestId": extension_id, "approve": true, "dueOn": "2027-05-18"}),
        extension_selection,
    )
    .await;
    assert_eq!(codes(&too_late), ["INVALID"], "{too_late:#}");
    assert_eq!(fields(&too_late), ["input.dueOn"]);
    assert!(message(&too_late).contains("2027-05-17"), "{too_late:#}");

    let approved = call(
        &app,
        "decideExtension",
        json!({"requestId": extension_id, "approve": true, "note": "同意延期。"}),
        "extensionRequest { status approvedDueOn decidedOn decisionNote }
         assignment { dueOn originalDueOn dueOnExplicit dueProvisional
           deadlineExplanation { period start months ruleDueOn dueOn extended setExplicitly provisional sentence }
           rounds { round dueOn originalDueOn } }",
    )
    .await;
    ok(&approved);
    assert_eq!(
        approved["extensionRequest"],
        json!({"status": "APPROVED", "approvedDueOn": "2027-04-16", "decidedOn": "2026-11-22", "decisionNote": "同意延期。"})
    );
    let a = &approved["assignment"];
    assert_eq!(a["dueOn"], "2027-04-16");
    assert_eq!(a["originalDueOn"], "2027-02-16");
    assert_eq!(a["dueProvisional"], false, "an approved date is fixed");
    assert_eq!(
        a["rounds"],
        json!([{"round": 1, "dueOn": "2027-04-16", "originalDueOn": "2027-02-16"}])
    );
    let explanation = &a["deadlineExplanation"];
    assert_eq!(explanation["period"], "REPLY");
    assert_eq!(explanation["start"], "2026-11-16");
    assert_eq!(explanation["months"], 3);
    assert_eq!(explanation["ruleDueOn"], "2027-02-16");
    assert_eq!(explanation["dueOn"], "2027-04-16");
    assert_eq!(explanation["extended"], true);
    assert_eq!(explanation["setExplicitly"], false);
    assert_eq!(explanation["provisional"], false);
    let sentence = explanation["sentence"].as_str().unwrap();
    assert!(
        sentence.starts_with("自2026-11-16起3个月，截止2027-02-16"),
        "{sentence}"
    );
    assert!(
        sentence.ends_with("；经批准延期至2027-04-16 (extended to 2027-04-16)"),
        "{sentence}"
    );
    let decided_again = call(
        &app,
        "decideExtension",
        json!({"requestId": extension_id, "approve": false}),
        "",
    )
    .await;
    assert_eq!(codes(&decided_again), ["INVALID_STATE"]);

    // The lead unit cannot reply while the co-handlers' opinions are missing.
    let mut reply = TestApp::reply_input(&lead);
    reply["docNumber"] = json!("淮府办函〔2026〕88号");
    reply["addressee"] = json!("夏维奇代表");
    reply["category"] = json!("B");
    reply["body"] = json!("您提出的关于加强基层干部赴沪苏浙交流培养的建议收悉，现答复如下：……");
    reply["repliedOn"] = json!("2026-11-22");
    let early = app.submit_reply(reply.clone()).await;
    assert_eq!(codes(&early), ["INVALID_STATE"], "{early:#}");
    assert_eq!(fields(&early), ["input.assignmentId"]);
    assert!(message(&early).contains("会办意见"), "{early:#}");

    // 会办意见 from the organisation department and the HR bureau.
    for (co, sent_on) in [(&co1, "2026-11-19"), (&co4, "2026-11-22")] {
        let sent = call(
            &app,
            "sendCoOpinion",
            opinion_input(co, sent_on),
            "coOpinion { round sentOn signedBy } assignment { status answeredOn }",
        )
        .await;
        ok(&sent);
        assert_eq!(
            sent["coOpinion"],
            json!({"round": 1, "sentOn": sent_on, "signedBy": "协办单位"})
        );
        assert_eq!(
            sent["assignment"],
            json!({"status": "OPINION_SENT", "answeredOn": sent_on})
        );
    }
    let received = assignment(
        &app,
        &lead,
        "coOpinions { sentOn assignment { unit { name } } }",
    )
    .await;
    assert_eq!(
        received["coOpinions"],
        json!([
            {"sentOn": "2026-11-19", "assignment": {"unit": {"name": "中共淮南市委组织部"}}},
            {"sentOn": "2026-11-22", "assignment": {"unit": {"name": "淮南市人力资源和社会保障局"}}}
        ])
    );

    // 沟通记录: a meeting before handling, a phone call during it.
    for (stage, method, on) in [
        ("BEFORE", "FACE_TO_FACE", "2026-11-17"),
        ("DURING", "PHONE", "2026-11-20"),
    ] {
        let logged = call(
            &app,
            "logContact",
            json!({"assignmentId": lead, "stage": stage, "method": method, "contactedOn": on,
                "participants": "夏维奇、马友竹", "notes": "听取代表意见。"}),
            "contactRecord { stage method contactedOn participants notes } assignment { status }",
        )
        .await;
        ok(&logged);
        assert_eq!(
            logged["contactRecord"],
            json!({"stage": stage, "method": method, "contactedOn": on,
                "participants": "夏维奇、马友竹", "notes": "听取代表意见。"})
        );
        assert_eq!(logged["assignment"]["status"], "SIGNED_FOR");
    }

    // 答复, category B, contact 马友竹 / 0554-6678417.
    let replied = app.submit_reply(reply).await;
    ok(&replied);
    assert_eq!(replied["reply"]["round"], 1);
    assert_eq!(replied["reply"]["category"], "B");
    assert_eq!(replied["reply"]["docNumber"], "淮府办函〔2026〕88号");
    assert_eq!(replied["reply"]["contactName"], "马友竹");
    assert_eq!(replied["reply"]["contactPhone"], "0554-6678417");
    assert_eq!(replied["reply"]["repliedOn"], "2026-11-22");
    assert_eq!(replied["assignment"]["status"], "REPLIED");
    assert_eq!(replied["assignment"]["answeredOn"], "2026-11-22");
    assert_eq!(replied["assignment"]["suggestion"]["status"], "REPLIED");
    let reply1 = id_at(&replied, "reply.id");

    // The office reviews the reply and makes it an A.
    let reviewed = call(
        &app,
        "reviewReply",
        json!({"replyId": reply1, "category": "A", "note": "问题已基本解决，调整为A类。"}),
        "reply { category originalCategory reviewedAt version }",
    )
    .await;
    ok(&reviewed);
    assert_eq!(reviewed["reply"]["category"], "A");
    assert_eq!(reviewed["reply"]["originalCategory"], "B");
    assert!(reviewed["reply"]["reviewedAt"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-22T10:00:00"));
    assert_eq!(reviewed["reply"]["version"], 2);

    // A co-signer's rating is recorded without moving the workflow, even UNSATISFIED.
    let rating_selection =
        "rating { round byLeadDeputy satisfaction ratedOn comment deputy { name } }
        assignment { status round dueOn originalDueOn suggestion { status }
          rounds { round startedOn dueOn originalDueOn answeredOn deadlineStatus } }";
    let by_co_signer = call(
        &app,
        "rateReply",
        json!({"replyId": reply1, "deputyId": co_signer, "satisfaction": "UNSATISFIED", "ratedOn": "2026-11-22"}),
        rating_selection,
    )
    .await;
    ok(&by_co_signer);
    assert_eq!(
        by_co_signer["rating"],
        json!({"round": 1, "byLeadDeputy": false, "satisfaction": "UNSATISFIED", "ratedOn": "2026-11-22",
            "comment": null, "deputy": {"name": "王晓红"}})
    );
    assert_eq!(by_co_signer["assignment"]["status"], "REPLIED");
    assert_eq!(by_co_signer["assignment"]["round"], 1);
    assert_eq!(
        by_co_signer["assignment"]["suggestion"]["status"],
        "REPLIED"
    );

    // The lead deputy is UNSATISFIED: re-handling, round 2, due one month after the rating
    // (Sunday 22 November + 1 month = Tuesday 22 December, a working day: no roll).
    let unsatisfied = call(
        &app,
        "rateReply",
        json!({"replyId": reply1, "satisfaction": "UNSATISFIED", "ratedOn": "2026-11-22",
            "comment": "交流名额偏少，希望进一步扩大。"}),
        rating_selection,
    )
    .await;
    ok(&unsatisfied);
    assert_eq!(unsatisfied["rating"]["byLeadDeputy"], true);
    assert_eq!(unsatisfied["rating"]["deputy"]["name"], "夏维奇");
    let a = &unsatisfied["assignment"];
    assert_eq!(a["status"], "REHANDLING");
    assert_eq!(a["round"], 2);
    assert_eq!(a["dueOn"], "2026-12-22");
    assert_eq!(a["originalDueOn"], "2026-12-22");
    assert_eq!(a["suggestion"]["status"], "ASSIGNED");
    assert_eq!(
        a["rounds"],
        json!([
            {"round": 1, "startedOn": "2026-11-16", "dueOn": "2027-04-16", "originalDueOn": "2027-02-16",
             "answeredOn": "2026-11-22", "deadlineStatus": "ANSWERED_ON_TIME"},
            {"round": 2, "startedOn": "2026-11-22", "dueOn": "2026-12-22", "originalDueOn": "2026-12-22",
             "answeredOn": null, "deadlineStatus": "NOT_DUE"}
        ])
    );
    let round2 = assignment(
        &app,
        &lead,
        "deadlineStatus answeredOn dueOnExplicit deadlineExplanation { period start months rawEnd ruleDueOn dueOn rolled extended sentence }",
    )
    .await;
    assert_eq!(
        round2,
        json!({"deadlineStatus": "NOT_DUE", "answeredOn": null, "dueOnExplicit": false,
            "deadlineExplanation": {"period": "REHANDLING", "start": "2026-11-22", "months": 1,
                "rawEnd": "2026-12-22", "ruleDueOn": "2026-12-22", "dueOn": "2026-12-22",
                "rolled": false, "extended": false,
                "sentence": "自2026-11-22起1个月，截止2026-12-22 (1 month after 2026-11-22: due 2026-12-22)"}})
    );

    // The lead unit replies again (round 2; opinions are not asked for again).
    let mut again = TestApp::reply_input(&lead);
    again["docNumber"] = json!("淮府办函〔2026〕95号");
    again["category"] = json!("A");
    again["repliedOn"] = json!("2026-11-22");
    let replied2 = app.submit_reply(again).await;
    ok(&replied2);
    assert_eq!(replied2["reply"]["round"], 2);
    assert_eq!(replied2["assignment"]["status"], "REPLIED");
    assert_eq!(replied2["assignment"]["suggestion"]["status"], "REPLIED");
    let reply2 = id_at(&replied2, "reply.id");

    let satisfied = call(
        &app,
        "rateReply",
        json!({"replyId": reply2, "satisfaction": "SATISFIED", "workSatisfaction": "SATISFIED",
            "resultSatisfaction": "BASICALLY_SATISFIED"}),
        "rating { round byLeadDeputy satisfaction ratedOn } assignment { status round }",
    )
    .await;
    ok(&satisfied);
    assert_eq!(
        satisfied["rating"],
        json!({"round": 2, "byLeadDeputy": true, "satisfaction": "SATISFIED", "ratedOn": "2026-11-22"})
    );
    assert_eq!(
        satisfied["assignment"],
        json!({"status": "REPLIED", "round": 2})
    );

    // 办结.
    let closed = call(
        &app,
        "closeSuggestion",
        json!({"suggestionId": suggestion_id}),
        "suggestion { status assignments { unit { name } role status } }",
    )
    .await;
    ok(&closed);
    assert_eq!(closed["suggestion"]["status"], "CLOSED");
    assert_eq!(
        closed["suggestion"]["assignments"],
        json!([
            {"unit": {"name": "淮南市人民政府"}, "role": "LEAD", "status": "CLOSED"},
            {"unit": {"name": "中共淮南市委组织部"}, "role": "CO_HANDLER", "status": "CLOSED"},
            {"unit": {"name": "淮南市财政局"}, "role": "CO_HANDLER", "status": "RETURNED"},
            {"unit": {"name": "淮南市人力资源和社会保障局"}, "role": "CO_HANDLER", "status": "CLOSED"}
        ])
    );
    let history = assignment(
        &app,
        &lead,
        "replies { round category originalCategory } ratings { round byLeadDeputy satisfaction deputy { name } }
         contactRecords { stage method contactedOn } extensionRequests { status approvedDueOn }",
    )
    .await;
    assert_eq!(
        history,
        json!({
            "replies": [{"round": 1, "category": "A", "originalCategory": "B"},
                        {"round": 2, "category": "A", "originalCategory": null}],
            "ratings": [{"round": 1, "byLeadDeputy": false, "satisfaction": "UNSATISFIED", "deputy": {"name": "王晓红"}},
                        {"round": 1, "byLeadDeputy": true, "satisfaction": "UNSATISFIED", "deputy": {"name": "夏维奇"}},
                        {"round": 2, "byLeadDeputy": true, "satisfaction": "SATISFIED", "deputy": {"name": "夏维奇"}}],
            "contactRecords": [{"stage": "BEFORE", "method": "FACE_TO_FACE", "contactedOn": "2026-11-17"},
                               {"stage": "DURING", "method": "PHONE", "contactedOn": "2026-11-20"}],
            "extensionRequests": [{"status": "APPROVED", "approvedDueOn": "2027-04-16"}]
        })
    );

    // The timeline, event by event: (kind, actor role, assignment).
    let timeline = suggestion(
        &app,
        &suggestion_id,
        "timeline { kind actorRole occurredAt details assignment { id } }",
    )
    .await["timeline"]
        .clone();
    let events = timeline.as_array().unwrap();
    let got: Vec<(&str, &str, Option<&str>)> = events
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["actorRole"].as_str().unwrap(),
                e["assignment"]["id"].as_str(),
            )
        })
        .collect();
    let (l, c1, c2, c4) = (
        Some(lead.as_str()),
        Some(co1.as_str()),
        Some(co2.as_str()),
        Some(co4.as_str()),
    );
    let expected = vec![
        ("REGISTERED", "OFFICE", None),
        ("ASSIGNED", "OFFICE", l),
        ("ASSIGNED", "OFFICE", c1),
        ("ASSIGNED", "OFFICE", c2),
        ("SIGNED_FOR", "UNIT", l),
        ("SIGNED_FOR", "UNIT", c1),
        ("SIGNED_FOR", "UNIT", c2),
        ("RETURN_REQUESTED", "UNIT", c2),
        ("ASSIGNED", "OFFICE", c4),
        ("RETURN_APPROVED", "OFFICE", c2),
        ("SIGNED_FOR", "UNIT", c4),
        ("EXTENSION_REQUESTED", "UNIT", l),
        ("EXTENSION_APPROVED", "OFFICE", l),
        ("OPINION_SENT", "UNIT", c1),
        ("OPINION_SENT", "UNIT", c4),
        ("CONTACT_LOGGED", "UNIT", l),
        ("CONTACT_LOGGED", "UNIT", l),
        ("REPLY_SUBMITTED", "UNIT", l),
        ("REPLY_REVIEWED", "OFFICE", l),
        ("RATED", "DEPUTY", l),
        ("RATED", "DEPUTY", l),
        ("REHANDLING_STARTED", "SYSTEM", l),
        ("REPLY_SUBMITTED", "UNIT", l),
        ("RATED", "DEPUTY", l),
        ("CLOSED", "OFFICE", None),
    ];
    for (i, (got, want)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "event {i} of {timeline:#}");
    }
    assert_eq!(got.len(), expected.len(), "{timeline:#}");
    assert!(events.iter().all(|e| e["occurredAt"]
        .as_str()
        .unwrap()
        .starts_with("2026-11-22T10:00:00")));

    let details = |i: usize| &events[i]["details"];
    assert_eq!(details(0)["number"], "0255");
    assert_eq!(details(1)["assignedOn"], "2026-11-16");
    assert_eq!(details(1)["dueOn"], "2027-02-16");
    assert_eq!(details(1)["provisional"], true);
    assert_eq!(details(2)["dueOn"], "2026-12-16");
    assert_eq!(details(7)["windowEnds"], "2026-11-23");
    assert_eq!(details(7)["suggestedUnitId"], hr.as_str());
    assert_eq!(
        details(8)["unitId"],
        hr.as_str(),
        "references are global IDs"
    );
    assert_eq!(details(8)["assignedOn"], "2026-11-22");
    assert_eq!(details(8)["dueOn"], "2026-12-22");
    assert_eq!(details(9)["reassignedTo"], hr.as_str());
    assert_eq!(details(9)["note"], "同意改交市人社局协办。");
    assert_eq!(details(11)["requestedDueOn"], "2027-04-16");
    assert_eq!(
        (details(12)["from"].clone(), details(12)["to"].clone()),
        (json!("2027-02-16"), json!("2027-04-16"))
    );
    assert_eq!(details(13)["sentOn"], "2026-11-19");
    assert_eq!(details(15)["contactedOn"], "2026-11-17");
    assert_eq!(details(17)["round"], 1);
    assert_eq!(details(17)["repliedOn"], "2026-11-22");
    assert_eq!(details(17)["dueOn"], "2027-04-16");
    assert_eq!(details(17)["late"], false);
    assert_eq!(details(19)["byLeadDeputy"], false);
    assert_eq!(details(20)["byLeadDeputy"], true);
    assert_eq!(
        details(21),
        &json!({"round": 2, "startedOn": "2026-11-22", "dueOn": "2026-12-22"})
    );
    assert_eq!(details(22)["round"], 2);
    assert_eq!(details(22)["dueOn"], "2026-12-22");
    assert_eq!(details(23)["round"], 2);

    // The lead unit's own timeline: its events only, in the same order.
    let own = assignment(&app, &lead, "timeline { kind actorRole }").await["timeline"].clone();
    let own: Vec<(&str, &str)> = own
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["actorRole"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        own,
        [
            ("ASSIGNED", "OFFICE"),
            ("SIGNED_FOR", "UNIT"),
            ("EXTENSION_REQUESTED", "UNIT"),
            ("EXTENSION_APPROVED", "OFFICE"),
            ("CONTACT_LOGGED", "UNIT"),
            ("CONTACT_LOGGED", "UNIT"),
            ("REPLY_SUBMITTED", "UNIT"),
            ("REPLY_REVIEWED", "OFFICE"),
            ("RATED", "DEPUTY"),
            ("RATED", "DEPUTY"),
            ("REHANDLING_STARTED", "SYSTEM"),
            ("REPLY_SUBMITTED", "UNIT"),
            ("RATED", "DEPUTY"),
        ]
    );
    let returned = assignment(&app, &co2, "timeline { kind }").await;
    assert_eq!(
        returned["timeline"],
        json!([{"kind": "ASSIGNED"}, {"kind": "SIGNED_FOR"}, {"kind": "RETURN_REQUESTED"}, {"kind": "RETURN_APPROVED"}])
    );

    // Enumerations inside the details use the API's names (LEAD, FACE_TO_FACE,
    // UNSATISFIED…), as the rest of the API does; every mismatch is listed at once.
    let enum_values = [
        (1, "role", "LEAD"),
        (2, "role", "CO_HANDLER"),
        (8, "role", "CO_HANDLER"),
        (15, "stage", "BEFORE"),
        (15, "method", "FACE_TO_FACE"),
        (16, "stage", "DURING"),
        (16, "method", "PHONE"),
        (17, "category", "B"),
        (18, "from", "B"),
        (18, "to", "A"),
        (19, "satisfaction", "UNSATISFIED"),
        (20, "satisfaction", "UNSATISFIED"),
        (22, "category", "A"),
        (23, "satisfaction", "SATISFIED"),
    ];
    let wrong: Vec<String> = enum_values
        .iter()
        .filter(|(i, key, want)| details(*i)[*key] != *want)
        .map(|(i, key, want)| {
            format!(
                "{} details.{key}: {} instead of {want:?}",
                events[*i]["kind"].as_str().unwrap(),
                details(*i)[*key]
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "timeline details use other names than the API:\n{}",
        wrong.join("\n")
    );
}

/// One wrong-state call and what its refusal must name.
struct Refusal {
    what: &'static str,
    mutation: &'static str,
    input: Value,
    field: &'static str,
    names: &'static str,
}

fn refusal(
    what: &'static str,
    mutation: &'static str,
    input: Value,
    field: &'static str,
    names: &'static str,
) -> Refusal {
    Refusal {
        what,
        mutation,
        input,
        field,
        names,
    }
}

/// Every assignment and suggestion with its status and version, to show that refused
/// calls store nothing.
async fn snapshot(app: &TestApp) -> Value {
    app.data(
        "{ assignments(first: 100, orderBy: ASSIGNED_ON_ASC) { totalCount nodes { id status version round answeredOn replies { id } } }
           suggestions(first: 100) { nodes { id status version timeline { id } } } }",
        json!({}),
    )
    .await
}

#[actix_web::test]
async fn invalid_transitions_name_the_current_state() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let a = app.unit("甲局", "A").await;
    let b = app.unit("乙局", "B").await;
    let c = app.unit("丙局", "C").await;

    // A lead unit that signed for, its co-handler that has not.
    let (lead_and_co, f1) = assign_new(
        &app,
        &session,
        &deputy,
        "0701",
        "2026-11-16",
        &[(&a, "LEAD"), (&b, "CO_HANDLER")],
    )
    .await;
    let (f1_lead, f1_co) = (&f1[0], &f1[1]);
    app.sign_for(f1_lead).await;
    // Assigned, not signed for.
    let (_, f2) = assign_new(
        &app,
        &session,
        &deputy,
        "0702",
        "2026-11-16",
        &[(&a, "SOLE")],
    )
    .await;
    let unsigned = &f2[0];
    // Replied with an A reply, not rated.
    let (_, _, replied) = assigned(&app, "0703").await;
    let p = app.submit_reply(TestApp::reply_input(&replied)).await;
    ok(&p);
    // Closed (the 20-working-day rating period of a 2026-03-01 reply is long over).
    let (_, closed_suggestion, closed) = assigned(&app, "0704").await;
    let p = app.submit_reply(TestApp::reply_input(&closed)).await;
    let closed_reply = id_at(&p, "reply.id");
    let p = call(
        &app,
        "closeSuggestion",
        json!({"suggestionId": closed_suggestion}),
        "suggestion { status }",
    )
    .await;
    ok(&p);
    assert_eq!(p["suggestion"]["status"], "CLOSED");
    // Re-handling after an UNSATISFIED rating.
    let (_, rehandled_suggestion, rehandled) = assigned(&app, "0705").await;
    let p = app.submit_reply(TestApp::reply_input(&rehandled)).await;
    let rehandled_reply = id_at(&p, "reply.id");
    let p = call(
        &app,
        "rateReply",
        json!({"replyId": rehandled_reply, "satisfaction": "UNSATISFIED"}),
        "assignment { status }",
    )
    .await;
    ok(&p);
    assert_eq!(p["assignment"]["status"], "REHANDLING");
    // Withdrawn.
    let (_, withdrawn_suggestion, withdrawn) = assigned(&app, "0706").await;
    let p = call(
        &app,
        "withdrawSuggestion",
        json!({"suggestionId": withdrawn_suggestion}),
        "suggestion { status }",
    )
    .await;
    ok(&p);
    // A co-handler that sent its opinion.
    let (_, f7) = assign_new(
        &app,
        &session,
        &deputy,
        "0707",
        "2026-11-16",
        &[(&a, "LEAD"), (&b, "CO_HANDLER")],
    )
    .await;
    let opinion_sent = &f7[1];
    app.opinion(opinion_sent, "2026-11-20").await;
    // A pending return request.
    let (_, f8) = assign_new(
        &app,
        &session,
        &deputy,
        "0708",
        "2026-11-16",
        &[(&a, "SOLE")],
    )
    .await;
    let return_requested = &f8[0];
    let p = call(
        &app,
        "requestReturn",
        json!({"assignmentId": return_requested, "reason": "不属本单位职责。"}),
        "",
    )
    .await;
    ok(&p);
    // A return approved: the assignment is RETURNED, the case went to another unit.
    let (_, f9) = assign_new(
        &app,
        &session,
        &deputy,
        "0709",
        "2026-11-16",
        &[(&a, "SOLE")],
    )
    .await;
    let returned = &f9[0];
    let p = call(
        &app,
        "requestReturn",
        json!({"assignmentId": returned, "reason": "不属本单位职责。", "suggestedUnitId": c}),
        "returnRequest { id }",
    )
    .await;
    let decided_request = id_at(&p, "returnRequest.id");
    let p = call(
        &app,
        "decideReturn",
        json!({"requestId": decided_request, "approve": true}),
        "assignment { status }",
    )
    .await;
    ok(&p);
    assert_eq!(p["assignment"]["status"], "RETURNED");

    let sign = |id: &str| json!({"assignmentId": id});
    let reply = |id: &str| {
        let mut input = TestApp::reply_input(id);
        input["repliedOn"] = json!("2026-11-20");
        input
    };
    let opinion = |id: &str| opinion_input(id, "2026-11-20");
    let contact = |id: &str| {
        json!({"assignmentId": id, "stage": "DURING", "method": "PHONE",
        "contactedOn": "2026-11-20", "participants": "马友竹"})
    };
    let give_back = |id: &str| json!({"assignmentId": id, "reason": "不属本单位职责。"});
    let extend = |id: &str| json!({"assignmentId": id, "reason": "需要更多时间。"});
    let follow =
        |id: &str| json!({"assignmentId": id, "body": "最新进展：……", "repliedOn": "2026-11-20"});
    let rate = |id: &str| json!({"replyId": id, "satisfaction": "SATISFIED"});
    let review = |id: &str| json!({"replyId": id, "category": "B"});
    let whole = |id: &str| json!({"suggestionId": id});
    const ASSIGNMENT_ID: &str = "input.assignmentId";
    const REPLY_ID: &str = "input.replyId";
    const SUGGESTION_ID: &str = "input.suggestionId";

    let table = [
        refusal(
            "signing for twice",
            "signForAssignment",
            sign(f1_lead),
            ASSIGNMENT_ID,
            "SIGNED_FOR",
        ),
        refusal(
            "signing for after replying",
            "signForAssignment",
            sign(&replied),
            ASSIGNMENT_ID,
            "REPLIED",
        ),
        refusal(
            "signing for a returned case",
            "signForAssignment",
            sign(returned),
            ASSIGNMENT_ID,
            "RETURNED",
        ),
        refusal(
            "signing for while a return is pending",
            "signForAssignment",
            sign(return_requested),
            ASSIGNMENT_ID,
            "RETURN_REQUESTED",
        ),
        refusal(
            "signing for a withdrawn case",
            "signForAssignment",
            sign(&withdrawn),
            ASSIGNMENT_ID,
            "WITHDRAWN",
        ),
        refusal(
            "signing for during re-handling",
            "signForAssignment",
            sign(&rehandled),
            ASSIGNMENT_ID,
            "REHANDLING",
        ),
        refusal(
            "replying before signing for",
            "submitReply",
            reply(unsigned),
            ASSIGNMENT_ID,
            "ASSIGNED",
        ),
        refusal(
            "replying twice in a round",
            "submitReply",
            reply(&replied),
            ASSIGNMENT_ID,
            "REPLIED",
        ),
        refusal(
            "replying while a return is pending",
            "submitReply",
            reply(return_requested),
            ASSIGNMENT_ID,
            "RETURN_REQUESTED",
        ),
        refusal(
            "replying after closing",
            "submitReply",
            reply(&closed),
            ASSIGNMENT_ID,
            "CLOSED",
        ),
        refusal(
            "replying after withdrawal",
            "submitReply",
            reply(&withdrawn),
            ASSIGNMENT_ID,
            "WITHDRAWN",
        ),
        refusal(
            "a co-handler replying to the deputy",
            "submitReply",
            reply(opinion_sent),
            ASSIGNMENT_ID,
            "CO_HANDLER",
        ),
        refusal(
            "sending an opinion as the lead unit",
            "sendCoOpinion",
            opinion(f1_lead),
            ASSIGNMENT_ID,
            "CO_HANDLER",
        ),
        refusal(
            "sending an opinion before signing for",
            "sendCoOpinion",
            opinion(f1_co),
            ASSIGNMENT_ID,
            "ASSIGNED",
        ),
        refusal(
            "sending an opinion twice",
            "sendCoOpinion",
            opinion(opinion_sent),
            ASSIGNMENT_ID,
            "OPINION_SENT",
        ),
        refusal(
            "logging a contact before signing for",
            "logContact",
            contact(f1_co),
            ASSIGNMENT_ID,
            "ASSIGNED",
        ),
        refusal(
            "logging a contact on a withdrawn case",
            "logContact",
            contact(&withdrawn),
            ASSIGNMENT_ID,
            "WITHDRAWN",
        ),
        refusal(
            "requesting a return after replying",
            "requestReturn",
            give_back(&replied),
            ASSIGNMENT_ID,
            "REPLIED",
        ),
        refusal(
            "requesting a return twice",
            "requestReturn",
            give_back(return_requested),
            ASSIGNMENT_ID,
            "RETURN_REQUESTED",
        ),
        refusal(
            "requesting a return of a returned case",
            "requestReturn",
            give_back(returned),
            ASSIGNMENT_ID,
            "RETURNED",
        ),
        refusal(
            "deciding a decided return",
            "decideReturn",
            json!({"requestId": decided_request, "approve": false}),
            "input.requestId",
            "已处理",
        ),
        refusal(
            "requesting an extension before signing for",
            "requestExtension",
            extend(unsigned),
            ASSIGNMENT_ID,
            "ASSIGNED",
        ),
        refusal(
            "requesting an extension after replying",
            "requestExtension",
            extend(&replied),
            ASSIGNMENT_ID,
            "REPLIED",
        ),
        refusal(
            "a co-handler asking for time after its opinion",
            "requestExtension",
            extend(opinion_sent),
            ASSIGNMENT_ID,
            "OPINION_SENT",
        ),
        refusal(
            "requesting an extension after closing",
            "requestExtension",
            extend(&closed),
            ASSIGNMENT_ID,
            "CLOSED",
        ),
        refusal(
            "following up before any reply",
            "sendFollowUp",
            follow(f1_lead),
            ASSIGNMENT_ID,
            "SIGNED_FOR",
        ),
        refusal(
            "following up during re-handling",
            "sendFollowUp",
            follow(&rehandled),
            ASSIGNMENT_ID,
            "REHANDLING",
        ),
        refusal(
            "following up an A reply",
            "sendFollowUp",
            follow(&replied),
            ASSIGNMENT_ID,
            "B and C",
        ),
        refusal(
            "rating a closed case",
            "rateReply",
            rate(&closed_reply),
            REPLY_ID,
            "CLOSED",
        ),
        refusal(
            "rating before the current round's reply",
            "rateReply",
            rate(&rehandled_reply),
            REPLY_ID,
            "current round",
        ),
        refusal(
            "reviewing a reply under re-handling",
            "reviewReply",
            review(&rehandled_reply),
            REPLY_ID,
            "REHANDLING",
        ),
        refusal(
            "closing before everyone replied",
            "closeSuggestion",
            whole(&lead_and_co),
            SUGGESTION_ID,
            "ASSIGNED",
        ),
        refusal(
            "closing during re-handling",
            "closeSuggestion",
            whole(&rehandled_suggestion),
            SUGGESTION_ID,
            "ASSIGNED",
        ),
        refusal(
            "closing twice",
            "closeSuggestion",
            whole(&closed_suggestion),
            SUGGESTION_ID,
            "CLOSED",
        ),
        refusal(
            "withdrawing a closed suggestion",
            "withdrawSuggestion",
            whole(&closed_suggestion),
            SUGGESTION_ID,
            "CLOSED",
        ),
        refusal(
            "withdrawing twice",
            "withdrawSuggestion",
            whole(&withdrawn_suggestion),
            SUGGESTION_ID,
            "WITHDRAWN",
        ),
    ];

    let before = snapshot(&app).await;
    for row in table {
        let p = call(&app, row.mutation, row.input, "").await;
        assert_eq!(codes(&p), ["INVALID_STATE"], "{}: {p:#}", row.what);
        assert_eq!(fields(&p), [row.field], "{}: {p:#}", row.what);
        let message = message(&p);
        assert!(
            message.contains(row.names),
            "{}: the message should name {}: {message}",
            row.what,
            row.names
        );
    }
    assert_eq!(snapshot(&app).await, before, "refused calls store nothing");

    // Rating "before any reply" cannot even be asked: there is no reply to name.
    let p = call(
        &app,
        "rateReply",
        rate(&crate::helpers::missing(ids::Kind::Reply)),
        "",
    )
    .await;
    assert_eq!(codes(&p), ["NOT_FOUND"]);
    assert_eq!(fields(&p), [REPLY_ID]);
}

#[actix_web::test]
async fn withdraw_ends_open_assignments() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let a = app.unit("甲局", "A").await;
    let b = app.unit("乙局", "B").await;
    let c = app.unit("丙局", "C").await;
    let d = app.unit("丁局", "D").await;
    let e = app.unit("戊局", "E").await;
    let (suggestion_id, ids) = assign_new(
        &app,
        &session,
        &deputy,
        "0801",
        "2026-11-16",
        &[(&a, "LEAD"), (&b, "CO_HANDLER"), (&c, "CO_HANDLER")],
    )
    .await;
    let (lead, co_b, co_c) = (&ids[0], &ids[1], &ids[2]);
    // The lead unit signed for and asked for more time; B sent its opinion; C returned the
    // case to D, which asks to return it to E in turn.
    app.sign_for(lead).await;
    let p = call(
        &app,
        "requestExtension",
        json!({"assignmentId": lead, "reason": "需要更多时间。", "requestedDueOn": "2027-03-31"}),
        "extensionRequest { id }",
    )
    .await;
    ok(&p);
    let extension = id_at(&p, "extensionRequest.id");
    app.opinion(co_b, "2026-11-20").await;
    let p = call(
        &app,
        "requestReturn",
        json!({"assignmentId": co_c, "reason": "不属本单位职责。", "suggestedUnitId": d}),
        "returnRequest { id }",
    )
    .await;
    let p = call(
        &app,
        "decideReturn",
        json!({"requestId": id_at(&p, "returnRequest.id"), "approve": true}),
        "newAssignment { id }",
    )
    .await;
    ok(&p);
    let co_d = id_at(&p, "newAssignment.id");
    let p = call(
        &app,
        "requestReturn",
        json!({"assignmentId": co_d, "reason": "不属本单位职责。", "suggestedUnitId": e}),
        "returnRequest { id }",
    )
    .await;
    ok(&p);
    let pending_return = id_at(&p, "returnRequest.id");

    let p = call(
        &app,
        "withdrawSuggestion",
        json!({"suggestionId": suggestion_id, "reason": "代表申请撤回。"}),
        "suggestion { status deadlineStatus assignments { unit { name } status deadlineStatus } }",
    )
    .await;
    ok(&p);
    assert_eq!(
        p["suggestion"],
        json!({"status": "WITHDRAWN", "deadlineStatus": null, "assignments": [
            {"unit": {"name": "甲局"}, "status": "WITHDRAWN", "deadlineStatus": null},
            {"unit": {"name": "乙局"}, "status": "WITHDRAWN", "deadlineStatus": null},
            {"unit": {"name": "丙局"}, "status": "RETURNED", "deadlineStatus": null},
            {"unit": {"name": "丁局"}, "status": "WITHDRAWN", "deadlineStatus": null}
        ]})
    );
    let listed = app
        .data(
            "query($s: ID!) { assignments(filter: {suggestionId: $s, status: [WITHDRAWN]}) { totalCount }
              open: assignments(filter: {suggestionId: $s, status: [ASSIGNED, SIGNED_FOR, RETURN_REQUESTED, OPINION_SENT, REPLIED, REHANDLING]}) { totalCount } }",
            json!({"s": suggestion_id}),
        )
        .await;
    assert_eq!(listed["assignments"]["totalCount"], 3);
    assert_eq!(listed["open"]["totalCount"], 0);

    let timeline = suggestion(
        &app,
        &suggestion_id,
        "timeline { kind actorRole details assignment { id } }",
    )
    .await["timeline"]
        .clone();
    let last = timeline.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last,
        json!({"kind": "WITHDRAWN", "actorRole": "DEPUTY", "details": {"reason": "代表申请撤回。"}, "assignment": null})
    );

    // What was pending when the deputy withdrew can no longer be decided.
    let p = call(
        &app,
        "decideExtension",
        json!({"requestId": extension, "approve": true}),
        "",
    )
    .await;
    assert_eq!(codes(&p), ["INVALID_STATE"], "{p:#}");
    assert!(message(&p).contains("WITHDRAWN"), "{p:#}");
    let p = call(
        &app,
        "decideReturn",
        json!({"requestId": pending_return, "approve": true}),
        "newAssignment { id }",
    )
    .await;
    assert_eq!(codes(&p), ["INVALID_STATE"], "{p:#}");
    assert!(message(&p).contains("WITHDRAWN"), "{p:#}");
    assert_eq!(p["newAssignment"], Value::Null);
    let count = app
        .data(
            "query($s: ID!) { suggestion(id: $s) { assignments { id } } }",
            json!({"s": suggestion_id}),
        )
        .await;
    assert_eq!(
        count["suggestion"]["assignments"].as_array().unwrap().len(),
        4,
        "E was never assigned"
    );

    // A suggestion withdrawn before it was assigned has nothing to end.
    let registered = app.suggestion(&session, &deputy, "0802").await;
    let p = call(
        &app,
        "withdrawSuggestion",
        json!({"suggestionId": registered}),
        "suggestion { status assignments { id } }",
    )
    .await;
    ok(&p);
    assert_eq!(
        p["suggestion"],
        json!({"status": "WITHDRAWN", "assignments": []})
    );
}

#[actix_web::test]
async fn follow_up_on_b_reply() {
    let app = spawn_app().await;
    let follow = |id: &str, on: &str| json!({"assignmentId": id, "body": "该事项已列入明年计划，现将最新进展报告如下：……", "repliedOn": on});
    let selection = "followUp { body repliedOn reply { round category } }";

    // A B reply (being solved) may be followed up, without a new deadline.
    let (_, suggestion_b, b) = assigned(&app, "0901").await;
    let mut input = TestApp::reply_input(&b);
    input["category"] = json!("B");
    let p = app.submit_reply(input).await;
    ok(&p);
    let p = call(&app, "sendFollowUp", follow(&b, "2026-06-30"), selection).await;
    ok(&p);
    assert_eq!(
        p["followUp"],
        json!({"body": "该事项已列入明年计划，现将最新进展报告如下：……", "repliedOn": "2026-06-30",
            "reply": {"round": 1, "category": "B"}})
    );
    let after = assignment(
        &app,
        &b,
        "status round dueOn answeredOn followUps { repliedOn } timeline { kind actorRole details }",
    )
    .await;
    assert_eq!(after["status"], "REPLIED");
    assert_eq!(after["round"], 1);
    // 3 months after 2026-02-01 is 1 May, a 劳动节 holiday (1–5 May): Wednesday 6 May.
    assert_eq!(after["dueOn"], "2026-05-06", "no new deadline");
    assert_eq!(after["answeredOn"], "2026-03-01");
    assert_eq!(after["followUps"], json!([{"repliedOn": "2026-06-30"}]));
    assert_eq!(
        after["timeline"].as_array().unwrap().last().unwrap(),
        &json!({"kind": "FOLLOW_UP_SENT", "actorRole": "UNIT", "details": {"repliedOn": "2026-06-30"}})
    );
    // Still allowed once the case is closed (the matter keeps moving).
    let p = call(
        &app,
        "closeSuggestion",
        json!({"suggestionId": suggestion_b}),
        "suggestion { status }",
    )
    .await;
    ok(&p);
    let p = call(&app, "sendFollowUp", follow(&b, "2026-11-22"), selection).await;
    ok(&p);
    let p = call(&app, "sendFollowUp", follow(&b, "2026-11-23"), selection).await;
    assert_eq!(codes(&p), ["INVALID"]);
    assert_eq!(fields(&p), ["input.repliedOn"], "not in the future");
    let mut empty = follow(&b, "2026-11-22");
    empty["body"] = json!("  ");
    let p = call(&app, "sendFollowUp", empty, selection).await;
    assert_eq!(fields(&p), ["input.body"]);

    // A C reply too.
    let (_, _, c) = assigned(&app, "0902").await;
    let mut input = TestApp::reply_input(&c);
    input["category"] = json!("C");
    ok(&app.submit_reply(input).await);
    ok(&call(&app, "sendFollowUp", follow(&c, "2026-06-30"), selection).await);

    // An A reply (solved) is refused, and so is a B reply the office reviewed into an A.
    let (_, _, a) = assigned(&app, "0903").await;
    ok(&app.submit_reply(TestApp::reply_input(&a)).await);
    let (_, _, reviewed) = assigned(&app, "0904").await;
    let mut input = TestApp::reply_input(&reviewed);
    input["category"] = json!("B");
    let p = app.submit_reply(input).await;
    let p = call(
        &app,
        "reviewReply",
        json!({"replyId": id_at(&p, "reply.id"), "category": "A"}),
        "reply { category originalCategory }",
    )
    .await;
    assert_eq!(
        p["reply"],
        json!({"category": "A", "originalCategory": "B"})
    );
    for id in [&a, &reviewed] {
        let p = call(&app, "sendFollowUp", follow(id, "2026-06-30"), selection).await;
        assert_eq!(codes(&p), ["INVALID_STATE"], "{p:#}");
        assert_eq!(fields(&p), ["input.assignmentId"]);
        assert!(message(&p).contains("A类"), "{p:#}");
        assert_eq!(p["followUp"], Value::Null);
        let stored = assignment(&app, id, "followUps { repliedOn }").await;
        assert_eq!(stored["followUps"], json!([]));
    }

    // A follow-up comes after the reply (docs/domain.md §2.11: "later"), never before it.
    let p = call(&app, "sendFollowUp", follow(&c, "2026-02-15"), selection).await;
    assert_eq!(
        codes(&p),
        ["INVALID"],
        "a follow-up dated before the reply of 2026-03-01: {p:#}"
    );
    assert_eq!(fields(&p), ["input.repliedOn"]);
}

#[actix_web::test]
async fn concurrent_conflicting_transitions_one_wins() {
    use futures_util::future::join;

    let app = spawn_app().await;

    // Two replies to the same signed-for assignment at once: one reply row, one refusal.
    for n in 0..5 {
        let (_, _, assignment_id) = assigned(&app, &format!("10{n:02}")).await;
        let mut first = TestApp::reply_input(&assignment_id);
        first["docNumber"] = json!("淮府办函〔2026〕1号");
        let mut second = TestApp::reply_input(&assignment_id);
        second["docNumber"] = json!("淮府办函〔2026〕2号");
        let (p1, p2) = join(app.submit_reply(first), app.submit_reply(second)).await;
        let (winner, loser) = match (codes(&p1).is_empty(), codes(&p2).is_empty()) {
            (true, false) => (&p1, &p2),
            (false, true) => (&p2, &p1),
            _ => panic!("exactly one reply must win: {p1:#} {p2:#}"),
        };
        let lost = codes(loser);
        assert!(
            lost == ["CONFLICT"] || lost == ["INVALID_STATE"],
            "{loser:#}"
        );
        assert_eq!(fields(loser), ["input.assignmentId"]);
        assert_eq!(loser["reply"], Value::Null);
        let stored = assignment(
            &app,
            &assignment_id,
            "status version answeredOn replies { id docNumber } timeline { kind }",
        )
        .await;
        assert_eq!(stored["status"], "REPLIED");
        assert_eq!(stored["answeredOn"], "2026-03-01");
        assert_eq!(stored["version"], 3, "assigned, signed for, replied");
        assert_eq!(
            stored["replies"],
            json!([{"id": winner["reply"]["id"], "docNumber": winner["reply"]["docNumber"]}])
        );
        let kinds: Vec<&str> = stored["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["ASSIGNED", "SIGNED_FOR", "REPLY_SUBMITTED"]);
    }

    // A reply racing a return request (within the window): whichever wins, the other is
    // refused and the assignment is consistent with the winner alone.
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("甲局", "A").await;
    let other = app.unit("乙局", "B").await;
    for n in 0..5 {
        let (_, ids) = assign_new(
            &app,
            &session,
            &deputy,
            &format!("11{n:02}"),
            "2026-11-16",
            &[(&unit, "SOLE")],
        )
        .await;
        let id = &ids[0];
        app.sign_for(id).await;
        let mut reply = TestApp::reply_input(id);
        reply["repliedOn"] = json!("2026-11-20");
        let (replied, returning) = join(
            app.submit_reply(reply),
            call(
                &app,
                "requestReturn",
                json!({"assignmentId": id, "reason": "不属本单位职责。", "suggestedUnitId": other}),
                "returnRequest { id } assignment { status }",
            ),
        )
        .await;
        let stored = assignment(
            &app,
            id,
            "status version replies { id } returnRequests { status } timeline { kind }",
        )
        .await;
        let kinds: Vec<&str> = stored["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(stored["version"], 3, "{stored:#}");
        match (codes(&replied).is_empty(), codes(&returning).is_empty()) {
            (true, false) => {
                let lost = codes(&returning);
                assert!(
                    lost == ["CONFLICT"] || lost == ["INVALID_STATE"],
                    "{returning:#}"
                );
                assert_eq!(returning["returnRequest"], Value::Null);
                assert_eq!(stored["status"], "REPLIED");
                assert_eq!(stored["replies"], json!([{"id": replied["reply"]["id"]}]));
                assert_eq!(stored["returnRequests"], json!([]));
                assert_eq!(kinds, ["ASSIGNED", "SIGNED_FOR", "REPLY_SUBMITTED"]);
            }
            (false, true) => {
                let lost = codes(&replied);
                assert!(
                    lost == ["CONFLICT"] || lost == ["INVALID_STATE"],
                    "{replied:#}"
                );
                assert_eq!(replied["reply"], Value::Null);
                assert_eq!(stored["status"], "RETURN_REQUESTED");
                assert_eq!(stored["replies"], json!([]));
                assert_eq!(stored["returnRequests"], json!([{"status": "PENDING"}]));
                assert_eq!(kinds, ["ASSIGNED", "SIGNED_FOR", "RETURN_REQUESTED"]);
            }
            _ => panic!("exactly one must win: {replied:#} {returning:#}"),
        }
    }
}
