//! Extensions (延期): a unit asks for more time; the office decides, never past the hard cap.

use super::*;
use crate::domain::deadline::DeadlineRules;

#[derive(Debug, Clone)]
pub struct ExtensionInput {
    pub assignment_id: i64,
    pub expected_version: Option<i32>,
    pub reason: String,
    pub requested_due_on: Option<NaiveDate>,
}

/// 延期申请: a unit asks for more time, never beyond the hard cap.
pub async fn request_extension(
    db: &Db,
    input: ExtensionInput,
    now: DateTime<Utc>,
) -> ServiceResult<(extension_request::Model, assignment::Model)> {
    let field = ["input", "assignmentId"];
    let today = local_date(now);
    let reason = text::required(&input.reason, &["input", "reason"], 2000, Lines::Multi)?;
    let step = Step::begin(
        db,
        input.assignment_id,
        input.expected_version,
        Transition::RequestExtension,
        now,
    )
    .await?;
    let case = &step.case;
    let pending = extension_request::Entity::find()
        .filter(extension_request::Column::AssignmentId.eq(case.assignment.id))
        .filter(extension_request::Column::Status.eq(RequestStatus::Pending))
        .one(step.conn())
        .await
        .during("checking pending extensions")?;
    if pending.is_some() {
        return Err(UserError::invalid_state(
            &field,
            "已有待审批的延期申请 (an extension request is already pending)",
        )
        .into());
    }
    if let Some(wanted) = input.requested_due_on {
        check_extension_date(step.conn(), case, wanted, &["input", "requestedDueOn"]).await?;
    }
    let request = extension_request::ActiveModel {
        assignment_id: Set(case.assignment.id),
        round: Set(case.assignment.round),
        reason: Set(reason.clone()),
        requested_due_on: Set(input.requested_due_on),
        requested_on: Set(today),
        status: Set(RequestStatus::Pending),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(step.conn())
    .await
    .during("inserting an extension request")?;
    // The assignment's state stays (SIGNED_FOR or REHANDLING), but its version moves: the
    // request is part of its state, and a concurrent reply must not slip past it unnoticed.
    let saved = step
        .save(<assignment::ActiveModel as Default>::default())
        .await?;
    step.event(
        EventKind::ExtensionRequested,
        ActorRole::Unit,
        json!({"reason": reason, "requestedDueOn": input.requested_due_on}),
    )
    .await?;
    step.audit_created("ExtensionRequest", request.id);
    step.commit("committing the extension request").await?;
    Ok((request, saved))
}

async fn check_extension_date<C: ConnectionTrait>(
    conn: &C,
    case: &Case,
    wanted: NaiveDate,
    field: &[&str],
) -> ServiceResult<()> {
    if wanted <= case.assignment.due_on {
        return Err(UserError::invalid(
            field,
            format!(
                "延期后的期限须晚于当前期限 {} (must be after the current due date)",
                case.assignment.due_on
            ),
        )
        .into());
    }
    let cap = hard_cap(conn, case, field).await?;
    if wanted > cap {
        return Err(UserError::invalid(
            field,
            format!("不得超过延期上限 {cap} (must not pass the hard cap {cap})"),
        )
        .into());
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct ExtensionDecision {
    pub request_id: i64,
    pub approve: bool,
    /// The new due date (default: the one requested).
    pub due_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// Where user errors about a decision's request point.
const REQUEST: [&str; 2] = ["input", "requestId"];

/// The office approves an extension with a new due date (never past the hard cap) or rejects it.
pub async fn decide_extension(
    db: &Db,
    input: ExtensionDecision,
    now: DateTime<Utc>,
) -> ServiceResult<(extension_request::Model, assignment::Model)> {
    let today = local_date(now);
    let note = text::optional(
        input.note.as_deref(),
        &["input", "note"],
        2000,
        Lines::Multi,
    )?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let request = extension_request::Entity::find_by_id(input.request_id)
        .one(&*txn)
        .await
        .during("loading the extension request")?
        .ok_or_else(|| UserError::missing(&REQUEST, "延期申请", "extension request"))?;
    if request.status != RequestStatus::Pending {
        return Err(UserError::invalid_state(
            &REQUEST,
            "该延期申请已处理 (the request was already decided)",
        )
        .into());
    }
    let mut step = Step::on(txn, request.assignment_id, None, &REQUEST, now).await?;
    step.transition(Transition::DecideExtension)?;
    let mut changes = <assignment::ActiveModel as Default>::default();
    let approved_due_on = if input.approve {
        let new_due = input.due_on.or(request.requested_due_on).ok_or_else(|| {
            UserError::invalid(
                &["input", "dueOn"],
                "批准延期须给出新的期限 (give the new due date)",
            )
        })?;
        extend(&step, &mut changes, new_due, today).await?;
        Some(new_due)
    } else {
        None
    };
    let saved = step.save(changes).await?;
    extension_request::Entity::update_many()
        .set(extension_request::ActiveModel {
            status: Set(if input.approve {
                RequestStatus::Approved
            } else {
                RequestStatus::Rejected
            }),
            decided_on: Set(Some(today)),
            approved_due_on: Set(approved_due_on),
            decision_note: Set(note.clone()),
            ..Default::default()
        })
        .filter(extension_request::Column::Id.eq(request.id))
        .exec(step.conn())
        .await
        .during("deciding the extension request")?;
    let kind = if input.approve {
        EventKind::ExtensionApproved
    } else {
        EventKind::ExtensionRejected
    };
    step.event(
        kind,
        ActorRole::Office,
        json!({"from": step.case.assignment.due_on, "to": approved_due_on, "note": note}),
    )
    .await?;
    let request = extension_request::Entity::find_by_id(request.id)
        .one(step.conn())
        .await
        .during("reloading the extension request")?
        .ok_or_else(|| anyhow::anyhow!("extension request vanished"))?;
    step.commit("committing the extension decision").await?;
    Ok((request, saved))
}

/// Moves the case's due date to `new_due` from today (checked against the current due date
/// and the hard cap), in `changes` and in the current round.
async fn extend(
    step: &Step,
    changes: &mut assignment::ActiveModel,
    new_due: NaiveDate,
    today: NaiveDate,
) -> ServiceResult<()> {
    let case = &step.case;
    check_extension_date(step.conn(), case, new_due, &["input", "dueOn"]).await?;
    let rules = DeadlineRules::stored(&case.session.deadline_rules);
    changes.due_on = Set(new_due);
    changes.due_on_explicit = Set(true);
    changes.due_provisional = Set(false);
    changes.due_soon_from = Set(due_soon_from(new_due, rules.due_soon_days));
    // From today the new due date is in force; before, the one it replaces.
    changes.span_from =
        Set(crate::service::deadline::end_span(step.conn(), &case.assignment, today).await?);
    handling_round::Entity::update_many()
        .set(handling_round::ActiveModel {
            due_on: Set(new_due),
            due_provisional: Set(false),
            ..Default::default()
        })
        .filter(handling_round::Column::AssignmentId.eq(case.assignment.id))
        .filter(handling_round::Column::Round.eq(case.assignment.round))
        .exec(step.conn())
        .await
        .during("extending the round")?;
    Ok(())
}

/// An extension request `scope` may see (one of its assignments'), or `None`.
pub async fn extension_request(
    db: &Db,
    scope: crate::domain::access::Scope,
    id: i64,
) -> ServiceResult<Option<extension_request::Model>> {
    extension_request::Entity::find_by_id(id)
        .filter(crate::service::scope::by_assignment(
            scope,
            extension_request::Column::AssignmentId,
        ))
        .one(db.conn())
        .await
        .during("loading an extension request")
}
