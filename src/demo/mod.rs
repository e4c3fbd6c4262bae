//! `banli demo`: a small, realistic data set for trying banli out and for front-end work.
//!
//! Everything goes through the services, so the demo obeys the same rules as real data.
//! It is idempotent: when the demo session is complete, a second run changes nothing.
//! The people and phone numbers are invented, except the published reply of seed 000
//! (contact 马友竹, 0554-6678417), which is public.

mod accounts;
mod extras;
mod seed;
pub use accounts::*;
use extras::*;
use seed::*;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use entity::enums::{
    AssignmentRole, FeedbackStatus, FilingPeriod, Publication, ReplyCategory, SessionLevel,
    SuggestionKind,
};
use entity::{public_feedback, suggestion};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::db::Db;
use crate::domain::access::{Role, Scope};
use crate::domain::category::SchemePreset;
use crate::domain::time::{local_date, ZONE};
use crate::service::{self, ServiceError};

pub const SESSION_NAME: &str = "省人大十三届五次会议";

const LAST_NUMBER: &str = "0262";

const UNITS: [(&str, &str, &str); 12] = [
    ("淮南市人民政府", "HN-GOV", "0554-6678417"),
    ("中共淮南市委组织部", "HN-ZZB", "0554-6671234"),
    ("淮南市教育局", "HN-JYJ", "0554-6642100"),
    ("淮南市财政局", "HN-CZJ", "0554-6643200"),
    ("淮南市人力资源和社会保障局", "HN-RSJ", "0554-6644300"),
    ("淮南市住房和城乡建设局", "HN-ZJJ", "0554-6645400"),
    ("淮南市交通运输局", "HN-JTJ", "0554-6646500"),
    ("淮南市卫生健康委员会", "HN-WJW", "0554-6647600"),
    ("淮南市农业农村局", "HN-NYJ", "0554-6648700"),
    ("淮南市生态环境局", "HN-HBJ", "0554-6649800"),
    ("淮南市民政局", "HN-MZJ", "0554-6650900"),
    ("淮南市公安局", "HN-GAJ", "0554-6651000"),
];

const DEPUTIES: [(&str, &str, &str); 8] = [
    ("夏维奇", "淮南代表团", "13805540001"),
    ("李明华", "淮南代表团", "13905540002"),
    ("王秀英", "淮南代表团", "0554-2660003"),
    ("张建国", "合肥代表团", "13705510004"),
    ("陈丽", "淮南代表团", "18955400005"),
    ("刘志强", "蚌埠代表团", "15055200006"),
    ("周晓燕", "淮南代表团", "13605540007"),
    ("赵德胜", "阜阳代表团", "13355800008"),
];

const SEED_TITLE: &str = "关于加强基层干部赴沪苏浙交流培养 提升乡镇(街道)工作能力和水平的建议";

const SEED_BODY: &str = "夏维奇代表：\n\n您在人大十三届五次会议上提出的第0255号《关于加强基层干部赴沪苏浙交流培养 提升乡镇(街道)工作能力和水平的建议》收悉，我市经研究办理，现答复如下：\n\n长期以来，我市高度重视基层干部队伍建设，在坚持严格要求、严格管理的基础上，从突出实干导向、提升能力素质、加强监督管理、完善激励保障等关键环节入手，着力建设一支高素质的基层干部队伍。\n\n一、基层干部赴沪苏浙交流培养工作开展情况\n\n我市围绕全市重大战略、重点工作和重要产业，建立健全同长三角一体化发展相适应的干部交流机制，统筹选派优秀基层干部赴沪苏浙地区开展交流学习，拓展视野、增长才干。2021年以来，市级选派53名优秀年轻干部赴沪苏浙地区、合肥市辖县区(园区)、省直机关和战略新兴产业企业跟班学习或实践锻炼，各县区选派71名基层干部赴江苏、浙江等先发地区跟班学习。\n\n二、提升基层干部工作能力工作开展情况\n\n近年来，我市着眼提高“七种能力”工作部署，加强统筹，不断提升基层干部履职尽责能力水平。\n\n三、基层干部区域性流动工作开展情况\n\n根据干部管理权限，我市健全完善“选育管用”工作机制，加大培养储备发现力度。2021年以来，各县区共交流乡镇(街道)干部342人次。\n\n下一步，我市将着力加强高素质干部队伍建设，大力培养选拔优秀年轻干部，进一步激励干部担当作为。";

fn date(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| anyhow::anyhow!("bad demo date {y}-{m}-{d}"))
}

fn china_time(y: i32, m: u32, d: u32, h: u32, min: u32) -> anyhow::Result<DateTime<Utc>> {
    ZONE.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| anyhow::anyhow!("bad demo time"))
}

/// Turns a service error into a plain error: the demo data is fixed, so any user error
/// here is a bug in the demo.
fn ok<T>(result: Result<T, ServiceError>, what: &str) -> anyhow::Result<T> {
    result.map_err(|e| match e {
        ServiceError::User(errors) => anyhow::anyhow!("demo {what} refused: {errors:?}"),
        ServiceError::Unexpected(e) => e.context(format!("demo {what}")),
    })
}

struct Story {
    number: &'static str,
    title: &'static str,
    lead: usize,
    co_signers: &'static [usize],
    topic: &'static str,
    is_key: bool,
    confidential: bool,
    submitted_on: (i32, u32, u32),
    /// Units with roles, and the assignment date; none leaves it REGISTERED.
    units: &'static [(usize, AssignmentRole)],
    /// Reply of the first answering unit: category and date; none leaves it ASSIGNED.
    reply: Option<(ReplyCategory, (i32, u32, u32))>,
    publish: Option<Publication>,
}

const STORIES: [Story; 7] = [
    Story {
        number: "0256",
        title: "关于加快推进老旧小区改造的建议",
        lead: 1,
        co_signers: &[4],
        topic: "城乡建设",
        is_key: false,
        confidential: false,
        submitted_on: (2022, 1, 18),
        units: &[],
        reply: None,
        publish: None,
    },
    Story {
        number: "0257",
        title: "关于加强乡村教师队伍建设的建议",
        lead: 2,
        co_signers: &[],
        topic: "教科文卫",
        is_key: false,
        confidential: false,
        submitted_on: (2022, 1, 18),
        units: &[(2, AssignmentRole::Sole)],
        reply: None,
        publish: None,
    },
    Story {
        number: "0258",
        title: "关于改善城乡公交衔接的建议",
        lead: 3,
        co_signers: &[5, 6],
        topic: "交通运输",
        is_key: false,
        confidential: false,
        submitted_on: (2022, 1, 19),
        units: &[(6, AssignmentRole::Separate), (5, AssignmentRole::Separate)],
        reply: Some((ReplyCategory::B, (2022, 4, 20))),
        publish: None,
    },
    Story {
        number: "0259",
        title: "关于完善基层医疗卫生服务体系的建议",
        lead: 4,
        co_signers: &[],
        topic: "教科文卫",
        is_key: false,
        confidential: false,
        submitted_on: (2022, 1, 19),
        units: &[(7, AssignmentRole::Sole)],
        reply: Some((ReplyCategory::C, (2022, 4, 28))),
        publish: None,
    },
    Story {
        number: "0260",
        title: "关于加强采煤沉陷区综合治理的建议",
        lead: 5,
        co_signers: &[0],
        topic: "生态环境",
        is_key: false,
        confidential: true,
        submitted_on: (2022, 1, 20),
        units: &[(9, AssignmentRole::Sole)],
        reply: Some((ReplyCategory::A, (2022, 5, 10))),
        publish: None,
    },
    Story {
        number: "0261",
        title: "关于支持高校毕业生到基层就业的建议",
        lead: 6,
        co_signers: &[1],
        topic: "组织人事",
        is_key: false,
        confidential: false,
        submitted_on: (2022, 1, 20),
        units: &[(4, AssignmentRole::Sole)],
        reply: Some((ReplyCategory::A, (2022, 5, 16))),
        publish: Some(Publication::Summary),
    },
    Story {
        number: "0262",
        title: "关于提升基层养老服务能力的建议",
        lead: 7,
        co_signers: &[2, 3],
        topic: "民政",
        is_key: true,
        confidential: false,
        submitted_on: (2022, 1, 21),
        units: &[(10, AssignmentRole::Lead), (3, AssignmentRole::CoHandler)],
        reply: None,
        publish: None,
    },
];

/// Loads the demo data set; returns a one-line report.
pub async fn load(db: &Db) -> anyhow::Result<String> {
    let now = Utc::now();
    let today = local_date(now);
    if let Some(report) = already_loaded(db).await? {
        return Ok(report);
    }
    let (session, units, deputies) = load_people(db, now).await?;
    // The accounts first, so the story's steps tell them as they would tell real users.
    let accounts = load_accounts(db, &units, &deputies, now).await?;
    load_seed(db, session.id, &units, &deputies, now, today).await?;
    load_filings(db, session.id, &deputies, now, today).await?;
    for story in &STORIES {
        load_story(db, session.id, &units, &deputies, story, now, today).await?;
    }
    reply_under_review(db, session.id, now, today).await?;
    Ok(format!(
        "demo data loaded: session {SESSION_NAME}, {} units, {} deputies, {} suggestions\n\
         demo accounts (username / password / role), for trying banli out only:\n{accounts}",
        units.len(),
        deputies.len(),
        STORIES.len() + 1
    ))
}

/// The report when the demo is already complete; an error when a partial one is there.
async fn already_loaded(db: &Db) -> anyhow::Result<Option<String>> {
    let session = entity::session::Entity::find()
        .filter(entity::session::Column::Name.eq(SESSION_NAME))
        .one(db.conn())
        .await?;
    let Some(session) = session else {
        return Ok(None);
    };
    let existing = service::suggestion::filtered(
        db.backend(),
        &service::suggestion::SuggestionFilter {
            scope: Scope::All,
            ..Default::default()
        },
    );
    let complete = existing
        .filter(suggestion::Column::SessionId.eq(session.id))
        .filter(suggestion::Column::Number.eq(LAST_NUMBER))
        .one(db.conn())
        .await?
        .is_some();
    anyhow::ensure!(
        complete,
        "a partial demo session {SESSION_NAME} exists; load the demo into a fresh database"
    );
    Ok(Some(format!(
        "demo data already present ({SESSION_NAME}); nothing changed"
    )))
}

type People = (
    entity::session::Model,
    Vec<entity::handling_unit::Model>,
    Vec<entity::deputy::Model>,
);

/// The session, its handling units and its deputies.
async fn load_people(db: &Db, now: DateTime<Utc>) -> anyhow::Result<People> {
    let session = ok(
        service::session::create(
            db,
            service::session::NewSession {
                name: SESSION_NAME.into(),
                level: SessionLevel::Provincial,
                term: 13,
                meeting: 5,
                opens_on: Some(date(2022, 1, 17)?),
                closes_on: Some(date(2022, 1, 21)?),
                category_scheme: SchemePreset::ThreeClass,
                deadline_rules: None,
                reminder_days: None,
            },
            now,
        )
        .await,
        "session",
    )?;
    let mut units = Vec::new();
    for (name, code, phone) in UNITS {
        let input = service::unit::NewUnit {
            name: name.into(),
            code: code.into(),
            parent_id: None,
            office_phone: Some(phone.into()),
        };
        units.push(ok(service::unit::create(db, input, now).await, "unit")?);
    }
    let mut deputies = Vec::new();
    for (name, delegation, phone) in DEPUTIES {
        let input = service::deputy::NewDeputy {
            name: name.into(),
            delegation: Some(delegation.into()),
            phone: Some(phone.into()),
            address: Some("安徽省淮南市田家庵区".into()),
        };
        deputies.push(ok(service::deputy::create(db, input, now).await, "deputy")?);
    }
    Ok((session, units, deputies))
}

async fn load_story(
    db: &Db,
    session_id: i64,
    units: &[entity::handling_unit::Model],
    deputies: &[entity::deputy::Model],
    story: &Story,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let created = register_story(db, session_id, deputies, story, now, today).await?;
    if story.units.is_empty() {
        return Ok(());
    }
    let assignments = assign_story(db, created.id, units, story, now, today).await?;
    if story.is_key {
        supervise(db, created.id, now, today).await?;
        // 催办: the office presses the lead unit, which sees it among its notices.
        let urge = service::workflow::UrgeInput {
            assignment_id: assignments[0].id,
            expected_version: None,
            message: "该件为重点督办建议，请加快办理进度，按期报送办理进展。".into(),
            by: crate::domain::workflow::ActorRole::Office,
        };
        ok(service::workflow::urge(db, urge, now).await, story.number)?;
    }
    let Some((category, replied_on)) = story.reply else {
        return Ok(());
    };
    let first = assignments
        .first()
        .ok_or_else(|| anyhow::anyhow!("{} has no assignment", story.number))?;
    let unit = units
        .iter()
        .find(|u| u.id == first.unit_id)
        .ok_or_else(|| anyhow::anyhow!("unit of {} missing", story.number))?;
    let lead = &deputies[story.lead];
    let reply = reply_story(
        db,
        (first.id, unit),
        lead,
        story,
        (category, replied_on),
        now,
    )
    .await?;
    if let Some(publication) = story.publish {
        ok(
            service::reply::publish(
                db,
                service::reply::PublishInput {
                    reply_id: reply.id,
                    expected_version: None,
                    publication,
                    summary: None,
                    redact: Vec::new(),
                    with_suggestion_text: false,
                    with_letter: false,
                    published_at: None,
                },
                now,
            )
            .await,
            story.number,
        )?;
    }
    Ok(())
}

async fn register_story(
    db: &Db,
    session_id: i64,
    deputies: &[entity::deputy::Model],
    story: &Story,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<suggestion::Model> {
    let (y, m, d) = story.submitted_on;
    ok(
        service::suggestion::register(
            db,
            service::suggestion::NewSuggestion {
                session_id,
                kind: SuggestionKind::NpcSuggestion,
                number: story.number.into(),
                title: story.title.into(),
                content: format!(
                    "{}。建议有关部门加强统筹，制定具体措施，明确责任分工和时间表。",
                    story.title.trim_end_matches("的建议")
                ),
                period: FilingPeriod::DuringSession,
                lead_deputy_id: deputies[story.lead].id,
                co_signer_ids: story.co_signers.iter().map(|i| deputies[*i].id).collect(),
                topic: Some(story.topic.into()),
                is_key: story.is_key,
                supervising_leader: story.is_key.then(|| "副市长 孙立新".into()),
                confidential: story.confidential,
                submitted_on: Some(date(y, m, d)?),
            },
            now,
            today,
        )
        .await,
        story.number,
    )
}

/// Assigns the story's units and signs for every assignment. The key suggestion is
/// assigned recently, so it shows up as due; the rest in spring 2022.
async fn assign_story(
    db: &Db,
    suggestion_id: i64,
    units: &[entity::handling_unit::Model],
    story: &Story,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<Vec<entity::assignment::Model>> {
    let assigned_on = if story.is_key {
        today
    } else {
        date(2022, 2, 10)?
    };
    let (_, assignments) = ok(
        service::assignment::assign(
            db,
            service::assignment::AssignInput {
                suggestion_id,
                expected_version: None,
                assigned_on: Some(assigned_on),
                units: story
                    .units
                    .iter()
                    .map(|(unit, role)| service::assignment::UnitAssignment {
                        unit_id: units[*unit].id,
                        role: *role,
                        due_on: None,
                    })
                    .collect(),
            },
            now,
            today,
        )
        .await,
        story.number,
    )?;
    for assignment in &assignments {
        ok(
            service::workflow::sign_for(db, assignment.id, None, now).await,
            story.number,
        )?;
    }
    Ok(assignments)
}

async fn reply_story(
    db: &Db,
    (assignment_id, unit): (i64, &entity::handling_unit::Model),
    lead: &entity::deputy::Model,
    story: &Story,
    (category, (y, m, d)): (ReplyCategory, (i32, u32, u32)),
    now: DateTime<Utc>,
) -> anyhow::Result<entity::reply::Model> {
    let (reply, _) = ok(
        service::reply::submit(
            db,
            service::reply::NewReply {
                assignment_id,
                expected_version: None,
                doc_number: Some(format!(
                    "{}函〔2022〕{}号",
                    unit.code,
                    story.number.trim_start_matches('0')
                )),
                addressee: Some(format!("{}代表", lead.name)),
                category,
                body: format!(
                    "{}代表：\n\n您提出的第{}号建议收悉。经认真研究，现答复如下：……（答复正文）",
                    lead.name, story.number
                ),
                summary: Some(format!(
                    "第{}号建议已办理，答复类别为{:?}类。",
                    story.number, category
                )),
                signed_by: unit.name.clone(),
                replied_on: Some(date(y, m, d)?),
                contact_name: "周敏".into(),
                contact_phone: unit
                    .office_phone
                    .clone()
                    .unwrap_or_else(|| "0554-6600000".into()),
                copy_to: None,
                archived: false,
            },
            now,
            local_date(now),
        )
        .await,
        story.number,
    )?;
    Ok(reply)
}
