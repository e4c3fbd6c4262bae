//! Words found in most texts, at a scale where they cost: `similarSuggestions` leaves the
//! common ones out (the search census) and ranks a bounded set of candidates of the asked
//! session, and `totalCount` of a common keyword is estimated from a sample and says so.

use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{json, Value};

use crate::helpers::*;
use banli::graphql::ids::{decode, Kind};

/// Suggestions of the older session (20 on 生态环境, the rest on 乡村道路), then the newer.
const OLDER: usize = 500;
const NEWER: usize = 2_000;
const ECOLOGY: usize = 20;

struct Sessions {
    older: String,
    newer: String,
}

/// 2,500 suggestions written directly (as the data generator does), then indexed and
/// counted by a rebuild of the search index.
async fn many_suggestions(app: &TestApp) -> Sessions {
    let older = app.session("十三届五次会议").await;
    let newer = app.session("十四届一次会议").await;
    let deputy = app.deputy("夏维奇").await;
    let raw = |id: &str, kind: Kind| {
        let (k, id) = decode(id).expect("a global ID");
        assert_eq!(k, kind);
        id
    };
    let (older_id, newer_id, deputy_id) = (
        raw(&older, Kind::Session),
        raw(&newer, Kind::Session),
        raw(&deputy, Kind::Deputy),
    );
    let now = fixed_now();
    let rows: Vec<entity::suggestion::ActiveModel> = (0..OLDER + NEWER)
        .map(|i| {
            let (session_id, number) = if i < OLDER {
                (older_id, i + 1)
            } else {
                (newer_id, i - OLDER + 1)
            };
            let title = if i < ECOLOGY {
                "关于加强生态环境保护的建议"
            } else {
                "关于改善乡村道路的建议"
            };
            entity::suggestion::ActiveModel {
                session_id: Set(session_id),
                kind: Set(entity::enums::SuggestionKind::NpcSuggestion),
                number: Set(format!("{number:04}")),
                title: Set(title.to_owned()),
                content: Set("建议有关部门研究办理。".to_owned()),
                period: Set(entity::enums::FilingPeriod::DuringSession),
                lead_deputy_id: Set(deputy_id),
                topic: Set(None),
                is_key: Set(false),
                supervising_leader: Set(None),
                confidential: Set(false),
                status: Set(entity::enums::SuggestionStatus::Registered),
                submitted_on: Set(chrono::NaiveDate::from_ymd_opt(2026, 1, 18).unwrap()),
                version: Set(1),
                registered_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    for part in rows.chunks(500) {
        entity::suggestion::Entity::insert_many(part.to_vec())
            .exec(app.db.conn())
            .await
            .expect("insert suggestions");
    }
    banli::service::search::rebuild(&app.db)
        .await
        .expect("rebuild the index");
    Sessions { older, newer }
}

async fn similar(app: &TestApp, text: &str, session: Option<&str>, first: i32) -> Vec<Value> {
    let data = app
        .data(
            "query($t: String!, $s: ID, $f: Int) { similarSuggestions(text: $t, sessionId: $s, first: $f) {
                score suggestion { number title session { name } } } }",
            json!({"t": text, "s": session, "f": first}),
        )
        .await;
    data["similarSuggestions"].as_array().unwrap().clone()
}

/// `totalCount` and `totalCountIsEstimate` of `list` (a connection field taking a
/// `filter` of type `filter_type`), as the caller of `app` sees them.
async fn count_of(app: &TestApp, list: &str, filter_type: &str, filter: Value) -> (u64, bool) {
    let data = app
        .data(
            &format!("query($f: {filter_type}) {{ {list}(filter: $f, first: 1) {{ totalCount totalCountIsEstimate }} }}"),
            json!({"f": filter}),
        )
        .await;
    let c = &data[list];
    (
        c["totalCount"].as_u64().unwrap(),
        c["totalCountIsEstimate"].as_bool().unwrap(),
    )
}

async fn counted(app: &TestApp, filter: Value) -> (u64, bool) {
    count_of(app, "suggestions", "SuggestionFilter", filter).await
}

#[actix_web::test]
async fn similar_suggestions_leave_common_words_out_and_rank_within_the_session() {
    let app = spawn_app().await;
    let sessions = many_suggestions(&app).await;
    // The census counted the index: 关于 and 建议 are in every document, 生态 in 20.
    let vocabulary = banli::service::search::vocabulary(
        app.db.conn(),
        &["关于".to_owned(), "生态".to_owned(), "道路".to_owned()],
    )
    .await
    .unwrap();
    assert_eq!(vocabulary.documents, (OLDER + NEWER) as u64);
    assert_eq!(vocabulary.documents_with("关于"), (OLDER + NEWER) as u64);
    assert_eq!(
        vocabulary.documents_with("道路"),
        (OLDER + NEWER - ECOLOGY) as u64
    );
    assert_eq!(
        vocabulary.documents_with("生态"),
        0,
        "under a hundredth: not counted"
    );

    // 关于, 改善 and 建议 are common, and together still in 2,480 texts: only the 20 on
    // 生态环境 are like this one (every text sharing a common word used to be a candidate).
    let found = similar(&app, "关于改善生态环境的建议", None, 50).await;
    assert_eq!(found.len(), ECOLOGY, "{found:#?}");
    for row in &found {
        let title = row["suggestion"]["title"].as_str().unwrap();
        assert!(title.contains("生态环境"), "{title}");
    }

    // Only common words (乡村道路 is in 2,480 texts): they must match together, and the
    // newest 2,000 candidates of the asked session are ranked, so an older session still
    // finds its own.
    let found = similar(&app, "乡村道路", Some(&sessions.older), 50).await;
    assert_eq!(found.len(), 50);
    for row in &found {
        assert_eq!(
            row["suggestion"]["session"]["name"], "十三届五次会议",
            "{row:#}"
        );
        assert!(row["suggestion"]["title"]
            .as_str()
            .unwrap()
            .contains("乡村道路"));
    }
    let found = similar(&app, "乡村道路", Some(&sessions.newer), 5).await;
    let numbers: Vec<&str> = found
        .iter()
        .map(|r| r["suggestion"]["number"].as_str().unwrap())
        .collect();
    // Equal scores: the newest first.
    assert_eq!(numbers, ["2000", "1999", "1998", "1997", "1996"]);
}

#[actix_web::test]
async fn a_common_keyword_is_counted_from_a_sample_and_says_so() {
    let app = spawn_app().await;
    let sessions = many_suggestions(&app).await;
    let all = (OLDER + NEWER) as u64;
    // No keyword, or a rare one (20 documents): exact.
    assert_eq!(counted(&app, json!({})).await, (all, false));
    assert_eq!(
        counted(&app, json!({"keyword": "生态环境"})).await,
        (ECOLOGY as u64, false)
    );
    // A word in every text: every sampled row matches (PostgreSQL estimates; SQLite
    // counts exactly).
    let sampled = app.db.backend() == sea_orm::DbBackend::Postgres;
    assert_eq!(
        counted(&app, json!({"keyword": "建议"})).await,
        (all, sampled)
    );
    // 道路, in 2,480 of 2,500: within 3% of the truth.
    let (estimate, is_estimate) = counted(&app, json!({"keyword": "道路"})).await;
    assert_eq!(is_estimate, sampled);
    let truth = all - ECOLOGY as u64;
    assert!(
        estimate.abs_diff(truth) * 100 <= truth * 3,
        "{estimate} for {truth}"
    );
    // The other filters leave at most a thousand rows: every one is checked, exactly.
    assert_eq!(
        counted(
            &app,
            json!({"keyword": "道路", "sessionId": sessions.older})
        )
        .await,
        ((OLDER - ECOLOGY) as u64, false)
    );
    assert_eq!(
        counted(
            &app,
            json!({"keyword": "生态", "sessionId": sessions.newer})
        )
        .await,
        (0, false)
    );
}

/// One published reply to each of the first `n` suggestions (one unit), written directly
/// as the data generator does, then indexed: the body names the suggestion's subject.
async fn published_replies(app: &TestApp, n: u64) {
    use sea_orm::{QueryOrder, QuerySelect};
    let unit = app.unit("交通运输局", "JTJ").await;
    let (_, unit_id) = decode(&unit).expect("a global ID");
    let suggestions: Vec<(i64, i64, String)> = entity::suggestion::Entity::find()
        .select_only()
        .columns([
            entity::suggestion::Column::Id,
            entity::suggestion::Column::SessionId,
            entity::suggestion::Column::Title,
        ])
        .order_by_asc(entity::suggestion::Column::Id)
        .limit(n)
        .into_tuple()
        .all(app.db.conn())
        .await
        .unwrap();
    let now = fixed_now();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let assignments: Vec<entity::assignment::ActiveModel> = suggestions
        .iter()
        .map(|(id, session_id, _)| entity::assignment::ActiveModel {
            suggestion_id: Set(*id),
            session_id: Set(*session_id),
            unit_id: Set(unit_id),
            role: Set(entity::enums::AssignmentRole::Lead),
            assigned_on: Set(day),
            due_on: Set(day + chrono::Duration::days(90)),
            due_on_explicit: Set(false),
            original_due_on: Set(day + chrono::Duration::days(90)),
            due_soon_from: Set(day + chrono::Duration::days(80)),
            due_provisional: Set(false),
            round: Set(1),
            span_from: Set(day),
            signed_for_at: Set(Some(now)),
            status: Set(entity::enums::AssignmentStatus::Replied),
            answered_on: Set(Some(day + chrono::Duration::days(30))),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for part in assignments.chunks(500) {
        entity::assignment::Entity::insert_many(part.to_vec())
            .exec(app.db.conn())
            .await
            .expect("insert assignments");
    }
    let assignment_ids: Vec<i64> = entity::assignment::Entity::find()
        .select_only()
        .column(entity::assignment::Column::Id)
        .order_by_asc(entity::assignment::Column::Id)
        .into_tuple()
        .all(app.db.conn())
        .await
        .unwrap();
    let replies: Vec<entity::reply::ActiveModel> = assignment_ids
        .iter()
        .zip(&suggestions)
        .map(|(assignment_id, (_, _, title))| {
            let text = format!("您提出的{title}收悉。现答复如下：我们将分步推进。");
            entity::reply::ActiveModel {
                assignment_id: Set(*assignment_id),
                unit_id: Set(unit_id),
                round: Set(1),
                category: Set(entity::enums::ReplyCategory::B),
                body: Set(text.clone()),
                signed_by: Set("王明".to_owned()),
                replied_on: Set(day + chrono::Duration::days(30)),
                contact_name: Set("周敏".to_owned()),
                contact_phone: Set("0551-62600000".to_owned()),
                publication: Set(entity::enums::Publication::Full),
                published_at: Set(Some(now)),
                public_text: Set(Some(text)),
                release_state: Set(entity::enums::ReleaseState::Sent),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
        })
        .collect();
    for part in replies.chunks(500) {
        entity::reply::Entity::insert_many(part.to_vec())
            .exec(app.db.conn())
            .await
            .expect("insert replies");
    }
    banli::service::search::rebuild(&app.db)
        .await
        .expect("rebuild the index");
}

async fn public_count(app: &TestApp, filter: Value) -> (u64, bool) {
    let public = app.as_public();
    count_of(&public, "publishedReplies", "PublishedReplyFilter", filter).await
}

#[actix_web::test]
async fn the_public_count_of_a_common_word_is_estimated_too() {
    let app = spawn_app().await;
    let sessions = many_suggestions(&app).await;
    // 1,500 published replies: 20 on 生态环境, the rest on 乡村道路; the older session
    // holds the first 500.
    published_replies(&app, 1_500).await;
    assert_eq!(public_count(&app, json!({})).await, (1_500, false));
    assert_eq!(
        public_count(&app, json!({"keyword": "生态环境"})).await,
        (ECOLOGY as u64, false)
    );
    let sampled = app.db.backend() == sea_orm::DbBackend::Postgres;
    assert_eq!(
        public_count(&app, json!({"keyword": "答复如下"})).await,
        (1_500, sampled)
    );
    let (estimate, is_estimate) = public_count(&app, json!({"keyword": "道路"})).await;
    assert_eq!(is_estimate, sampled);
    assert!(estimate.abs_diff(1_480) * 100 <= 1_480 * 3, "{estimate}");
    // One session's 500: every row checked.
    assert_eq!(
        public_count(
            &app,
            json!({"keyword": "道路", "sessionId": sessions.older})
        )
        .await,
        (480, false)
    );
}
