//! Spreadsheets: the suggestion list as .xlsx and .csv, the import template, and the
//! all-or-nothing bulk import (issue 6).

use banli::service::export::suggestion_columns;
use banli::service::spreadsheet::{read_xlsx, Cell, Column, ReadLimits, XlsxWriter};
use entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use crate::helpers::{codes, id_at, spawn_app, TestApp};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn limits() -> ReadLimits {
    ReadLimits {
        max_rows: 200_000,
        max_cols: 100,
        max_unpacked_bytes: 512 << 20,
        max_part_bytes: 512 << 20,
    }
}

/// Sends a request with this app's token; returns status, headers and the raw body.
async fn fetch(
    app: &TestApp,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .finish();
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, format!("{}{path}", app.address));
    if let Some(token) = &app.token {
        request = request.insert_header(("authorization", format!("Bearer {token}")));
    }
    if let Some(content_type) = content_type {
        request = request.insert_header(("content-type", content_type));
    }
    let mut response = request.send_body(body).await.expect("request");
    let bytes = response.body().limit(256 << 20).await.expect("body");
    (
        response.status().as_u16(),
        response.headers().clone(),
        bytes.to_vec(),
    )
}

pub(crate) async fn get(app: &TestApp, path: &str) -> (u16, awc::http::header::HeaderMap, Vec<u8>) {
    fetch(app, "GET", path, None, Vec::new()).await
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("JSON body: {}", String::from_utf8_lossy(body)))
}

fn error_codes(body: &[u8]) -> Vec<String> {
    json_of(body)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extensions"]["code"].as_str().unwrap().to_owned())
        .collect()
}

fn texts(row: &[Cell]) -> Vec<String> {
    row.iter().map(Cell::as_text).collect()
}

/// The cell of `row` under `header`.
fn cell<'a>(header: &[Cell], row: &'a [Cell], name: &str) -> &'a Cell {
    let col = header
        .iter()
        .position(|h| h.as_text() == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    row.get(col).unwrap_or(&Cell::Empty)
}

async fn export_link(app: &TestApp, filter: Value, format: &str) -> String {
    let data = app
        .data(
            "query($f: SuggestionFilter, $format: ExportFormat!) { suggestionExport(filter: $f, format: $format, asOf: \"2026-11-22\") }",
            json!({"f": filter, "format": format}),
        )
        .await;
    data["suggestionExport"].as_str().unwrap().to_owned()
}

/// A session with two cases: 0255 (simplified; sole unit, replied A, rated SATISFIED)
/// and 0256 (traditional; a lead and a co-handler, the co-handler overdue).
/// Returns (session, unit A, unit B).
async fn two_cases(app: &TestApp) -> (String, String, String) {
    let session = app.session("省人大十三届五次会议").await;
    let xia = app.deputy("夏维奇").await;
    let li = app.deputy("李明華").await;
    let unit_a = app.unit("淮南市民政局", "MZJ").await;
    let unit_b = app.unit("淮南市財政局", "CZJ").await;
    let p = app
        .register(json!({"sessionId": session, "leadDeputyId": xia, "coSignerIds": [li],
            "number": "0255", "title": "关于加强基层干部赴沪苏浙交流培养 提升乡镇(街道)工作能力和水平的建议",
            "content": "……", "topic": "组织人事", "isKey": true, "submittedOn": "2026-01-18"}))
        .await;
    let s1 = id_at(&p, "suggestion.id");
    let p = app
        .register(json!({"sessionId": session, "leadDeputyId": li,
            "number": "0256", "title": "關於進一步加強市級機關領導班子建設的建議",
            "content": "建強領導班子。", "submittedOn": "2026-01-20"}))
        .await;
    let s2 = id_at(&p, "suggestion.id");

    let p = app
        .assign(json!({"suggestionId": s1, "assignedOn": "2026-02-01",
            "units": [{"unitId": unit_a, "role": "SOLE"}]}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let a1 = id_at(&p, "assignments.0.id");
    app.sign_for(&a1).await;
    let p = app.submit_reply(TestApp::reply_input(&a1)).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let reply = id_at(&p, "reply.id");
    let rated = app
        .data(
            "mutation($id: ID!) { rateReply(input: {replyId: $id, satisfaction: SATISFIED, ratedOn: \"2026-03-10\"}) { userErrors { code message } } }",
            json!({"id": reply}),
        )
        .await;
    assert_eq!(rated["rateReply"]["userErrors"], json!([]), "{rated}");

    let p = app
        .assign(json!({"suggestionId": s2, "assignedOn": "2026-09-01",
            "units": [{"unitId": unit_b, "role": "LEAD"}, {"unitId": unit_a, "role": "CO_HANDLER"}]}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    (session, unit_a, unit_b)
}

#[actix_web::test]
async fn the_xlsx_export_reads_back_with_chinese_headers_and_typed_cells() {
    let app = spawn_app().await;
    let (session, _, _) = two_cases(&app).await;
    let link = export_link(&app, json!({"sessionId": session}), "XLSX").await;
    assert!(
        link.starts_with("/export/suggestions.xlsx?sessionId="),
        "{link}"
    );

    let (status, headers, body) = get(&app, &link).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers.get("content-type").unwrap(), XLSX);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''%E5%BB%BA%E8%AE%AE"),
        "{disposition}"
    );

    // Opened again with the import's reader.
    let sheet = read_xlsx(&body, Some("建议办理情况"), limits()).expect("an xlsx");
    let expected: Vec<String> = suggestion_columns().into_iter().map(|c| c.header).collect();
    assert_eq!(texts(&sheet.rows[0]), expected, "Chinese headers intact");
    assert_eq!(sheet.rows.len(), 3, "header + one row per suggestion");
    let (header, first, second) = (&sheet.rows[0], &sheet.rows[1], &sheet.rows[2]);

    assert_eq!(
        cell(header, first, "会议").as_text(),
        "省人大十三届五次会议"
    );
    assert_eq!(
        cell(header, first, "编号"),
        &Cell::text("0255"),
        "text: leading zero kept"
    );
    assert_eq!(
        cell(header, first, "标题").as_text(),
        "关于加强基层干部赴沪苏浙交流培养 提升乡镇(街道)工作能力和水平的建议"
    );
    assert_eq!(cell(header, first, "领衔代表").as_text(), "夏维奇");
    assert_eq!(cell(header, first, "代表团").as_text(), "淮南代表团");
    assert_eq!(cell(header, first, "联名代表").as_text(), "李明華");
    assert_eq!(cell(header, first, "重点建议").as_text(), "是");
    assert_eq!(
        cell(header, first, "提出日期"),
        &Cell::Date(chrono::NaiveDate::from_ymd_opt(2026, 1, 18).unwrap()),
        "a date cell"
    );
    assert_eq!(cell(header, first, "办理状态").as_text(), "已答复");
    assert_eq!(
        cell(header, first, "承办单位").as_text(),
        "淮南市民政局(独办)"
    );
    assert_eq!(cell(header, first, "交办日期").as_text(), "2026-02-01");
    // 3 months from 1 February is 1 May, a holiday: the next working day.
    assert_eq!(cell(header, first, "答复期限").as_text(), "2026-05-06");
    assert_eq!(cell(header, first, "办理期限状态").as_text(), "按期答复");
    assert_eq!(cell(header, first, "答复日期").as_text(), "2026-03-01");
    assert_eq!(cell(header, first, "答复类别").as_text(), "A");
    assert_eq!(cell(header, first, "满意度").as_text(), "满意");

    assert_eq!(
        cell(header, second, "标题").as_text(),
        "關於進一步加強市級機關領導班子建設的建議",
        "traditional characters as stored"
    );
    assert_eq!(
        cell(header, second, "承办单位").as_text(),
        "淮南市財政局(主办)；淮南市民政局(协办)"
    );
    // The co-handler's opinion was due a month after 1 September, on the first working day
    // after the National Day holidays: overdue on 2026-11-22, the worst.
    assert_eq!(cell(header, second, "办理期限状态").as_text(), "逾期未答复");
    assert_eq!(cell(header, second, "答复期限").as_text(), "2026-10-08");
    assert_eq!(
        cell(header, second, "各单位期限").as_text(),
        "淮南市財政局 2026-12-01 临期；淮南市民政局 2026-10-08 逾期未答复"
    );
    assert_eq!(cell(header, second, "答复类别"), &Cell::Empty);
}

#[actix_web::test]
async fn the_csv_export_has_a_bom_and_the_callers_scope() {
    let app = spawn_app().await;
    let (session, unit_a, unit_b) = two_cases(&app).await;
    let link = export_link(
        &app,
        json!({"sessionId": session, "status": ["REPLIED"]}),
        "CSV",
    )
    .await;
    assert!(link.contains("status=REPLIED"), "{link}");
    let (status, headers, body) = get(&app, &link).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let text = String::from_utf8(body).expect("UTF-8");
    assert!(text.starts_with("\u{FEFF}会议,类型,编号,标题,"), "{text}");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 2, "header + the replied case: {text}");
    assert!(lines[1].contains(",0255,"), "{}", lines[1]);
    assert!(lines[1].contains("2026-01-18"), "{}", lines[1]);

    // The second unit's staff: only its own case, only its own assignment.
    let staff = app
        .user("czj-staff", "UNIT_STAFF", Some(&unit_b), None)
        .await;
    let link = export_link(&staff, json!({}), "CSV").await;
    let (status, _, body) = get(&staff, &link).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].contains("淮南市財政局(主办)"), "{}", lines[1]);
    assert!(
        !lines[1].contains("民政局"),
        "another unit's assignment: {}",
        lines[1]
    );

    // A unit filtering on another unit is told it does not exist.
    let (status, _, body) = get(&staff, &format!("/export/suggestions.csv?unitId={unit_a}")).await;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&body), ["NOT_FOUND"]);
}

#[actix_web::test]
async fn bad_parameters_and_callers_are_refused_cleanly() {
    let app = spawn_app().await;
    let (session, _, _) = two_cases(&app).await;
    let cases = [
        (
            "/export/suggestions.xlsx?sessionId=bogus",
            vec!["NOT_FOUND"],
        ),
        ("/export/suggestions.csv?status=LOST", vec!["INVALID"]),
        (
            "/export/suggestions.csv?submittedFrom=2026-13-01&isKey=maybe",
            vec!["INVALID", "INVALID"],
        ),
        ("/export/suggestions.csv?sessionld=typo", vec!["INVALID"]),
        (
            "/export/suggestions.xlsx?asOf=2026-01-01&asOf=2026-02-01",
            vec!["INVALID"],
        ),
    ];
    for (path, expected) in cases {
        let (status, _, body) = get(&app, path).await;
        assert_eq!(status, 400, "{path}");
        let mut found = error_codes(&body);
        found.sort();
        assert_eq!(
            found,
            expected,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        assert!(!String::from_utf8_lossy(&body).contains("SELECT"), "{path}");
    }

    let public = app.as_public();
    for path in [
        "/export/suggestions.xlsx",
        "/export/suggestions.csv",
        &format!("/import/suggestions/template.xlsx?sessionId={session}"),
    ] {
        let (status, _, body) = get(&public, path).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    }
    let (status, _, _) = get(&app.with_token("not-a-token"), "/export/suggestions.csv").await;
    assert_eq!(status, 401);

    let auditor = app.user("auditor", "AUDITOR", None, None).await;
    let (status, _, body) = get(&auditor, "/export/suggestions.csv").await;
    assert_eq!(status, 403);
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);
    let deputy = app.deputy("王晓红").await;
    let deputy = app.user("wxh", "DEPUTY", None, Some(&deputy)).await;
    let (status, _, _) = get(
        &deputy,
        &format!("/import/suggestions/template.xlsx?sessionId={session}"),
    )
    .await;
    assert_eq!(status, 403, "only the office imports");
    let (status, _, _) = fetch(
        &deputy,
        "POST",
        &format!("/import/suggestions?sessionId={session}"),
        Some(XLSX),
        b"PK".to_vec(),
    )
    .await;
    assert_eq!(status, 403);
}

#[actix_web::test]
async fn keyset_pages_give_the_same_rows_as_one_page() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    for n in 0..7 {
        app.suggestion(&session, &deputy, &format!("{:04}", n + 1))
            .await;
    }
    let filter = banli::service::suggestion::SuggestionFilter {
        scope: banli::domain::access::Scope::All,
        ..Default::default()
    };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let mut all = Vec::new();
    let mut rows =
        banli::service::export::SuggestionRows::new(app.db.clone(), filter.clone(), today);
    while let Some(page) = rows.next_page().await.unwrap() {
        all.extend(page);
    }
    let mut paged = Vec::new();
    let mut pages = 0;
    let mut rows = banli::service::export::SuggestionRows::new(app.db.clone(), filter, today)
        .with_page_rows(3);
    while let Some(page) = rows.next_page().await.unwrap() {
        assert!(page.len() <= 3);
        pages += 1;
        paged.extend(page);
    }
    assert_eq!(pages, 3);
    assert_eq!(all.len(), 7);
    assert_eq!(paged, all);
    let numbers: Vec<String> = all.iter().map(|r| r[2].as_text()).collect();
    assert_eq!(
        numbers,
        ["0001", "0002", "0003", "0004", "0005", "0006", "0007"]
    );
}

/// The template's headers (read from the downloaded template) and a workbook of `rows`
/// under them.
async fn filled_template(app: &TestApp, session: &str, rows: &[Vec<Cell>]) -> Vec<u8> {
    let links = app
        .data(
            "query($s: ID!) { suggestionImport(sessionId: $s) { templateUrl uploadUrl } }",
            json!({"s": session}),
        )
        .await;
    let template_url = links["suggestionImport"]["templateUrl"].as_str().unwrap();
    let (status, headers, body) = get(app, template_url).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers.get("content-type").unwrap(), XLSX);
    let template = read_xlsx(&body, Some("建议登记"), limits()).expect("template");
    let notes = read_xlsx(&body, Some("填写说明"), limits()).expect("notes");
    assert!(notes.rows[0][0].as_text().starts_with("会议："));
    let columns: Vec<Column> = template.rows[0]
        .iter()
        .map(|h| Column::text(h.as_text(), 12.0))
        .collect();
    assert_eq!(
        texts(&template.rows[0]),
        [
            "编号*",
            "标题*",
            "领衔代表*",
            "联名代表",
            "内容*",
            "主题分类",
            "类型",
            "提出时间",
            "重点建议",
            "督办领导",
            "要求保密",
            "提出日期",
            "主办单位",
            "交办日期",
            "答复日期",
            "答复类别",
            "答复文号",
            "答复正文",
            "签发人",
            "联系人",
            "联系电话",
            "公开时间"
        ]
    );
    let mut xlsx = XlsxWriter::new("建议登记", &columns).unwrap();
    for row in rows {
        xlsx.row(row).unwrap();
    }
    xlsx.finish_to_vec().unwrap()
}

fn row(cells: &[&str]) -> Vec<Cell> {
    cells.iter().map(|c| Cell::text(*c)).collect()
}

async fn upload(app: &TestApp, session: &str, file: Vec<u8>) -> (u16, Value) {
    let (status, _, body) = fetch(
        app,
        "POST",
        &format!("/import/suggestions?sessionId={session}"),
        Some(XLSX),
        file,
    )
    .await;
    (status, json_of(&body))
}

async fn suggestions_in(app: &TestApp, session: &str) -> u64 {
    let data = app
        .data(
            "query($s: ID!) { suggestions(filter: {sessionId: $s}) { totalCount } }",
            json!({"s": session}),
        )
        .await;
    data["suggestions"]["totalCount"].as_u64().unwrap()
}

async fn last_audit(app: &TestApp) -> audit_log::Model {
    audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq("importSuggestions"))
        .order_by_desc(audit_log::Column::Id)
        .one(app.db.conn())
        .await
        .unwrap()
        .expect("an audit row")
}

#[actix_web::test]
async fn an_import_tidies_the_text_and_registers_every_row_at_once() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    app.deputy("夏维奇").await;
    app.deputy("李明华").await;
    app.deputy("陈丽").await;
    let file = filled_template(
        &app,
        &session,
        &[
            row(&[
                "第０２５５号",
                "  关于加强基层干部\u{3000}交流培养的建议\u{200B}",
                "夏 维 奇",
                "李明華、陈　丽",
                "　　近年來，我市高度重視基層幹部隊(duì)伍建設。\r\n\r\n\r\n二、建議",
                "组织人事",
                "",
                "闭会期间",
                "是",
                "王副市长",
                "否",
                "2022年1月18日",
            ]),
            Vec::new(),
            row(&[
                "0256",
                "答好南通“發(fā)展四問”的建議",
                "李明华",
                "",
                "建強領導班子。",
            ]),
        ],
    )
    .await;
    let (status, report) = upload(&app, &session, file).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report, json!({"imported": 2, "errors": []}));

    let data = app
        .data(
            "query($s: ID!) { a: suggestionByNumber(sessionId: $s, number: \"0255\") {
                number title content topic isKey supervisingLeader confidential period submittedOn status
                leadDeputy { name } coSigners { name } }
              b: suggestionByNumber(sessionId: $s, number: \"0256\") { title submittedOn leadDeputy { name } } }",
            json!({"s": session}),
        )
        .await;
    assert_eq!(
        data["a"],
        json!({"number": "0255", "title": "关于加强基层干部 交流培养的建议",
            "content": "近年來，我市高度重視基層幹部隊伍建設。\n\n二、建議", "topic": "组织人事",
            "isKey": true, "supervisingLeader": "王副市长", "confidential": false,
            "period": "INTER_SESSION", "submittedOn": "2022-01-18", "status": "REGISTERED",
            "leadDeputy": {"name": "夏维奇"}, "coSigners": [{"name": "李明华"}, {"name": "陈丽"}]})
    );
    assert_eq!(data["b"]["title"], "答好南通“發展四問”的建議");
    assert_eq!(data["b"]["submittedOn"], "2026-11-22", "blank: today");

    // Found by the keyword search like any registered suggestion (traditional folded).
    let found = app
        .data(
            "query($s: ID!) { suggestions(filter: {sessionId: $s, keyword: \"发展四问\"}) { totalCount } }",
            json!({"s": session}),
        )
        .await;
    assert_eq!(found["suggestions"]["totalCount"], 1);
    let audit = last_audit(&app).await;
    assert_eq!(audit.outcome, "SUCCESS");
    assert_eq!(
        audit.target.as_deref(),
        Some(format!("Session:{}", id_number(&session)).as_str())
    );
    assert_eq!(audit.actor_name.as_deref(), Some("test-admin"));
}

/// Defect 4 of issue 27: an office moving its archive into banli imports replies and
/// publications with the dates they really had (seed 000: replied 2022-09-16, published
/// 2022-09-19 14:52), through the checks of the API, and the audit row says it back-dated.
#[actix_web::test]
async fn an_archive_import_brings_replies_and_publications_with_their_dates() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    app.deputy("夏维奇").await;
    app.unit("淮南市人民政府", "HN-GOV").await;
    let archived = |number: &str, unit: &str, replied: &str, published: &str| {
        row(&[
            number,
            "关于加强基层干部赴沪苏浙交流培养的建议",
            "夏维奇",
            "",
            "建议加大基层干部交流培养力度。",
            "组织人事",
            "",
            "",
            "",
            "",
            "",
            "2022-01-18",
            unit,
            "2022-06-16",
            replied,
            "A",
            "淮府函〔2022〕61号",
            "夏维奇代表：\n您提出的建议收悉，现答复如下。",
            "张三",
            "马友竹",
            "0554-6678417",
            published,
        ])
    };
    let file = filled_template(
        &app,
        &session,
        &[
            archived("0255", "淮南市人民政府", "2022-09-16", "2022-09-19 14:52"),
            // Registered and assigned only: still being handled.
            row(&[
                "0256",
                "关于养老服务的建议",
                "夏维奇",
                "",
                "建议增加社区养老服务。",
                "",
                "",
                "",
                "",
                "",
                "",
                "2022-01-18",
                "HN-GOV",
                "2022-06-16",
            ]),
        ],
    )
    .await;
    let (status, report) = upload(&app, &session, file).await;
    assert_eq!(status, 200, "{report:#}");
    assert_eq!(report, json!({"imported": 2, "errors": []}));

    let data = app
        .data(
            "query($s: ID!) { a: suggestionByNumber(sessionId: $s, number: \"0255\") { status
                assignments { role unit { name } assignedOn dueOn status answeredOn
                  deadlineStatus(asOf: \"2022-10-01\")
                  replies { repliedOn category docNumber signedBy contactName publication publishedAt } } }
              b: suggestionByNumber(sessionId: $s, number: \"0256\") { status
                assignments { unit { name } assignedOn dueOn status } } }",
            json!({"s": session}),
        )
        .await;
    assert_eq!(
        data["a"]["assignments"],
        json!([{"role": "LEAD", "unit": {"name": "淮南市人民政府"}, "assignedOn": "2022-06-16",
            "dueOn": "2022-09-16", "status": "REPLIED", "answeredOn": "2022-09-16",
            "deadlineStatus": "ANSWERED_ON_TIME",
            "replies": [{"repliedOn": "2022-09-16", "category": "A", "docNumber": "淮府函〔2022〕61号",
                "signedBy": "张三", "contactName": "马友竹", "publication": "FULL",
                "publishedAt": "2022-09-19T14:52:00+08:00"}]}]),
        "{data:#}"
    );
    assert_eq!(
        data["b"]["assignments"],
        json!([{"unit": {"name": "淮南市人民政府"}, "assignedOn": "2022-06-16",
            "dueOn": "2022-09-16", "status": "ASSIGNED"}])
    );
    // The public sees the archived reply like any published one.
    let public = app
        .as_public()
        .data(
            "{ publishedReplies(first: 5) { nodes { suggestionNumber publishedAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        public["publishedReplies"]["nodes"],
        json!([{"suggestionNumber": "0255", "publishedAt": "2022-09-19T14:52:00+08:00"}])
    );
    let audit = last_audit(&app).await;
    let details: Value = serde_json::from_str(audit.details.as_deref().expect("details")).unwrap();
    assert_eq!(
        details,
        json!({"backdated": {
            "submittedOn": {"rows": 2, "earliest": "2022-01-18"},
            "assignedOn": {"rows": 2, "earliest": "2022-06-16"},
            "repliedOn": {"rows": 1, "earliest": "2022-09-16"},
            "publishedAt": {"rows": 1, "earliest": "2022-09-19T14:52:00+08:00"}}})
    );
    assert_eq!(audit.actor_name.as_deref(), Some("test-admin"));
    // The log still verifies with the new column in the hash.
    let log = app
        .data("{ auditLog(first: 1, filter: {operation: \"importSuggestions\"}) { nodes { details } } }", json!({}))
        .await;
    assert_eq!(log["auditLog"]["nodes"][0]["details"], details);
}

/// Archive rows go through the API's checks, each error at its cell; nothing is imported.
#[actix_web::test]
async fn a_bad_archive_row_is_reported_at_its_cells() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    app.deputy("夏维奇").await;
    app.unit("淮南市人民政府", "HN-GOV").await;
    let base = |number: &'static str, cells: &[&'static str]| {
        let mut all = vec![
            number,
            "标题",
            "夏维奇",
            "",
            "内容",
            "",
            "",
            "",
            "",
            "",
            "",
            "2022-01-18",
        ];
        all.extend_from_slice(cells);
        row(&all)
    };
    let file = filled_template(
        &app,
        &session,
        &[
            // Row 2: an unknown unit, a reply without its body, a publication before it.
            base(
                "0255",
                &[
                    "淮南市不存在局",
                    "2022-06-16",
                    "2022-09-16",
                    "E",
                    "",
                    "",
                    "",
                    "马友竹",
                    "0554-6678417",
                    "下周",
                ],
            ),
            // Row 3: replied before it was assigned, published before the reply.
            base(
                "0256",
                &[
                    "淮南市人民政府",
                    "2022-06-16",
                    "2022-06-01",
                    "A",
                    "",
                    "答复。",
                    "张三",
                    "马友竹",
                    "0554-6678417",
                    "2022-05-01 10:00",
                ],
            ),
            // Row 4: a publication with no reply.
            base(
                "0257",
                &[
                    "淮南市人民政府",
                    "2022-06-16",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "2022-09-19",
                ],
            ),
            // Row 5: assigned before the suggestion was filed.
            base("0258", &["淮南市人民政府", "2021-12-01"]),
        ],
    )
    .await;
    let (status, report) = upload(&app, &session, file).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(report["imported"], 0);
    let cells: Vec<(u64, String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["header"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |row: u64, header: &str, code: &str| {
        cells.contains(&(row, header.to_owned(), code.to_owned()))
    };
    assert!(has(2, "主办单位", "NOT_FOUND"), "{cells:?}");
    assert!(has(2, "答复类别", "INVALID"), "{cells:?}");
    assert!(has(2, "答复正文", "INVALID"), "{cells:?}");
    assert!(has(2, "签发人", "INVALID"), "{cells:?}");
    assert!(has(2, "公开时间", "INVALID"), "{cells:?}");
    assert!(has(3, "答复日期", "INVALID"), "{cells:?}");
    assert!(has(4, "公开时间", "INVALID"), "{cells:?}");
    assert!(has(5, "交办日期", "INVALID"), "{cells:?}");
    assert_eq!(suggestions_in(&app, &session).await, 0);
}

fn id_number(id: &str) -> i64 {
    match banli::graphql::ids::decode(id) {
        Some((_, n)) => n,
        None => panic!("not an id: {id}"),
    }
}

#[actix_web::test]
async fn a_bad_import_changes_nothing_and_reports_every_bad_row() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    let xia = app.deputy("夏维奇").await;
    app.deputy("李明华").await;
    app.create_deputy(json!({"name": "张伟", "delegation": "淮南代表团"}))
        .await;
    app.create_deputy(json!({"name": "张伟", "delegation": "合肥代表团"}))
        .await;
    app.suggestion(&session, &xia, "0100").await;
    let before = suggestions_in(&app, &session).await;
    let audit_rows = audit_log::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap();

    let ok = |n: &str| row(&[n, "一件正确的建议", "夏维奇", "", "内容。"]);
    let file = filled_template(
        &app,
        &session,
        &[
            ok("0201"),                                   // row 2
            row(&["0202", "", "无名氏", "", "内容。"]),   // row 3
            row(&["0203", "重名", "张伟", "", "内容。"]), // row 4
            ok("0201"),                                   // row 5
            ok("0100"),                                   // row 6
            row(&[
                "0206",
                "日期",
                "夏维奇",
                "夏维奇、李明华、李明华",
                "内容。",
                "",
                "议案",
                "",
                "也许",
                "",
                "",
                "2099-01-01",
            ]), // row 7
            row(&[
                "02 07号",
                "乱码",
                "张伟（淮南代表团）",
                "",
                "严把选\u{FFFD}",
            ]), // row 8
            ok("0208"),                                   // row 9
        ],
    )
    .await;
    let (status, report) = upload(&app, &session, file).await;
    assert_eq!(status, 422, "{report:#}");
    assert_eq!(report["imported"], 0);
    let errors: Vec<(u64, String, String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap_or("-").to_owned(),
                e["field"].as_str().unwrap_or("-").to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(u64, &str, &str, &str)> = vec![
        (3, "C", "leadDeputy", "NOT_FOUND"),
        (3, "B", "title", "INVALID"),
        (4, "C", "leadDeputy", "INVALID"),
        (5, "A", "number", "DUPLICATE"),
        (6, "A", "number", "DUPLICATE"),
        (7, "G", "kind", "INVALID"),
        (7, "I", "isKey", "INVALID"),
        (7, "L", "submittedOn", "INVALID"),
        (7, "D", "coSigners", "INVALID"),
        (7, "D", "coSigners", "DUPLICATE"),
        (8, "E", "content", "INVALID"),
        (8, "A", "number", "INVALID"),
    ];
    let expected: Vec<(u64, String, String, String)> = expected
        .into_iter()
        .map(|(r, c, f, k)| (r, c.to_owned(), f.to_owned(), k.to_owned()))
        .collect();
    assert_eq!(errors, expected, "{report:#}");
    let messages: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("无名氏"), "{}", messages[0]);
    assert!(messages[2].contains("张伟（代表团）"), "{}", messages[2]);
    assert!(messages[3].contains("第 2 行"), "{}", messages[3]);
    assert!(messages[8].contains("夏维奇"), "{}", messages[8]);
    assert_eq!(report["errors"][0]["header"], "领衔代表");

    assert_eq!(
        suggestions_in(&app, &session).await,
        before,
        "nothing registered"
    );
    let numbers = app
        .data(
            "query($s: ID!) { suggestionByNumber(sessionId: $s, number: \"0201\") { id } }",
            json!({"s": session}),
        )
        .await;
    assert_eq!(
        numbers["suggestionByNumber"],
        Value::Null,
        "row 2 rolled back"
    );
    let audit = last_audit(&app).await;
    assert_eq!(audit.outcome, "USER_ERROR");
    assert_eq!(
        audit.error_codes.as_deref(),
        Some("DUPLICATE,INVALID,NOT_FOUND")
    );
    let after = audit_log::Entity::find()
        .count(app.db.conn())
        .await
        .unwrap();
    assert_eq!(after, audit_rows + 1, "one audit row for the import");
}

#[actix_web::test]
async fn an_import_refuses_what_is_not_a_filled_template() {
    let app = spawn_app_with_small_imports().await;
    let session = app.session("会议").await;
    app.deputy("夏维奇").await;

    let (status, report) = upload(&app, &session, b"PK\x03\x04 not really".to_vec()).await;
    assert_eq!(status, 400, "{report}");
    assert_eq!(report["errors"][0]["extensions"]["code"], "INVALID");

    let (status, _, _) = fetch(
        &app,
        "POST",
        &format!("/import/suggestions?sessionId={session}"),
        Some("multipart/form-data; boundary=x"),
        b"--x--".to_vec(),
    )
    .await;
    assert_eq!(status, 415, "no forms");

    let (status, _, _) = fetch(
        &app,
        "POST",
        &format!("/import/suggestions?sessionId={session}"),
        Some(XLSX),
        vec![0u8; 64 * 1024],
    )
    .await;
    assert_eq!(status, 413, "import_max_bytes");

    let rows: Vec<Vec<Cell>> = (0..4)
        .map(|n| row(&[&format!("{n:04}"), "标题", "夏维奇", "", "内容"]))
        .collect();
    let file = filled_template(&app, &session, &rows).await;
    let (status, report) = upload(&app, &session, file).await;
    assert_eq!(status, 400, "{report}");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("最多导入 3 行"),
        "{report}"
    );

    let columns = [Column::text("标题", 10.0), Column::text("说明", 10.0)];
    let mut xlsx = XlsxWriter::new("建议登记", &columns).unwrap();
    xlsx.row(&row(&["标题", "x"])).unwrap();
    let (status, report) = upload(&app, &session, xlsx.finish_to_vec().unwrap()).await;
    assert_eq!(status, 422, "{report}");
    let missing: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["header"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["编号", "领衔代表", "内容"]);
    assert_eq!(suggestions_in(&app, &session).await, 0);
}

async fn spawn_app_with_small_imports() -> TestApp {
    crate::helpers::spawn_app_with(|s| {
        s.files.import_max_rows = 3;
        s.files.import_max_bytes = 32 * 1024;
    })
    .await
}
