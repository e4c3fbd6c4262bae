//! A realistic data set at a chosen scale, for benchmarks (and reusable by later ones):
//! ten yearly sessions, ~200 handling units, deputies, suggestions with co-signers, and
//! assignments in every role and state, with due dates from the official calendar, answer
//! dates (some late), replies with categories and contacts, and publications (about half
//! the replies, FULL or SUMMARY, with the public text fixed as the publish service fixes it).
//!
//! Rows go in with multi-row INSERTs in large transactions; the generator is deterministic
//! (a fixed seed), so two runs at the same scale produce the same data.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::enums::{
    AssignmentRole, AssignmentStatus, FilingPeriod, Publication, ReplyCategory, SessionLevel,
    SuggestionKind, SuggestionStatus,
};
use entity::{assignment, deputy, handling_unit, reply, session, suggestion, suggestion_co_signer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::db::Db;
use crate::domain::category::{CategoryScheme, SchemePreset};
use crate::domain::deadline::{compute_due, due_soon_from, DeadlinePeriod, DeadlineRules};
use crate::domain::time::start_of_day;

/// How much data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// ~1,000 assignments: a smoke test.
    Small,
    /// ~100,000 assignments.
    Hundred,
    /// ~1,000,000 assignments: a province with its cities over ten years.
    Million,
}

impl Scale {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "small" => Some(Self::Small),
            "100k" => Some(Self::Hundred),
            "1m" => Some(Self::Million),
            _ => None,
        }
    }

    /// Suggestions per session (ten sessions); 1.6 assignments each on average.
    fn suggestions_per_session(self) -> usize {
        match self {
            Self::Small => 40,
            Self::Hundred => 6_250,
            Self::Million => 62_500,
        }
    }
}

/// What was generated.
#[derive(Debug, Default, Clone, Copy)]
pub struct Generated {
    pub sessions: usize,
    pub units: usize,
    pub deputies: usize,
    pub suggestions: usize,
    pub assignments: usize,
    pub replies: usize,
    pub ratings: u64,
    pub contact_records: u64,
}

const TOPICS: [&str; 8] = [
    "组织人事",
    "教科文卫",
    "城乡建设",
    "交通运输",
    "生态环境",
    "农业农村",
    "民政",
    "财政经济",
];
const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
];
const CITIES: [&str; 16] = [
    "合肥",
    "淮南",
    "蚌埠",
    "芜湖",
    "马鞍山",
    "安庆",
    "阜阳",
    "宿州",
    "六安",
    "亳州",
    "池州",
    "宣城",
    "铜陵",
    "黄山",
    "滁州",
    "淮北",
];
const DEPARTMENTS: [&str; 13] = [
    "人民政府",
    "教育局",
    "财政局",
    "人社局",
    "住建局",
    "交通运输局",
    "卫健委",
    "农业农村局",
    "生态环境局",
    "民政局",
    "公安局",
    "市场监管局",
    "自然资源局",
];

/// Fills an empty database. Refuses a database that already has suggestions.
pub async fn generate(db: &Db, scale: Scale, now: DateTime<Utc>) -> anyhow::Result<Generated> {
    let existing = suggestion::Entity::find().count(db.conn()).await?;
    anyhow::ensure!(
        existing == 0,
        "the database already has {existing} suggestions; generate into an empty one"
    );
    let mut rng = StdRng::seed_from_u64(20_261_122);
    let calendar = crate::service::calendar::load(db.conn())
        .await
        .map_err(|e| anyhow::anyhow!("loading the calendar: {e}"))?;
    let today = crate::domain::time::local_date(now);
    let rules = DeadlineRules::default();
    let mut out = Generated::default();

    let txn = db.begin_write().await?;
    // Units: departments of 16 cities (~200), each city's government the parent.
    let mut units = Vec::new();
    for (c, city) in CITIES.iter().enumerate() {
        for (d, department) in DEPARTMENTS.iter().enumerate() {
            units.push(handling_unit::ActiveModel {
                name: Set(format!("{city}市{department}")),
                code: Set(format!("G{c:02}-{d:02}")),
                parent_id: Set(None),
                office_phone: Set(Some(format!("0551-6{:06}", c * 100 + d))),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
    }
    out.units = units.len();
    handling_unit::Entity::insert_many(units)
        .exec(&*txn)
        .await?;
    let stored_units = handling_unit::Entity::find().all(&*txn).await?;
    let unit_ids: Vec<i64> = stored_units.iter().map(|u| u.id).collect();
    let unit_names: HashMap<i64, String> =
        stored_units.into_iter().map(|u| (u.id, u.name)).collect();

    let deputy_count = 5_000.min(scale.suggestions_per_session() * 2).max(50);
    for chunk in (0..deputy_count).collect::<Vec<_>>().chunks(500) {
        let rows = chunk.iter().map(|i| deputy::ActiveModel {
            name: Set(format!(
                "{}{}{}",
                SURNAMES[i % 12],
                GIVEN[(i / 12) % 12],
                GIVEN[(i / 144) % 12]
            )),
            delegation: Set(Some(format!("{}代表团", CITIES[i % 16]))),
            phone: Set(Some(format!("139{:08}", i))),
            address: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        deputy::Entity::insert_many(rows).exec(&*txn).await?;
    }
    out.deputies = deputy_count;
    let deputy_ids: Vec<i64> = deputy::Entity::find()
        .all(&*txn)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    txn.commit().await?;

    let scheme = serde_json::to_value(CategoryScheme::preset(SchemePreset::ThreeClass))?;
    let rules_json = serde_json::to_value(rules)?;
    for (s, year) in (today.year() - 9..=today.year()).enumerate() {
        let txn = db.begin_write().await?;
        let opens =
            NaiveDate::from_ymd_opt(year, 1, 15).ok_or_else(|| anyhow::anyhow!("bad year"))?;
        let session_row = session::Entity::insert(session::ActiveModel {
            name: Set(format!("省人大第{}次会议（{year}年）", s + 1)),
            level: Set(SessionLevel::Provincial),
            term: Set(13 + (s as i32) / 5),
            meeting: Set(1 + (s as i32) % 5),
            opens_on: Set(Some(opens)),
            closes_on: Set(Some(opens + Duration::days(5))),
            category_scheme: Set(scheme.clone()),
            deadline_rules: Set(rules_json.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(&*txn)
        .await?;
        let session_id = session_row.last_insert_id;
        out.sessions += 1;
        let n = scale.suggestions_per_session();
        for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
            let mut suggestions = Vec::with_capacity(chunk.len());
            let mut co_signers = Vec::new();
            let mut plans = Vec::with_capacity(chunk.len());
            for &i in chunk {
                let submitted_on = opens + Duration::days(rng.random_range(0..5));
                let topic = TOPICS[rng.random_range(0..TOPICS.len())];
                let lead = deputy_ids[rng.random_range(0..deputy_ids.len())];
                let assigned_on = submitted_on + Duration::days(rng.random_range(20..60));
                let plan = plan_assignments(&mut rng, &unit_ids);
                suggestions.push(suggestion::ActiveModel {
                    session_id: Set(session_id),
                    kind: Set(SuggestionKind::NpcSuggestion),
                    number: Set(format!("{:04}", i + 1)),
                    title: Set(format!("关于加强{topic}工作的建议（第{}号）", i + 1)),
                    content: Set(format!(
                        "建议进一步加强{topic}方面的工作，完善相关制度，加大投入力度。"
                    )),
                    period: Set(FilingPeriod::DuringSession),
                    lead_deputy_id: Set(lead),
                    topic: Set(Some(topic.to_owned())),
                    is_key: Set(rng.random_ratio(1, 50)),
                    supervising_leader: Set(None),
                    confidential: Set(rng.random_ratio(1, 100)),
                    status: Set(SuggestionStatus::Assigned),
                    submitted_on: Set(submitted_on),
                    version: Set(1),
                    registered_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
                plans.push((assigned_on, lead, plan, topic));
            }
            let numbers: Vec<String> = chunk.iter().map(|i| format!("{:04}", i + 1)).collect();
            suggestion::Entity::insert_many(suggestions)
                .exec(&*txn)
                .await?;
            let ids: HashMap<String, i64> = {
                use sea_orm::{ColumnTrait, QueryFilter};
                suggestion::Entity::find()
                    .filter(suggestion::Column::SessionId.eq(session_id))
                    .filter(suggestion::Column::Number.is_in(numbers.iter().cloned()))
                    .all(&*txn)
                    .await?
                    .into_iter()
                    .map(|s| (s.number, s.id))
                    .collect()
            };
            let mut chunk_ids = Vec::with_capacity(chunk.len());
            let mut topics = HashMap::with_capacity(chunk.len());
            let mut assignments = Vec::new();
            for (number, (assigned_on, lead, plan, topic)) in numbers.iter().zip(plans) {
                let suggestion_id = *ids
                    .get(number)
                    .ok_or_else(|| anyhow::anyhow!("suggestion {number} not stored"))?;
                chunk_ids.push(suggestion_id);
                topics.insert(suggestion_id, topic);
                for c in 0..rng.random_range(0..3) {
                    let d = deputy_ids[rng.random_range(0..deputy_ids.len())];
                    if d != lead
                        && !co_signers
                            .iter()
                            .any(|(s, x, _)| *s == suggestion_id && *x == d)
                    {
                        co_signers.push((suggestion_id, d, c + 1));
                    }
                }
                for (unit_id, role) in plan {
                    let period = if role == AssignmentRole::CoHandler {
                        DeadlinePeriod::CoHandlerOpinion
                    } else {
                        DeadlinePeriod::Reply
                    };
                    let due = compute_due(&rules, &calendar, assigned_on, period)
                        .ok_or_else(|| anyhow::anyhow!("due date out of range"))?;
                    // Past sessions are all answered (a tenth late); this year's is partly open.
                    let answered_on = if year < today.year() || rng.random_ratio(6, 10) {
                        let offset = if rng.random_ratio(1, 10) {
                            rng.random_range(1..40)
                        } else {
                            -rng.random_range(0..50)
                        };
                        Some(
                            (due.due_on + Duration::days(offset))
                                .min(today)
                                .max(assigned_on + Duration::days(1)),
                        )
                    } else {
                        None
                    };
                    let status = match (answered_on, role, year < today.year()) {
                        (None, _, _) => AssignmentStatus::SignedFor,
                        (Some(_), _, true) => AssignmentStatus::Closed,
                        (Some(_), AssignmentRole::CoHandler, false) => {
                            AssignmentStatus::OpinionSent
                        }
                        (Some(_), _, false) => AssignmentStatus::Replied,
                    };
                    assignments.push(assignment::ActiveModel {
                        suggestion_id: Set(suggestion_id),
                        session_id: Set(session_id),
                        unit_id: Set(unit_id),
                        role: Set(role),
                        assigned_on: Set(assigned_on),
                        due_on: Set(due.due_on),
                        due_on_explicit: Set(false),
                        original_due_on: Set(due.due_on),
                        due_soon_from: Set(due_soon_from(due.due_on, rules.due_soon_days)),
                        due_provisional: Set(due.provisional),
                        round: Set(1),
                        span_from: Set(assigned_on),
                        signed_for_at: Set(Some(now)),
                        status: Set(status),
                        answered_on: Set(answered_on),
                        contact_name: Set(Some("周敏".to_owned())),
                        contact_phone: Set(Some("0551-62600000".to_owned())),
                        version: Set(1),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    });
                }
            }
            out.assignments += assignments.len();
            for part in assignments.chunks(500) {
                assignment::Entity::insert_many(part.to_vec())
                    .exec(&*txn)
                    .await?;
            }
            if !co_signers.is_empty() {
                suggestion_co_signer::Entity::insert_many(co_signers.iter().map(|(s, d, p)| {
                    suggestion_co_signer::ActiveModel {
                        suggestion_id: Set(*s),
                        deputy_id: Set(*d),
                        position: Set(*p),
                    }
                }))
                .exec(&*txn)
                .await?;
            }
            // Replies of the answered, answering assignments.
            let answered_rows = {
                use sea_orm::{ColumnTrait, QueryFilter};
                assignment::Entity::find()
                    .filter(assignment::Column::SuggestionId.is_in(chunk_ids.iter().copied()))
                    .filter(assignment::Column::Role.ne(AssignmentRole::CoHandler))
                    .filter(assignment::Column::AnsweredOn.is_not_null())
                    .all(&*txn)
                    .await?
            };
            let replies: Vec<reply::ActiveModel> = answered_rows
                .iter()
                .map(|a| {
                    let roll = rng.random_range(0..10);
                    let category = match roll {
                        0..=5 => ReplyCategory::A,
                        6..=8 => ReplyCategory::B,
                        _ => ReplyCategory::C,
                    };
                    let published = rng.random_ratio(1, 2);
                    let replied_on = a.answered_on.unwrap_or(a.due_on);
                    let topic = topics.get(&a.suggestion_id).copied().unwrap_or(TOPICS[0]);
                    let unit = unit_names
                        .get(&a.unit_id)
                        .map_or("承办单位", String::as_str);
                    let body = reply_letter(topic, unit, a.id);
                    let summary = format!(
                        "关于加强{topic}工作的建议已办理，所提问题已列入工作计划，将分步推进解决。"
                    );
                    // Published as the publish service does (`service::reply::publish`): a
                    // fifth as SUMMARY, the rest FULL, the public text fixed at publication,
                    // some days after the letter. Drawn from the id, not the RNG, so the
                    // rest of the data set stays as it was.
                    let publication = match (published, a.id % 5) {
                        (false, _) => Publication::None,
                        (true, 0) => Publication::Summary,
                        (true, _) => Publication::Full,
                    };
                    let public_text = match publication {
                        Publication::None => None,
                        Publication::Summary => Some(summary.clone()),
                        Publication::Full => Some(body.clone()),
                    };
                    let published_at = published.then(|| {
                        let day = replied_on + Duration::days(5 + a.id % 25);
                        (start_of_day(day) + Duration::hours(10)).min(now)
                    });
                    reply::ActiveModel {
                        assignment_id: Set(a.id),
                        unit_id: Set(a.unit_id),
                        round: Set(1),
                        doc_number: Set(Some(format!(
                            "皖办函〔{}〕{}号",
                            replied_on.year(),
                            a.id % 1000
                        ))),
                        addressee: Set(None),
                        category: Set(category),
                        original_category: Set(None),
                        reviewed_at: Set(None),
                        body: Set(body),
                        summary: Set(Some(summary)),
                        signed_by: Set("承办单位".to_owned()),
                        replied_on: Set(replied_on),
                        contact_name: Set("周敏".to_owned()),
                        contact_phone: Set("0551-62600000".to_owned()),
                        copy_to: Set(None),
                        publication: Set(publication),
                        published_at: Set(published_at),
                        public_text: Set(public_text),
                        public_suggestion_text: Set(None),
                        version: Set(1),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                })
                .collect();
            out.replies += replies.len();
            for part in replies.chunks(500) {
                reply::Entity::insert_many(part.to_vec())
                    .exec(&*txn)
                    .await?;
            }
        }
        out.suggestions += n;
        txn.commit().await?;
        tracing::info!(
            year,
            suggestions = out.suggestions,
            assignments = out.assignments,
            "generated a session"
        );
    }
    let (ratings, contacts) = ratings_and_contacts(db, now).await?;
    out.ratings = ratings;
    out.contact_records = contacts;
    crate::service::deadline::rebuild_tallies(db.conn())
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding tallies: {e}"))?;
    crate::service::statistics::rebuild_facts(db.conn())
        .await
        .map_err(|e| anyhow::anyhow!("computing the statistics facts: {e}"))?;
    crate::service::search::rebuild(db)
        .await
        .map_err(|e| anyhow::anyhow!("building the search index: {e:?}"))?;
    // The planner's statistics of the whole data set, as an administrator refreshes them
    // after a bulk load. Without it SQLite keeps what `PRAGMA optimize` sampled while the
    // tables were filling (1,905 rows per session instead of 62,500), and drove the public
    // list from the sessions, sorting every published reply per page.
    use sea_orm::ConnectionTrait as _;
    db.conn()
        .execute_unprepared("ANALYZE")
        .await
        .map_err(|e| anyhow::anyhow!("analyzing the data set: {e}"))?;
    Ok(out)
}

/// The lead deputy's rating of four replies in five (a quarter of them 基本满意, the rest
/// 满意, on the reply date), and one contact with the deputy before handling for every
/// answered assignment (面商 for a third, else by phone), as `INSERT … SELECT` drawn from
/// the row ids so the rest of the data set stays as it was. Returns (ratings, contacts).
async fn ratings_and_contacts(db: &Db, now: DateTime<Utc>) -> anyhow::Result<(u64, u64)> {
    use sea_orm::{ConnectionTrait, Statement, Value};
    let backend = db.backend();
    let txn = db.begin_write().await?;
    let p = |n: usize| match backend {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let ratings = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO rating (reply_id, assignment_id, round, deputy_id, by_lead_deputy, \
                   satisfaction, rated_on, created_at) \
                 SELECT r.id, r.assignment_id, r.round, s.lead_deputy_id, TRUE, \
                   CASE WHEN r.id % 4 = 0 THEN 'BASICALLY_SATISFIED' ELSE 'SATISFIED' END, \
                   r.replied_on, {} \
                 FROM reply r JOIN assignment a ON a.id = r.assignment_id \
                 JOIN suggestion s ON s.id = a.suggestion_id \
                 WHERE r.id % 5 <> 0",
                p(1)
            ),
            [Value::from(now)],
        ))
        .await?
        .rows_affected();
    let contacts = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO contact_record (assignment_id, stage, method, contacted_on, \
                   participants, created_at) \
                 SELECT a.id, 'BEFORE', \
                   CASE WHEN a.id % 3 = 0 THEN 'FACE_TO_FACE' ELSE 'PHONE' END, \
                   a.assigned_on, '领衔代表；承办单位经办人', {} \
                 FROM assignment a WHERE a.answered_on IS NOT NULL",
                p(1)
            ),
            [Value::from(now)],
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok((ratings, contacts))
}

/// A reply letter of about 300 characters (real ones run longer), varied by `id` so the
/// published texts are not all alike.
fn reply_letter(topic: &str, unit: &str, id: i64) -> String {
    let situation = match id % 3 {
        0 => format!(
            "一、关于工作现状。近年来，{unit}围绕{topic}领域群众反映集中的问题，持续完善政策措施，加大投入力度，相关工作取得了阶段性成效，群众满意度逐年提升。"
        ),
        1 => format!(
            "一、关于基本情况。{unit}始终把{topic}工作摆在突出位置，建立了定期会商、分级负责、跟踪督办的工作机制，并将其纳入年度目标考核，确保各项任务落地见效。"
        ),
        _ => format!(
            "一、关于您反映的问题。经实地调研和部门会商，您反映的{topic}方面的问题确实存在，主要原因是配套制度不够健全、基层力量较为薄弱，我们已逐项研究提出解决办法。"
        ),
    };
    let next = match id % 2 {
        0 => "二、关于下一步工作。我们将认真吸纳您的意见建议：一是进一步健全制度，细化责任分工；二是加大资金保障力度，优先支持基层薄弱环节；三是加强监督检查，定期通报工作进展，及时回应群众关切。",
        _ => "二、关于您提出的具体建议。相关事项已列入今年重点工作计划，其中部分事项已经办结，其余事项将结合财力状况分步推进，力争在明年年底前全部完成，届时将另行向您通报。",
    };
    format!(
        "您提出的关于加强{topic}工作的建议收悉。我单位高度重视，由主要负责同志牵头，组织相关处室认真研究办理，现将办理情况答复如下：\n{situation}\n{next}\n衷心感谢您对{topic}工作的关心和支持，欢迎继续提出宝贵意见。\n{unit}"
    )
}

/// Units and roles for one suggestion: half SOLE, 30% LEAD with one or two co-handlers,
/// 20% two SEPARATE units.
fn plan_assignments(rng: &mut StdRng, unit_ids: &[i64]) -> Vec<(i64, AssignmentRole)> {
    let shape = pick_shape(rng);
    let mut pick = |taken: &[(i64, AssignmentRole)]| loop {
        let unit = unit_ids[rng.random_range(0..unit_ids.len())];
        if !taken.iter().any(|(u, _)| *u == unit) {
            break unit;
        }
    };
    let mut plan = Vec::new();
    match shape {
        0 => {
            let u = pick(&plan);
            plan.push((u, AssignmentRole::Sole));
        }
        1 | 2 => {
            let u = pick(&plan);
            plan.push((u, AssignmentRole::Lead));
            for _ in 0..shape {
                let u = pick(&plan);
                plan.push((u, AssignmentRole::CoHandler));
            }
        }
        _ => {
            for _ in 0..2 {
                let u = pick(&plan);
                plan.push((u, AssignmentRole::Separate));
            }
        }
    }
    plan
}

fn pick_shape(rng: &mut StdRng) -> u8 {
    match rng.random_range(0..10) {
        0..=4 => 0,
        5..=6 => 1,
        7 => 2,
        _ => 3,
    }
}
