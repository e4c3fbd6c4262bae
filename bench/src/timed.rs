//! The timed in-process queries: the deadline, statistics and search commands, run through
//! the real GraphQL schema (no HTTP), with the query plans of the deadline queries.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use banli::config::Settings;
use banli::db::Db;
use banli::domain::time::SystemClock;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{office_caller, percentile, sizes, truncate};

/// The schema the commands run their queries on.
fn schema(db: &Db, settings: &Settings) -> anyhow::Result<banli::graphql::BanliSchema> {
    Ok(banli::graphql::build_schema(
        db.clone(),
        Arc::new(SystemClock),
        banli::graphql::Limits::from_settings(settings),
        banli::graphql::Policies::from_settings(settings)?,
    ))
}

/// `deadlineSummary` and the overdue list, now and a year ago, and their query plans.
pub(crate) async fn deadlines(
    db: &Db,
    settings: &Settings,
    iterations: usize,
) -> anyhow::Result<()> {
    let schema = schema(db, settings)?;
    let count: i64 = db
        .conn()
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT COUNT(*) AS n FROM assignment",
        ))
        .await?
        .context("no count")?
        .try_get("", "n")?;
    println!("backend {:?}, {count} assignments", db.backend());
    let session: i64 = db
        .conn()
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT MAX(id) AS id FROM session",
        ))
        .await?
        .context("no session")?
        .try_get("", "id")?;
    let session_id = banli::graphql::ids::encode(banli::graphql::ids::Kind::Session, session).0;
    time_query(&schema, db, "deadlineSummary (all sessions)", "{ deadlineSummary { overall { overdue dueSoon notDue answeredOnTime answeredLate } byUnit { unit { name } counts { overdue } } } }", iterations).await?;
    time_query(&schema, db, "deadlineSummary (current session)", &format!("{{ deadlineSummary(sessionId: \"{session_id}\") {{ overall {{ overdue dueSoon notDue answeredOnTime answeredLate }} byUnit {{ unit {{ name }} counts {{ overdue }} }} }} }}"), iterations).await?;
    time_query(&schema, db, "assignments(OVERDUE, first: 50)", "{ assignments(filter: {deadlineStatus: [OVERDUE]}, first: 50) { edges { node { dueOn unit { name } suggestion { number title } } } } }", iterations).await?;
    time_query(&schema, db, "assignments(OVERDUE, first: 50) + totalCount", "{ assignments(filter: {deadlineStatus: [OVERDUE]}, first: 50) { totalCount edges { node { dueOn unit { name } suggestion { number title } } } } }", iterations).await?;
    // As of a past date (a year ago): the deadline history decides.
    let past = banli::domain::time::local_date(chrono::Utc::now()) - chrono::Duration::days(365);
    time_query(&schema, db, "deadlineSummary (all sessions, a year ago)", &format!("{{ deadlineSummary(asOf: \"{past}\") {{ overall {{ overdue dueSoon notDue answeredOnTime answeredLate }} }} }}"), iterations).await?;
    time_query(&schema, db, "assignments(OVERDUE a year ago, first: 50)", &format!("{{ assignments(filter: {{deadlineStatus: [OVERDUE]}}, asOf: \"{past}\", first: 50) {{ edges {{ node {{ dueOn daysLate(asOf: \"{past}\") unit {{ name }} }} }} }} }}"), iterations).await?;
    time_query(&schema, db, "statistics by unit (a year ago)", &format!("{{ statistics(groupBy: [UNIT], asOf: \"{past}\") {{ rows {{ replied }} total {{ overdue }} }} }}"), iterations).await?;
    let today = banli::domain::time::local_date(chrono::Utc::now());
    println!("query plans (as of {today}, the forms the services send):");
    let open = format!("assigned_on <= '{today}' AND status NOT IN ('RETURNED','WITHDRAWN') AND answered_on IS NULL");
    let plans = [
        ("OVERDUE page", format!("SELECT * FROM assignment WHERE {open} AND due_on < '{today}' ORDER BY due_on, id LIMIT 51")),
        ("OVERDUE totalCount", format!("SELECT COUNT(*) FROM assignment WHERE {open} AND due_on < '{today}'")),
        ("deadlineSummary, open deadlines, all sessions", format!("SELECT unit_id, SUM(CASE WHEN due_on < '{today}' THEN 1 ELSE 0 END) FROM assignment WHERE {open} GROUP BY unit_id")),
        ("deadlineSummary, open deadlines, one session", format!("SELECT unit_id, SUM(CASE WHEN due_on < '{today}' THEN 1 ELSE 0 END) FROM assignment WHERE {open} AND session_id = {session} GROUP BY unit_id")),
        ("deadlineSummary, answered deadlines (tallies)", format!("SELECT * FROM assignment_tally WHERE session_id = {session}")),
    ];
    for (name, sql) in plans {
        println!("  {name}:");
        explain(db, &sql).await?;
    }
    Ok(())
}

/// `statistics` grouped each way (all sessions and the latest one).
pub(crate) async fn statistics(
    db: &Db,
    settings: &Settings,
    iterations: usize,
) -> anyhow::Result<()> {
    let schema = schema(db, settings)?;
    let (assignments, session) = sizes(db).await?;
    println!("backend {:?}, {assignments} assignments", db.backend());
    let session_id = banli::graphql::ids::encode(banli::graphql::ids::Kind::Session, session).0;
    let figures = "suggestions assignments replied replyRate { percent } onTimeRate { percent } overdue averageDaysLate maxDaysLate categories { count share { percent } } solvedRate { percent } satisfactionFirst { percent } satisfactionFinal { percent } meetingRate { percent } feedbackReceived feedbackOpen";
    let cases = [
        (
            "statistics by UNIT (all sessions)",
            "groupBy: [UNIT]",
            "unit { name }",
        ),
        (
            "statistics by SESSION",
            "groupBy: [SESSION]",
            "session { name }",
        ),
        (
            "statistics by TOPIC (all sessions)",
            "groupBy: [TOPIC]",
            "topic",
        ),
        (
            "statistics by CATEGORY (all sessions)",
            "groupBy: [CATEGORY]",
            "category",
        ),
        (
            "statistics by MONTH (all sessions)",
            "groupBy: [MONTH]",
            "month",
        ),
    ];
    for (name, args, group) in cases {
        let query = format!("{{ statistics({args}) {{ rows {{ {group} {figures} }} }} }}");
        time_query(&schema, db, name, &query, iterations).await?;
    }
    let query = format!("{{ statistics(filter: {{sessionId: \"{session_id}\"}}, groupBy: [UNIT]) {{ rows {{ unit {{ name }} {figures} }} total {{ {figures} }} }} }}");
    time_query(
        &schema,
        db,
        "statistics by UNIT (latest session) + total",
        &query,
        iterations,
    )
    .await?;
    Ok(())
}

/// The staff's keyword search, rare to ubiquitous words, and `similarSuggestions`.
pub(crate) async fn search(db: &Db, settings: &Settings, iterations: usize) -> anyhow::Result<()> {
    let schema = schema(db, settings)?;
    let (assignments, _) = sizes(db).await?;
    println!("backend {:?}, {assignments} assignments", db.backend());
    // From a suggestion number (10 matches) to a word in every suggestion; 答复如下 and
    // 分级负责 occur in replies only.
    let keywords = [
        ("number 0255", "0255"),
        ("nowhere", "不存在的词"),
        ("a topic (1/8 of suggestions)", "生态环境"),
        ("a topic, traditional", "生態環境"),
        ("two words", "生态环境 分步推进"),
        ("in a third of the replies", "分级负责"),
        ("in every reply", "答复如下"),
        ("in every suggestion", "建议"),
    ];
    for (name, keyword) in keywords {
        let query = format!("{{ suggestions(filter: {{keyword: \"{keyword}\"}}, first: 20) {{ nodes {{ number title }} }} }}");
        time_query(&schema, db, &format!("keyword: {name}"), &query, iterations).await?;
    }
    for (name, keyword) in [
        ("number 0255", "0255"),
        ("a topic", "生态环境"),
        ("in every suggestion", "建议"),
    ] {
        let query = format!("{{ suggestions(filter: {{keyword: \"{keyword}\"}}, first: 20) {{ totalCount totalCountIsEstimate nodes {{ number title }} }} }}");
        time_query(
            &schema,
            db,
            &format!("keyword + totalCount: {name}"),
            &query,
            iterations,
        )
        .await?;
    }
    for (name, keyword) in [
        ("number 0255", "0255"),
        ("a topic (too common to rank)", "生态环境"),
    ] {
        let query = format!("{{ suggestions(filter: {{keyword: \"{keyword}\"}}, orderBy: RELEVANCE, first: 20) {{ nodes {{ number title }} }} }}");
        time_query(
            &schema,
            db,
            &format!("RELEVANCE: {name}"),
            &query,
            iterations,
        )
        .await?;
    }
    similar_and_public(&schema, db, iterations).await
}

/// `similarSuggestions` three ways, and `publishedReplies`' count of a common word.
async fn similar_and_public(
    schema: &banli::graphql::BanliSchema,
    db: &Db,
    iterations: usize,
) -> anyhow::Result<()> {
    let (_, session) = sizes(db).await?;
    let session_id = banli::graphql::ids::encode(banli::graphql::ids::Kind::Session, session).0;
    let title = "关于加强生态环境保护工作的建议";
    for (name, args) in [
        ("similarSuggestions (a title)", String::new()),
        (
            "similarSuggestions (a title, latest session)",
            format!(", sessionId: \"{session_id}\""),
        ),
        (
            "similarSuggestions (topic words only)",
            String::from(", text: \"生态环境\""),
        ),
    ] {
        let text = if args.contains("text:") {
            String::new()
        } else {
            format!("text: \"{title}\", ")
        };
        let query = format!(
            "{{ similarSuggestions({text}first: 10{args}) {{ score suggestion {{ number title }} }} }}"
        );
        time_query(schema, db, name, &query, iterations).await?;
    }
    for (name, keyword) in [
        ("publishedReplies + totalCount: in every reply", "答复"),
        ("publishedReplies + totalCount: a topic", "生态环境"),
    ] {
        let query = format!("{{ publishedReplies(filter: {{keyword: \"{keyword}\"}}, first: 20) {{ totalCount totalCountIsEstimate nodes {{ title }} }} }}");
        time_query(schema, db, name, &query, iterations).await?;
    }
    Ok(())
}

pub(crate) async fn time_query(
    schema: &banli::graphql::BanliSchema,
    db: &Db,
    name: &str,
    query: &str,
    iterations: usize,
) -> anyhow::Result<()> {
    let mut times = Vec::with_capacity(iterations);
    let mut statements = 0;
    for i in 0..=iterations {
        let before = db.statement_count();
        let start = Instant::now();
        let request = banli::graphql::prepare(
            async_graphql::Request::new(query),
            db,
            format!("bench-{i}"),
            office_caller(),
            Default::default(),
            banli::config::Environment::Development,
        );
        let response = schema.execute(request).await;
        let elapsed = start.elapsed();
        anyhow::ensure!(response.errors.is_empty(), "{name}: {:?}", response.errors);
        if i == 0 {
            println!(
                "  first answer: {}",
                truncate(&response.data.to_string(), 300)
            );
            continue; // warm-up
        }
        statements = db.statement_count() - before;
        times.push(elapsed);
    }
    times.sort();
    println!(
        "{name:<48} n={iterations:<4} p50={:>8.2} ms  p95={:>8.2} ms  max={:>8.2} ms  statements/request={statements}",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 1.0),
    );
    Ok(())
}

async fn explain(db: &Db, sql: &str) -> anyhow::Result<()> {
    let backend = db.backend();
    let prefix = match backend {
        DbBackend::Sqlite => "EXPLAIN QUERY PLAN ",
        _ => "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ",
    };
    let rows = db
        .conn()
        .query_all_raw(Statement::from_string(backend, format!("{prefix}{sql}")))
        .await?;
    for row in rows {
        let line: String = match backend {
            DbBackend::Sqlite => row.try_get::<String>("", "detail")?,
            _ => row.try_get_by_index::<String>(0)?,
        };
        println!("    {line}");
    }
    Ok(())
}
