//! Pressing on a case: follow-ups (跟踪办理) on B and C matters, and the office's urging (催办).

use super::*;

#[derive(Debug, Clone)]
pub struct FollowUpInput {
    pub assignment_id: i64,
    pub body: String,
    pub replied_on: Option<NaiveDate>,
}

/// 跟踪办理: a later reply on a B or C matter, without a new deadline.
pub async fn follow_up(
    db: &Db,
    input: FollowUpInput,
    now: DateTime<Utc>,
) -> ServiceResult<follow_up::Model> {
    let field = ["input", "assignmentId"];
    let today = local_date(now);
    let mut errors = Errors::new();
    let body = errors.check(text::required(
        &input.body,
        &["input", "body"],
        100_000,
        Lines::Multi,
    ));
    let replied_on = input.replied_on.unwrap_or(today);
    errors.check(not_future(replied_on, today, &["input", "repliedOn"]));
    errors.finish()?;
    let step = Step::begin(db, input.assignment_id, None, Transition::FollowUp, now).await?;
    let case = &step.case;
    let latest = reply::Entity::find()
        .filter(reply::Column::AssignmentId.eq(case.assignment.id))
        .order_by_desc(reply::Column::Round)
        .one(step.conn())
        .await
        .during("loading the latest reply")?
        .ok_or_else(|| anyhow::anyhow!("replied assignment {} has no reply", case.assignment.id))?;
    if replied_on < latest.replied_on {
        return Err(UserError::invalid(
            &["input", "repliedOn"],
            format!(
                "跟踪答复日期不能早于答复日期 {0} (a follow-up must not precede the reply of {0})",
                latest.replied_on
            ),
        )
        .into());
    }
    if !flow::follow_up_allowed(latest.category) {
        return Err(UserError::invalid_state(
            &field,
            "A类答复无需跟踪办理 (follow-ups are for B and C replies)",
        )
        .into());
    }
    let saved = follow_up::ActiveModel {
        assignment_id: Set(case.assignment.id),
        reply_id: Set(latest.id),
        body: Set(body.unwrap_or_default()),
        replied_on: Set(replied_on),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(step.conn())
    .await
    .during("inserting a follow-up")?;
    step.event(
        EventKind::FollowUpSent,
        ActorRole::Unit,
        json!({"repliedOn": replied_on}),
    )
    .await?;
    step.audit_created("FollowUp", saved.id);
    step.commit("committing the follow-up").await?;
    Ok(saved)
}

#[derive(Debug, Clone)]
pub struct UrgeInput {
    pub assignment_id: i64,
    pub expected_version: Option<i32>,
    pub message: String,
    /// Who urges: the office, or the coordinating office (督查室).
    pub by: ActorRole,
}

/// The longest 催办 message, in characters.
pub const URGE_MESSAGE_MAX: usize = 500;

/// 催办: the office (or the coordinating office) presses a unit on a case it has not answered yet, with a message. The
/// urge stands in the case's timeline and the unit's staff are told at once; the case's
/// state does not change.
pub async fn urge(
    db: &Db,
    input: UrgeInput,
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let message = text::required(
        &input.message,
        &["input", "message"],
        URGE_MESSAGE_MAX,
        Lines::Multi,
    )?;
    let step = Step::begin(
        db,
        input.assignment_id,
        input.expected_version,
        Transition::Urge,
        now,
    )
    .await?;
    let assignment = step.case.assignment.clone();
    step.event(
        EventKind::Urged,
        input.by,
        json!({"message": message, "dueOn": assignment.due_on}),
    )
    .await?;
    crate::service::statistics::refresh_facts(step.conn(), assignment.id).await?;
    step.commit("committing the urge").await?;
    Ok(assignment)
}
