//! Co-handlers' opinions (会办意见) to the lead unit.

use super::*;

#[derive(Debug, Clone)]
pub struct CoOpinionInput {
    pub assignment_id: i64,
    pub expected_version: Option<i32>,
    pub body: String,
    pub signed_by: String,
    pub sent_on: Option<NaiveDate>,
}

/// 会办意见: a co-handler sends its opinion to the lead unit.
pub async fn send_co_opinion(
    db: &Db,
    input: CoOpinionInput,
    now: DateTime<Utc>,
) -> ServiceResult<(co_opinion::Model, assignment::Model)> {
    let today = local_date(now);
    let mut errors = Errors::new();
    let body = errors.check(text::required(
        &input.body,
        &["input", "body"],
        50_000,
        Lines::Multi,
    ));
    let signed_by = errors.check(text::required(
        &input.signed_by,
        &["input", "signedBy"],
        100,
        Lines::Single,
    ));
    let sent_on = input.sent_on.unwrap_or(today);
    errors.check(not_future(sent_on, today, &["input", "sentOn"]));
    let step = Step::begin(
        db,
        input.assignment_id,
        input.expected_version,
        Transition::SendCoOpinion,
        now,
    )
    .await?;
    let case = &step.case;
    if sent_on < case.assignment.assigned_on {
        errors.push(UserError::invalid(
            &["input", "sentOn"],
            "日期不能早于交办日期 (must not precede the assignment)",
        ));
    }
    errors.finish()?;
    let opinion = co_opinion::ActiveModel {
        assignment_id: Set(case.assignment.id),
        round: Set(case.assignment.round),
        body: Set(body.unwrap_or_default()),
        signed_by: Set(signed_by.unwrap_or_default()),
        sent_on: Set(sent_on),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(step.conn())
    .await
    .during("inserting an opinion")?;
    let saved = step
        .save(assignment::ActiveModel {
            answered_on: Set(Some(sent_on)),
            ..Default::default()
        })
        .await?;
    answer_round(step.conn(), &saved, sent_on).await?;
    step.event(
        EventKind::OpinionSent,
        ActorRole::Unit,
        json!({"sentOn": sent_on}),
    )
    .await?;
    step.audit_created("CoOpinion", opinion.id);
    step.commit("committing the opinion").await?;
    Ok((opinion, saved))
}
