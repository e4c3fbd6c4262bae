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

/// The audit rows of `operation` (on `target`, when given), newest first: (outcome, target).
async fn audit_rows(app: &TestApp, operation: &str, target: Option<&str>) -> Vec<(String, String)> {
    let log = app
        .data(
            "query($o: String, $t: ID) { auditLog(filter: {operation: $o, target: $t}) { nodes { outcome target } } }",
            json!({"o": operation, "t": target}),
        )
        .await;
    log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["outcome"].as_str().unwrap().to_owned(),
                n["target"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The outcomes of `audit_rows`.
async fn audit_outcomes(app: &TestApp, operation: &str, target: Option<&str>) -> Vec<String> {
    audit_rows(app, operation, target)
        .await
        .into_iter()
        .map(|(outcome, _)| outcome)
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
    let rows = audit_rows(&app, "unpublishReply", None).await;
    let outcomes: Vec<&str> = rows.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(
        outcomes,
        ["USER_ERROR", "SUCCESS", "USER_ERROR"],
        "{rows:?}"
    );
    assert_eq!(rows[1].1, reply);
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
    // The audit log says who back-dated what, and to when; the reply's own date (given
    // in the past too) is in the submitReply row.
    let log = app
        .data(
            "{ p: auditLog(filter: {operation: \"publishReply\", outcome: SUCCESS}) { nodes { actorName details } }
               r: auditLog(filter: {operation: \"submitReply\", outcome: SUCCESS}) { nodes { details } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log["p"]["nodes"],
        json!([{"actorName": "test-admin",
            "details": {"backdated": {"publishedAt": "2026-03-01T00:30:00+08:00"}}}])
    );
    assert_eq!(
        log["r"]["nodes"][0]["details"],
        json!({"backdated": {"repliedOn": "2026-03-01"}})
    );
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
    assert_eq!(
        audit_outcomes(&app, "updateDeputy", Some(&id)).await,
        ["USER_ERROR", "USER_ERROR", "SUCCESS"]
    );
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

const AS_OF: &str = "query($id: ID!, $s: ID!, $asOf: Date) {
    node(id: $id) { ... on Assignment { round deadlineStatus(asOf: $asOf) daysRemaining(asOf: $asOf) daysLate(asOf: $asOf) } }
    suggestion(id: $s) { deadlineStatus(asOf: $asOf) } }";

/// Everything banli says of one assignment's deadline as of `as_of`: the fields, the
/// statuses whose filter finds it, the summary's and the statistics' counts, the export.
async fn deadline_as_of(app: &TestApp, assignment: &str, suggestion: &str, as_of: &str) -> Value {
    let fields = app
        .data(
            AS_OF,
            json!({"id": assignment, "s": suggestion, "asOf": as_of}),
        )
        .await;
    let mut found = Vec::new();
    for status in [
        "NOT_DUE",
        "DUE_SOON",
        "OVERDUE",
        "ANSWERED_ON_TIME",
        "ANSWERED_LATE",
    ] {
        let list = app
            .data(
                "query($s: [DeadlineStatus!], $asOf: Date) { assignments(filter: {deadlineStatus: $s}, asOf: $asOf, first: 10) { nodes { id } } }",
                json!({"s": [status], "asOf": as_of}),
            )
            .await;
        if list["assignments"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == assignment)
        {
            found.push(status);
        }
    }
    let summary = app
        .data(
            "query($asOf: Date) { deadlineSummary(asOf: $asOf) { overall { notDue dueSoon overdue answeredOnTime answeredLate } } }",
            json!({"asOf": as_of}),
        )
        .await;
    let statistics = app
        .data(
            "query($asOf: Date) { statistics(asOf: $asOf) { total { replied answeredOnTime overdue late maxDaysLate } } }",
            json!({"asOf": as_of}),
        )
        .await;
    let (status, _, body) =
        crate::export::get(app, &format!("/export/suggestions.csv?asOf={as_of}")).await;
    assert_eq!(status, 200);
    let sheet = String::from_utf8(body).unwrap();
    let label = ["未到期", "临期", "逾期未答复", "按期答复", "逾期答复"]
        .into_iter()
        .filter(|label| sheet.lines().nth(1).unwrap_or("").contains(label))
        .collect::<Vec<_>>();
    json!({
        "field": fields["node"],
        "suggestion": fields["suggestion"]["deadlineStatus"],
        "filters": found,
        "summary": summary["deadlineSummary"]["overall"],
        "statistics": statistics["statistics"]["total"],
        "export": label,
    })
}

#[actix_web::test]
async fn deadline_figures_as_of_a_past_date_use_the_round_in_force_then() {
    let app = crate::helpers::spawn_app().await;
    // The issue's case: due 2025-12-16, answered 2025-12-01, re-opened 2025-12-25.
    let session = app.session("第十四届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("省交通运输厅", "JT").await;
    let suggestion = app.suggestion(&session, &deputy, "0255").await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2025-11-03",
            "units": [{"unitId": unit, "role": "SOLE", "dueOn": "2025-12-16"}]}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let assignment = id_at(&p, "assignments.0.id");
    app.sign_for(&assignment).await;
    let first = reply(&app, &assignment, "C", "2025-12-01").await;
    rate_unsatisfied(&app, &first, "2025-12-25").await;

    let on_the_10th = deadline_as_of(&app, &assignment, &suggestion, "2025-12-10").await;
    assert_eq!(
        on_the_10th,
        json!({
            "field": {"round": 2, "deadlineStatus": "ANSWERED_ON_TIME", "daysRemaining": 6, "daysLate": 0},
            "suggestion": "ANSWERED_ON_TIME",
            "filters": ["ANSWERED_ON_TIME"],
            "summary": {"notDue": 0, "dueSoon": 0, "overdue": 0, "answeredOnTime": 1, "answeredLate": 0},
            "statistics": {"replied": 1, "answeredOnTime": 1, "overdue": 0, "late": 0, "maxDaysLate": null},
            "export": ["按期答复"],
        })
    );
    // Before the answer, round 1 was simply running; from the rating, round 2 runs.
    let before = deadline_as_of(&app, &assignment, &suggestion, "2025-11-20").await;
    assert_eq!(before["field"]["deadlineStatus"], "NOT_DUE", "{before}");
    assert_eq!(before["filters"], json!(["NOT_DUE"]));
    assert_eq!(before["summary"]["notDue"], 1);
    let reopened = deadline_as_of(&app, &assignment, &suggestion, "2025-12-26").await;
    assert_eq!(reopened["field"]["deadlineStatus"], "NOT_DUE", "{reopened}");
    assert_eq!(
        reopened["field"]["daysRemaining"], 31,
        "due 2026-01-26: {reopened}"
    );
    assert_eq!(reopened["filters"], json!(["NOT_DUE"]));
    assert_eq!(reopened["statistics"]["replied"], 0, "{reopened}");
    let late = deadline_as_of(&app, &assignment, &suggestion, "2026-02-02").await;
    assert_eq!(late["field"]["deadlineStatus"], "OVERDUE", "{late}");
    assert_eq!(late["field"]["daysLate"], 7);
    assert_eq!(late["summary"]["overdue"], 1);
    assert_eq!(late["statistics"]["maxDaysLate"], 7);
    assert_eq!(late["export"], json!(["逾期未答复"]));
}

/// A suggestion assigned on 2026-09-01, due 2026-11-25, whose extension to 2026-12-31
/// the office approves today (2026-11-22): (suggestion, assignment).
async fn extended_today(app: &TestApp, number: &str) -> (String, String) {
    let session = app.session(&format!("会议{number}")).await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app
        .unit(&format!("单位{number}"), &format!("U{number}"))
        .await;
    let suggestion = app.suggestion(&session, &deputy, number).await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-09-01",
            "units": [{"unitId": unit, "role": "SOLE", "dueOn": "2026-11-25"}]}),
        )
        .await;
    let assignment = id_at(&p, "assignments.0.id");
    app.sign_for(&assignment).await;
    let p = app
        .data(
            "mutation($id: ID!) { requestExtension(input: {assignmentId: $id, reason: \"需要跨部门协调\", requestedDueOn: \"2026-12-31\"}) {
                extensionRequest { id } userErrors { code } } }",
            json!({"id": assignment}),
        )
        .await;
    assert_eq!(p["requestExtension"]["userErrors"], json!([]), "{p}");
    let request = p["requestExtension"]["extensionRequest"]["id"].clone();
    let p = app
        .data(
            "mutation($id: ID!) { decideExtension(input: {requestId: $id, approve: true}) { userErrors { code message } } }",
            json!({"id": request}),
        )
        .await;
    assert_eq!(p["decideExtension"]["userErrors"], json!([]), "{p}");
    (suggestion, assignment)
}

#[actix_web::test]
async fn an_extension_counts_from_the_day_it_was_approved() {
    let app = crate::helpers::spawn_app().await;
    let (suggestion, assignment) = extended_today(&app, "0256").await;
    // Two days later the office looks back.
    app.clock.advance(chrono::Duration::days(2));
    let (user, password) = crate::helpers::ADMIN;
    let app = app.with_token(&app.login(user, password).await);

    let the_day_before = deadline_as_of(&app, &assignment, &suggestion, "2026-11-21").await;
    assert_eq!(
        the_day_before["field"],
        json!({"round": 1, "deadlineStatus": "DUE_SOON", "daysRemaining": 4, "daysLate": 0}),
        "due 2026-11-25 until the extension: {the_day_before}"
    );
    assert_eq!(the_day_before["filters"], json!(["DUE_SOON"]));
    assert_eq!(the_day_before["summary"]["dueSoon"], 1);
    // The round says the same.
    let rounds = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { rounds {
                before: deadlineStatus(asOf: \"2026-11-21\") left: daysRemaining(asOf: \"2026-11-21\")
                after: deadlineStatus(asOf: \"2026-11-22\") } } } }",
            json!({"id": assignment}),
        )
        .await;
    assert_eq!(
        rounds["node"]["rounds"],
        json!([{"before": "DUE_SOON", "left": 4, "after": "NOT_DUE"}])
    );
    let approved = deadline_as_of(&app, &assignment, &suggestion, "2026-11-22").await;
    assert_eq!(approved["field"]["deadlineStatus"], "NOT_DUE", "{approved}");
    assert_eq!(approved["field"]["daysRemaining"], 39);
    assert_eq!(approved["filters"], json!(["NOT_DUE"]));
    assert_eq!(approved["summary"]["notDue"], 1);
}

/// The deadline history as stored: (assignment, round, from, until, due, answered) of
/// every span, and each assignment's `span_from`.
async fn history(app: &TestApp) -> (Vec<String>, Vec<String>) {
    use sea_orm::{EntityTrait as _, QueryOrder as _};
    let spans = entity::deadline_span::Entity::find()
        .order_by_asc(entity::deadline_span::Column::AssignmentId)
        .order_by_asc(entity::deadline_span::Column::FromOn)
        .all(app.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            format!(
                "{} r{} {}..{} due {} answered {:?}",
                s.assignment_id, s.round, s.from_on, s.until_on, s.due_on, s.answered_on
            )
        })
        .collect();
    let from = entity::assignment::Entity::find()
        .order_by_asc(entity::assignment::Column::Id)
        .all(app.db.conn())
        .await
        .unwrap()
        .into_iter()
        .map(|a| format!("{} from {}", a.id, a.span_from))
        .collect();
    (spans, from)
}

#[actix_web::test]
async fn history_written_by_the_workflow_is_what_the_upgrade_derives() {
    use sea_orm::{ConnectionTrait as _, EntityTrait as _};
    let app = crate::helpers::spawn_app().await;
    // Re-handled twice; extended, then answered and re-opened the same day; untouched.
    let (_, _, twice) = assigned(&app, "0301").await;
    let first = reply(&app, &twice, "C", "2026-03-01").await;
    rate_unsatisfied(&app, &first, "2026-03-05").await;
    let second = reply(&app, &twice, "B", "2026-04-01").await;
    rate_unsatisfied(&app, &second, "2026-04-03").await;
    let (_, extended) = extended_today(&app, "0302").await;
    let third = reply(&app, &extended, "A", "2026-11-22").await;
    rate_unsatisfied(&app, &third, "2026-11-22").await;
    let _ = assigned(&app, "0303").await;

    let written = history(&app).await;
    assert_eq!(written.0.len(), 3, "{written:#?}");
    // Forget the history, as a database from before it was kept, and derive it again.
    let conn = app.db.conn();
    entity::deadline_span::Entity::delete_many()
        .exec(conn)
        .await
        .unwrap();
    conn.execute_unprepared("UPDATE assignment SET span_from = assigned_on; DELETE FROM chore_run")
        .await
        .unwrap();
    assert_eq!(history(&app).await.0.len(), 0);
    let upgraded = banli::service::deadline::upgrade_spans(&app.db)
        .await
        .unwrap();
    assert_eq!(upgraded, 2);
    assert_eq!(history(&app).await, written);
    // Once per database.
    assert_eq!(
        banli::service::deadline::upgrade_spans(&app.db)
            .await
            .unwrap(),
        0
    );
}

const UPDATE_SESSION: &str = "mutation($input: UpdateSessionInput!) { updateSession(input: $input) {
    session { version name deadlineRules { replyMonths dueSoonDays } categoryScheme { code } }
    redated { assignment { id } dueOnBefore dueOnAfter provisional } redatedCount warningsMoved dryRun
    userErrors { field code message } } }";

async fn update_session(app: &TestApp, input: Value) -> Value {
    app.data(UPDATE_SESSION, json!({"input": input})).await["updateSession"].clone()
}

async fn due_on(app: &TestApp, assignment: &str) -> Value {
    app.data(
        "query($id: ID!) { node(id: $id) { ... on Assignment { dueOn version } } }",
        json!({"id": assignment}),
    )
    .await["node"]
        .clone()
}

#[actix_web::test]
async fn new_session_rules_re_date_open_deadlines_after_a_preview() {
    let app = crate::helpers::spawn_app().await;
    let session = app.session("第十四届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let unit = app.unit("省交通运输厅", "JT").await;
    let mut assignments = Vec::new();
    for (number, due) in [("0001", None), ("0002", Some("2026-12-30")), ("0003", None)] {
        let suggestion = app.suggestion(&session, &deputy, number).await;
        let mut unit_input = json!({"unitId": unit, "role": "SOLE"});
        if let Some(due) = due {
            unit_input["dueOn"] = json!(due);
        }
        let p = app
            .assign(json!({"suggestionId": suggestion, "assignedOn": "2026-09-01", "units": [unit_input]}))
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        let assignment = id_at(&p, "assignments.0.id");
        app.sign_for(&assignment).await;
        assignments.push(assignment);
    }
    // The third is answered: its deadline is history.
    reply(&app, &assignments[2], "A", "2026-11-20").await;
    let rule_based = &assignments[0];
    let before = due_on(&app, rule_based).await;
    assert_eq!(before["dueOn"], "2026-12-01", "three months by default");

    // The preview says what would move and stores nothing.
    let preview = update_session(
        &app,
        json!({"id": session, "expectedVersion": 1, "deadlineRules": {"replyMonths": 4}, "dryRun": true}),
    )
    .await;
    assert_eq!(preview["userErrors"], json!([]), "{preview:#}");
    assert_eq!(preview["dryRun"], true);
    assert_eq!(
        preview["redatedCount"], 1,
        "only the open, rule-based deadline: {preview:#}"
    );
    assert_eq!(
        preview["redated"],
        json!([{"assignment": {"id": rule_based}, "dueOnBefore": "2026-12-01", "dueOnAfter": "2027-01-01", "provisional": true}])
    );
    assert_eq!(preview["session"]["deadlineRules"]["replyMonths"], 4);
    assert_eq!(
        due_on(&app, rule_based).await,
        before,
        "a preview changes nothing"
    );
    let stored = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Session { version deadlineRules { replyMonths } } } }",
            json!({"id": session}),
        )
        .await;
    assert_eq!(
        stored["node"],
        json!({"version": 1, "deadlineRules": {"replyMonths": 3}})
    );

    // Then for real: the same moves, in one transaction with the rules.
    let done = update_session(
        &app,
        json!({"id": session, "expectedVersion": 1, "deadlineRules": {"replyMonths": 4}}),
    )
    .await;
    assert_eq!(done["userErrors"], json!([]), "{done:#}");
    assert_eq!(done["dryRun"], false);
    assert_eq!(done["redated"], preview["redated"]);
    assert_eq!(done["session"]["version"], 2);
    let after = due_on(&app, rule_based).await;
    assert_eq!(
        after["dueOn"], "2027-01-01",
        "weekends only: 2027's calendar is not loaded"
    );
    assert_eq!(
        after["version"].as_i64(),
        before["version"].as_i64().map(|v| v + 1)
    );
    let redated = events(&app, rule_based, "REDATED").await;
    assert_eq!(redated.len(), 1, "{redated:?}");
    assert_eq!(redated[0]["details"]["cause"], "SESSION_RULES");
    assert_eq!(
        due_on(&app, &assignments[1]).await["dueOn"],
        "2026-12-30",
        "explicit stays"
    );

    // A stale version is refused.
    let stale = update_session(
        &app,
        json!({"id": session, "expectedVersion": 1, "deadlineRules": {"replyMonths": 5}}),
    )
    .await;
    assert_eq!(codes(&stale), ["CONFLICT"], "{stale:#}");

    // A wider warning window moves the DUE_SOON day of every open deadline.
    let wider = update_session(
        &app,
        json!({"id": session, "expectedVersion": 2, "deadlineRules": {"dueSoonDays": 45}}),
    )
    .await;
    assert_eq!(wider["userErrors"], json!([]), "{wider:#}");
    assert_eq!(wider["redatedCount"], 0);
    assert_eq!(wider["warningsMoved"], 2, "{wider:#}");
    let status = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Assignment { deadlineStatus(asOf: \"2026-11-22\") } } }",
            json!({"id": assignments[1]}),
        )
        .await;
    assert_eq!(
        status["node"]["deadlineStatus"], "DUE_SOON",
        "38 days before its due date"
    );

    // The category scheme stays once a reply carries one of its categories.
    let scheme = update_session(&app, json!({"id": session, "categoryScheme": "FOUR_CLASS"})).await;
    assert_eq!(codes(&scheme), ["INVALID_STATE"], "{scheme:#}");
    let other = app.session("第十四届六次会议").await;
    let changed = update_session(&app, json!({"id": other, "categoryScheme": "FOUR_CLASS"})).await;
    assert_eq!(changed["userErrors"], json!([]), "{changed:#}");
    assert_eq!(
        changed["session"]["categoryScheme"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    // Every bad field at once; a taken name.
    let bad = update_session(
        &app,
        json!({"id": other, "opensOn": "2026-03-05", "closesOn": "2026-03-01",
            "deadlineRules": {"replyMonths": 0}}),
    )
    .await;
    assert_eq!(
        crate::helpers::fields(&bad),
        ["input.closesOn", "input.deadlineRules.replyMonths"],
        "{bad:#}"
    );
    let taken = update_session(&app, json!({"id": other, "name": "第十四届五次会议"})).await;
    assert_eq!(codes(&taken), ["DUPLICATE"], "{taken:#}");

    // Each attempt is in the audit log under the session, newest first.
    assert_eq!(
        audit_outcomes(&app, "updateSession", Some(&session)).await,
        ["USER_ERROR", "SUCCESS", "USER_ERROR", "SUCCESS", "SUCCESS"]
    );
}

const TRANSFER: &str = "mutation($ids: [ID!]!, $to: ID!, $why: String!) {
    transferAssignments(input: {assignmentIds: $ids, toUnitId: $to, reason: $why}) {
        assignments { id unit { name } dueOn round status version }
        userErrors { field code message } } }";

#[actix_web::test]
async fn a_reform_moves_open_cases_to_the_successor_with_their_deadlines() {
    let app = crate::helpers::spawn_app().await;
    let session = app.session("第十四届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let old = app.unit("市农业局", "NY").await;
    let successor = app.unit("市农业农村局", "NYNC").await;
    let mut cases = Vec::new();
    for number in ["0001", "0002", "0003", "0004"] {
        let suggestion = app.suggestion(&session, &deputy, number).await;
        // 0004 has the successor as its co-handler already.
        let units = if number == "0004" {
            json!([{"unitId": old, "role": "LEAD"}, {"unitId": successor, "role": "CO_HANDLER"}])
        } else {
            json!([{"unitId": old, "role": "SOLE"}])
        };
        let p = app
            .assign(json!({"suggestionId": suggestion, "assignedOn": "2026-09-01", "units": units}))
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        let assignment = id_at(&p, "assignments.0.id");
        app.sign_for(&assignment).await;
        cases.push((suggestion, assignment));
    }
    // 0002 was answered before the reform; 0003 re-opened by an UNSATISFIED rating.
    reply(&app, &cases[1].1, "B", "2026-10-20").await;
    let first = reply(&app, &cases[2].1, "C", "2026-10-10").await;
    rate_unsatisfied(&app, &first, "2026-10-15").await;
    let before = due_on(&app, &cases[0].1).await;

    // All or nothing: the answered case and the one the successor has are refused, each
    // by its place in the list, and nothing moves.
    let all: Vec<&str> = cases.iter().map(|(_, a)| a.as_str()).collect();
    let refused = app
        .data(
            TRANSFER,
            json!({"ids": all, "to": successor, "why": "机构改革：市农业局并入市农业农村局"}),
        )
        .await["transferAssignments"]
        .clone();
    assert_eq!(
        crate::helpers::fields(&refused),
        ["input.assignmentIds.1", "input.assignmentIds.3"],
        "{refused:#}"
    );
    assert_eq!(codes(&refused), ["INVALID_STATE", "DUPLICATE"]);
    assert_eq!(due_on(&app, &cases[0].1).await, before, "nothing moved");

    // The open ones move with their due dates and rounds.
    let moved = app
        .data(
            TRANSFER,
            json!({"ids": [cases[0].1, cases[2].1], "to": successor, "why": "机构改革：市农业局并入市农业农村局"}),
        )
        .await["transferAssignments"]
        .clone();
    assert_eq!(moved["userErrors"], json!([]), "{moved:#}");
    let rows = moved["assignments"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["unit"]["name"], "市农业农村局");
    assert_eq!(rows[0]["dueOn"], before["dueOn"]);
    assert_eq!(rows[0]["status"], "SIGNED_FOR");
    assert_eq!(rows[1]["round"], 2);
    assert_eq!(rows[1]["status"], "REHANDLING");
    let transferred = events(&app, &cases[0].1, "UNIT_TRANSFERRED").await;
    assert_eq!(transferred.len(), 1, "{transferred:?}");
    assert_eq!(
        transferred[0]["details"]["reason"],
        "机构改革：市农业局并入市农业农村局"
    );
    assert_eq!(transferred[0]["details"]["toUnit"], "市农业农村局");

    // The successor's staff now see them; the answered case and its reply stay with the
    // old unit, and so do the figures it earned.
    let staff = app
        .user("nync-staff", "UNIT_STAFF", Some(&successor), None)
        .await;
    let theirs = staff
        .data("{ assignments(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        theirs["assignments"]["totalCount"], 3,
        "two moved, one of its own: {theirs}"
    );
    let figures = app
        .data(
            "{ statistics(groupBy: [UNIT]) { rows { unit { name } assignments replied } } }",
            json!({}),
        )
        .await;
    let rows = figures["statistics"]["rows"].as_array().unwrap();
    let of = |name: &str| {
        rows.iter()
            .find(|r| r["unit"]["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(of("市农业局")["assignments"], 2, "{figures}");
    assert_eq!(of("市农业局")["replied"], 1);
    assert_eq!(of("市农业农村局")["assignments"], 3);

    // Audited under the operation, by whom.
    assert_eq!(
        audit_outcomes(&app, "transferAssignments", None).await,
        ["SUCCESS", "USER_ERROR"]
    );
}

const RETIRE: &str = "mutation($input: RetireHandlingUnitInput!) { retireHandlingUnit(input: $input) {
    handlingUnit { name retiredOn successor { name } version } userErrors { field code message } } }";

#[actix_web::test]
async fn a_dissolved_unit_is_retired_once_its_cases_have_moved() {
    let app = crate::helpers::spawn_app().await;
    let session = app.session("第十四届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let old = app.unit("市农业局", "NY").await;
    let successor = app.unit("市农业农村局", "NYNC").await;
    let suggestion = app.suggestion(&session, &deputy, "0001").await;
    let p = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-09-01",
            "units": [{"unitId": old, "role": "SOLE"}]}),
        )
        .await;
    let assignment = id_at(&p, "assignments.0.id");
    let retire = |input: Value| {
        let app = app.clone();
        async move { app.data(RETIRE, json!({"input": input})).await["retireHandlingUnit"].clone() }
    };

    // Not while a case is open there, never in the future, never its own successor.
    let p = retire(json!({"id": old, "successorId": successor})).await;
    assert_eq!(codes(&p), ["INVALID_STATE"], "{p:#}");
    assert!(p["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("1 件"));
    let p = retire(json!({"id": old, "successorId": old, "retiredOn": "2026-12-01"})).await;
    assert_eq!(
        crate::helpers::fields(&p),
        ["input.retiredOn", "input.successorId", "input.id"],
        "{p:#}"
    );

    let moved = app
        .data(
            TRANSFER,
            json!({"ids": [assignment], "to": successor, "why": "机构改革"}),
        )
        .await["transferAssignments"]
        .clone();
    assert_eq!(moved["userErrors"], json!([]), "{moved:#}");
    let p = retire(json!({"id": old, "expectedVersion": 1, "successorId": successor, "retiredOn": "2026-11-20"})).await;
    assert_eq!(p["userErrors"], json!([]), "{p:#}");
    assert_eq!(
        p["handlingUnit"],
        json!({"name": "市农业局", "retiredOn": "2026-11-20", "successor": {"name": "市农业农村局"}, "version": 2})
    );

    // Retired: no new work, no second retirement, a stale version is a conflict.
    let next = app.suggestion(&session, &deputy, "0002").await;
    let p = app
        .assign(json!({"suggestionId": next, "units": [{"unitId": old, "role": "SOLE"}]}))
        .await;
    assert_eq!(codes(&p), ["INVALID_STATE"], "{p:#}");
    assert_eq!(crate::helpers::fields(&p), ["input.units.0.unitId"]);
    let p = app
        .assign(json!({"suggestionId": next, "units": [{"unitId": successor, "role": "SOLE"}]}))
        .await;
    let other = id_at(&p, "assignments.0.id");
    let p = app
        .data(
            TRANSFER,
            json!({"ids": [other], "to": old, "why": "误操作"}),
        )
        .await["transferAssignments"]
        .clone();
    assert_eq!(codes(&p), ["INVALID_STATE"], "{p:#}");
    assert_eq!(codes(&retire(json!({"id": old})).await), ["INVALID_STATE"]);
    // Pickers leave it out; asked for, it is there with its successor.
    let units = |include: bool| {
        let app = app.clone();
        async move {
            app.data(
                "query($r: Boolean) { handlingUnits(includeRetired: $r, first: 10) { totalCount nodes { name } } }",
                json!({"r": include}),
            )
            .await["handlingUnits"]
                .clone()
        }
    };
    assert_eq!(
        units(false).await,
        json!({"totalCount": 1, "nodes": [{"name": "市农业农村局"}]})
    );
    assert_eq!(units(true).await["totalCount"], 2);
    assert_eq!(
        codes(&retire(json!({"id": successor, "expectedVersion": 7})).await),
        ["CONFLICT"]
    );
}
