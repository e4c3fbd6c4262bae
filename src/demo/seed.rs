//! Seed 000: suggestion 0255, answered by the city government, published, with public
//! feedback — the published reply letter banli was modelled on.

use super::*;

/// Registers, assigns, answers and publishes suggestion 0255, and adds its feedback.
pub(super) async fn load_seed(
    db: &Db,
    session_id: i64,
    units: &[entity::handling_unit::Model],
    deputies: &[entity::deputy::Model],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let lead = assign_seed(db, session_id, units, deputies, now, today).await?;
    let (seed_reply, _) = ok(
        service::reply::submit(
            db,
            service::reply::NewReply {
                assignment_id: lead.id,
                expected_version: None,
                doc_number: Some("淮府办函〔2022〕56号".into()),
                addressee: Some("夏维奇代表".into()),
                category: ReplyCategory::A,
                body: SEED_BODY.into(),
                summary: None,
                signed_by: "淮南市人民政府".into(),
                replied_on: Some(date(2022, 9, 16)?),
                contact_name: "马友竹".into(),
                contact_phone: "0554-6678417".into(),
                copy_to: Some("省人大常委会选联工委，省政府办公厅".into()),
                archived: false,
            },
            now,
            today,
        )
        .await,
        "replying to 0255",
    )?;
    ok(
        service::reply::publish(
            db,
            service::reply::PublishInput {
                reply_id: seed_reply.id,
                expected_version: None,
                publication: Publication::Full,
                summary: None,
                redact: Vec::new(),
                with_suggestion_text: true,
                with_letter: false,
                published_at: None,
            },
            china_time(2022, 9, 19, 14, 52)?,
        )
        .await,
        "publishing 0255",
    )?;
    seed_feedback(db, seed_reply.id, now).await
}

/// Registers 0255, assigns it to the city government as lead and signs for it. Returns
/// the lead assignment.
async fn assign_seed(
    db: &Db,
    session_id: i64,
    units: &[entity::handling_unit::Model],
    deputies: &[entity::deputy::Model],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<entity::assignment::Model> {
    let seed = ok(
        service::suggestion::register(
            db,
            service::suggestion::NewSuggestion {
                session_id,
                kind: SuggestionKind::NpcSuggestion,
                number: "0255".into(),
                title: SEED_TITLE.into(),
                content: "建议加大基层干部赴上海、江苏、浙江等先发地区交流培养力度，拓宽基层干部区域性流动渠道，提升乡镇（街道）干部工作能力和水平。".into(),
                period: FilingPeriod::DuringSession,
                lead_deputy_id: deputies[0].id,
                co_signer_ids: vec![deputies[1].id, deputies[4].id],
                topic: Some("组织人事".into()),
                is_key: false,
                supervising_leader: None,
                confidential: false,
                submitted_on: Some(date(2022, 1, 18)?),
            },
            now,
            today,
        )
        .await,
        "suggestion 0255",
    )?;
    let (_, seed_assignments) = ok(
        service::assignment::assign(
            db,
            service::assignment::AssignInput {
                suggestion_id: seed.id,
                expected_version: None,
                assigned_on: Some(date(2022, 6, 16)?),
                units: vec![service::assignment::UnitAssignment {
                    unit_id: units[0].id,
                    role: AssignmentRole::Lead,
                    due_on: None,
                }],
            },
            now,
            today,
        )
        .await,
        "assigning 0255",
    )?;
    let lead = seed_assignments
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("0255 has no assignment"))?;
    ok(
        service::workflow::sign_for(db, lead.id, None, now).await,
        "signing for 0255",
    )?;
    Ok(lead)
}

/// Three pieces of public feedback on the seed reply, in three states. They count in the
/// statistics like feedback sent through the form. They are dated in the days before the
/// demo is loaded, not with the 2022 letter: feedback dated 2022 is past the contact
/// retention period, and the first housekeeping pass would erase its names and contacts.
async fn seed_feedback(db: &Db, reply_id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    let feedback = [
        (
            Some("王先生"),
            Some("13812345678"),
            "答复很具体，希望继续扩大基层干部赴长三角跟班学习的名额。",
            FeedbackStatus::Handled,
            Some("感谢您的关注，我们将在下一批选派中统筹考虑。"),
        ),
        (
            None,
            Some("reader@example.cn"),
            "能否公布赴沪苏浙交流干部的遴选条件？",
            FeedbackStatus::New,
            None,
        ),
        (
            Some("李女士"),
            None,
            "乡镇干部培训应更多安排到一线岗位。",
            FeedbackStatus::Read,
            None,
        ),
    ];
    let txn = db.begin_write().await?;
    let mut rng = rand::rng();
    for (i, (name, contact, content, status, answer)) in feedback.into_iter().enumerate() {
        let days_ago = 3 - i64::try_from(i)?;
        let at = now - chrono::TimeDelta::days(days_ago) - chrono::TimeDelta::hours(2);
        public_feedback::ActiveModel {
            reply_id: Set(reply_id),
            name: Set(name.map(Into::into)),
            contact: Set(contact.map(Into::into)),
            content: Set(content.into()),
            status: Set(status),
            answer: Set(answer.map(Into::into)),
            submitted_at: Set(at),
            lookup_code: Set(crate::domain::feedback::lookup_code(&mut rng)),
            version: Set(1),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
    }
    service::statistics::refresh_facts_of_reply(&*txn, reply_id).await?;
    txn.commit().await?;
    Ok(())
}
