//! No N+1: the number of SQL statements a nested list query makes does not grow with the
//! page size, because every relation goes through a batched DataLoader.

use serde_json::json;

use crate::helpers::{codes, id_at, spawn_app, spawn_app_with, TestApp};

const NESTED: &str = "query($first: Int) { suggestions(first: $first, orderBy: NUMBER_ASC) {
    edges { node { number session { name } leadDeputy { name phone } coSigners { name }
      assignments { role dueOn unit { name parent { name } } replies { category } }
      replies { category contactName } } } } }";

async fn statements_for(app: &TestApp, query: &str, first: i64) -> (u64, usize) {
    let before = app.db.statement_count();
    let data = app.data(query, json!({"first": first})).await;
    let after = app.db.statement_count();
    let rows = data.as_object().unwrap().values().next().unwrap()["edges"]
        .as_array()
        .unwrap()
        .len();
    (after - before, rows)
}

#[actix_web::test]
async fn nested_suggestion_list_statement_count_is_constant_in_page_size() {
    // The caller's token stays cached for the whole test, however slow the machine: the
    // counts below are the pages' statements only.
    let app = spawn_app_with(|s| s.auth_cache_secs = 3600).await;
    let session = app.session("会议").await;
    let deputies = [
        app.deputy("甲").await,
        app.deputy("乙").await,
        app.deputy("丙").await,
    ];
    let parent = app.unit("淮南市人民政府", "HN").await;
    let lead = app
        .create_unit(json!({"name": "市委组织部", "code": "ZZB", "parentId": parent}))
        .await;
    let lead = id_at(&lead, "handlingUnit.id");
    let co = app.unit("市财政局", "CZJ").await;
    for n in 0..50 {
        let p = app
            .register(json!({"sessionId": session, "leadDeputyId": deputies[n % 3],
                "coSignerIds": [deputies[(n + 1) % 3], deputies[(n + 2) % 3]],
                "number": format!("{n:04}"), "title": "标题", "content": "内容", "submittedOn": "2026-01-10"}))
            .await;
        let suggestion = id_at(&p, "suggestion.id");
        let a = app
            .assign(
                json!({"suggestionId": suggestion, "assignedOn": "2026-02-01",
                "units": [{"unitId": lead, "role": "LEAD"}, {"unitId": co, "role": "CO_HANDLER"}]}),
            )
            .await;
        if n % 2 == 0 {
            app.sign_for(&id_at(&a, "assignments.0.id")).await;
            app.opinion(&id_at(&a, "assignments.1.id"), "2026-02-10")
                .await;
            let r = app
                .submit_reply(TestApp::reply_input(&id_at(&a, "assignments.0.id")))
                .await;
            assert_eq!(codes(&r), Vec::<String>::new(), "{r:#}");
        }
    }

    let (small, rows_small) = statements_for(&app, NESTED, 5).await;
    let (large, rows_large) = statements_for(&app, NESTED, 50).await;
    assert_eq!((rows_small, rows_large), (5, 50));
    assert_eq!(small, large, "statements for 5 rows vs 50 rows");
    // page + session + deputies + co-signers + assignments + replies of suggestions
    // + units + parent units + replies of assignments, + the caller's token with its user
    assert!(large <= 10, "{large} statements for one nested page");

    // Under concurrent requests a desk page's relations still load in whole batches: the
    // list loads them up front (`loaders::prefetch`), so no batch splits when requests
    // interleave (before, 40 concurrent pages of 50 made 2.4 times the statements).
    let desk = "query($first: Int) { suggestions(first: $first, orderBy: NUMBER_ASC) {
        nodes { number leadDeputy { name } assignments { role unit { name } replies { category } }
        replies { category } } } }";
    let alone = {
        let before = app.db.statement_count();
        app.data(desk, json!({"first": 50})).await;
        app.db.statement_count() - before
    };
    // The page, the deputies, assignments with units, replies of assignments and of
    // suggestions (the token is cached).
    assert_eq!(alone, 5, "statements of one desk page");
    let before = app.db.statement_count();
    let pages = (0..40).map(|_| app.data(desk, json!({"first": 50})));
    for data in futures_util::future::join_all(pages).await {
        assert_eq!(data["suggestions"]["nodes"].as_array().unwrap().len(), 50);
    }
    let concurrent = app.db.statement_count() - before;
    assert_eq!(concurrent, 40 * alone, "statements of 40 concurrent pages");

    let assignments = "query($first: Int) { assignments(first: $first) {
        edges { node { dueOn unit { name } suggestion { number leadDeputy { name } } replies { category } } } } }";
    let (small, _) = statements_for(&app, assignments, 5).await;
    let (large, rows) = statements_for(&app, assignments, 50).await;
    assert_eq!(rows, 50);
    assert_eq!(
        small, large,
        "assignment list statements for 5 rows vs 50 rows"
    );
}

/// The public list is banli's hottest path: one statement per page (every field it shows
/// comes from one joined query), one more for `totalCount`, and nothing to authenticate.
#[actix_web::test]
async fn published_reply_list_is_one_statement_per_page() {
    let app = spawn_app().await;
    for n in 0..12 {
        app.published_reply(&format!("{n:04}")).await;
    }
    let public = app.as_public();
    let query = "query($first: Int) { publishedReplies(first: $first) { edges { node {
        id title suggestionNumber session { name } unit { name } deputyName text categoryLabel
        contactName contactPhone repliedOn publishedAt } } } }";
    for first in [1, 12] {
        let (statements, rows) = statements_for(&public, query, first).await;
        assert_eq!(rows, first as usize);
        assert_eq!(statements, 1, "first: {first}");
    }
    let counted = "query($first: Int) { publishedReplies(first: $first) { totalCount edges { node { id } } } }";
    let (statements, rows) = statements_for(&public, counted, 12).await;
    assert_eq!((statements, rows), (2, 12));
}

/// A suggestion's page, as a desk opens it: the suggestion with its lead deputy (one
/// statement), its assignments with their units (one), their replies (one). The caller's
/// token is looked up once and then answered from the token cache for a few seconds.
#[actix_web::test]
async fn a_suggestion_page_is_three_statements_and_the_token_is_looked_up_once() {
    let app = spawn_app().await;
    let session = app.session("会议").await;
    let deputy = app.deputy("甲").await;
    let lead = app.unit("市委组织部", "ZZB").await;
    let co = app.unit("市财政局", "CZJ").await;
    let p = app
        .register(
            json!({"sessionId": session, "leadDeputyId": deputy, "number": "0255",
            "title": "标题", "content": "内容", "submittedOn": "2026-01-10"}),
        )
        .await;
    let suggestion = id_at(&p, "suggestion.id");
    let a = app
        .assign(
            json!({"suggestionId": suggestion, "assignedOn": "2026-02-01",
            "units": [{"unitId": lead, "role": "LEAD"}, {"unitId": co, "role": "CO_HANDLER"}]}),
        )
        .await;
    app.sign_for(&id_at(&a, "assignments.0.id")).await;
    app.opinion(&id_at(&a, "assignments.1.id"), "2026-02-10")
        .await;
    let r = app
        .submit_reply(TestApp::reply_input(&id_at(&a, "assignments.0.id")))
        .await;
    assert_eq!(codes(&r), Vec::<String>::new(), "{r:#}");

    let page = "query($id: ID!) { suggestion(id: $id) { number leadDeputy { name }
        assignments { role unit { name } replies { category } } } }";
    // A fresh sign-in: its first request looks the token up, the next ones do not.
    let desk = app.user("desk", "OFFICE_STAFF", None, None).await;
    let mut counts = Vec::new();
    for _ in 0..3 {
        let before = app.db.statement_count();
        let data = desk.data(page, json!({"id": suggestion})).await;
        counts.push(app.db.statement_count() - before);
        assert_eq!(data["suggestion"]["number"], "0255");
        assert_eq!(data["suggestion"]["leadDeputy"]["name"], "甲");
        assert_eq!(
            data["suggestion"]["assignments"][0]["unit"]["name"],
            "市委组织部"
        );
        assert_eq!(
            data["suggestion"]["assignments"][1]["unit"]["name"],
            "市财政局"
        );
        assert_eq!(
            data["suggestion"]["assignments"][0]["replies"][0]["category"],
            "A"
        );
    }
    assert_eq!(counts, [4, 3, 3], "statements per request");
}
