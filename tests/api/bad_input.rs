//! The bad-input catalogue: hostile or broken requests over HTTP, each answered with a
//! clear, typed error (an HTTP status and `extensions.code`, or a mutation's `userErrors`)
//! and none changing anything. Then text that looks dangerous but is legitimate (emoji,
//! rare CJK, SQL and HTML) is stored and returned verbatim. The server stays up, its
//! answers never leak SQL, paths or stack traces, and memory stays bounded.

use banli::graphql::ids::{encode, Kind};
use serde_json::{json, Value};

use crate::helpers::{assigned, spawn_app, TestApp};

/// What a case must get back.
enum Expect {
    /// This HTTP status, with this `errors[0].extensions.code`.
    Http(u16, &'static str),
    /// 200, with a GraphQL error of this code (and no data changed).
    Error(&'static str),
    /// 200, and the mutation's payload (the first field of `data`) answers these
    /// `userErrors` codes, at this field.
    UserError(&'static str, &'static str),
}

struct Case {
    name: &'static str,
    method: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    expect: Expect,
}

fn raw(
    name: &'static str,
    content_type: &'static str,
    body: impl Into<Vec<u8>>,
    expect: Expect,
) -> Case {
    Case {
        name,
        method: "POST",
        content_type,
        body: body.into(),
        expect,
    }
}

fn gql(name: &'static str, query: &str, variables: Value, expect: Expect) -> Case {
    raw(
        name,
        "application/json",
        json!({"query": query, "variables": variables}).to_string(),
        expect,
    )
}

const REGISTER: &str = "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) {
    suggestion { id title content topic } userErrors { field code message } } }";

/// Row counts of the tables a request could have written to.
async fn counts(app: &TestApp) -> Value {
    app.data(
        "{ sessions { totalCount } deputies { totalCount } handlingUnits { totalCount }
           suggestions(first: 1) { totalCount } assignments(first: 1) { totalCount } }",
        json!({}),
    )
    .await
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[actix_web::test]
async fn every_hostile_or_broken_request_gets_a_typed_error_and_changes_nothing() {
    let app = spawn_app().await;
    let session = app.session("省人大十三届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let (_, suggestion, assignment_b) = assigned(&app, "0300").await;
    let unit_a = app.unit("淮南市民政局", "MZJ").await;
    let unit_a_staff = app.user("unit-a", "UNIT_STAFF", Some(&unit_a), None).await;
    let register = |overrides: Value| {
        let mut input = json!({"sessionId": session, "leadDeputyId": deputy, "number": "0255",
            "title": "关于加强基层干部交流培养的建议", "content": "建议内容。"});
        for (k, v) in overrides.as_object().unwrap() {
            input[k] = v.clone();
        }
        json!({"i": input})
    };
    let aliases: String = (0..5000)
        .map(|i| format!("a{i}: sessions {{ totalCount }} "))
        .collect();
    let nested: String = format!(
        "{{ suggestions(first: 1) {{ nodes {{ {} id {} }} }} }}",
        "assignments { suggestion { ".repeat(12),
        "} } ".repeat(12)
    );
    let stale_version = json!({"id": suggestion, "v": 999, "t": "改"});
    let forged_session = encode(Kind::Session, 987_654).0;

    let cases = vec![
        // The HTTP envelope.
        raw("malformed JSON", "application/json", "{not json", Expect::Http(400, "BAD_REQUEST")),
        raw("truncated JSON", "application/json", r#"{"query": "{ sessions"#, Expect::Http(400, "BAD_REQUEST")),
        raw("empty body", "application/json", "", Expect::Http(400, "BAD_REQUEST")),
        raw("JSON null", "application/json", "null", Expect::Http(400, "BAD_REQUEST")),
        raw("JSON string", "application/json", r#""{ sessions { totalCount } }""#, Expect::Http(400, "BAD_REQUEST")),
        raw("JSON number", "application/json", "42", Expect::Http(400, "BAD_REQUEST")),
        raw("query is not a string", "application/json", r#"{"query": 5}"#, Expect::Http(400, "BAD_REQUEST")),
        raw("variables is a string", "application/json", r#"{"query": "{ sessions { totalCount } }", "variables": "x"}"#, Expect::Http(400, "BAD_REQUEST")),
        raw("invalid UTF-8", "application/json", b"{\"query\": \"{ sessions { totalCount } }\xff\xfe\"}".to_vec(), Expect::Http(400, "BAD_REQUEST")),
        raw("text/plain", "text/plain", r#"{"query": "{ sessions { totalCount } }"}"#, Expect::Http(415, "BAD_REQUEST")),
        raw("form encoded", "application/x-www-form-urlencoded", "query=%7B%20sessions%20%7B%20totalCount%20%7D%20%7D", Expect::Http(415, "BAD_REQUEST")),
        raw("multipart without the preflight header", "multipart/form-data; boundary=x", "--x\r\n\r\n{}\r\n--x--", Expect::Http(400, "PREFLIGHT_REQUIRED")),
        raw("no content type", "", r#"{"query": "{ sessions { totalCount } }"}"#, Expect::Http(415, "BAD_REQUEST")),
        raw("a 10 MB body", "application/json", format!(r#"{{"query": "{{ sessions {{ totalCount }} }}", "x": "{}"}}"#, "x".repeat(10 * 1024 * 1024)), Expect::Http(413, "BAD_REQUEST")),
        raw("a batch", "application/json", json!([{"query": "{ sessions { totalCount } }"}, {"query": "{ sessions { totalCount } }"}]).to_string(), Expect::Http(400, "BATCH_NOT_SUPPORTED")),
        raw("an empty batch", "application/json", "[]", Expect::Http(400, "BATCH_NOT_SUPPORTED")),
        Case { name: "GET with a mutation", method: "GET", content_type: "", body: Vec::new(), expect: Expect::Http(405, "METHOD_NOT_ALLOWED") },
        Case { name: "PUT", method: "PUT", content_type: "application/json", body: br#"{"query": "{ sessions { totalCount } }"}"#.to_vec(), expect: Expect::Http(405, "METHOD_NOT_ALLOWED") },
        Case { name: "DELETE", method: "DELETE", content_type: "", body: Vec::new(), expect: Expect::Http(405, "METHOD_NOT_ALLOWED") },
        // The GraphQL document.
        gql("syntax error", "{ sessions { ", json!({}), Expect::Error("GRAPHQL_PARSE_FAILED")),
        gql("empty document", "", json!({}), Expect::Error("GRAPHQL_PARSE_FAILED")),
        gql("unknown field", "{ sessions { totalCount password } }", json!({}), Expect::Error("GRAPHQL_VALIDATION_FAILED")),
        gql("wrong enum value", "{ suggestions(filter: {status: [PENDING_FOREVER]}) { totalCount } }", json!({}), Expect::Error("GRAPHQL_VALIDATION_FAILED")),
        gql("Int out of range", "{ suggestions(first: 99999999999) { totalCount } }", json!({}), Expect::Error("GRAPHQL_VALIDATION_FAILED")),
        gql("a subscription", "subscription { sessions }", json!({}), Expect::Error("GRAPHQL_VALIDATION_FAILED")),
        gql("fragment cycle", "{ sessions { ...A } } fragment A on SessionConnection { ...B } fragment B on SessionConnection { ...A }", json!({}), Expect::Error("GRAPHQL_VALIDATION_FAILED")),
        gql("two operations, no name", "query A { sessions { totalCount } } query B { sessions { totalCount } }", json!({}), Expect::Error("GRAPHQL_VALIDATION_FAILED")),
        gql("thousands of aliases", &format!("{{ {aliases} }}"), json!({}), Expect::Error("TOO_MANY_ALIASES")),
        gql("deep nesting", &nested, json!({}), Expect::Error("TOO_DEEP")),
        // Arguments and variables.
        gql("variable of the wrong type", REGISTER, json!({"i": 5}), Expect::Error("BAD_USER_INPUT")),
        gql("variable missing", REGISTER, json!({}), Expect::Error("BAD_USER_INPUT")),
        gql("date 2023-02-29", REGISTER, register(json!({"submittedOn": "2023-02-29"})), Expect::Error("BAD_USER_INPUT")),
        gql("date 2026-13-01", REGISTER, register(json!({"submittedOn": "2026-13-01"})), Expect::Error("BAD_USER_INPUT")),
        gql("first: -1", "{ suggestions(first: -1) { totalCount } }", json!({}), Expect::Error("INVALID")),
        gql("a huge page", "{ suggestions(first: 100000) { totalCount } }", json!({}), Expect::Error("INVALID")),
        gql("forged cursor", "{ suggestions(first: 5, after: \"bm9wZQ==\") { totalCount } }", json!({}), Expect::Error("INVALID")),
        gql("garbage cursor", "{ suggestions(first: 5, after: \"%%%'; --\") { totalCount } }", json!({}), Expect::Error("INVALID")),
        // Mutation inputs: user errors at the field.
        gql("NUL byte", REGISTER, register(json!({"title": "关于\u{0}的建议"})), Expect::UserError("INVALID", "input.title")),
        gql("bidi override", REGISTER, register(json!({"title": "关于\u{202e}议建的"})), Expect::UserError("INVALID", "input.title")),
        gql("control character", REGISTER, register(json!({"content": "响铃\u{7}"})), Expect::UserError("INVALID", "input.content")),
        gql("a 100 KB string", REGISTER, register(json!({"title": "长".repeat(100 * 1024 / 3)})), Expect::UserError("INVALID", "input.title")),
        gql("forged session ID", REGISTER, register(json!({"sessionId": forged_session})), Expect::UserError("NOT_FOUND", "input.sessionId")),
        gql("garbage ID", REGISTER, register(json!({"leadDeputyId": "'; DROP TABLE deputy; --"})), Expect::UserError("NOT_FOUND", "input.leadDeputyId")),
        gql("ID of another kind", REGISTER, register(json!({"sessionId": deputy})), Expect::UserError("NOT_FOUND", "input.sessionId")),
        gql("a stale version", "mutation($id: ID!, $v: Int, $t: String) { updateSuggestion(input: {id: $id, expectedVersion: $v, topic: $t}) { userErrors { field code } } }", stale_version, Expect::UserError("CONFLICT", "input.expectedVersion")),
    ];
    assert!(cases.len() >= 40, "the catalogue has {} cases", cases.len());

    let before = counts(&app).await;
    let rss_before = rss_kib();
    let as_unit_a = [(
        "unit A's staff: another unit's assignment",
        "mutation($i: SubmitReplyInput!) { submitReply(input: $i) { reply { id } userErrors { field code } } }",
        json!({"i": TestApp::reply_input(&assignment_b)}),
    )];
    let mut checked = 0;
    for case in &cases {
        let path = if case.method == "GET" {
            "/graphql?query=mutation%20%7B%20logout%20%7B%20ok%20%7D%20%7D"
        } else {
            "/graphql"
        };
        let mut headers = Vec::new();
        if !case.content_type.is_empty() {
            headers.push(("content-type", case.content_type));
        }
        let token = format!("Bearer {}", app.token.as_deref().unwrap());
        headers.push(("authorization", token.as_str()));
        let (status, _, text) = app
            .request(case.method, path, &headers, case.body.clone())
            .await;
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{}: a JSON answer, got {status} {text:?}", case.name));
        match case.expect {
            Expect::Http(expected, code) => {
                assert_eq!(status, expected, "{}: {text}", case.name);
                assert_eq!(
                    body["errors"][0]["extensions"]["code"], code,
                    "{}: {text}",
                    case.name
                );
            }
            Expect::Error(code) => {
                assert_eq!(status, 200, "{}: {text}", case.name);
                let codes: Vec<&str> = body["errors"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{}: errors expected: {text}", case.name))
                    .iter()
                    .map(|e| e["extensions"]["code"].as_str().unwrap_or("(none)"))
                    .collect();
                assert!(
                    codes.iter().all(|c| *c == code),
                    "{}: {codes:?} in {text}",
                    case.name
                );
            }
            Expect::UserError(code, field) => {
                assert_eq!(status, 200, "{}: {text}", case.name);
                assert!(body.get("errors").is_none(), "{}: {text}", case.name);
                let payload = body["data"]
                    .as_object()
                    .and_then(|d| d.values().next())
                    .unwrap();
                let errors = payload["userErrors"].as_array().unwrap();
                let found: Vec<(String, String)> = errors
                    .iter()
                    .map(|e| {
                        let field = e["field"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|s| s.as_str().unwrap())
                            .collect::<Vec<_>>()
                            .join(".");
                        (e["code"].as_str().unwrap().to_owned(), field)
                    })
                    .collect();
                assert_eq!(
                    found,
                    [(code.to_owned(), field.to_owned())],
                    "{}: {text}",
                    case.name
                );
            }
        }
        let lower = text.to_lowercase();
        for leak in [
            "sqlite",
            "postgres",
            "select ",
            "insert ",
            "panicked",
            "backtrace",
            "src/",
            ".rs:",
        ] {
            assert!(
                !lower.contains(leak),
                "{}: {leak} leaked in {text}",
                case.name
            );
        }
        checked += 1;
    }
    for (name, query, variables) in as_unit_a {
        let p = unit_a_staff.data(query, variables).await["submitReply"].clone();
        assert_eq!(
            p["userErrors"],
            json!([{"field": ["input", "assignmentId"], "code": "NOT_FOUND"}]),
            "{name}: {p}"
        );
        checked += 1;
    }
    assert_eq!(counts(&app).await, before, "nothing changed");
    let grown_mib = rss_kib().saturating_sub(rss_before) / 1024;
    assert!(
        grown_mib < 200,
        "memory grew by {grown_mib} MiB over {checked} bad requests"
    );
    assert_eq!(app.get("/healthz").await.0, 200, "the server is still up");
    eprintln!("bad-input catalogue: {checked} cases, all refused with their codes; memory +{grown_mib} MiB");
}

#[actix_web::test]
async fn dangerous_looking_text_is_stored_and_returned_verbatim() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("夏维奇").await;
    let texts = [
        (
            "0001",
            "关于𠀀和𪚥等生僻字录入的建议",
            "表情符号 🙂👍🏽 与 CJK 扩展 B 区：𠀀𪚥𠮷",
        ),
        (
            "0002",
            "Robert'); DROP TABLE suggestion;--",
            "SELECT * FROM app_user WHERE '1'='1'; -- 注释",
        ),
        (
            "0003",
            "<script>alert('x')</script>的建议",
            "<img src=x onerror=alert(1)> &amp; &lt;b&gt;",
        ),
        (
            "0004",
            "%s %n {{7*7}} ${jndi:ldap://x}",
            "\\\\server\\share ../../etc/passwd",
        ),
    ];
    for (number, title, content) in texts {
        let p = app
            .register(
                json!({"sessionId": session, "leadDeputyId": deputy, "number": number,
                "title": title, "content": content, "topic": title}),
            )
            .await;
        assert_eq!(p["userErrors"], json!([]), "{p}");
        assert_eq!(p["suggestion"]["title"], title);
        assert_eq!(p["suggestion"]["content"], content);
        assert_eq!(p["suggestion"]["topic"], title);
        let id = p["suggestion"]["id"].as_str().unwrap();
        let read = app
            .data(
                "query($id: ID!) { node(id: $id) { ... on Suggestion { title content } } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(
            read["node"],
            json!({"title": title, "content": content}),
            "read back"
        );
    }
    let all = app
        .data("{ suggestions(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(
        all["suggestions"]["totalCount"], 4,
        "the tables are all still there"
    );
}
