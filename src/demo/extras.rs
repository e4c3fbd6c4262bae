//! The demo's later stages: filings online (a draft with a pending invitation, a submitted filing), a supervised key suggestion with its report, and a reply under review.

use super::*;

/// Online filing: a draft by 夏维奇 with a pending invitation to 李明华, and a suggestion
/// 王秀英 filed that waits for the office's screening (审查).
pub(super) async fn load_filings(
    db: &Db,
    session_id: i64,
    deputies: &[entity::deputy::Model],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let filing = |filer: usize, title: &str, content: &str, co_signers: Vec<i64>| {
        service::filing::NewFiling {
            session_id,
            filer_deputy_id: deputies[filer].id,
            for_delegation: false,
            kind: SuggestionKind::NpcSuggestion,
            period: FilingPeriod::InterSession,
            title: title.into(),
            content: content.into(),
            topic: Some("教科文卫".into()),
            confidential: false,
            co_signer_ids: co_signers,
        }
    };
    ok(
        service::filing::draft(
            db,
            filing(
                0,
                "关于加强中小学课后服务的建议",
                "建议统筹课后服务经费，丰富课后服务内容，减轻家长负担。",
                vec![deputies[1].id],
            ),
            now,
        )
        .await,
        "a draft filing",
    )?;
    let submitted = ok(
        service::filing::draft(
            db,
            filing(
                2,
                "关于推进城乡学校共同体建设的建议",
                "建议以城区优质学校带动乡村学校，共享课程、师资和教研。",
                Vec::new(),
            ),
            now,
        )
        .await,
        "a filing to submit",
    )?;
    ok(
        service::filing::step(
            db,
            deputies[2].id,
            submitted.id,
            None,
            crate::domain::filing::FilingStep::Submit,
            now,
            today,
        )
        .await,
        "submitting a filing",
    )?;
    Ok(())
}

/// 督办 of the key suggestion: the leader's instruction, progress reports asked of both
/// units, and the lead unit's report filed.
pub(super) async fn supervise(
    db: &Db,
    suggestion_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<()> {
    ok(
        service::supervision::record_instruction(
            db,
            service::supervision::NewInstruction {
                suggestion_id,
                leader: None,
                content: "请民政局牵头、财政局配合，一个月内拿出基层养老服务提升方案。".into(),
                instructed_on: Some(today),
            },
            now,
            today,
        )
        .await,
        "a leader's instruction",
    )?;
    let reports = ok(
        service::supervision::request_reports(
            db,
            service::supervision::ReportRequest {
                suggestion_id,
                due_on: today + chrono::Days::new(14),
                note: Some("报送调研和方案起草进展".into()),
            },
            now,
            today,
        )
        .await,
        "progress reports",
    )?;
    let lead = reports
        .first()
        .ok_or_else(|| anyhow::anyhow!("no progress report was asked for"))?;
    ok(
        service::supervision::file_report(
            db,
            Scope::All,
            lead.id,
            None,
            "已赴三个县区调研养老服务站点运营情况，方案初稿正在征求财政局意见。",
            now,
            today,
        )
        .await,
        "a progress report",
    )?;
    Ok(())
}

/// Review before release: the session asks for it from now on, and 教育局's reply to
/// 第0257号 waits for the office's review.
pub(super) async fn reply_under_review(
    db: &Db,
    session_id: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> anyhow::Result<()> {
    ok(
        service::session::update(
            db,
            service::session::SessionPatch {
                id: session_id,
                review_before_release: Some(true),
                ..Default::default()
            },
            now,
        )
        .await,
        "requiring review before release",
    )?;
    let case = suggestion::Entity::find()
        .filter(suggestion::Column::SessionId.eq(session_id))
        .filter(suggestion::Column::Number.eq("0257"))
        .one(db.conn())
        .await?
        .ok_or_else(|| anyhow::anyhow!("0257 is missing"))?;
    let assignment = entity::assignment::Entity::find()
        .filter(entity::assignment::Column::SuggestionId.eq(case.id))
        .one(db.conn())
        .await?
        .ok_or_else(|| anyhow::anyhow!("0257 has no assignment"))?;
    ok(
        service::reply::submit(
            db,
            service::reply::NewReply {
                assignment_id: assignment.id,
                expected_version: None,
                doc_number: Some("淮教函〔2022〕257号".into()),
                addressee: Some("王秀英代表".into()),
                category: ReplyCategory::B,
                body: "王秀英代表：\n\n您提出的第0257号建议收悉。我局高度重视乡村教师队伍建设，现答复如下：……".into(),
                summary: None,
                signed_by: "淮南市教育局".into(),
                replied_on: Some(today),
                contact_name: "周敏".into(),
                contact_phone: "0554-6642100".into(),
                copy_to: None,
                archived: false,
            },
            now,
            today,
        )
        .await,
        "a reply under review",
    )?;
    Ok(())
}
