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

/// The events of kind `kind` in the timeline of the assignment's suggestion.
async fn events(app: &TestApp, assignment: &str, kind: &str) -> Vec<Value> {
    let timeline = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { suggestion { timeline { kind details } } } } }",
            json!({"id": assignment}),
        )
        .await;
    timeline["node"]["suggestion"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
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
    let withdrawn = events(&app, &assignment, "PUBLICATION_WITHDRAWN").await;
    assert_eq!(withdrawn.len(), 1, "{withdrawn:?}");
    assert_eq!(withdrawn[0]["details"]["reason"], "SUPERSEDED");
    let _ = suggestion;
}

const UNPUBLISH: &str = "mutation($id: ID!, $reason: String!) {
    unpublishReply(input: {replyId: $id, reason: $reason}) {
        reply { publication publishedAt } userErrors { field code message } } }";

#[actix_web::test]
async fn the_office_withdraws_a_publication_with_its_reason() {
    let app = crate::helpers::spawn_app().await;
    let (reply, _unit) = app.published_reply("0300").await;
    let sent = app
        .submit_feedback(&reply, json!({"name": "王先生", "contact": "13812345678"}))
        .await;
    assert_eq!(codes(&sent), Vec::<String>::new(), "{sent:#}");
    assert_eq!(public_list(&app).await["totalCount"], 1);

    // A reason is required.
    let p = app
        .data(UNPUBLISH, json!({"id": reply, "reason": "  "}))
        .await;
    assert_eq!(codes(&p["unpublishReply"]), ["INVALID"], "{p}");
    assert_eq!(
        p["unpublishReply"]["userErrors"][0]["field"],
        json!(["input", "reason"])
    );

    let p = app
        .data(
            UNPUBLISH,
            json!({"id": reply, "reason": "答复内容有误，修改后重新公开"}),
        )
        .await;
    assert_eq!(codes(&p["unpublishReply"]), Vec::<String>::new(), "{p}");
    assert_eq!(p["unpublishReply"]["reply"]["publication"], "NONE");
    assert_eq!(p["unpublishReply"]["reply"]["publishedAt"], Value::Null);
    // Gone from the public list, the public page and the public search.
    assert_eq!(public_list(&app).await["totalCount"], 0);
    let one = app
        .as_public()
        .data(
            "query($id: ID!) { publishedReply(id: $id) { id } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(one["publishedReply"], Value::Null);
    let found = app
        .as_public()
        .data(
            "{ publishedReplies(filter: {keyword: \"0300\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(found["publishedReplies"]["totalCount"], 0);
    // The feedback stays for staff.
    let feedback = app
        .data("{ publicFeedback { totalCount } }", json!({}))
        .await;
    assert_eq!(feedback["publicFeedback"]["totalCount"], 1, "{feedback}");
    // Not published any more: nothing to withdraw.
    let p = app
        .data(UNPUBLISH, json!({"id": reply, "reason": "再次撤回"}))
        .await;
    assert_eq!(codes(&p["unpublishReply"]), ["INVALID_STATE"], "{p}");
    // The audit log has the withdrawal and the refusal, the timeline the reason.
    let log = app
        .data(
            "{ auditLog(filter: {operation: \"unpublishReply\"}) { nodes { outcome target } } }",
            json!({}),
        )
        .await;
    let outcomes: Vec<&str> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["USER_ERROR", "SUCCESS", "USER_ERROR"], "{log}");
    assert_eq!(log["auditLog"]["nodes"][1]["target"], reply.as_str());
    // Published again, it is back.
    let p = app
        .publish(json!({"replyId": reply, "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(public_list(&app).await["totalCount"], 1);
}

const PUBLISH_AT: &str = "mutation($id: ID!, $at: DateTime) {
    publishReply(input: {replyId: $id, publication: FULL, publishedAt: $at}) {
        reply { publishedAt } userErrors { field code message } } }";

#[actix_web::test]
async fn an_archive_keeps_its_publication_dates() {
    let app = crate::helpers::spawn_app().await;
    let (_, _, assignment) = assigned(&app, "0255").await;
    // The reply is dated 2026-03-01 (TestApp::reply_input); the clock says 2026-11-22.
    let reply = reply(&app, &assignment, "A", "2026-03-01").await;
    for (at, why) in [
        (
            "2026-02-28T23:00:00+08:00",
            "before the reply's date (China time)",
        ),
        ("2026-11-23T09:00:00+08:00", "in the future"),
    ] {
        let p = app.data(PUBLISH_AT, json!({"id": reply, "at": at})).await;
        assert_eq!(codes(&p["publishReply"]), ["INVALID"], "{why}: {p}");
        assert_eq!(
            p["publishReply"]["userErrors"][0]["field"],
            json!(["input", "publishedAt"])
        );
    }
    // 2026-03-01 00:30 in China is still 2026-02-28 in UTC: the China date counts.
    let p = app
        .data(
            PUBLISH_AT,
            json!({"id": reply, "at": "2026-02-28T16:30:00Z"}),
        )
        .await;
    assert_eq!(codes(&p["publishReply"]), Vec::<String>::new(), "{p}");
    assert_eq!(
        p["publishReply"]["reply"]["publishedAt"],
        "2026-03-01T00:30:00+08:00"
    );
    let public = app
        .as_public()
        .data(
            "query($id: ID!) { publishedReply(id: $id) { publishedAt } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(
        public["publishedReply"]["publishedAt"],
        "2026-03-01T00:30:00+08:00"
    );
    let published = events(&app, &assignment, "REPLY_PUBLISHED").await;
    assert_eq!(published[0]["details"]["backdated"], true, "{published:?}");
}

const UPDATE_DEPUTY: &str = "mutation($i: UpdateDeputyInput!) { updateDeputy(input: $i) {
    deputy { name delegation phone address version } userErrors { field code message } } }";

#[actix_web::test]
async fn the_office_corrects_a_deputys_record() {
    let app = crate::helpers::spawn_app().await;
    let created = app
        .create_deputy(
            json!({"name": "夏維奇", "delegation": "淮南代表团", "phone": "150 5520 0006",
            "address": "淮南市田家庵区"}),
        )
        .await;
    let id = id_at(&created, "deputy.id");
    // Name in simplified script, a new phone, the address cleared, the delegation kept.
    let p = app
        .data(
            UPDATE_DEPUTY,
            json!({"i": {"id": id, "expectedVersion": 1, "name": "夏维奇",
                "phone": "0554-6678417", "address": null}}),
        )
        .await;
    assert_eq!(codes(&p["updateDeputy"]), Vec::<String>::new(), "{p}");
    assert_eq!(
        p["updateDeputy"]["deputy"],
        json!({"name": "夏维奇", "delegation": "淮南代表团", "phone": "0554-6678417",
            "address": null, "version": 2})
    );
    // Every bad field at once; a stale version; an unknown deputy.
    let p = app
        .data(
            UPDATE_DEPUTY,
            json!({"i": {"id": id, "name": " ", "phone": "12345"}}),
        )
        .await;
    let mut fields = crate::helpers::fields(&p["updateDeputy"]);
    fields.sort();
    assert_eq!(fields, ["input.name", "input.phone"], "{p}");
    let p = app
        .data(
            UPDATE_DEPUTY,
            json!({"i": {"id": id, "expectedVersion": 1, "delegation": "合肥代表团"}}),
        )
        .await;
    assert_eq!(codes(&p["updateDeputy"]), ["CONFLICT"], "{p}");
    let p = app
        .data(
            UPDATE_DEPUTY,
            json!({"i": {"id": crate::helpers::missing(banli::graphql::ids::Kind::Deputy), "name": "某"}}),
        )
        .await;
    assert_eq!(codes(&p["updateDeputy"]), ["NOT_FOUND"], "{p}");
    // Each attempt has its audit row, on the deputy.
    let log = app
        .data(
            "query($t: ID) { auditLog(filter: {operation: \"updateDeputy\", target: $t}) { nodes { outcome } } }",
            json!({"t": id}),
        )
        .await;
    let outcomes: Vec<&str> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["USER_ERROR", "USER_ERROR", "SUCCESS"], "{log}");
}

const UPDATE_UNIT: &str = "mutation($i: UpdateHandlingUnitInput!) { updateHandlingUnit(input: $i) {
    handlingUnit { name code officePhone version } userErrors { field code message } } }";

#[actix_web::test]
async fn the_office_renames_a_unit_and_corrects_its_phone() {
    let app = crate::helpers::spawn_app().await;
    let (reply, unit) = app.published_reply("0310").await;
    app.unit("市财政局", "CZJ").await;
    let p = app
        .data(
            UPDATE_UNIT,
            json!({"i": {"id": unit, "expectedVersion": 1, "name": "淮南市委组织部", "officePhone": "0554-6678417"}}),
        )
        .await;
    assert_eq!(codes(&p["updateHandlingUnit"]), Vec::<String>::new(), "{p}");
    assert_eq!(
        p["updateHandlingUnit"]["handlingUnit"],
        json!({"name": "淮南市委组织部", "code": "P0310", "officePhone": "0554-6678417", "version": 2})
    );
    // The published reply shows the unit's name as it is now.
    let public = app
        .as_public()
        .data(
            "query($id: ID!) { publishedReply(id: $id) { unit { name } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(public["publishedReply"]["unit"]["name"], "淮南市委组织部");
    // Another unit's name is taken; a bad phone; a stale version.
    let p = app
        .data(UPDATE_UNIT, json!({"i": {"id": unit, "name": "市财政局"}}))
        .await;
    assert_eq!(codes(&p["updateHandlingUnit"]), ["DUPLICATE"], "{p}");
    assert_eq!(
        crate::helpers::fields(&p["updateHandlingUnit"]),
        ["input.name"]
    );
    let p = app
        .data(UPDATE_UNIT, json!({"i": {"id": unit, "officePhone": "12"}}))
        .await;
    assert_eq!(
        crate::helpers::fields(&p["updateHandlingUnit"]),
        ["input.officePhone"],
        "{p}"
    );
    let p = app
        .data(
            UPDATE_UNIT,
            json!({"i": {"id": unit, "expectedVersion": 1, "officePhone": null}}),
        )
        .await;
    assert_eq!(codes(&p["updateHandlingUnit"]), ["CONFLICT"], "{p}");
}
