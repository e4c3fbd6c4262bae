//! Notifications (通知) and urging (催办), over HTTP: every workflow event tells the people
//! docs/domain.md §10 names, in the transaction of the change; each user sees and marks only their
//! own notices; a notice never carries the suggestion's text or a deputy's phone.

use serde_json::{json, Value};

use crate::helpers::{codes, fields, id_at, spawn_app, TestApp};

const NOTICES: &str = "query($unread: Boolean) {
  unreadNotificationCount
  notifications(filter: {unread: $unread}, first: 20) {
    totalCount
    nodes { id kind title text readAt createdAt
      subject { __typename id }
      suggestion { number } assignment { id unit { name } } }
  } }";
const MARK: &str = "mutation($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) {
  marked unreadCount userErrors { field code message } } }";
const URGE: &str = "mutation($i: UrgeAssignmentInput!) { urgeAssignment(input: $i) {
  assignment { id status version } userErrors { field code message } } }";
const TIMELINE: &str =
    "query($id: ID!) { suggestion(id: $id) { timeline { kind details assignment { id } } } }";

struct Case {
    admin: TestApp,
    suggestion: String,
    lead: String,
    co: String,
    unit_a: TestApp,
    unit_b: TestApp,
    deputy: TestApp,
}

/// A suggestion assigned to a lead unit (民政局) and a co-handler (财政局), each with a
/// clerk, and the lead deputy with an account.
async fn case() -> Case {
    let admin = spawn_app().await;
    let session = admin.session("省人大十三届五次会议").await;
    let deputy_id = admin
        .create_deputy(
            json!({"name": "夏维奇", "delegation": "淮南代表团", "phone": "13955400001"}),
        )
        .await;
    let deputy_id = id_at(&deputy_id, "deputy.id");
    let a = admin.unit("淮南市民政局", "HN-MZJ").await;
    let b = admin.unit("淮南市财政局", "HN-CZJ").await;
    let unit_a = admin.user("mz-staff", "UNIT_STAFF", Some(&a), None).await;
    let unit_b = admin.user("cz-staff", "UNIT_STAFF", Some(&b), None).await;
    let deputy = admin.user("xia-wq", "DEPUTY", None, Some(&deputy_id)).await;
    let p = admin
        .register(
            json!({"sessionId": session, "number": "0001", "title": "关于养老服务的建议",
            "content": "建议内容：请联系代表 13955400001 商谈细节。", "leadDeputyId": deputy_id,
            "submittedOn": "2026-02-20"}),
        )
        .await;
    let suggestion = id_at(&p, "suggestion.id");
    let p = admin
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-02-25", "units": [
            {"unitId": a, "role": "LEAD"}, {"unitId": b, "role": "CO_HANDLER"}]}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let units = p["assignments"].as_array().unwrap();
    let of = |name: &str| {
        units
            .iter()
            .find(|x| x["unit"]["name"] == name)
            .map(|x| x["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let (lead, co) = (of("淮南市民政局"), of("淮南市财政局"));
    Case {
        admin,
        suggestion,
        lead,
        co,
        unit_a,
        unit_b,
        deputy,
    }
}

async fn notices(app: &TestApp, unread: Option<bool>) -> Value {
    app.data(NOTICES, json!({"unread": unread})).await
}

fn kinds(data: &Value) -> Vec<String> {
    data["notifications"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn an_assignment_tells_each_units_staff_and_no_one_else() {
    let c = case().await;
    let seen = notices(&c.unit_a, None).await;
    assert_eq!(seen["unreadNotificationCount"], 1, "{seen:#}");
    let notice = &seen["notifications"]["nodes"][0];
    assert_eq!(notice["kind"], "ASSIGNED");
    assert_eq!(notice["title"], "新交办：第0001号建议");
    let text = notice["text"].as_str().unwrap();
    assert!(
        text.starts_with("第0001号建议《关于养老服务的建议》已交办淮南市民政局，办理期限 "),
        "{text}"
    );
    assert!(text.ends_with("请及时签收办理。"), "{text}");
    assert!(notice["readAt"].is_null());
    assert_eq!(notice["subject"]["__typename"], "Assignment");
    assert_eq!(notice["subject"]["id"], c.lead.as_str());
    assert_eq!(notice["suggestion"]["number"], "0001");
    assert_eq!(notice["assignment"]["unit"]["name"], "淮南市民政局");
    // The co-handler is told of its own assignment.
    let theirs = notices(&c.unit_b, None).await;
    assert_eq!(kinds(&theirs), ["ASSIGNED"]);
    assert_eq!(
        theirs["notifications"]["nodes"][0]["assignment"]["id"],
        c.co.as_str()
    );
    // The office and the deputy are not told of an assignment.
    assert_eq!(kinds(&notices(&c.admin, None).await), Vec::<String>::new());
    assert_eq!(kinds(&notices(&c.deputy, None).await), Vec::<String>::new());
    // Never the suggestion's text, never the deputy's phone.
    for data in [&seen, &theirs] {
        let all = data.to_string();
        assert!(!all.contains("建议内容"), "{all}");
        assert!(!all.contains("13955400001"), "{all}");
    }
}

#[actix_web::test]
async fn a_refused_change_tells_no_one() {
    let c = case().await;
    // An extension asked of an assignment not yet signed for is refused: nothing is written.
    let p = c
        .unit_a
        .data(
            "mutation($id: ID!) { requestExtension(input: {assignmentId: $id, reason: \"需要跨部门协调\"}) {
              userErrors { code } } }",
            json!({"id": c.lead}),
        )
        .await;
    assert_eq!(codes(&p["requestExtension"]), ["INVALID_STATE"], "{p:#}");
    assert_eq!(kinds(&notices(&c.admin, None).await), Vec::<String>::new());
}

#[actix_web::test]
async fn the_workflow_tells_the_office_the_lead_unit_and_the_deputy() {
    let c = case().await;
    c.unit_a.sign_for(&c.lead).await;
    let p = c
        .unit_a
        .data(
            "mutation($id: ID!) { requestExtension(input: {assignmentId: $id, reason: \"需要跨部门协调\"}) {
              userErrors { code } } }",
            json!({"id": c.lead}),
        )
        .await;
    assert_eq!(codes(&p["requestExtension"]), Vec::<String>::new(), "{p:#}");
    let office = notices(&c.admin, Some(true)).await;
    assert_eq!(kinds(&office), ["EXTENSION_REQUESTED"], "{office:#}");
    assert_eq!(
        office["notifications"]["nodes"][0]["title"],
        "延期申请：第0001号建议"
    );
    // The co-handler's opinion reaches the lead unit.
    let p = c.unit_b.opinion(&c.co, "2026-11-22").await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let lead = notices(&c.unit_a, Some(true)).await;
    assert_eq!(kinds(&lead), ["CO_OPINION_ARRIVED", "ASSIGNED"], "{lead:#}");
    assert!(lead["notifications"]["nodes"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("淮南市财政局已提交第0001号建议"));
    // The reply reaches the deputy, who is asked to rate it.
    let p = c.unit_a.submit_reply(TestApp::reply_input(&c.lead)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let deputy = notices(&c.deputy, None).await;
    assert_eq!(kinds(&deputy), ["REPLY_RECEIVED"], "{deputy:#}");
    assert_eq!(
        deputy["notifications"]["nodes"][0]["subject"]["__typename"],
        "Assignment"
    );
}

#[actix_web::test]
async fn each_user_reads_and_marks_only_their_own_notices() {
    let c = case().await;
    let mine = notices(&c.unit_a, None).await;
    let id = mine["notifications"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another unit's clerk: the notice looks missing, and marking it changes nothing.
    let node = c
        .unit_b
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert!(node["node"].is_null(), "{node:#}");
    let p = c.unit_b.data(MARK, json!({"i": {"ids": [id]}})).await;
    assert_eq!(p["markNotificationsRead"]["marked"], 0, "{p:#}");
    assert_eq!(notices(&c.unit_a, None).await["unreadNotificationCount"], 1);
    // Its recipient reads it by node and marks it read.
    let node = c
        .unit_a
        .data(
            "query($id: ID!) { node(id: $id) { ... on Notification { kind } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(node["node"]["kind"], "ASSIGNED");
    let p = c.unit_a.data(MARK, json!({"i": {"ids": [id]}})).await;
    assert_eq!(p["markNotificationsRead"]["marked"], 1, "{p:#}");
    assert_eq!(p["markNotificationsRead"]["unreadCount"], 0);
    let again = c.unit_a.data(MARK, json!({"i": {"all": true}})).await;
    assert_eq!(again["markNotificationsRead"]["marked"], 0, "already read");
    let read = notices(&c.unit_a, None).await;
    assert!(read["notifications"]["nodes"][0]["readAt"].is_string());
    assert_eq!(
        notices(&c.unit_a, Some(true)).await["notifications"]["totalCount"],
        0
    );
    // Either ids or all.
    let p = c.unit_a.data(MARK, json!({"i": {}})).await;
    assert_eq!(fields(&p["markNotificationsRead"]), ["input.ids"], "{p:#}");
    assert_eq!(codes(&p["markNotificationsRead"]), ["INVALID"]);
    // The public has no notices.
    let anonymous = c.admin.as_public().graphql(NOTICES, json!({})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

#[actix_web::test]
async fn urging_tells_the_unit_at_once_and_stands_in_the_timeline() {
    let c = case().await;
    let input = json!({"assignmentId": c.lead, "message": "请于本周内报送办理情况。",
        "idempotencyKey": "urge-0001-1"});
    let p = c.admin.data(URGE, json!({"i": input})).await;
    let urged = &p["urgeAssignment"];
    assert_eq!(codes(urged), Vec::<String>::new(), "{p:#}");
    assert_eq!(urged["assignment"]["status"], "ASSIGNED", "the state stays");
    // A retry with the same key urges once.
    let again = c.admin.data(URGE, json!({"i": input})).await;
    assert_eq!(again["urgeAssignment"]["assignment"]["id"], c.lead.as_str());
    let seen = notices(&c.unit_a, None).await;
    assert_eq!(kinds(&seen), ["URGED", "ASSIGNED"], "{seen:#}");
    let text = seen["notifications"]["nodes"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("请淮南市民政局抓紧办理第0001号建议《关于养老服务的建议》，办理期限 "),
        "{text}"
    );
    assert!(
        text.ends_with("催办意见：请于本周内报送办理情况。"),
        "{text}"
    );
    assert_eq!(kinds(&notices(&c.unit_b, None).await), ["ASSIGNED"]);
    let timeline = c.admin.data(TIMELINE, json!({"id": c.suggestion})).await;
    let urges: Vec<&Value> = timeline["suggestion"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "URGED")
        .collect();
    assert_eq!(urges.len(), 1, "{timeline:#}");
    assert_eq!(urges[0]["details"]["message"], "请于本周内报送办理情况。");
    assert_eq!(urges[0]["assignment"]["id"], c.lead.as_str());
    // Only the office urges; a message is required; an answered case is not urged.
    let refused = c
        .unit_a
        .graphql(
            URGE,
            json!({"i": {"assignmentId": c.lead, "message": "催"}}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let p = c
        .admin
        .data(
            URGE,
            json!({"i": {"assignmentId": c.lead, "message": "  "}}),
        )
        .await;
    assert_eq!(fields(&p["urgeAssignment"]), ["input.message"], "{p:#}");
    c.unit_a.sign_for(&c.lead).await;
    c.unit_b.opinion(&c.co, "2026-11-22").await;
    let p = c.unit_a.submit_reply(TestApp::reply_input(&c.lead)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let p = c
        .admin
        .data(
            URGE,
            json!({"i": {"assignmentId": c.lead, "message": "请尽快答复。"}}),
        )
        .await;
    assert_eq!(codes(&p["urgeAssignment"]), ["INVALID_STATE"], "{p:#}");
    // The audit log has the urge, once.
    let audit = c
        .admin
        .data(
            "{ auditLog(filter: {operation: \"urgeAssignment\"}, first: 10) { nodes { outcome target } } }",
            json!({}),
        )
        .await;
    let outcomes: Vec<&str> = audit["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["outcome"].as_str().unwrap())
        .collect();
    assert!(outcomes.contains(&"SUCCESS"), "{audit:#}");
}

const SETTINGS: &str =
    "{ myNotificationSettings { email mobile version kinds { kind channels chosen } } }";
const UPDATE: &str = "mutation($i: UpdateMyNotificationSettingsInput!) {
  updateMyNotificationSettings(input: $i) {
    settings { email mobile version kinds { kind channels chosen } }
    userErrors { field code message } } }";

fn channels_of(settings: &Value, kind: &str) -> (Value, Value) {
    let k = settings["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == kind)
        .unwrap();
    (k["channels"].clone(), k["chosen"].clone())
}

#[actix_web::test]
async fn each_user_keeps_their_own_contacts_and_channels() {
    let c = case().await;
    let mine = c.unit_a.data(SETTINGS, json!({})).await["myNotificationSettings"].clone();
    assert_eq!(mine["version"], 0);
    assert!(mine["email"].is_null() && mine["mobile"].is_null());
    assert_eq!(
        channels_of(&mine, "ASSIGNED"),
        (json!(["SMS"]), json!(false))
    );
    assert_eq!(
        channels_of(&mine, "DAILY_REMINDER"),
        (json!(["SMS", "EMAIL"]), json!(false))
    );
    assert_eq!(
        channels_of(&mine, "RETURN_REQUESTED"),
        (json!([]), json!(false))
    );
    // SMS needs a mobile number; an address must be one; SMS goes to mobiles only.
    let p = c
        .unit_a
        .data(
            UPDATE,
            json!({"i": {"kinds": [{"kind": "ASSIGNED", "channels": ["SMS"]}]}}),
        )
        .await;
    assert_eq!(
        fields(&p["updateMyNotificationSettings"]),
        ["input.kinds.0.channels"]
    );
    let p = c
        .unit_a
        .data(
            UPDATE,
            json!({"i": {"email": "zhou", "mobile": "0554-6678417"}}),
        )
        .await;
    assert_eq!(
        fields(&p["updateMyNotificationSettings"]),
        ["input.email", "input.mobile"],
        "{p:#}"
    );
    assert_eq!(
        codes(&p["updateMyNotificationSettings"]),
        ["INVALID", "INVALID"]
    );
    // Saved with the version read.
    let p = c
        .unit_a
        .data(
            UPDATE,
            json!({"i": {"expectedVersion": 0, "email": " zhou.min@hn.gov.cn ", "mobile": "13955400001",
                "kinds": [{"kind": "ASSIGNED", "channels": []},
                          {"kind": "URGED", "channels": ["EMAIL", "SMS", "SMS"]}]}}),
        )
        .await;
    let saved = &p["updateMyNotificationSettings"];
    assert_eq!(codes(saved), Vec::<String>::new(), "{p:#}");
    let settings = &saved["settings"];
    assert_eq!(settings["version"], 1);
    assert_eq!(settings["email"], "zhou.min@hn.gov.cn");
    assert_eq!(settings["mobile"], "13955400001");
    assert_eq!(channels_of(settings, "ASSIGNED"), (json!([]), json!(true)));
    assert_eq!(
        channels_of(settings, "URGED"),
        (json!(["SMS", "EMAIL"]), json!(true))
    );
    assert_eq!(channels_of(settings, "DAILY_REMINDER").1, json!(false));
    // A stale version is a conflict; null clears a contact.
    let p = c
        .unit_a
        .data(UPDATE, json!({"i": {"expectedVersion": 0, "mobile": null}}))
        .await;
    assert_eq!(codes(&p["updateMyNotificationSettings"]), ["CONFLICT"]);
    let p = c
        .unit_a
        .data(UPDATE, json!({"i": {"expectedVersion": 1, "mobile": null}}))
        .await;
    let settings = &p["updateMyNotificationSettings"]["settings"];
    assert!(settings["mobile"].is_null(), "{p:#}");
    assert_eq!(settings["email"], "zhou.min@hn.gov.cn", "absent keeps it");
    // Another user has their own (the defaults), never this one's contacts.
    let theirs = c.unit_b.data(SETTINGS, json!({})).await;
    assert!(
        theirs["myNotificationSettings"]["email"].is_null(),
        "{theirs:#}"
    );
    assert_eq!(theirs["myNotificationSettings"]["version"], 0);
}

/// The coordinating office (督查室, COORDINATOR): reads every case, urges, and sees the
/// urges per unit in the statistics; its urge is its own in the timeline.
#[actix_web::test]
async fn the_coordinating_office_reads_every_case_urges_and_counts_the_urges() {
    let c = case().await;
    let coordinator = c.admin.user("dcs-staff", "COORDINATOR", None, None).await;
    // Every case, as the office sees it.
    let seen = coordinator
        .data(
            "query($id: ID!) { suggestion(id: $id) { number assignments { id } } }",
            json!({"id": c.suggestion}),
        )
        .await;
    assert_eq!(seen["suggestion"]["number"], "0001", "{seen:#}");
    // The office urges the lead unit twice, the coordinating office the co-handler once.
    for (app, assignment, message) in [
        (&c.admin, &c.lead, "请于本周内报送办理情况。"),
        (&c.admin, &c.lead, "请再次抓紧办理。"),
        (&coordinator, &c.co, "督查室提醒：请尽快提交会办意见。"),
    ] {
        let p = app
            .data(
                URGE,
                json!({"i": {"assignmentId": assignment, "message": message}}),
            )
            .await;
        assert_eq!(codes(&p["urgeAssignment"]), Vec::<String>::new(), "{p:#}");
    }
    let told = notices(&c.unit_b, None).await;
    assert_eq!(kinds(&told), ["URGED", "ASSIGNED"], "{told:#}");
    let timeline = coordinator
        .data(
            "query($id: ID!) { suggestion(id: $id) { timeline { kind actorRole assignment { id } } } }",
            json!({"id": c.suggestion}),
        )
        .await;
    let urges: Vec<(String, String)> = timeline["suggestion"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "URGED")
        .map(|e| {
            (
                e["actorRole"].as_str().unwrap().to_owned(),
                e["assignment"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        urges,
        [
            ("OFFICE".to_owned(), c.lead.clone()),
            ("OFFICE".to_owned(), c.lead.clone()),
            ("COORDINATOR".to_owned(), c.co.clone()),
        ],
        "{timeline:#}"
    );
    // Urged cases per unit, in the table the coordinating office reads.
    let table = coordinator
        .data(
            "{ statistics(groupBy: [UNIT]) { rows { unit { name } urgedAssignments urges } total { urgedAssignments urges } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        table["statistics"],
        json!({
            "rows": [
                {"unit": {"name": "淮南市民政局"}, "urgedAssignments": 1, "urges": 2},
                {"unit": {"name": "淮南市财政局"}, "urgedAssignments": 1, "urges": 1},
            ],
            "total": {"urgedAssignments": 2, "urges": 3},
        }),
        "{table:#}"
    );
    // It changes nothing else: not the case, not a unit's work.
    for mutation in [
        "mutation($id: ID!) { signForAssignment(input: {assignmentId: $id}) { userErrors { code } } }",
        "mutation($id: ID!) { closeSuggestion(input: {suggestionId: $id}) { userErrors { code } } }",
    ] {
        let id = if mutation.contains("signFor") {
            &c.lead
        } else {
            &c.suggestion
        };
        let refused = coordinator.graphql(mutation, json!({"id": id})).await;
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{mutation}: {refused:#}"
        );
    }
}

/// Contacts are personal data: the user reads their own, the office everyone's (one query
/// for a page of users), no one else any.
#[actix_web::test]
async fn contacts_are_read_by_their_owner_and_the_office_only() {
    let c = case().await;
    let p = c
        .unit_a
        .data(
            "mutation { updateMyNotificationSettings(input: {email: \"mz@hn.gov.cn\", mobile: \"13905540001\"}) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(p["updateMyNotificationSettings"]["userErrors"], json!([]));
    let mine = c.unit_a.data("{ me { email mobile } }", json!({})).await;
    assert_eq!(
        mine["me"],
        json!({"email": "mz@hn.gov.cn", "mobile": "13905540001"})
    );
    let listed = c
        .admin
        .data(
            "{ users(first: 50) { nodes { username email mobile } } }",
            json!({}),
        )
        .await;
    let nodes = listed["users"]["nodes"].as_array().unwrap();
    let of = |name: &str| {
        nodes
            .iter()
            .find(|n| n["username"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        of("mz-staff"),
        json!({"username": "mz-staff", "email": "mz@hn.gov.cn", "mobile": "13905540001"})
    );
    assert_eq!(of("cz-staff")["mobile"], json!(null));
    // Another unit's clerk reaches no one's contacts but their own.
    let theirs = c.unit_b.data("{ me { username mobile } }", json!({})).await;
    assert_eq!(
        theirs["me"],
        json!({"username": "cz-staff", "mobile": null})
    );
    let refused = c
        .unit_b
        .graphql("{ users(first: 5) { nodes { mobile } } }", json!({}))
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
}
