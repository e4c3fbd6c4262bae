//! Contact records (沟通联系) with the deputy before, during and after handling.

use super::*;

#[derive(Debug, Clone)]
pub struct ContactInput {
    pub assignment_id: i64,
    pub stage: ContactStage,
    pub method: ContactMethod,
    pub contacted_on: NaiveDate,
    pub participants: String,
    pub notes: Option<String>,
}

/// 沟通记录: the unit logs a contact with the deputy.
pub async fn log_contact(
    db: &Db,
    input: ContactInput,
    now: DateTime<Utc>,
) -> ServiceResult<contact_record::Model> {
    let today = local_date(now);
    let mut errors = Errors::new();
    let participants = errors.check(text::required(
        &input.participants,
        &["input", "participants"],
        500,
        Lines::Single,
    ));
    let notes = errors.check(text::optional(
        input.notes.as_deref(),
        &["input", "notes"],
        10_000,
        Lines::Multi,
    ));
    errors.check(not_future(
        input.contacted_on,
        today,
        &["input", "contactedOn"],
    ));
    let step = Step::begin(db, input.assignment_id, None, Transition::LogContact, now).await?;
    let case = &step.case;
    if input.contacted_on < case.assignment.assigned_on {
        errors.push(UserError::invalid(
            &["input", "contactedOn"],
            "日期不能早于交办日期 (must not precede the assignment)",
        ));
    }
    errors.finish()?;
    let record = contact_record::ActiveModel {
        assignment_id: Set(case.assignment.id),
        stage: Set(input.stage),
        method: Set(input.method),
        contacted_on: Set(input.contacted_on),
        participants: Set(participants.unwrap_or_default()),
        notes: Set(notes.flatten()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(step.conn())
    .await
    .during("inserting a contact record")?;
    if record.method == ContactMethod::FaceToFace {
        crate::service::statistics::refresh_facts(step.conn(), case.assignment.id).await?;
    }
    step.event(
        EventKind::ContactLogged,
        ActorRole::Unit,
        json!({"stage": record.stage, "method": record.method, "contactedOn": record.contacted_on}),
    )
    .await?;
    step.audit_created("ContactRecord", record.id);
    step.commit("committing the contact record").await?;
    Ok(record)
}
