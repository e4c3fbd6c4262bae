//! Fuzzing, bounded for CI: random and hostile inputs (proptest strategies) thrown at every
//! custom scalar and input parser, and at the whole request path (HTTP, parse, validate,
//! execute against the test database). Nothing may panic; parsers answer a value or a
//! user error; every HTTP answer is JSON whose errors all carry a code, and the server
//! stays up. The cases are drawn from a fixed seed, so a failure reproduces; set
//! `BANLI_FUZZ_CASES` to run more (e.g. 100000 for a long local run).

use banli::domain::search::{SearchQuery, SimilarQuery};
use banli::graphql::ids::{decode, encode, Kind};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

use crate::helpers::spawn_app;

fn cases(default: u32) -> u32 {
    std::env::var("BANLI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Text as people and attackers type it: any Unicode, biased towards what breaks parsers
/// (CJK, full-width forms, controls, bidi marks, quotes, SQL and query syntax, long runs).
fn text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "干部",
        "幹部",
        "０２５５",
        "0255",
        "第",
        "号",
        "A类",
        "沪苏浙",
        "𠀀",
        "𪚥",
        "🙂",
        "\u{0}",
        "\u{7}",
        "\u{202e}",
        "\u{200b}",
        "\u{3000}",
        "\u{feff}",
        " ",
        "\t",
        "\n",
        "'",
        "\"",
        "\\",
        "--",
        ";",
        "*",
        ":*",
        "<->",
        "&",
        "|",
        "(",
        ")",
        "NEAR",
        "AND",
        "OR",
        "NOT",
        "{",
        "}",
        "$",
        "%",
        "@",
        ".",
        "-",
        "+86",
        "0554-6678417",
        "1380013800",
        "2023-02-29",
        "2026-12-04",
        "9999-99-99",
        "T",
        "Z",
        "+08:00",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(pieces, 0..40).prop_map(|p| p.concat()),
        (
            prop::sample::select(vec!["长", "a", "0", " "]),
            0usize..5000
        )
            .prop_map(|(s, n)| s.repeat(n)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(3_000), failure_persistence: None, ..ProptestConfig::default() })]

    /// Every parser of user input answers (a value or a user error) and never panics; what
    /// parses is stable when parsed again.
    #[test]
    fn parsers_never_panic(input in text()) {
        use banli::domain::text::{self, Lines, SuggestionNumber};
        let field = ["input", "x"];
        if let Ok(number) = SuggestionNumber::parse(&input, &field) {
            let again = SuggestionNumber::parse(number.as_str(), &field).unwrap();
            prop_assert_eq!(again.as_str(), number.as_str());
        }
        if let Ok(kept) = text::required(&input, &field, 500, Lines::Single) {
            prop_assert_eq!(kept.trim(), kept.as_str());
            prop_assert!(!kept.is_empty() && kept.chars().count() <= 500);
        }
        let _ = text::optional(Some(&input), &field, 100, Lines::Multi);
        if let Ok(phone) = banli::domain::phone::PhoneNumber::parse(&input, &field) {
            prop_assert!(banli::domain::phone::PhoneNumber::parse(phone.as_str(), &field).is_ok());
        }
        let _ = banli::domain::feedback::Contact::parse(&input, &field);
        let _ = banli::domain::feedback::parse_lookup_code(&input);
        let _ = banli::domain::captcha::parse_id(&input);
        let _ = banli::domain::access::Username::parse(&input, &field);
        let _ = banli::domain::idempotency::IdempotencyKey::parse(&input, &field);
        let _ = banli::domain::import::parse_flag(&input);
        let _ = banli::domain::import::parse_date(&input);
        let _ = banli::domain::calendar::parse_csv(&input);
        let _ = banli::graphql::scalars::parse_date(&input);
        let _ = banli::service::page::Cursor::decode(&input);
        let _ = decode(&input);
    }

    /// A keyword becomes a full-text query that quotes only banli's own tokens (letters and
    /// digits): nothing typed can inject FTS5 or tsquery syntax.
    #[test]
    fn search_queries_hold_only_quoted_tokens(input in text()) {
        if let Some(query) = SearchQuery::parse(&input) {
            let fts5 = query.fts5();
            prop_assert_eq!(fts5.matches('"').count() % 2, 0, "{}", fts5);
            prop_assert!(
                fts5.chars().all(|c| c.is_alphanumeric() || matches!(c, '"' | ' ' | '*')),
                "{}", fts5
            );
            let tsquery = query.tsquery();
            prop_assert_eq!(tsquery.matches('\'').count() % 2, 0, "{}", tsquery);
            prop_assert!(
                tsquery.chars().all(|c| c.is_alphanumeric() || "'()<->&:* ".contains(c)),
                "{}", tsquery
            );
        }
        if let Some(similar) = SimilarQuery::parse(&input) {
            let fts5 = similar.fts5();
            prop_assert!(fts5.chars().all(|c| c.is_alphanumeric() || matches!(c, '"' | ' ')), "{}", fts5);
        }
    }

    /// Global IDs round-trip, and no other text decodes to one by accident of padding.
    #[test]
    fn global_ids_round_trip(id in 1i64..i64::MAX) {
        for kind in [Kind::Session, Kind::Suggestion, Kind::Assignment, Kind::Reply, Kind::Deputy, Kind::HandlingUnit] {
            prop_assert_eq!(decode(&encode(kind, id).0), Some((kind, id)));
        }
    }
}

/// A JSON value of any shape, for variables.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// GraphQL-ish documents: tokens of the real schema and of the language, in any order.
fn document() -> impl Strategy<Value = String> {
    let tokens = prop::sample::select(vec![
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ":",
        "...",
        "$i",
        "$x",
        "!",
        "=",
        "@include(if: true)",
        "query",
        "mutation",
        "subscription",
        "fragment F on Suggestion",
        "on",
        "...F",
        "suggestions",
        "suggestion",
        "sessions",
        "node",
        "assignments",
        "publishedReplies",
        "registerSuggestion",
        "submitReply",
        "updateSuggestion",
        "login",
        "statistics",
        "deadlineSummary",
        "createCaptcha",
        "submitPublicFeedback",
        "__schema",
        "__type",
        "__typename",
        "id",
        "title",
        "version",
        "nodes",
        "totalCount",
        "edges",
        "userErrors",
        "code",
        "input",
        "first",
        "after",
        "filter",
        "keyword",
        "id:",
        "first:",
        "input:",
        "filter:",
        "\"干部\"",
        "\"U3VnZ2VzdGlvbjox\"",
        "\"\\u0000\"",
        "-1",
        "0",
        "100000",
        "99999999999",
        "1.5",
        "true",
        "null",
        "OVERDUE",
        "RELEVANCE",
        "{keyword: \"0255\"}",
        "$i: RegisterSuggestionInput!",
        "a1:",
        "a2:",
        "#",
        "\n",
    ]);
    prop_oneof![
        prop::collection::vec(tokens, 0..60).prop_map(|t| t.join(" ")),
        text(),
    ]
}

/// Real operations of the front-ends, the seeds that random edits and variables start from.
const CORPUS: [&str; 9] = [
    "query($first: Int, $after: String, $filter: SuggestionFilter) { suggestions(first: $first, after: $after, filter: $filter) { totalCount nodes { id number title leadDeputy { name } } } }",
    "query($id: ID!) { node(id: $id) { id ... on Suggestion { title version assignments { unit { name } } } } }",
    "mutation($i: RegisterSuggestionInput!) { registerSuggestion(input: $i) { suggestion { id } userErrors { code field } } }",
    "mutation($i: SubmitReplyInput!) { submitReply(input: $i) { reply { id } userErrors { code } } }",
    "mutation($i: UpdateSuggestionInput!) { updateSuggestion(input: $i) { suggestion { version } userErrors { code } } }",
    "query($first: Int, $after: String, $filter: PublishedReplyFilter) { publishedReplies(first: $first, after: $after, filter: $filter) { nodes { id title } } }",
    "query($filter: StatisticsFilter, $groupBy: [StatisticsGroup!]!, $asOf: Date) { statistics(filter: $filter, groupBy: $groupBy, asOf: $asOf) { total { suggestions } } }",
    "query($text: String!, $first: Int) { similarSuggestions(text: $text, first: $first) { score } }",
    "query($asOf: Date) { deadlineSummary(asOf: $asOf) { overall { overdue } } }",
];

/// A corpus operation, with up to three random tokens spliced in at random places.
fn edited_operation() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "{",
        "}",
        "(",
        ")",
        "!",
        "$i",
        "...",
        "id",
        "__typename",
        "first: -1",
        "first: 1000",
        "\"",
        "#",
        "@skip(if: true)",
        "fragment",
        "on Suggestion",
        "a: id",
    ]);
    (
        0..CORPUS.len(),
        prop::collection::vec((0.0f64..1.0, token), 0..3),
    )
        .prop_map(|(i, edits)| {
            let mut doc: Vec<char> = CORPUS[i].chars().collect();
            for (at, token) in edits {
                let at = ((doc.len() as f64) * at) as usize;
                doc.splice(at..at, token.chars());
            }
            doc.into_iter().collect()
        })
}

/// Variables as the corpus names them, each with a random value; mostly objects shaped
/// like the inputs (with random field values), sometimes anything at all.
fn variables() -> impl Strategy<Value = Value> {
    let input = prop::collection::btree_map(
        prop::sample::select(vec![
            "sessionId",
            "leadDeputyId",
            "number",
            "title",
            "content",
            "submittedOn",
            "id",
            "expectedVersion",
            "assignmentId",
            "category",
            "body",
            "keyword",
            "unitId",
            "status",
            "deadlineStatus",
            "from",
            "to",
            "idempotencyKey",
            "contactPhone",
        ]),
        json_value(),
        0..8,
    )
    .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()));
    prop::collection::btree_map(
        prop::sample::select(vec![
            "i", "id", "first", "after", "filter", "groupBy", "asOf", "text",
        ]),
        prop_oneof![3 => input, 2 => json_value()],
        0..5,
    )
    .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
}

/// The whole request path: random documents with random variables and operation names,
/// and random bodies, over HTTP to the test app.
#[actix_web::test]
async fn the_request_path_answers_every_random_request_with_typed_errors() {
    let app = spawn_app().await;
    let _ = app.session("会议").await;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let request = (
        prop_oneof![3 => edited_operation(), 1 => document()],
        prop_oneof![4 => variables(), 1 => json_value()],
        prop_oneof![4 => Just(None), 1 => prop::option::of(text())],
    );
    let bodies = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        json_value().prop_map(|v| v.to_string().into_bytes()),
    ];
    let n = cases(1_000);
    let mut codes = std::collections::BTreeMap::<String, u32>::new();
    for i in 0..n {
        let body = if i % 4 == 3 {
            bodies.new_tree(&mut runner).unwrap().current()
        } else {
            let (query, variables, operation) = request.new_tree(&mut runner).unwrap().current();
            json!({"query": query, "variables": variables, "operationName": operation})
                .to_string()
                .into_bytes()
        };
        let shown = String::from_utf8_lossy(&body)
            .chars()
            .take(300)
            .collect::<String>();
        let (status, text) = app.post_raw("/graphql", "application/json", body).await;
        assert!(
            [200, 400, 413].contains(&status),
            "case {i}: status {status} for {shown:?}: {text}"
        );
        let answer: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("case {i}: not JSON for {shown:?}: {text}"));
        if let Some(errors) = answer.get("errors").and_then(Value::as_array) {
            for error in errors {
                let code = error["extensions"]["code"].as_str();
                assert!(
                    code.is_some(),
                    "case {i}: an error without a code for {shown:?}: {text}"
                );
                *codes.entry(code.unwrap().to_owned()).or_default() += 1;
                assert_ne!(
                    code,
                    Some("INTERNAL"),
                    "case {i}: INTERNAL for {shown:?}: {text}"
                );
            }
        }
        let lower = text.to_lowercase();
        for leak in ["sqlite", "postgres", "panicked", "backtrace", "src/"] {
            assert!(
                !lower.contains(leak),
                "case {i}: {leak} leaked for {shown:?}: {text}"
            );
        }
    }
    assert_eq!(app.get("/healthz").await.0, 200, "the server is still up");
    let sessions = app.data("{ sessions { totalCount } }", json!({})).await;
    assert_eq!(sessions["sessions"]["totalCount"], 1, "nothing written");
    eprintln!("request-path fuzz: {n} requests, error codes {codes:?}");
}
