//! Chinese full-text search through the API, on SQLite (FTS5) and PostgreSQL (tsvector):
//! two-character words, simplified/traditional folding, numbers and mixed Latin, who may
//! find what, and an index that follows every edit.

use serde_json::json;

use crate::helpers::*;

/// Texts in the style of the seeds: one simplified, one traditional (seed 003's wording,
/// with its scraping noise 發(fā)展), one about something else.
const CASES: [(&str, &str, &str); 3] = [
    (
        "0255",
        "关于加强基层干部培训的建议",
        "建议加强乡镇干部的教育培训，完善干部交流机制。",
    ),
    (
        "0256",
        "關於建強領導班子的建議",
        "培養更多“狼性”幹部，為高質量發(fā)展提供組織保證，推動滬蘇浙合作。",
    ),
    (
        "0257",
        "关于改善乡村道路的建议",
        "将A类项目优先列入计划，PM2.5监测点同步建设。",
    ),
];

struct Fixture {
    /// Suggestion ids by number.
    suggestions: Vec<(String, String)>,
    unit_a: String,
    unit_b: String,
    /// The assignment of 0257 to unit A.
    assignment_a: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let session = app.session("省人大十三届五次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let mut suggestions = Vec::new();
    for (number, title, content) in CASES {
        let p = app
            .register(
                json!({"sessionId": session, "leadDeputyId": deputy, "number": number,
                "title": title, "content": content, "submittedOn": "2026-01-18"}),
            )
            .await;
        assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
        suggestions.push((number.to_owned(), id_at(&p, "suggestion.id")));
    }
    let unit_a = app.unit("交通运输局", "JTJ").await;
    let unit_b = app.unit("水利局", "SLJ").await;
    let p = app
        .assign(json!({"suggestionId": suggestions[2].1, "assignedOn": "2026-02-01",
            "units": [{"unitId": unit_a, "role": "LEAD"}, {"unitId": unit_b, "role": "CO_HANDLER"}]}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let assignment_a = id_at(&p, "assignments.0.id");
    Fixture {
        suggestions,
        unit_a,
        unit_b,
        assignment_a,
    }
}

/// The numbers of the suggestions `keyword` finds, in number order.
async fn found(app: &TestApp, keyword: &str) -> Vec<String> {
    let data = app
        .data(
            "query($f: SuggestionFilter) { suggestions(filter: $f, first: 100, orderBy: NUMBER_ASC) {
                totalCount nodes { number } } }",
            json!({"f": {"keyword": keyword}}),
        )
        .await;
    let numbers: Vec<String> = data["suggestions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        data["suggestions"]["totalCount"],
        numbers.len(),
        "totalCount agrees with the page for {keyword:?}"
    );
    numbers
}

#[actix_web::test]
async fn words_are_found_in_either_script() {
    let app = spawn_app().await;
    fixture(&app).await;
    let cases: &[(&str, &[&str])] = &[
        // Two-character words, in both scripts, whichever script the text used.
        ("干部", &["0255", "0256"]),
        ("幹部", &["0255", "0256"]),
        ("培训", &["0255"]),
        ("領導", &["0256"]),
        ("领导", &["0256"]),
        ("领导班子", &["0256"]),
        ("建议", &["0255", "0256", "0257"]),
        // Numbers, Latin letters and mixed words.
        ("0255", &["0255"]),
        ("0256", &["0256"]),
        ("沪苏浙", &["0256"]),
        ("A类", &["0257"]),
        ("ａ类项目", &["0257"]),
        ("PM2", &["0257"]),
        // A single character is found wherever it occurs.
        ("培", &["0255", "0256"]),
        // Several words: all must occur.
        ("干部 领导", &["0256"]),
        ("干部 交流", &["0255"]),
        // Misses: absent words, reversed or split characters, other numbers.
        ("教师", &[]),
        ("部干", &[]),
        ("干部培养", &[]),
        ("0258", &[]),
        ("025", &[]),
        ("B类", &[]),
    ];
    for (keyword, expected) in cases {
        assert_eq!(found(&app, keyword).await, *expected, "keyword {keyword:?}");
    }
    // Nothing searchable (punctuation only) filters nothing.
    assert_eq!(found(&app, "，。").await.len(), 3);
    // Text that looks like FTS or tsquery syntax is only text.
    for keyword in [
        "\"干部",
        "干部*",
        "干部 OR 道路",
        "'干部' & '道路'",
        "NEAR(干部)",
        "干部:*",
    ] {
        let numbers = found(&app, keyword).await;
        assert!(numbers.len() <= 3, "{keyword:?}: {numbers:?}");
    }
    assert_eq!(found(&app, "干部 OR 道路").await, Vec::<String>::new());
}

#[actix_web::test]
async fn the_index_follows_every_edit() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let id = &f.suggestions[2].1;
    assert_eq!(found(&app, "道路").await, ["0257"]);
    let p = app
        .data(
            "mutation($i: UpdateSuggestionInput!) { updateSuggestion(input: $i) {
                suggestion { number } userErrors { code } } }",
            json!({"i": {"id": id, "title": "关于修缮乡村桥梁的建议", "number": "0300"}}),
        )
        .await;
    assert_eq!(codes(&p["updateSuggestion"]), Vec::<String>::new(), "{p:#}");
    assert_eq!(found(&app, "道路").await, Vec::<String>::new());
    assert_eq!(found(&app, "桥梁").await, ["0300"]);
    assert_eq!(found(&app, "0300").await, ["0300"]);
    assert_eq!(found(&app, "0257").await, Vec::<String>::new());
    // Editing something else leaves the words where they were.
    let p = app
        .data(
            "mutation($i: UpdateSuggestionInput!) { updateSuggestion(input: $i) { userErrors { code } } }",
            json!({"i": {"id": id, "topic": "交通"}}),
        )
        .await;
    assert_eq!(codes(&p["updateSuggestion"]), Vec::<String>::new());
    assert_eq!(found(&app, "桥梁").await, ["0300"]);
}

#[actix_web::test]
async fn reply_bodies_are_found_by_those_who_may_read_them() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    app.sign_for(&f.assignment_a).await;
    // The lead answers once the co-handler's opinion is in; the co-handler sends it first.
    let co = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Suggestion { assignments { id unit { id } } } } }",
            json!({"id": f.suggestions[2].1}),
        )
        .await;
    let assignment_b = co["node"]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["unit"]["id"] == f.unit_b.as_str())
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .unwrap();
    app.opinion(&assignment_b, "2026-03-01").await;
    let mut input = TestApp::reply_input(&f.assignment_a);
    input["body"] = json!("经研究，拟在明年完成路面硬化，并增设錯車道。");
    let p = app.submit_reply(input).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");

    assert_eq!(found(&app, "路面硬化").await, ["0257"], "the office");
    assert_eq!(found(&app, "错车道").await, ["0257"], "folded");
    let lead = app
        .user("search-a", "UNIT_STAFF", Some(&f.unit_a), None)
        .await;
    assert_eq!(
        found(&lead, "路面硬化").await,
        ["0257"],
        "the unit that wrote it"
    );
    // The co-handler sees the suggestion, but not words only the lead's reply holds.
    let co_unit = app
        .user("search-b", "UNIT_STAFF", Some(&f.unit_b), None)
        .await;
    assert_eq!(
        found(&co_unit, "道路").await,
        ["0257"],
        "its own suggestion"
    );
    assert_eq!(found(&co_unit, "路面硬化").await, Vec::<String>::new());
    // And no unit finds suggestions outside its own.
    assert_eq!(found(&co_unit, "干部").await, Vec::<String>::new());

    // Every way the staff list can apply a keyword — plain subqueries, the ids of a rare
    // word, row-by-row probes of a common one — selects the same suggestions, whoever asks.
    use banli::domain::access::Scope;
    use banli::domain::search::SearchQuery;
    use banli::graphql::ids::decode;
    use banli::service::search::KeywordPlan;
    use banli::service::suggestion::{filtered, plan, KeywordPlans, SuggestionFilter};
    use sea_orm::{QueryOrder, QuerySelect};
    let unit = |id: &str| decode(id).map(|(_, id)| id).unwrap();
    let conn = app.db.conn();
    let backend = app.db.backend();
    let ids = |filter: SuggestionFilter| async move {
        filtered(backend, &filter)
            .select_only()
            .column(entity::suggestion::Column::Id)
            .order_by_asc(entity::suggestion::Column::Id)
            .into_tuple::<i64>()
            .all(conn)
            .await
            .unwrap()
    };
    for scope in [
        Scope::All,
        Scope::Unit(unit(&f.unit_a)),
        Scope::Unit(unit(&f.unit_b)),
    ] {
        for keyword in [
            "路面硬化",
            "錯車道",
            "干部",
            "道路",
            "建议",
            "0257",
            "不存在的词",
        ] {
            let plain = SuggestionFilter {
                scope,
                keyword: Some(keyword.to_owned()),
                ..SuggestionFilter::default()
            };
            let planned = plan(&app.db, plain.clone()).await.unwrap();
            let query = SearchQuery::parse(keyword).unwrap();
            let probing = |probe_replies| SuggestionFilter {
                keyword_plan: Some(std::sync::Arc::new(KeywordPlans {
                    suggestions: KeywordPlan::Probe(query.clone()),
                    replies: KeywordPlan::Probe(query.clone()),
                    probe_replies,
                })),
                ..plain.clone()
            };
            let expected = ids(plain.clone()).await;
            assert_eq!(ids(planned).await, expected, "{scope:?} {keyword}");
            for dense in [false, true] {
                assert_eq!(ids(probing(dense)).await, expected, "{scope:?} {keyword}");
            }
        }
    }
}

async fn public_numbers(app: &TestApp, keyword: &str) -> Vec<String> {
    let data = app
        .as_public()
        .data(
            "query($f: PublishedReplyFilter) { publishedReplies(filter: $f, first: 100) {
                totalCount nodes { suggestionNumber } } }",
            json!({"f": {"keyword": keyword}}),
        )
        .await;
    let mut numbers: Vec<String> = data["publishedReplies"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["suggestionNumber"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    assert_eq!(data["publishedReplies"]["totalCount"], numbers.len());
    numbers
}

#[actix_web::test]
async fn public_search_sees_only_published_text() {
    let app = spawn_app().await;
    let (reply, _) = app.published_reply("0255").await;
    let published = app
        .as_public()
        .data(
            "query($id: ID!) { publishedReply(id: $id) { text title } }",
            json!({"id": reply}),
        )
        .await;
    let text = published["publishedReply"]["text"].as_str().unwrap();
    // Any two characters of the published text find it, in the other script too.
    let word: String = text.chars().filter(|c| *c > '\u{4E00}').take(2).collect();
    assert_eq!(public_numbers(&app, &word).await, ["0255"], "{word}");
    assert_eq!(public_numbers(&app, "0255").await, ["0255"]);
    // An unpublished reply's words are not public, even when the office can find them.
    let (_, _, assignment) = assigned(&app, "0260").await;
    let mut input = TestApp::reply_input(&assignment);
    input["body"] = json!("尚未公开的答复：拟新建污水處理廠。");
    let p = app.submit_reply(input).await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(found(&app, "污水处理厂").await, ["0260"]);
    assert_eq!(
        public_numbers(&app, "污水处理厂").await,
        Vec::<String>::new()
    );
    // Publishing makes them public, found in either script.
    let p = app
        .publish(json!({"replyId": id_at(&p, "reply.id"), "publication": "FULL"}))
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    assert_eq!(public_numbers(&app, "污水处理厂").await, ["0260"]);
    assert_eq!(public_numbers(&app, "污水處理廠").await, ["0260"]);
}

#[actix_web::test]
async fn a_lost_index_is_rebuilt_at_start_up() {
    let app = spawn_app().await;
    fixture(&app).await;
    app.published_reply("0300").await;
    assert_eq!(found(&app, "幹部").await, ["0255", "0256"]);
    // As after an upgrade whose tokenizer changed: the version is gone, the index empty.
    let sqlite = app.backend == "sqlite";
    let mut wipe = vec!["DELETE FROM search_index".to_owned()];
    for table in ["suggestion_search", "reply_search", "public_search"] {
        wipe.push(if sqlite {
            format!("INSERT INTO {table} ({table}) VALUES ('delete-all')")
        } else {
            format!("DELETE FROM {table}")
        });
    }
    for sql in &wipe {
        sea_orm::ConnectionTrait::execute_unprepared(app.db.conn(), sql)
            .await
            .unwrap();
    }
    assert_eq!(found(&app, "幹部").await, Vec::<String>::new());
    banli::startup::migrate(&app.db).await.unwrap();
    assert_eq!(found(&app, "幹部").await, ["0255", "0256"]);
    assert_eq!(public_numbers(&app, "0300").await, ["0300"]);
}

/// Both ways a keyword can filter (by the ids of a rare word, or by checking each row for a
/// common one) select the same rows, on either database.
#[actix_web::test]
async fn rare_and_common_keyword_plans_agree() {
    use banli::domain::search::SearchQuery;
    use banli::service::search::{Index, KeywordPlan};
    use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};

    let app = spawn_app().await;
    for number in ["0255", "0256", "0257"] {
        app.published_reply(number).await;
    }
    let conn = app.db.conn();
    let backend = app.db.backend();
    let ids = |plan: KeywordPlan| async move {
        entity::reply::Entity::find()
            .select_only()
            .column(entity::reply::Column::Id)
            .filter(plan.condition(backend, Index::Public, r#""reply"."id""#))
            .order_by_asc(entity::reply::Column::Id)
            .into_tuple::<i64>()
            .all(conn)
            .await
            .unwrap()
    };
    for keyword in ["0255", "0256 0257", "答复", "答", "不存在的词"] {
        let query = SearchQuery::parse(keyword).unwrap();
        let planned = KeywordPlan::for_query(conn, Index::Public, query.clone())
            .await
            .unwrap();
        assert!(
            matches!(planned, KeywordPlan::Ids(_)),
            "a few rows are rare"
        );
        let by_ids = ids(planned).await;
        let by_probe = ids(KeywordPlan::Probe(query)).await;
        assert_eq!(by_ids, by_probe, "{keyword}");
    }
    let all = ids(KeywordPlan::Probe(SearchQuery::parse("0255").unwrap())).await;
    assert_eq!(all.len(), 1);
}

/// The numbers `similarSuggestions` returns for `text`, best first.
async fn similar(app: &TestApp, text: &str, extra: serde_json::Value) -> Vec<String> {
    let mut variables = json!({"text": text});
    if let (Some(v), Some(extra)) = (variables.as_object_mut(), extra.as_object()) {
        v.extend(extra.clone());
    }
    let data = app
        .data(
            "query($text: String!, $s: ID, $x: ID, $first: Int) {
                similarSuggestions(text: $text, sessionId: $s, excludeId: $x, first: $first) {
                  score suggestion { number } } }",
            variables,
        )
        .await;
    let rows = data["similarSuggestions"].as_array().unwrap();
    let scores: Vec<f64> = rows.iter().map(|r| r["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    rows.iter()
        .map(|r| r["suggestion"]["number"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn similar_suggestions_put_the_likely_duplicate_first() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    // A new suggestion about cadre training, in either script, finds 0255 first (its
    // title shares the most words), then 0256 (幹部 in its text); nothing about roads.
    let found = similar(&app, "关于加强乡镇干部教育培训的建议", json!({})).await;
    assert_eq!(found.first().map(String::as_str), Some("0255"), "{found:?}");
    assert!(found.contains(&"0256".to_owned()), "{found:?}");
    let found = similar(&app, "關於加強鄉鎮幹部教育培訓", json!({})).await;
    assert_eq!(found.first().map(String::as_str), Some("0255"), "{found:?}");
    let found = similar(&app, "改善乡村道路", json!({})).await;
    assert_eq!(found, ["0257"]);
    // The one being edited is left out; another session has none; so has punctuation.
    let found = similar(
        &app,
        "关于加强基层干部培训的建议",
        json!({"x": f.suggestions[0].1}),
    )
    .await;
    assert!(!found.contains(&"0255".to_owned()), "{found:?}");
    let other = app.session("市人大十六届三次会议").await;
    assert!(similar(&app, "干部培训", json!({"s": other}))
        .await
        .is_empty());
    assert!(similar(&app, "……！", json!({})).await.is_empty());
    assert_eq!(similar(&app, "干部", json!({"first": 1})).await.len(), 1);
    // A unit sees only what it handles: unit A has 0257 alone.
    let staff = app.user("jtj", "UNIT_STAFF", Some(&f.unit_a), None).await;
    assert_eq!(
        similar(&staff, "干部培训", json!({})).await,
        Vec::<String>::new()
    );
    assert_eq!(similar(&staff, "乡村道路", json!({})).await, ["0257"]);
    // Out-of-range sizes are refused; the public may not ask at all.
    let refused = app
        .graphql(
            "{ similarSuggestions(text: \"干部\", first: 51) { score } }",
            json!({}),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "INVALID");
    let public = app
        .as_public()
        .graphql(
            "{ similarSuggestions(text: \"干部\") { score } }",
            json!({}),
        )
        .await;
    assert_eq!(public["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // Candidates are loaded in one batch, whatever their number.
    let before = app.db.statement_count();
    similar(&app, "建议", json!({"first": 3})).await;
    let three = app.db.statement_count() - before;
    let before = app.db.statement_count();
    similar(&app, "建议", json!({"first": 1})).await;
    let one = app.db.statement_count() - before;
    assert_eq!(
        three, one,
        "statements do not grow with the number of candidates"
    );
}

/// The numbers of one RELEVANCE page for `keyword`, and the cursor after it.
async fn by_relevance(
    app: &TestApp,
    keyword: &str,
    first: i64,
    after: Option<&str>,
) -> (Vec<String>, Option<String>, bool) {
    let data = app
        .data(
            "query($f: SuggestionFilter, $first: Int, $after: String) {
                suggestions(filter: $f, orderBy: RELEVANCE, first: $first, after: $after) {
                  totalCount edges { cursor node { number } } pageInfo { hasNextPage } } }",
            json!({"f": {"keyword": keyword}, "first": first, "after": after}),
        )
        .await;
    let edges = data["suggestions"]["edges"].as_array().unwrap();
    let numbers = edges
        .iter()
        .map(|e| e["node"]["number"].as_str().unwrap().to_owned())
        .collect();
    let cursor = edges
        .last()
        .map(|e| e["cursor"].as_str().unwrap().to_owned());
    let more = data["suggestions"]["pageInfo"]["hasNextPage"]
        .as_bool()
        .unwrap();
    (numbers, cursor, more)
}

#[actix_web::test]
async fn relevance_puts_title_matches_first_and_pages_through_the_rest() {
    let app = spawn_app().await;
    fixture(&app).await;
    // 0258 says 干部 once in its text; 0255 in its title and twice in its text; 0256 once,
    // in traditional script, in its text.
    let session = app.session("市人大十六届三次会议").await;
    let deputy = app.deputy("王芳").await;
    let p = app
        .register(
            json!({"sessionId": session, "leadDeputyId": deputy, "number": "0258",
            "title": "关于完善农村道路养护机制的建议", "content": "建议安排干部定期巡查农村道路。",
            "submittedOn": "2026-01-18"}),
        )
        .await;
    assert_eq!(codes(&p), Vec::<String>::new(), "{p:#}");
    let (all, _, more) = by_relevance(&app, "干部", 10, None).await;
    assert_eq!(all.first().map(String::as_str), Some("0255"), "{all:?}");
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(!more);
    // Page by page, the same order, each once.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let (page, cursor, more) = by_relevance(&app, "干部", 1, after.as_deref()).await;
        paged.extend(page);
        if !more {
            break;
        }
        after = cursor;
    }
    assert_eq!(paged, all);
    // A cursor of another ordering is refused.
    let other = app
        .data("{ suggestions(first: 1) { edges { cursor } } }", json!({}))
        .await;
    let foreign = other["suggestions"]["edges"][0]["cursor"].as_str().unwrap();
    let refused = app
        .graphql(
            "query($a: String) { suggestions(filter: {keyword: \"干部\"}, orderBy: RELEVANCE, after: $a) { totalCount } }",
            json!({"a": foreign}),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "INVALID",
        "{refused:#}"
    );
    // Without a keyword RELEVANCE is newest first.
    let (newest, _, _) = by_relevance(&app, "", 10, None).await;
    assert_eq!(newest, ["0258", "0257", "0256", "0255"]);
}
