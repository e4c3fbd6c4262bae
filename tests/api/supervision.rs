//! 督办 (issue 27): leaders' instructions on key suggestions, progress reports asked of
//! the units by a date, filed by them, and counted like deadlines; over HTTP, with role
//! rules, user errors, the timeline and the audit log.

use serde_json::{json, Value};

use crate::helpers::{codes, fields, id_at, spawn_app, TestApp, ADMIN, USER_PASSWORD};

const INSTRUCT: &str =
    "mutation($i: RecordLeaderInstructionInput!) { recordLeaderInstruction(input: $i) {
    instruction { leader content instructedOn } userErrors { field code message } } }";
const REQUEST: &str = "mutation($i: RequestProgressReportsInput!) { requestProgressReports(input: $i) {
    progressReports { id dueOn state note assignment { unit { name } } version } userErrors { field code message } } }";
const FILE: &str = "mutation($id: ID!, $v: Int, $b: String!) { fileProgressReport(input: {id: $id, expectedVersion: $v, body: $b}) {
    progressReport { state filedOn body status version } userErrors { field code message } } }";
const SUMMARY: &str = "query($s: ID!, $d: Date) { supervisionSummary(sessionId: $s, asOf: $d) {
    overall { pending dueSoon overdue filedOnTime filedLate } byUnit { unit { name } counts { overdue filedOnTime } } } }";

struct Case {
    admin: TestApp,
    session: String,
    key: String,
    ordinary: String,
    unit_a: TestApp,
    deputy: TestApp,
}

async fn case() -> Case {
    let admin = spawn_app().await;
    let session = admin.session("省人大十三届五次会议").await;
    let deputy_id = admin.deputy("夏维奇").await;
    let a = admin.unit("淮南市民政局", "HN-MZJ").await;
    let b = admin.unit("淮南市财政局", "HN-CZJ").await;
    let p = admin
        .register(
            json!({"sessionId": session, "number": "0001", "title": "关于养老服务的建议",
            "content": "建议加快养老服务体系建设。", "leadDeputyId": deputy_id, "isKey": true,
            "supervisingLeader": "王副市长", "submittedOn": "2026-03-01"}),
        )
        .await;
    let key = id_at(&p, "suggestion.id");
    let p = admin
        .assign(
            json!({"suggestionId": key, "assignedOn": "2026-11-02", "units": [
            {"unitId": a, "role": "LEAD"}, {"unitId": b, "role": "CO_HANDLER"}]}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let ordinary = admin.suggestion(&session, &deputy_id, "0002").await;
    let unit_a = admin.user("mz-staff", "UNIT_STAFF", Some(&a), None).await;
    let deputy = admin.user("xia-wq", "DEPUTY", None, Some(&deputy_id)).await;
    Case {
        admin,
        session,
        key,
        ordinary,
        unit_a,
        deputy,
    }
}

async fn again(app: &TestApp, user: &str, password: &str) -> TestApp {
    let token = app.login(user, password).await;
    app.with_token(&token)
}

#[actix_web::test]
async fn a_key_suggestion_is_supervised_with_instructions_and_progress_reports() {
    let c = case().await;
    // 批示: only on key suggestions; the leader defaults to the supervising leader.
    let p = c
        .admin
        .data(
            INSTRUCT,
            json!({"i": {"suggestionId": c.ordinary, "content": "请抓紧办理"}}),
        )
        .await;
    assert_eq!(
        codes(&p["recordLeaderInstruction"]),
        ["INVALID_STATE"],
        "{p}"
    );
    let p = c
        .admin
        .data(
            INSTRUCT,
            json!({"i": {"suggestionId": c.key, "content": "请抓紧办理", "instructedOn": "2026-11-23"}}),
        )
        .await;
    assert_eq!(
        codes(&p["recordLeaderInstruction"]),
        ["INVALID"],
        "future: {p}"
    );
    assert_eq!(
        fields(&p["recordLeaderInstruction"]),
        ["input.instructedOn"]
    );
    let p = c
        .admin
        .data(
            INSTRUCT,
            json!({"i": {"suggestionId": c.key, "content": "请民政局牵头，财政局配合，年底前拿出方案。", "instructedOn": "2026-11-20"}}),
        )
        .await;
    assert_eq!(
        p["recordLeaderInstruction"]["instruction"],
        json!({"leader": "王副市长", "content": "请民政局牵头，财政局配合，年底前拿出方案。", "instructedOn": "2026-11-20"})
    );

    // 办理进展: one request per unit handling it now; never due in the past.
    let p = c
        .admin
        .data(
            REQUEST,
            json!({"i": {"suggestionId": c.key, "dueOn": "2026-11-21"}}),
        )
        .await;
    assert_eq!(codes(&p["requestProgressReports"]), ["INVALID"]);
    let p = c
        .admin
        .data(
            REQUEST,
            json!({"i": {"suggestionId": c.key, "dueOn": "2026-11-30", "note": "报送阶段性进展"}}),
        )
        .await;
    let reports = p["requestProgressReports"]["progressReports"].clone();
    assert_eq!(
        reports
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (
                r["assignment"]["unit"]["name"].as_str().unwrap(),
                r["state"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        [("淮南市民政局", "REQUESTED"), ("淮南市财政局", "REQUESTED")],
        "{p:#}"
    );
    let own = reports[0]["id"].as_str().unwrap().to_owned();
    let other = reports[1]["id"].as_str().unwrap().to_owned();

    // The unit sees and files its own, once; another unit's is not there for it.
    let listed = c
        .unit_a
        .data(
            "{ progressReports { totalCount nodes { id status } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        listed["progressReports"],
        json!({"totalCount": 1, "nodes": [{"id": own, "status": "DUE_SOON"}]})
    );
    let p = c.unit_a.data(FILE, json!({"id": other, "b": "进展"})).await;
    assert_eq!(codes(&p["fileProgressReport"]), ["NOT_FOUND"]);
    let p = c.unit_a.data(FILE, json!({"id": own, "b": " "})).await;
    assert_eq!(codes(&p["fileProgressReport"]), ["INVALID"]);
    let p = c
        .unit_a
        .data(
            FILE,
            json!({"id": own, "v": 1, "b": "已完成调研，正在起草方案。"}),
        )
        .await;
    assert_eq!(
        p["fileProgressReport"]["progressReport"],
        json!({"state": "FILED", "filedOn": "2026-11-22", "body": "已完成调研，正在起草方案。",
            "status": "FILED_ON_TIME", "version": 2}),
        "{p}"
    );
    let p = c.unit_a.data(FILE, json!({"id": own, "b": "再报"})).await;
    assert_eq!(codes(&p["fileProgressReport"]), ["INVALID_STATE"]);

    // Past its date, the co-handler's report is overdue, counted like a deadline.
    c.admin.clock.advance(chrono::Duration::days(9));
    let admin = again(&c.admin, ADMIN.0, ADMIN.1).await;
    let s = admin
        .data(SUMMARY, json!({"s": c.session, "d": "2026-12-01"}))
        .await;
    assert_eq!(
        s["supervisionSummary"]["overall"],
        json!({"pending": 0, "dueSoon": 0, "overdue": 1, "filedOnTime": 1, "filedLate": 0})
    );
    assert_eq!(
        s["supervisionSummary"]["byUnit"],
        json!([{"unit": {"name": "淮南市民政局"}, "counts": {"overdue": 0, "filedOnTime": 1}},
               {"unit": {"name": "淮南市财政局"}, "counts": {"overdue": 1, "filedOnTime": 0}}])
    );
    // As of before it was due, it was not overdue.
    let s = admin
        .data(SUMMARY, json!({"s": c.session, "d": "2026-11-25"}))
        .await;
    assert_eq!(s["supervisionSummary"]["overall"]["overdue"], 0);
    assert_eq!(s["supervisionSummary"]["overall"]["dueSoon"], 1);
    let overdue = admin
        .data(
            "{ progressReports(filter: {overdueOn: \"2026-12-01\"}) { totalCount nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        overdue["progressReports"],
        json!({"totalCount": 1, "nodes": [{"id": other}]})
    );
    // Cancelled, it leaves the count.
    let p = admin
        .data(
            "mutation($id: ID!) { cancelProgressReport(input: {id: $id}) { progressReport { state cancelledOn } userErrors { code } } }",
            json!({"id": other}),
        )
        .await;
    assert_eq!(
        p["cancelProgressReport"]["progressReport"],
        json!({"state": "CANCELLED", "cancelledOn": "2026-12-01"})
    );
    let s = admin
        .data(SUMMARY, json!({"s": c.session, "d": "2026-12-01"}))
        .await;
    assert_eq!(s["supervisionSummary"]["overall"]["overdue"], 0);

    // The timeline shows supervision; the deputy sees neither instructions nor reports.
    let t = admin
        .data(
            "query($id: ID!) { node(id: $id) { ... on Suggestion { timeline { kind }
                leaderInstructions { leader } progressReports { state } } } }",
            json!({"id": c.key}),
        )
        .await;
    let kinds: Vec<&str> = t["node"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .filter(|k| k.contains("INSTRUCTION") || k.contains("PROGRESS"))
        .collect();
    assert_eq!(
        kinds,
        [
            "INSTRUCTION_RECORDED",
            "PROGRESS_REPORT_REQUESTED",
            "PROGRESS_REPORT_REQUESTED",
            "PROGRESS_REPORT_FILED",
            "PROGRESS_REPORT_CANCELLED"
        ]
    );
    assert_eq!(t["node"]["progressReports"].as_array().unwrap().len(), 2);
    let deputy = again(&c.deputy, "xia-wq", USER_PASSWORD).await;
    let seen = deputy
        .data(
            "query($id: ID!) { node(id: $id) { ... on Suggestion { leaderInstructions { leader } progressReports { state } } } }",
            json!({"id": c.key}),
        )
        .await;
    assert_eq!(
        seen["node"],
        json!({"leaderInstructions": [], "progressReports": []})
    );
    let node = deputy
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": own}),
        )
        .await;
    assert_eq!(node["node"], Value::Null);
    // Each step has its audit row.
    let log = admin
        .data(
            "{ auditLog(filter: {outcome: SUCCESS}, first: 100) { nodes { operation } } }",
            json!({}),
        )
        .await;
    let ops: Vec<&str> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["operation"].as_str().unwrap())
        .filter(|o| {
            [
                "recordLeaderInstruction",
                "requestProgressReports",
                "fileProgressReport",
                "cancelProgressReport",
            ]
            .contains(o)
        })
        .collect();
    assert_eq!(
        ops,
        [
            "cancelProgressReport",
            "fileProgressReport",
            "requestProgressReports",
            "recordLeaderInstruction"
        ]
    );
}
