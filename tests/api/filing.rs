//! Filing online and screening (issue 27: 提交 → 联名 → 审查 → 立案): deputies draft,
//! invite co-signers, submit and withdraw; invited deputies confirm by the session's
//! deadline; the office screens. Each step over HTTP, with its role rules, user errors
//! and audit rows.

use serde_json::{json, Value};

use crate::helpers::{codes, fields, id_at, spawn_app, TestApp};

const FILING_FIELDS: &str = "id state title delegation submittedOn screenedOn screeningComment
    notAcceptedGround asLetter version coSignDeadline filer { name }
    invitations { deputy { name } answer answeredOn counts } suggestion { number }";

fn draft_query() -> String {
    format!(
        "mutation($i: DraftSuggestionInput!) {{ draftSuggestion(input: $i) {{
            filing {{ {FILING_FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

fn step_query(op: &str) -> String {
    format!(
        "mutation($id: ID!, $v: Int) {{ {op}(input: {{id: $id, expectedVersion: $v}}) {{
            filing {{ {FILING_FIELDS} }} userErrors {{ field code message }} }} }}"
    )
}

const SCREEN: &str = "mutation($i: ScreenFilingInput!) { screenFiling(input: $i) {
    filing { id state version screeningComment notAcceptedGround asLetter suggestion { number } }
    suggestion { id number title submittedOn delegation leadDeputy { name } coSigners { name } status }
    userErrors { field code message } } }";

const ANSWER: &str =
    "mutation($f: ID!, $c: Boolean!) { answerCoSignInvitation(input: {filingId: $f, confirm: $c}) {
    answer filing { version } userErrors { field code message } } }";

struct World {
    admin: TestApp,
    session: String,
    xia: TestApp,
    li: TestApp,
    chen: TestApp,
    li_id: String,
    chen_id: String,
}

async fn world() -> World {
    let admin = spawn_app().await;
    let session = admin.session("省人大十三届五次会议").await;
    let xia_id = admin.deputy("夏维奇").await;
    let li_id = admin.deputy("李明华").await;
    let chen_id = admin.deputy("陈丽").await;
    let xia = admin.user("xia-wq", "DEPUTY", None, Some(&xia_id)).await;
    let li = admin.user("li-mh", "DEPUTY", None, Some(&li_id)).await;
    let chen = admin.user("chen-li", "DEPUTY", None, Some(&chen_id)).await;
    World {
        admin,
        session,
        xia,
        li,
        chen,
        li_id,
        chen_id,
    }
}

async fn draft(app: &TestApp, input: Value) -> Value {
    app.data(&draft_query(), json!({"i": input})).await["draftSuggestion"].clone()
}

async fn step(app: &TestApp, op: &str, id: &str, version: Option<i64>) -> Value {
    app.data(&step_query(op), json!({"id": id, "v": version}))
        .await[op]
        .clone()
}

async fn screen(app: &TestApp, input: Value) -> Value {
    app.data(SCREEN, json!({"i": input})).await["screenFiling"].clone()
}

async fn visible_count(app: &TestApp) -> u64 {
    app.data("{ filings { totalCount } }", json!({})).await["filings"]["totalCount"]
        .as_u64()
        .unwrap_or(u64::MAX)
}

async fn filing_of(app: &TestApp, id: &str) -> Value {
    app.data(
        &format!("query($id: ID!) {{ filing(id: $id) {{ {FILING_FIELDS} }} }}"),
        json!({"id": id}),
    )
    .await["filing"]
        .clone()
}

#[actix_web::test]
async fn a_deputy_files_online_and_the_office_screens_it() {
    let w = world().await;
    // 草稿: Xia drafts, inviting Li and Chen to co-sign.
    let p = draft(
        &w.xia,
        json!({"sessionId": w.session, "title": " 关于加强基层干部交流培养的建议 ",
            "content": "建议加大基层干部交流培养力度。", "topic": "组织人事",
            "coSignerIds": [w.li_id, w.chen_id]}),
    )
    .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let id = id_at(&p, "filing.id");
    assert_eq!(p["filing"]["state"], "DRAFT");
    assert_eq!(p["filing"]["title"], "关于加强基层干部交流培养的建议");
    assert_eq!(
        p["filing"]["invitations"],
        json!([{"deputy": {"name": "李明华"}, "answer": "INVITED", "answeredOn": null, "counts": false},
               {"deputy": {"name": "陈丽"}, "answer": "INVITED", "answeredOn": null, "counts": false}])
    );
    // A draft is the filer's and the invited deputies': the office does not see it.
    assert_eq!(visible_count(&w.admin).await, 0);
    assert_eq!(filing_of(&w.admin, &id).await, Value::Null);
    assert_eq!(visible_count(&w.li).await, 1);
    let node =
        w.li.data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(node["node"]["id"], id);

    // 联名确认: Li confirms; an invited co-signer may not edit the filing.
    let a = w.li.data(ANSWER, json!({"f": id, "c": true})).await;
    assert_eq!(a["answerCoSignInvitation"]["answer"], "CONFIRMED", "{a}");
    let edit = w
        .li
        .data(
            "mutation($id: ID!) { updateFiling(input: {id: $id, title: \"改\"}) { userErrors { field code message } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(codes(&edit["updateFiling"]), ["NOT_FOUND"]);

    // The office sets the co-signing deadline to today; Chen misses it.
    let s = w
        .admin
        .data(
            "mutation($id: ID!) { updateSession(input: {id: $id, coSignDeadline: \"2026-11-22\"}) {
                session { coSignDeadline } userErrors { field code message } } }",
            json!({"id": w.session}),
        )
        .await;
    assert_eq!(
        s["updateSession"]["session"]["coSignDeadline"], "2026-11-22",
        "{s}"
    );
    w.admin.clock.advance(chrono::Duration::days(1));
    let chen = relogin(&w.admin, "chen-li").await;
    let late = chen.data(ANSWER, json!({"f": id, "c": true})).await;
    assert_eq!(
        codes(&late["answerCoSignInvitation"]),
        ["INVALID_STATE"],
        "{late}"
    );
    assert_eq!(fields(&late["answerCoSignInvitation"]), ["input.filingId"]);

    // 提交, then 退回修改 with comments, a revision, and 提交 again.
    let xia = relogin(&w.admin, "xia-wq").await;
    let p = step(&xia, "submitFiling", &id, Some(2)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["filing"]["state"], "SUBMITTED");
    assert_eq!(p["filing"]["submittedOn"], "2026-11-23");
    let admin = relogin(&w.admin, crate::helpers::ADMIN.0).await;
    assert_eq!(visible_count(&admin).await, 1);
    let p = screen(
        &admin,
        json!({"id": id, "decision": "RETURN", "comment": ""}),
    )
    .await;
    assert_eq!(codes(&p), ["INVALID"], "a return needs comments: {p}");
    let p = screen(
        &admin,
        json!({"id": id, "decision": "RETURN", "comment": "请聚焦一个问题，补充具体措施。"}),
    )
    .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["filing"]["state"], "RETURNED_FOR_REVISION");
    let p = xia
        .data(
            "mutation($id: ID!) { updateFiling(input: {id: $id, title: \"关于选派基层干部赴沪苏浙跟班学习的建议\", topic: null}) {
                filing { title state version } userErrors { field code message } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(codes(&p["updateFiling"]), Vec::<String>::new(), "{p}");
    assert_eq!(
        p["updateFiling"]["filing"]["state"],
        "RETURNED_FOR_REVISION"
    );
    let p = step(&xia, "submitFiling", &id, None).await;
    assert_eq!(p["filing"]["state"], "SUBMITTED", "{p}");

    // 立案: numbered; only Li confirmed in time, so only Li co-signs.
    let p = screen(&admin, json!({"id": id, "decision": "ACCEPT"})).await;
    assert_eq!(codes(&p), ["INVALID"], "accepting needs a number");
    let p = screen(
        &admin,
        json!({"id": id, "decision": "ACCEPT", "number": "0301", "isKey": true, "supervisingLeader": "王副市长"}),
    )
    .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["filing"]["state"], "ACCEPTED");
    assert_eq!(
        p["suggestion"],
        json!({"id": p["suggestion"]["id"], "number": "0301",
            "title": "关于选派基层干部赴沪苏浙跟班学习的建议", "submittedOn": "2026-11-23",
            "delegation": null, "leadDeputy": {"name": "夏维奇"},
            "coSigners": [{"name": "李明华"}], "status": "REGISTERED"})
    );
    // Settled: no more steps, for anyone.
    let p = screen(
        &admin,
        json!({"id": id, "decision": "RETURN", "comment": "再改"}),
    )
    .await;
    assert_eq!(codes(&p), ["INVALID_STATE"]);
    let p = step(&xia, "withdrawFiling", &id, None).await;
    assert_eq!(codes(&p), ["INVALID_STATE"]);
    // The deputy follows the accepted suggestion as their own.
    let mine = xia
        .data("{ suggestions { totalCount nodes { number } } }", json!({}))
        .await;
    assert_eq!(mine["suggestions"]["nodes"], json!([{"number": "0301"}]));

    // Each step left its audit row, naming the filing.
    let log = admin
        .data(
            "{ auditLog(filter: {outcome: SUCCESS}, first: 50) { nodes { operation target } } }",
            json!({}),
        )
        .await;
    let ops: Vec<&str> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["target"] == id)
        .map(|n| n["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        [
            "screenFiling",
            "submitFiling",
            "updateFiling",
            "screenFiling",
            "submitFiling",
            "answerCoSignInvitation",
            "draftSuggestion"
        ]
    );
}

async fn relogin(app: &TestApp, username: &str) -> TestApp {
    let password = if username == crate::helpers::ADMIN.0 {
        crate::helpers::ADMIN.1
    } else {
        crate::helpers::USER_PASSWORD
    };
    let token = app.login(username, password).await;
    app.with_token(&token)
}

#[actix_web::test]
async fn screening_outcomes_withdrawals_delegations_and_bad_input() {
    let w = world().await;
    let new = |title: &str| json!({"sessionId": w.session, "title": title, "content": "内容。"});
    // Not accepted, handled as a letter; OTHER needs its reason.
    let personal = id_at(
        &draft(&w.xia, new("关于解决本人住房问题的建议")).await,
        "filing.id",
    );
    step(&w.xia, "submitFiling", &personal, None).await;
    let p = screen(
        &w.admin,
        json!({"id": personal, "decision": "REJECT", "ground": "OTHER"}),
    )
    .await;
    assert_eq!(codes(&p), ["INVALID"]);
    assert_eq!(fields(&p), ["input.reason"]);
    let p = screen(
        &w.admin,
        json!({"id": personal, "decision": "REJECT", "ground": "PERSONAL_MATTER",
            "reason": "属个人诉求，转来信处理", "asLetter": true}),
    )
    .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(p["filing"]["notAcceptedGround"], "PERSONAL_MATTER");
    assert_eq!(p["filing"]["asLetter"], true);
    assert_eq!(p["suggestion"], Value::Null);

    // Withdrawn before screening; a draft withdrawn never reaches the office.
    let withdrawn = id_at(&draft(&w.li, new("关于撤回的建议")).await, "filing.id");
    step(&w.li, "submitFiling", &withdrawn, None).await;
    let p = step(&w.li, "withdrawFiling", &withdrawn, Some(1)).await;
    assert_eq!(codes(&p), ["CONFLICT"], "stale version");
    let p = step(&w.li, "withdrawFiling", &withdrawn, Some(2)).await;
    assert_eq!(p["filing"]["state"], "WITHDRAWN", "{p}");
    let draft_only = id_at(&draft(&w.li, new("只是草稿")).await, "filing.id");
    step(&w.li, "withdrawFiling", &draft_only, None).await;
    // Another deputy's filing is not there for Chen.
    let p = step(&w.chen, "submitFiling", &draft_only, None).await;
    assert_eq!(codes(&p), ["NOT_FOUND"]);

    // A delegation files: the suggestion says so when accepted.
    let p = draft(
        &w.xia,
        json!({"sessionId": w.session, "title": "关于淮南市采煤沉陷区治理的建议",
            "content": "建议统筹治理。", "forDelegation": true}),
    )
    .await;
    assert_eq!(p["filing"]["delegation"], "淮南代表团", "{p}");
    let delegation = id_at(&p, "filing.id");
    step(&w.xia, "submitFiling", &delegation, None).await;
    let p = screen(
        &w.admin,
        json!({"id": delegation, "decision": "ACCEPT", "number": "0302"}),
    )
    .await;
    assert_eq!(p["suggestion"]["delegation"], "淮南代表团", "{p}");
    // A number taken in the session is DUPLICATE at the number, and nothing changes.
    let again = id_at(&draft(&w.xia, new("关于重复编号的建议")).await, "filing.id");
    step(&w.xia, "submitFiling", &again, None).await;
    let p = screen(
        &w.admin,
        json!({"id": again, "decision": "ACCEPT", "number": "0302"}),
    )
    .await;
    assert_eq!(codes(&p), ["DUPLICATE"], "{p}");
    assert_eq!(fields(&p), ["input.number"]);
    assert_eq!(filing_of(&w.admin, &again).await["state"], "SUBMITTED");

    // Bad drafts: empty title, an unknown session, the filer as co-signer, a repeated
    // co-signer, a delegation the filer has none of.
    let nobody = w.admin.deputy("无团代表").await;
    let p = w
        .admin
        .data(
            "mutation($id: ID!) { updateDeputy(input: {id: $id, delegation: null}) { userErrors { code } } }",
            json!({"id": nobody}),
        )
        .await;
    assert_eq!(codes(&p["updateDeputy"]), Vec::<String>::new(), "{p}");
    let loner = w.admin.user("loner", "DEPUTY", None, Some(&nobody)).await;
    let p = draft(
        &loner,
        json!({"sessionId": w.session, "title": "", "content": "内容",
            "forDelegation": true, "coSignerIds": [nobody, w.li_id, w.li_id]}),
    )
    .await;
    let mut got: Vec<(String, Value)> = p["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap().to_owned(), e["field"].clone()))
        .collect();
    got.sort_by_key(|(code, field)| (field.to_string(), code.clone()));
    assert_eq!(
        got,
        [
            ("INVALID".to_owned(), json!(["input", "coSignerIds", "0"])),
            ("DUPLICATE".to_owned(), json!(["input", "coSignerIds", "2"])),
            ("INVALID".to_owned(), json!(["input", "forDelegation"])),
            ("INVALID".to_owned(), json!(["input", "title"])),
        ],
        "{p:#}"
    );

    // 审查情况 of the session: what the office has seen, by outcome.
    let o = w
        .admin
        .data(
            "query($s: ID!) { screeningOutcomes(sessionId: $s) { awaitingScreening returnedForRevision
                accepted notAccepted handledAsLetters withdrawnAfterSubmission } }",
            json!({"s": w.session}),
        )
        .await;
    assert_eq!(
        o["screeningOutcomes"],
        json!({"awaitingScreening": 1, "returnedForRevision": 0, "accepted": 1,
            "notAccepted": 1, "handledAsLetters": 1, "withdrawnAfterSubmission": 1})
    );
    // Office lists: submitted ones and screened ones, never drafts or withdrawn ones.
    let listed = w
        .admin
        .data(
            "query($s: ID!) { filings(filter: {sessionId: $s}) { totalCount nodes { title state } } }",
            json!({"s": w.session}),
        )
        .await;
    assert_eq!(listed["filings"]["totalCount"], 3, "{listed}");
    let pending = w
        .admin
        .data(
            "{ filings(filter: {states: [SUBMITTED]}) { nodes { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        pending["filings"]["nodes"],
        json!([{"title": "关于重复编号的建议"}])
    );
}
