//! A realistic data set at a chosen scale, for benchmarks (and reusable by later ones):
//! ten yearly sessions, ~200 handling units, deputies, suggestions with co-signers, and
//! assignments in every role and state, with due dates from the official calendar, answer
//! dates (some late), replies with categories and contacts, and publications (about half
//! the replies, FULL or SUMMARY, with the public text fixed as the publish service fixes it).
//!
//! Rows go in with multi-row INSERTs in large transactions; the generator is deterministic
//! (a fixed seed), so two runs at the same scale produce the same data.

mod rows;

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

use crate::db::{Db, WriteTxn};
use crate::domain::category::{CategoryScheme, SchemePreset};
use crate::domain::deadline::{compute_due, due_soon_from, DeadlinePeriod, DeadlineRules};
use crate::domain::time::start_of_day;
use rows::*;

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
    let calendar = crate::service::calendar::load(db.conn())
        .await
        .map_err(|e| anyhow::anyhow!("loading the calendar: {e}"))?;
    let mut out = Generated::default();

    let txn = db.begin_write().await?;
    let (unit_ids, unit_names) = insert_units(&txn, now, &mut out).await?;
    let deputy_ids = insert_deputies(&txn, scale, now, &mut out).await?;
    txn.commit().await?;

    let mut generator = Generator {
        rng: StdRng::seed_from_u64(20_261_122),
        calendar,
        rules: DeadlineRules::default(),
        today: crate::domain::time::local_date(now),
        now,
        unit_ids,
        unit_names,
        deputy_ids,
        out,
    };
    let today = generator.today;
    for (s, year) in (today.year() - 9..=today.year()).enumerate() {
        generator.session(db, scale, s, year).await?;
    }
    let mut out = generator.out;
    let (ratings, contacts) = ratings_and_contacts(db, now).await?;
    out.ratings = ratings;
    out.contact_records = contacts;
    derive_and_analyze(db).await?;
    Ok(out)
}

/// Departments of 16 cities (~200 units). Returns their ids and names.
async fn insert_units(
    txn: &WriteTxn,
    now: DateTime<Utc>,
    out: &mut Generated,
) -> anyhow::Result<(Vec<i64>, HashMap<i64, String>)> {
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
        .exec(&**txn)
        .await?;
    let stored = handling_unit::Entity::find().all(&**txn).await?;
    let ids = stored.iter().map(|u| u.id).collect();
    Ok((ids, stored.into_iter().map(|u| (u.id, u.name)).collect()))
}

/// Deputies (up to 5,000) with made-up names and phone numbers. Returns their ids.
async fn insert_deputies(
    txn: &WriteTxn,
    scale: Scale,
    now: DateTime<Utc>,
    out: &mut Generated,
) -> anyhow::Result<Vec<i64>> {
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
        deputy::Entity::insert_many(rows).exec(&**txn).await?;
    }
    out.deputies = deputy_count;
    Ok(deputy::Entity::find()
        .all(&**txn)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect())
}

/// The derived tables (tallies, statistics facts, search index) rebuilt from the rows, and
/// the planner's statistics of the whole data set, as an administrator refreshes them after
/// a bulk load. Without `ANALYZE` SQLite keeps what `PRAGMA optimize` sampled while the
/// tables were filling (1,905 rows per session instead of 62,500), and drove the public
/// list from the sessions, sorting every published reply per page.
async fn derive_and_analyze(db: &Db) -> anyhow::Result<()> {
    crate::service::deadline::rebuild_tallies(db.conn())
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding tallies: {e}"))?;
    crate::service::statistics::rebuild_facts(db.conn())
        .await
        .map_err(|e| anyhow::anyhow!("computing the statistics facts: {e}"))?;
    crate::service::search::rebuild(db)
        .await
        .map_err(|e| anyhow::anyhow!("building the search index: {e:?}"))?;
    use sea_orm::ConnectionTrait as _;
    db.conn()
        .execute_unprepared("ANALYZE")
        .await
        .map_err(|e| anyhow::anyhow!("analyzing the data set: {e}"))?;
    Ok(())
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
