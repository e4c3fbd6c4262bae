//! Returns (退回): a unit asks to return a case it thinks is not its business; the office
//! approves (and reassigns with the same role) or rejects.

use super::*;

#[derive(Debug, Clone)]
pub struct ReturnInput {
    pub assignment_id: i64,
    pub expected_version: Option<i32>,
    pub reason: String,
    pub suggested_unit_id: Option<i64>,
}

/// 退回申请: within the return window, a unit asks to return a wrong assignment.
pub async fn request_return(
    db: &Db,
    input: ReturnInput,
    now: DateTime<Utc>,
) -> ServiceResult<(return_request::Model, assignment::Model)> {
    let field = ["input", "assignmentId"];
    let today = local_date(now);
    let reason = text::required(&input.reason, &["input", "reason"], 2000, Lines::Multi)?;
    let step = Step::begin(
        db,
        input.assignment_id,
        input.expected_version,
        Transition::RequestReturn,
        now,
    )
    .await?;
    let case = &step.case;
    let calendar = crate::service::calendar::load(step.conn()).await?;
    let window = due(
        &case.session,
        &calendar,
        case.assignment.assigned_on,
        DeadlinePeriod::ReturnWindow,
        &field,
    )?;
    if today > window.due_on {
        return Err(UserError::invalid_state(
            &field,
            format!(
                "退回申请期限已于 {} 届满 (the return window closed on {})",
                window.due_on, window.due_on
            ),
        )
        .into());
    }
    if let Some(unit) = input.suggested_unit_id {
        if unit == case.assignment.unit_id {
            return Err(UserError::invalid(
                &["input", "suggestedUnitId"],
                "建议的单位不能是本单位 (suggest another unit)",
            )
            .into());
        }
        if entity::handling_unit::Entity::find_by_id(unit)
            .one(step.conn())
            .await
            .during("loading the unit")?
            .is_none()
        {
            return Err(
                UserError::missing(&["input", "suggestedUnitId"], "承办单位", "unit").into(),
            );
        }
    }
    let request = return_request::ActiveModel {
        assignment_id: Set(case.assignment.id),
        reason: Set(reason.clone()),
        suggested_unit_id: Set(input.suggested_unit_id),
        requested_on: Set(today),
        status: Set(RequestStatus::Pending),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(step.conn())
    .await
    .during("inserting a return request")?;
    let saved = step
        .save(<assignment::ActiveModel as Default>::default())
        .await?;
    step.event(
        EventKind::ReturnRequested,
        ActorRole::Unit,
        json!({"reason": reason, "suggestedUnitId": input.suggested_unit_id, "windowEnds": window.due_on}),
    )
    .await?;
    step.audit_created("ReturnRequest", request.id);
    step.commit("committing the return request").await?;
    Ok((request, saved))
}

#[derive(Debug, Clone)]
pub struct ReturnDecision {
    pub request_id: i64,
    pub approve: bool,
    /// The unit to reassign to on approval (default: the unit the requester suggested).
    pub reassign_to_unit_id: Option<i64>,
    pub note: Option<String>,
}

/// Where user errors about a decision's request point.
const REQUEST: [&str; 2] = ["input", "requestId"];

/// The office approves a return (and reassigns, with the same role) or rejects it.
pub async fn decide_return(
    db: &Db,
    input: ReturnDecision,
    now: DateTime<Utc>,
) -> ServiceResult<(
    return_request::Model,
    assignment::Model,
    Option<assignment::Model>,
)> {
    let today = local_date(now);
    let note = text::optional(
        input.note.as_deref(),
        &["input", "note"],
        2000,
        Lines::Multi,
    )?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let request = pending_return(&*txn, input.request_id).await?;
    let mut step = Step::on(txn, request.assignment_id, None, &REQUEST, now).await?;
    step.transition(if input.approve {
        Transition::ApproveReturn
    } else {
        Transition::RejectReturn
    })?;
    let mut changes = <assignment::ActiveModel as Default>::default();
    let new_assignment = if input.approve {
        let unit_id = input
            .reassign_to_unit_id
            .or(request.suggested_unit_id)
            .ok_or_else(|| {
                UserError::invalid(
                    &["input", "reassignToUnitId"],
                    "批准退回须指定改交的单位 (name the unit to reassign to)",
                )
            })?;
        Some(reassign(&step, unit_id, today, now).await?)
    } else {
        if step.case.assignment.signed_for_at.is_none() {
            changes.signed_for_at = Set(Some(now));
        }
        None
    };
    let saved = step.save(changes).await?;
    let decision = return_request::ActiveModel {
        status: Set(if input.approve {
            RequestStatus::Approved
        } else {
            RequestStatus::Rejected
        }),
        decided_on: Set(Some(today)),
        decision_note: Set(note.clone()),
        new_assignment_id: Set(new_assignment.as_ref().map(|a| a.id)),
        ..Default::default()
    };
    record_decision(step.conn(), request.id, decision).await?;
    let kind = if input.approve {
        EventKind::ReturnApproved
    } else {
        EventKind::ReturnRejected
    };
    step.event(
        kind,
        ActorRole::Office,
        json!({"note": note, "reassignedTo": new_assignment.as_ref().map(|a| a.unit_id)}),
    )
    .await?;
    suggestion_state::refresh(step.conn(), saved.suggestion_id, now).await?;
    let request = return_request::Entity::find_by_id(request.id)
        .one(step.conn())
        .await
        .during("reloading the return request")?
        .ok_or_else(|| anyhow::anyhow!("return request vanished"))?;
    step.commit("committing the return decision").await?;
    Ok((request, saved, new_assignment))
}

/// The return request `id`, still pending (NOT_FOUND, or INVALID_STATE once decided).
async fn pending_return<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> ServiceResult<return_request::Model> {
    let request = return_request::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("loading the return request")?
        .ok_or_else(|| UserError::missing(&REQUEST, "退回申请", "return request"))?;
    if request.status != RequestStatus::Pending {
        return Err(UserError::invalid_state(
            &REQUEST,
            "该退回申请已处理 (the request was already decided)",
        )
        .into());
    }
    Ok(request)
}

/// Stores the decision on the pending return request `id` (CONFLICT if it was decided
/// meanwhile).
async fn record_decision<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    decision: return_request::ActiveModel,
) -> ServiceResult<()> {
    let decided = return_request::Entity::update_many()
        .set(decision)
        .filter(return_request::Column::Id.eq(id))
        .filter(return_request::Column::Status.eq(RequestStatus::Pending))
        .exec(conn)
        .await
        .during("deciding the return request")?;
    if decided.rows_affected != 1 {
        return Err(conflict("退回申请", &REQUEST));
    }
    Ok(())
}

/// The assignment that replaces the returned one: the same role, at `unit_id`, assigned
/// today (its errors point at `input.reassignToUnitId`).
async fn reassign(
    step: &Step,
    unit_id: i64,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let target = crate::service::assignment::Target {
        suggestion: &step.case.suggestion,
        session: &step.case.session,
        assigned_on: today,
        replacing: Some(step.case.assignment.id),
    };
    let unit = crate::service::assignment::UnitAssignment {
        unit_id,
        role: step.case.assignment.role,
        due_on: None,
    };
    let created = crate::service::assignment::add_assignments(
        step.conn(),
        target,
        &[unit],
        Errors::new(),
        now,
    )
    .await
    .map_err(|e| match e {
        crate::service::ServiceError::User(errors) => crate::service::ServiceError::User(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = vec!["input".into(), "reassignToUnitId".into()];
                    e
                })
                .collect(),
        ),
        other => other,
    })?;
    created
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("a reassignment made no assignment").into())
}

/// A return request `scope` may see (one of its assignments'), or `None`.
pub async fn return_request(
    db: &Db,
    scope: crate::domain::access::Scope,
    id: i64,
) -> ServiceResult<Option<return_request::Model>> {
    return_request::Entity::find_by_id(id)
        .filter(crate::service::scope::by_assignment(
            scope,
            return_request::Column::AssignmentId,
        ))
        .one(db.conn())
        .await
        .during("loading a return request")
}
