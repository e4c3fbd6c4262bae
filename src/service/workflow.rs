//! The handling workflow on assignments (DOMAIN.md §2.3–2.11): sign-for, returns,
//! co-handler opinions, extensions, contact records, rating and re-handling, follow-ups,
//! closing and withdrawal. Each transition is one transaction: it checks the state machine
//! (`domain::workflow`), writes with a version check, and appends its timeline event.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    AssignmentRole, AssignmentStatus, ContactMethod, ContactStage, RequestStatus, Satisfaction,
    SuggestionStatus,
};
use entity::{
    assignment, co_opinion, contact_record, extension_request, follow_up, handling_round, rating,
    reply, return_request, session, suggestion, suggestion_co_signer as co_signer, workflow_event,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::{json, Value};

use super::{check_version, conflict, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::deadline::{compute_due, due_soon_from, DeadlinePeriod, DueDate};
use crate::domain::error::Errors;
use crate::domain::text::{self, Lines};
use crate::domain::time::local_date;
use crate::domain::workflow::{self as flow, ActorRole, EventKind, Transition};
use crate::domain::UserError;

/// Appends one event to the timeline.
pub(crate) async fn event<C: ConnectionTrait>(
    conn: &C,
    suggestion_id: i64,
    assignment_id: Option<i64>,
    kind: EventKind,
    actor: ActorRole,
    now: DateTime<Utc>,
    details: Value,
) -> ServiceResult<()> {
    workflow_event::ActiveModel {
        suggestion_id: Set(suggestion_id),
        assignment_id: Set(assignment_id),
        kind: Set(kind.as_str().to_owned()),
        actor_role: Set(actor.as_str().to_owned()),
        actor_user_id: Set(None),
        occurred_at: Set(now),
        details: Set(details),
        ..Default::default()
    }
    .insert(conn)
    .await
    .during("appending a timeline event")?;
    Ok(())
}

/// An assignment with what its rules depend on, loaded inside a transaction.
pub(crate) struct Case {
    pub assignment: assignment::Model,
    pub suggestion: suggestion::Model,
    pub session: session::Model,
}

pub(crate) async fn load_case<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i64,
    expected_version: Option<i32>,
    field: &[&str],
) -> ServiceResult<Case> {
    let assignment = assignment::Entity::find_by_id(assignment_id)
        .one(conn)
        .await
        .during("loading the assignment")?
        .ok_or_else(|| UserError::not_found(field, "交办记录不存在 (assignment not found)"))?;
    check_version("交办记录", expected_version, assignment.version)?;
    let suggestion = suggestion::Entity::find_by_id(assignment.suggestion_id)
        .one(conn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("assignment {} has no suggestion", assignment.id))?;
    let session = session::Entity::find_by_id(suggestion.session_id)
        .one(conn)
        .await
        .during("loading the session")?
        .ok_or_else(|| anyhow::anyhow!("suggestion {} has no session", suggestion.id))?;
    Ok(Case {
        assignment,
        suggestion,
        session,
    })
}

/// Writes `changes` to an assignment if nobody changed it since it was read; returns the
/// stored row.
pub(crate) async fn save_assignment<C: ConnectionTrait>(
    conn: &C,
    current: &assignment::Model,
    mut changes: assignment::ActiveModel,
    now: DateTime<Utc>,
    field: &[&str],
) -> ServiceResult<assignment::Model> {
    changes.version = Set(current.version + 1);
    changes.updated_at = Set(now);
    let result = assignment::Entity::update_many()
        .set(changes)
        .filter(assignment::Column::Id.eq(current.id))
        .filter(assignment::Column::Version.eq(current.version))
        .exec(conn)
        .await
        .during("updating the assignment")?;
    if result.rows_affected != 1 {
        return Err(conflict("交办记录", field));
    }
    let saved = assignment::Entity::find_by_id(current.id)
        .one(conn)
        .await
        .during("reloading the assignment")?
        .ok_or_else(|| anyhow::anyhow!("assignment vanished inside its own transaction"))?;
    super::deadline::retally(conn, current, &saved).await?;
    Ok(saved)
}

/// Re-derives the suggestion's state from its assignments and stores it if it changed.
pub(crate) async fn refresh_suggestion<C: ConnectionTrait>(
    conn: &C,
    suggestion_id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<suggestion::Model> {
    let current = suggestion::Entity::find_by_id(suggestion_id)
        .one(conn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("suggestion {suggestion_id} vanished"))?;
    let assignments: Vec<(AssignmentRole, AssignmentStatus)> = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(suggestion_id))
        .all(conn)
        .await
        .during("loading assignments")?
        .into_iter()
        .map(|a| (a.role, a.status))
        .collect();
    let status = flow::suggestion_status(current.status, &assignments);
    if status == current.status {
        return Ok(current);
    }
    let result = suggestion::Entity::update_many()
        .set(suggestion::ActiveModel {
            status: Set(status),
            version: Set(current.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(suggestion::Column::Id.eq(current.id))
        .filter(suggestion::Column::Version.eq(current.version))
        .exec(conn)
        .await
        .during("updating the suggestion state")?;
    if result.rows_affected != 1 {
        return Err(conflict("建议", &["input"]));
    }
    suggestion::Entity::find_by_id(current.id)
        .one(conn)
        .await
        .during("reloading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("suggestion vanished inside its own transaction").into())
}

/// Computes a rule-based due date, refusing dates chrono cannot represent.
pub(crate) fn due(
    session: &session::Model,
    calendar: &crate::domain::calendar::WorkCalendar,
    start: NaiveDate,
    period: DeadlinePeriod,
    field: &[&str],
) -> ServiceResult<DueDate> {
    compute_due(&super::session::rules_of(session), calendar, start, period).ok_or_else(|| {
        UserError::invalid(
            field,
            "期限将晚于 9999-12-31，超出日期范围 (the due date would fall after 9999-12-31)",
        )
        .into()
    })
}

/// The hard cap (延期上限) of the current round: the session's cap counted from the
/// round's start (the assignment date in round 1).
async fn hard_cap<C: ConnectionTrait>(
    conn: &C,
    case: &Case,
    field: &[&str],
) -> ServiceResult<NaiveDate> {
    let calendar = super::calendar::load(conn).await?;
    let start = current_round(conn, &case.assignment)
        .await?
        .map_or(case.assignment.assigned_on, |r| r.started_on);
    Ok(due(
        &case.session,
        &calendar,
        start,
        DeadlinePeriod::HardCap,
        field,
    )?
    .due_on)
}

pub(crate) async fn current_round<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
) -> ServiceResult<Option<handling_round::Model>> {
    handling_round::Entity::find()
        .filter(handling_round::Column::AssignmentId.eq(a.id))
        .filter(handling_round::Column::Round.eq(a.round))
        .one(conn)
        .await
        .during("loading the current round")
}

/// Records the answer date of the current round.
pub(crate) async fn answer_round<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    on: NaiveDate,
) -> ServiceResult<()> {
    handling_round::Entity::update_many()
        .set(handling_round::ActiveModel {
            answered_on: Set(Some(on)),
            ..Default::default()
        })
        .filter(handling_round::Column::AssignmentId.eq(a.id))
        .filter(handling_round::Column::Round.eq(a.round))
        .exec(conn)
        .await
        .during("answering the round")?;
    Ok(())
}

fn not_future(date: NaiveDate, today: NaiveDate, field: &[&str]) -> Result<(), UserError> {
    if date > today {
        Err(UserError::invalid(
            field,
            "日期不能晚于今天 (the date must not be in the future)",
        ))
    } else {
        Ok(())
    }
}

/// 签收: the unit signs for its assignment.
pub async fn sign_for(
    db: &Db,
    assignment_id: i64,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = sign_for_in(&*txn, assignment_id, expected_version, now, now).await?;
    txn.commit().await.during("committing the sign-for")?;
    Ok(saved)
}

/// [`sign_for`] inside the caller's write transaction, signed for at `signed_at` (the
/// archive import gives the day the case was assigned).
pub(crate) async fn sign_for_in<C: ConnectionTrait>(
    conn: &C,
    assignment_id: i64,
    expected_version: Option<i32>,
    signed_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let field = ["input", "assignmentId"];
    let case = load_case(conn, assignment_id, expected_version, &field).await?;
    let to = flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::SignFor,
        &field,
    )?;
    let saved = save_assignment(
        conn,
        &case.assignment,
        assignment::ActiveModel {
            status: Set(to),
            signed_for_at: Set(Some(signed_at)),
            ..Default::default()
        },
        now,
        &field,
    )
    .await?;
    event(
        conn,
        saved.suggestion_id,
        Some(saved.id),
        EventKind::SignedFor,
        ActorRole::Unit,
        now,
        json!({}),
    )
    .await?;
    Ok(saved)
}

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
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let case = load_case(&*txn, input.assignment_id, input.expected_version, &field).await?;
    let to = flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::RequestReturn,
        &field,
    )?;
    let calendar = super::calendar::load(&*txn).await?;
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
            .one(&*txn)
            .await
            .during("loading the unit")?
            .is_none()
        {
            return Err(UserError::not_found(
                &["input", "suggestedUnitId"],
                "承办单位不存在 (unit not found)",
            )
            .into());
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
    .insert(&*txn)
    .await
    .during("inserting a return request")?;
    let saved = save_assignment(
        &*txn,
        &case.assignment,
        assignment::ActiveModel {
            status: Set(to),
            ..Default::default()
        },
        now,
        &field,
    )
    .await?;
    event(
        &*txn,
        saved.suggestion_id,
        Some(saved.id),
        EventKind::ReturnRequested,
        ActorRole::Unit,
        now,
        json!({"reason": reason, "suggestedUnitId": input.suggested_unit_id, "windowEnds": window.due_on}),
    )
    .await?;
    super::audit::created("ReturnRequest", request.id);
    txn.commit().await.during("committing the return request")?;
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
    let field = ["input", "requestId"];
    let today = local_date(now);
    let note = text::optional(
        input.note.as_deref(),
        &["input", "note"],
        2000,
        Lines::Multi,
    )?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let request = return_request::Entity::find_by_id(input.request_id)
        .one(&*txn)
        .await
        .during("loading the return request")?
        .ok_or_else(|| UserError::not_found(&field, "退回申请不存在 (return request not found)"))?;
    if request.status != RequestStatus::Pending {
        return Err(UserError::invalid_state(
            &field,
            "该退回申请已处理 (the request was already decided)",
        )
        .into());
    }
    let case = load_case(&*txn, request.assignment_id, None, &field).await?;
    let transition = if input.approve {
        Transition::ApproveReturn
    } else {
        Transition::RejectReturn
    };
    let to = flow::next(
        case.assignment.role,
        case.assignment.status,
        transition,
        &field,
    )?;
    let mut new_assignment = None;
    let mut changes = assignment::ActiveModel {
        status: Set(to),
        ..Default::default()
    };
    if input.approve {
        let unit_id = input
            .reassign_to_unit_id
            .or(request.suggested_unit_id)
            .ok_or_else(|| {
                UserError::invalid(
                    &["input", "reassignToUnitId"],
                    "批准退回须指定改交的单位 (name the unit to reassign to)",
                )
            })?;
        let target = super::assignment::Target {
            suggestion: &case.suggestion,
            session: &case.session,
            assigned_on: today,
            replacing: Some(case.assignment.id),
        };
        let created = super::assignment::add_assignments(
            &*txn,
            target,
            &[super::assignment::UnitAssignment {
                unit_id,
                role: case.assignment.role,
                due_on: None,
            }],
            Errors::new(),
            now,
        )
        .await
        .map_err(|e| match e {
            super::ServiceError::User(errors) => super::ServiceError::User(
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
        new_assignment = created.into_iter().next();
    } else if case.assignment.signed_for_at.is_none() {
        changes.signed_for_at = Set(Some(now));
    }
    let saved = save_assignment(&*txn, &case.assignment, changes, now, &field).await?;
    let decided = return_request::Entity::update_many()
        .set(return_request::ActiveModel {
            status: Set(if input.approve {
                RequestStatus::Approved
            } else {
                RequestStatus::Rejected
            }),
            decided_on: Set(Some(today)),
            decision_note: Set(note.clone()),
            new_assignment_id: Set(new_assignment.as_ref().map(|a| a.id)),
            ..Default::default()
        })
        .filter(return_request::Column::Id.eq(request.id))
        .filter(return_request::Column::Status.eq(RequestStatus::Pending))
        .exec(&*txn)
        .await
        .during("deciding the return request")?;
    if decided.rows_affected != 1 {
        return Err(conflict("退回申请", &field));
    }
    let kind = if input.approve {
        EventKind::ReturnApproved
    } else {
        EventKind::ReturnRejected
    };
    event(
        &*txn,
        saved.suggestion_id,
        Some(saved.id),
        kind,
        ActorRole::Office,
        now,
        json!({"note": note, "reassignedTo": new_assignment.as_ref().map(|a| a.unit_id)}),
    )
    .await?;
    refresh_suggestion(&*txn, saved.suggestion_id, now).await?;
    let request = return_request::Entity::find_by_id(request.id)
        .one(&*txn)
        .await
        .during("reloading the return request")?
        .ok_or_else(|| anyhow::anyhow!("return request vanished"))?;
    txn.commit()
        .await
        .during("committing the return decision")?;
    Ok((request, saved, new_assignment))
}

#[derive(Debug, Clone)]
pub struct OpinionInput {
    pub assignment_id: i64,
    pub expected_version: Option<i32>,
    pub body: String,
    pub signed_by: String,
    pub sent_on: Option<NaiveDate>,
}

/// 会办意见: a co-handler sends its opinion to the lead unit.
pub async fn send_opinion(
    db: &Db,
    input: OpinionInput,
    now: DateTime<Utc>,
) -> ServiceResult<(co_opinion::Model, assignment::Model)> {
    let field = ["input", "assignmentId"];
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
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let case = load_case(&*txn, input.assignment_id, input.expected_version, &field).await?;
    let to = flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::SendOpinion,
        &field,
    )?;
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
    .insert(&*txn)
    .await
    .during("inserting an opinion")?;
    let saved = save_assignment(
        &*txn,
        &case.assignment,
        assignment::ActiveModel {
            status: Set(to),
            answered_on: Set(Some(sent_on)),
            ..Default::default()
        },
        now,
        &field,
    )
    .await?;
    answer_round(&*txn, &saved, sent_on).await?;
    event(
        &*txn,
        saved.suggestion_id,
        Some(saved.id),
        EventKind::OpinionSent,
        ActorRole::Unit,
        now,
        json!({"sentOn": sent_on}),
    )
    .await?;
    super::audit::created("CoOpinion", opinion.id);
    txn.commit().await.during("committing the opinion")?;
    Ok((opinion, saved))
}

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
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let case = load_case(&*txn, input.assignment_id, input.expected_version, &field).await?;
    flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::RequestExtension,
        &field,
    )?;
    let pending = extension_request::Entity::find()
        .filter(extension_request::Column::AssignmentId.eq(case.assignment.id))
        .filter(extension_request::Column::Status.eq(RequestStatus::Pending))
        .one(&*txn)
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
        check_extension_date(&*txn, &case, wanted, &["input", "requestedDueOn"]).await?;
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
    .insert(&*txn)
    .await
    .during("inserting an extension request")?;
    // The assignment row does not change, but its version moves: the request is part of
    // its state, and a concurrent reply must not slip past it unnoticed.
    let saved = save_assignment(
        &*txn,
        &case.assignment,
        <assignment::ActiveModel as Default>::default(),
        now,
        &field,
    )
    .await?;
    event(
        &*txn,
        saved.suggestion_id,
        Some(saved.id),
        EventKind::ExtensionRequested,
        ActorRole::Unit,
        now,
        json!({"reason": reason, "requestedDueOn": input.requested_due_on}),
    )
    .await?;
    super::audit::created("ExtensionRequest", request.id);
    txn.commit()
        .await
        .during("committing the extension request")?;
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

/// The office approves an extension with a new due date (never past the hard cap) or rejects it.
pub async fn decide_extension(
    db: &Db,
    input: ExtensionDecision,
    now: DateTime<Utc>,
) -> ServiceResult<(extension_request::Model, assignment::Model)> {
    let field = ["input", "requestId"];
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
        .ok_or_else(|| {
            UserError::not_found(&field, "延期申请不存在 (extension request not found)")
        })?;
    if request.status != RequestStatus::Pending {
        return Err(UserError::invalid_state(
            &field,
            "该延期申请已处理 (the request was already decided)",
        )
        .into());
    }
    let case = load_case(&*txn, request.assignment_id, None, &field).await?;
    flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::DecideExtension,
        &field,
    )?;
    let mut changes = <assignment::ActiveModel as Default>::default();
    let mut approved_due_on = None;
    if input.approve {
        let new_due = input.due_on.or(request.requested_due_on).ok_or_else(|| {
            UserError::invalid(
                &["input", "dueOn"],
                "批准延期须给出新的期限 (give the new due date)",
            )
        })?;
        check_extension_date(&*txn, &case, new_due, &["input", "dueOn"]).await?;
        let rules = super::session::rules_of(&case.session);
        changes.due_on = Set(new_due);
        changes.due_on_explicit = Set(true);
        changes.due_provisional = Set(false);
        changes.due_soon_from = Set(due_soon_from(new_due, rules.due_soon_days));
        // From today the new due date is in force; before, the one it replaces.
        changes.span_from = Set(super::deadline::end_span(&*txn, &case.assignment, today).await?);
        handling_round::Entity::update_many()
            .set(handling_round::ActiveModel {
                due_on: Set(new_due),
                due_provisional: Set(false),
                ..Default::default()
            })
            .filter(handling_round::Column::AssignmentId.eq(case.assignment.id))
            .filter(handling_round::Column::Round.eq(case.assignment.round))
            .exec(&*txn)
            .await
            .during("extending the round")?;
        approved_due_on = Some(new_due);
    }
    let saved = save_assignment(&*txn, &case.assignment, changes, now, &field).await?;
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
        .exec(&*txn)
        .await
        .during("deciding the extension request")?;
    let kind = if input.approve {
        EventKind::ExtensionApproved
    } else {
        EventKind::ExtensionRejected
    };
    event(
        &*txn,
        saved.suggestion_id,
        Some(saved.id),
        kind,
        ActorRole::Office,
        now,
        json!({"from": case.assignment.due_on, "to": approved_due_on, "note": note}),
    )
    .await?;
    let request = extension_request::Entity::find_by_id(request.id)
        .one(&*txn)
        .await
        .during("reloading the extension request")?
        .ok_or_else(|| anyhow::anyhow!("extension request vanished"))?;
    txn.commit()
        .await
        .during("committing the extension decision")?;
    Ok((request, saved))
}

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
    let field = ["input", "assignmentId"];
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
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let case = load_case(&*txn, input.assignment_id, None, &field).await?;
    flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::LogContact,
        &field,
    )?;
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
    .insert(&*txn)
    .await
    .during("inserting a contact record")?;
    if record.method == ContactMethod::FaceToFace {
        super::statistics::refresh_facts(&*txn, case.assignment.id).await?;
    }
    event(
        &*txn,
        case.suggestion.id,
        Some(case.assignment.id),
        EventKind::ContactLogged,
        ActorRole::Unit,
        now,
        json!({"stage": record.stage, "method": record.method, "contactedOn": record.contacted_on}),
    )
    .await?;
    super::audit::created("ContactRecord", record.id);
    txn.commit().await.during("committing the contact record")?;
    Ok(record)
}

#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub reply_id: i64,
    pub expected_version: Option<i32>,
    pub category: entity::enums::ReplyCategory,
    pub note: Option<String>,
}

/// The office reviews a reply and may change its category.
pub async fn review_reply(
    db: &Db,
    input: ReviewInput,
    now: DateTime<Utc>,
) -> ServiceResult<reply::Model> {
    let field = ["input", "replyId"];
    let note = text::optional(
        input.note.as_deref(),
        &["input", "note"],
        2000,
        Lines::Multi,
    )?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = reply::Entity::find_by_id(input.reply_id)
        .one(&*txn)
        .await
        .during("loading the reply")?
        .ok_or_else(|| UserError::not_found(&field, "答复不存在 (reply not found)"))?;
    check_version("答复", input.expected_version, current.version)?;
    let case = load_case(&*txn, current.assignment_id, None, &field).await?;
    flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::ReviewReply,
        &field,
    )?;
    super::session::scheme_of(&case.session).check(input.category, &["input", "category"])?;
    let result = reply::Entity::update_many()
        .set(reply::ActiveModel {
            category: Set(input.category),
            original_category: Set(Some(current.original_category.unwrap_or(current.category))),
            reviewed_at: Set(Some(now)),
            version: Set(current.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(reply::Column::Id.eq(current.id))
        .filter(reply::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("reviewing the reply")?;
    if result.rows_affected != 1 {
        return Err(conflict("答复", &field));
    }
    super::statistics::refresh_facts(&*txn, case.assignment.id).await?;
    event(
        &*txn,
        case.suggestion.id,
        Some(case.assignment.id),
        EventKind::ReplyReviewed,
        ActorRole::Office,
        now,
        json!({"replyId": current.id, "from": current.category, "to": input.category, "note": note}),
    )
    .await?;
    let saved = reply::Entity::find_by_id(current.id)
        .one(&*txn)
        .await
        .during("reloading the reply")?
        .ok_or_else(|| anyhow::anyhow!("reply vanished"))?;
    txn.commit().await.during("committing the review")?;
    Ok(saved)
}

#[derive(Debug, Clone)]
pub struct RatingInput {
    pub reply_id: i64,
    /// The rating deputy; default the lead deputy.
    pub deputy_id: Option<i64>,
    pub satisfaction: Satisfaction,
    pub work_satisfaction: Option<Satisfaction>,
    pub result_satisfaction: Option<Satisfaction>,
    pub comment: Option<String>,
    pub rated_on: Option<NaiveDate>,
}

/// 满意度测评. The lead deputy's UNSATISFIED opens a re-handling round for the same unit
/// with its own due date; co-signers' ratings are recorded alongside.
/// A row made by a workflow step, with its assignment as they are now (what a retried
/// step answers).
pub async fn with_its_assignment<E>(
    db: &Db,
    id: i64,
    assignment_of: impl FnOnce(&E::Model) -> i64,
) -> ServiceResult<(E::Model, assignment::Model)>
where
    E: EntityTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    let row = E::find_by_id(id)
        .one(db.conn())
        .await
        .during("loading the row of a workflow step")?
        .ok_or_else(|| anyhow::anyhow!("row {id} of a workflow step is gone"))?;
    let assignment_id = assignment_of(&row);
    let assignment = assignment::Entity::find_by_id(assignment_id)
        .one(db.conn())
        .await
        .during("loading the assignment")?
        .ok_or_else(|| anyhow::anyhow!("assignment {assignment_id} is gone"))?;
    Ok((row, assignment))
}

/// A rating with its reply's assignment as they are now (what a retried `rateReply`
/// answers).
pub async fn rating_with_assignment(
    db: &Db,
    rating_id: i64,
) -> ServiceResult<(rating::Model, assignment::Model)> {
    let rating = rating::Entity::find_by_id(rating_id)
        .one(db.conn())
        .await
        .during("loading a rating")?
        .ok_or_else(|| anyhow::anyhow!("rating {rating_id} is gone"))?;
    let (_, assignment) =
        with_its_assignment::<reply::Entity>(db, rating.reply_id, |r| r.assignment_id).await?;
    Ok((rating, assignment))
}

pub async fn rate_reply(
    db: &Db,
    input: RatingInput,
    now: DateTime<Utc>,
) -> ServiceResult<(rating::Model, assignment::Model)> {
    let field = ["input", "replyId"];
    let today = local_date(now);
    let mut errors = Errors::new();
    let comment = errors.check(text::optional(
        input.comment.as_deref(),
        &["input", "comment"],
        5000,
        Lines::Multi,
    ));
    let rated_on = input.rated_on.unwrap_or(today);
    errors.check(not_future(rated_on, today, &["input", "ratedOn"]));
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = reply::Entity::find_by_id(input.reply_id)
        .one(&*txn)
        .await
        .during("loading the reply")?
        .ok_or_else(|| UserError::not_found(&field, "答复不存在 (reply not found)"))?;
    let case = load_case(&*txn, current.assignment_id, None, &field).await?;
    if current.release_state != entity::enums::ReleaseState::Sent {
        return Err(UserError::invalid_state(
            &field,
            "答复尚未发送给代表，不能测评 (only a reply sent to the deputy can be rated)",
        )
        .into());
    }
    let deputy_id = input.deputy_id.unwrap_or(case.suggestion.lead_deputy_id);
    let by_lead = deputy_id == case.suggestion.lead_deputy_id;
    if !by_lead {
        let co = co_signer::Entity::find()
            .filter(co_signer::Column::SuggestionId.eq(case.suggestion.id))
            .filter(co_signer::Column::DeputyId.eq(deputy_id))
            .one(&*txn)
            .await
            .during("checking the co-signer")?;
        if co.is_none() {
            return Err(UserError::invalid(
                &["input", "deputyId"],
                "只有领衔代表和联名代表可以测评 (only the lead deputy and co-signers rate)",
            )
            .into());
        }
    }
    if current.round != case.assignment.round {
        return Err(UserError::invalid_state(
            &field,
            "只能测评本轮的答复 (only the current round's reply can be rated)",
        )
        .into());
    }
    let unsatisfied = input.satisfaction == Satisfaction::Unsatisfied;
    // Co-signers' ratings are recorded without moving the workflow.
    let to = if by_lead {
        flow::next(
            case.assignment.role,
            case.assignment.status,
            Transition::Rate { unsatisfied },
            &field,
        )?
    } else {
        case.assignment.status
    };
    // The rating window opens when the deputy got the reply: the day it was sent (its
    // own date, without review before release).
    if rated_on < current.sent_on.unwrap_or(current.replied_on) {
        errors.push(UserError::invalid(
            &["input", "ratedOn"],
            "测评日期不能早于答复送达日期 (must not precede the day the reply was sent)",
        ));
    }
    errors.finish()?;
    let taken = rating::Entity::find()
        .filter(rating::Column::ReplyId.eq(current.id))
        .filter(rating::Column::DeputyId.eq(deputy_id))
        .one(&*txn)
        .await
        .during("checking earlier ratings")?;
    if taken.is_some() {
        return Err(UserError::duplicate(
            &["input", "deputyId"],
            "该代表已测评过此答复 (this deputy already rated the reply)",
        )
        .into());
    }
    let saved_rating = rating::ActiveModel {
        reply_id: Set(current.id),
        assignment_id: Set(case.assignment.id),
        round: Set(current.round),
        deputy_id: Set(deputy_id),
        by_lead_deputy: Set(by_lead),
        satisfaction: Set(input.satisfaction),
        work_satisfaction: Set(input.work_satisfaction),
        result_satisfaction: Set(input.result_satisfaction),
        comment: Set(comment.flatten()),
        rated_on: Set(rated_on),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await
    .during("inserting a rating")?;
    event(
        &*txn,
        case.suggestion.id,
        Some(case.assignment.id),
        EventKind::Rated,
        ActorRole::Deputy,
        now,
        json!({"replyId": current.id, "round": current.round, "satisfaction": input.satisfaction, "byLeadDeputy": by_lead}),
    )
    .await?;
    let mut changes = assignment::ActiveModel {
        status: Set(to),
        ..Default::default()
    };
    if to == AssignmentStatus::Rehandling {
        let calendar = super::calendar::load(&*txn).await?;
        let next_round = case.assignment.round + 1;
        let due = due(
            &case.session,
            &calendar,
            rated_on,
            DeadlinePeriod::Rehandling,
            &field,
        )?;
        let rules = super::session::rules_of(&case.session);
        handling_round::ActiveModel {
            assignment_id: Set(case.assignment.id),
            round: Set(next_round),
            started_on: Set(rated_on),
            due_on: Set(due.due_on),
            original_due_on: Set(due.due_on),
            due_provisional: Set(due.provisional),
            answered_on: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&*txn)
        .await
        .during("opening a re-handling round")?;
        changes.round = Set(next_round);
        // The answered round stays in force (answered) until the rating re-opens it.
        changes.span_from =
            Set(super::deadline::end_span(&*txn, &case.assignment, rated_on).await?);
        changes.due_on = Set(due.due_on);
        changes.original_due_on = Set(due.due_on);
        changes.due_on_explicit = Set(false);
        changes.due_provisional = Set(due.provisional);
        changes.due_soon_from = Set(due_soon_from(due.due_on, rules.due_soon_days));
        changes.answered_on = Set(None);
        event(
            &*txn,
            case.suggestion.id,
            Some(case.assignment.id),
            EventKind::RehandlingStarted,
            ActorRole::System,
            now,
            json!({"round": next_round, "startedOn": rated_on, "dueOn": due.due_on}),
        )
        .await?;
    }
    let saved = if by_lead {
        let saved = save_assignment(&*txn, &case.assignment, changes, now, &field).await?;
        super::statistics::refresh_facts(&*txn, saved.id).await?;
        saved
    } else {
        case.assignment
    };
    refresh_suggestion(&*txn, saved.suggestion_id, now).await?;
    super::audit::created("Rating", saved_rating.id);
    if rated_on < today {
        super::audit::backdated("ratedOn", rated_on);
    }
    txn.commit().await.during("committing the rating")?;
    Ok((saved_rating, saved))
}

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
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let case = load_case(&*txn, input.assignment_id, None, &field).await?;
    flow::next(
        case.assignment.role,
        case.assignment.status,
        Transition::FollowUp,
        &field,
    )?;
    let latest = reply::Entity::find()
        .filter(reply::Column::AssignmentId.eq(case.assignment.id))
        .order_by_desc(reply::Column::Round)
        .one(&*txn)
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
    .insert(&*txn)
    .await
    .during("inserting a follow-up")?;
    event(
        &*txn,
        case.suggestion.id,
        Some(case.assignment.id),
        EventKind::FollowUpSent,
        ActorRole::Unit,
        now,
        json!({"repliedOn": replied_on}),
    )
    .await?;
    super::audit::created("FollowUp", saved.id);
    txn.commit().await.during("committing the follow-up")?;
    Ok(saved)
}

/// Loads a suggestion for a suggestion-level transition, checking its version.
async fn load_suggestion<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    expected_version: Option<i32>,
) -> ServiceResult<suggestion::Model> {
    let found = suggestion::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| {
            UserError::not_found(
                &["input", "suggestionId"],
                "建议不存在 (suggestion not found)",
            )
        })?;
    check_version("建议", expected_version, found.version)?;
    Ok(found)
}

/// Sets a suggestion's state if nobody changed it since it was read; returns the stored row.
pub(crate) async fn set_suggestion_status<C: ConnectionTrait>(
    conn: &C,
    current: &suggestion::Model,
    status: SuggestionStatus,
    now: DateTime<Utc>,
) -> ServiceResult<suggestion::Model> {
    let result = suggestion::Entity::update_many()
        .set(suggestion::ActiveModel {
            status: Set(status),
            version: Set(current.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(suggestion::Column::Id.eq(current.id))
        .filter(suggestion::Column::Version.eq(current.version))
        .exec(conn)
        .await
        .during("updating the suggestion")?;
    if result.rows_affected != 1 {
        return Err(conflict("建议", &["input", "suggestionId"]));
    }
    suggestion::Entity::find_by_id(current.id)
        .one(conn)
        .await
        .during("reloading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("suggestion vanished").into())
}

/// 办结: the office closes a replied suggestion once each reply is rated by the lead
/// deputy, or the rating period has run out.
pub async fn close(
    db: &Db,
    suggestion_id: i64,
    expected_version: Option<i32>,
    now: DateTime<Utc>,
) -> ServiceResult<suggestion::Model> {
    let field = ["input", "suggestionId"];
    let today = local_date(now);
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = load_suggestion(&*txn, suggestion_id, expected_version).await?;
    if current.status != SuggestionStatus::Replied {
        return Err(UserError::invalid_state(
            &field,
            format!(
                "建议当前状态为 {0}，须全部答复后才能办结 (cannot close in state {0}; every unit must have replied)",
                flow::suggestion_state_name(current.status)
            ),
        )
        .into());
    }
    let session = session::Entity::find_by_id(current.session_id)
        .one(&*txn)
        .await
        .during("loading the session")?
        .ok_or_else(|| anyhow::anyhow!("suggestion without session"))?;
    let calendar = super::calendar::load(&*txn).await?;
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(current.id))
        .all(&*txn)
        .await
        .during("loading assignments")?;
    for a in assignments.iter().filter(|a| flow::is_active(a.status)) {
        if flow::answers_deputy(a.role) {
            let rated = rating::Entity::find()
                .filter(rating::Column::AssignmentId.eq(a.id))
                .filter(rating::Column::Round.eq(a.round))
                .filter(rating::Column::ByLeadDeputy.eq(true))
                .one(&*txn)
                .await
                .during("checking ratings")?
                .is_some();
            let answered = a.answered_on.unwrap_or(today);
            let rating_due = due(
                &session,
                &calendar,
                answered,
                DeadlinePeriod::Rating,
                &field,
            )?
            .due_on;
            if !rated && today <= rating_due {
                return Err(UserError::invalid_state(
                    &field,
                    format!("答复尚未测评，测评期限至 {rating_due} (a reply is not rated yet; the rating period ends {rating_due})"),
                )
                .into());
            }
        }
        let to = flow::next(a.role, a.status, Transition::Close, &field)?;
        save_assignment(
            &*txn,
            a,
            assignment::ActiveModel {
                status: Set(to),
                ..Default::default()
            },
            now,
            &field,
        )
        .await?;
    }
    let saved = set_suggestion_status(&*txn, &current, SuggestionStatus::Closed, now).await?;
    event(
        &*txn,
        saved.id,
        None,
        EventKind::Closed,
        ActorRole::Office,
        now,
        json!({}),
    )
    .await?;
    txn.commit().await.during("committing the close")?;
    Ok(saved)
}

/// 撤回: the deputy withdraws the suggestion; open assignments end with it.
pub async fn withdraw(
    db: &Db,
    suggestion_id: i64,
    expected_version: Option<i32>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> ServiceResult<suggestion::Model> {
    let field = ["input", "suggestionId"];
    let reason = text::optional(reason.as_deref(), &["input", "reason"], 2000, Lines::Multi)?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = load_suggestion(&*txn, suggestion_id, expected_version).await?;
    if matches!(
        current.status,
        SuggestionStatus::Closed | SuggestionStatus::Withdrawn
    ) {
        return Err(UserError::invalid_state(
            &field,
            format!(
                "建议当前状态为 {0}，不能撤回 (cannot withdraw in state {0})",
                flow::suggestion_state_name(current.status)
            ),
        )
        .into());
    }
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(current.id))
        .all(&*txn)
        .await
        .during("loading assignments")?;
    for a in assignments
        .iter()
        .filter(|a| flow::is_active(a.status) && a.status != AssignmentStatus::Closed)
    {
        let to = flow::next(a.role, a.status, Transition::Withdraw, &field)?;
        save_assignment(
            &*txn,
            a,
            assignment::ActiveModel {
                status: Set(to),
                ..Default::default()
            },
            now,
            &field,
        )
        .await?;
    }
    let saved = set_suggestion_status(&*txn, &current, SuggestionStatus::Withdrawn, now).await?;
    event(
        &*txn,
        saved.id,
        None,
        EventKind::Withdrawn,
        ActorRole::Deputy,
        now,
        json!({"reason": reason}),
    )
    .await?;
    txn.commit().await.during("committing the withdrawal")?;
    Ok(saved)
}
