//! Assignments (交办) of a suggestion to handling units, and the unit's contact person.

mod list;
mod transfer;
pub use list::*;
pub use transfer::*;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AssignmentRole, AssignmentStatus, SuggestionStatus};
use entity::{assignment, handling_round, handling_unit as unit, session, suggestion};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Select,
};

use super::{check_version, page, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::assignment::{check_roles, Placement};
use crate::domain::deadline::due_soon_from;
use crate::domain::deadline::DeadlineRules;
use crate::domain::error::Errors;
use crate::domain::phone::PhoneNumber;
use crate::domain::text::{self, Lines};
use crate::domain::workflow::{ActorRole, EventKind};
use crate::domain::UserError;

/// Writes `changes` to an assignment if nobody changed it since it was read; returns the
/// stored row.
pub(crate) async fn save_assignment<C: ConnectionTrait>(
    conn: &C,
    current: &assignment::Model,
    changes: assignment::ActiveModel,
    now: DateTime<Utc>,
    field: &[&str],
) -> ServiceResult<assignment::Model> {
    let saved = super::save_versioned(
        conn,
        current.id,
        current.version,
        changes,
        now,
        "交办记录",
        field,
    )
    .await?;
    super::deadline::retally(conn, current, &saved).await?;
    Ok(saved)
}

#[derive(Debug, Clone)]
pub struct UnitAssignment {
    pub unit_id: i64,
    pub role: AssignmentRole,
    /// An explicit due date set by the office; wins over the session's rule.
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct AssignInput {
    pub suggestion_id: i64,
    pub expected_version: Option<i32>,
    /// Defaults to today (Shanghai).
    pub assigned_on: Option<NaiveDate>,
    pub units: Vec<UnitAssignment>,
}

/// Assigns a suggestion to one or more units in one transaction, returning the suggestion
/// and the assignments made.
pub async fn assign(
    db: &Db,
    input: AssignInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<(suggestion::Model, Vec<assignment::Model>)> {
    let backdated = input.assigned_on.filter(|on| *on < today);
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let done = Box::pin(assign_in(&*txn, input, now, today)).await?;
    if let Some(on) = backdated {
        txn.audit_backdated("assignedOn", on);
    }
    txn.commit().await.during("committing assignments")?;
    Ok(done)
}

/// [`assign`] inside the caller's write transaction (the archive import's).
pub(crate) async fn assign_in<C: ConnectionTrait>(
    conn: &C,
    input: AssignInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<(suggestion::Model, Vec<assignment::Model>)> {
    let assigned_on = input.assigned_on.unwrap_or(today);
    if input.units.len() > 50 {
        return Err(UserError::invalid(
            &["input", "units"],
            "一次最多交办 50 个单位 (at most 50 units per call)",
        )
        .into());
    }
    let mut errors = Errors::new();
    if assigned_on > today {
        errors.push(UserError::invalid(
            &["input", "assignedOn"],
            "交办日期不能晚于今天 (assignedOn must not be in the future)",
        ));
    }
    let current = suggestion::Entity::find_by_id(input.suggestion_id)
        .one(conn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| UserError::missing(&["input", "suggestionId"], "建议", "suggestion"))?;
    check_version("建议", input.expected_version, current.version)?;
    if !matches!(
        current.status,
        SuggestionStatus::Registered | SuggestionStatus::Assigned
    ) {
        return Err(UserError::invalid_state(
            &["input", "suggestionId"],
            format!(
                "建议当前状态为 {0}，不能交办 (cannot assign a suggestion in state {0})",
                crate::domain::workflow::suggestion_state_name(current.status)
            ),
        )
        .into());
    }
    if assigned_on < current.submitted_on {
        errors.push(UserError::invalid(
            &["input", "assignedOn"],
            "交办日期不能早于提出日期 (assignedOn must not precede submittedOn)",
        ));
    }
    let session = session::Entity::find_by_id(current.session_id)
        .one(conn)
        .await
        .during("loading the session")?
        .ok_or_else(|| anyhow::anyhow!("suggestion {} has no session", current.id))?;
    let target = Target {
        suggestion: &current,
        session: &session,
        assigned_on,
        replacing: None,
    };
    let created = add_assignments(conn, target, &input.units, errors, now).await?;
    let saved = super::suggestion_state::save(
        conn,
        &current,
        SuggestionStatus::Assigned,
        now,
        &["input", "suggestionId"],
    )
    .await?;
    Ok((saved, created))
}

/// Where new assignments go: the suggestion, its session, the assignment date, and the
/// assignment a return hands over (if any).
pub(crate) struct Target<'a> {
    pub suggestion: &'a suggestion::Model,
    pub session: &'a session::Model,
    pub assigned_on: NaiveDate,
    pub replacing: Option<i64>,
}

/// Creates assignments (with their first handling round and timeline events) inside the
/// caller's transaction, after checking the units and the role rules against the
/// suggestion's active assignments (minus `replacing`, the one a return hands over).
/// `errors` already found by the caller are reported together with these.
pub(crate) async fn add_assignments<C: ConnectionTrait>(
    conn: &C,
    target: Target<'_>,
    units: &[UnitAssignment],
    mut errors: Errors,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<assignment::Model>> {
    let existing: Vec<assignment::Model> = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(target.suggestion.id))
        .all(conn)
        .await
        .during("loading existing assignments")?;
    check_units(conn, units, target.assigned_on, &mut errors).await?;
    check_placements(&existing, units, target.replacing, &mut errors);
    errors.finish()?;
    let calendar = super::calendar::load(conn).await?;
    let mut created = Vec::with_capacity(units.len());
    for (i, u) in units.iter().enumerate() {
        created.push(insert_assignment(conn, &target, &calendar, (i, u), now).await?);
    }
    Ok(created)
}

/// Each unit exists and is not retired; an explicit due date comes after the assignment.
async fn check_units<C: ConnectionTrait>(
    conn: &C,
    units: &[UnitAssignment],
    assigned_on: NaiveDate,
    errors: &mut Errors,
) -> ServiceResult<()> {
    let found: std::collections::HashMap<i64, unit::Model> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(units.iter().map(|u| u.unit_id)))
        .all(conn)
        .await
        .during("loading units")?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    for (i, u) in units.iter().enumerate() {
        let index = i.to_string();
        match found.get(&u.unit_id) {
            None => errors.push(UserError::missing(
                &["input", "units", &index, "unitId"],
                "承办单位",
                "unit",
            )),
            Some(retired) if retired.retired_on.is_some() => errors.push(UserError::invalid_state(
                &["input", "units", &index, "unitId"],
                "该单位已撤销，请交办其承继单位 (the unit was retired: assign its successor)",
            )),
            Some(_) => {}
        }
        if let Some(due) = u.due_on {
            if due <= assigned_on {
                errors.push(UserError::invalid(
                    &["input", "units", &index, "dueOn"],
                    "办理期限须晚于交办日期 (dueOn must be after assignedOn)",
                ));
            }
        }
    }
    Ok(())
}

/// Role rules count the active assignments (minus `replacing`, the one being handed
/// over); a unit that ever had the case (one that returned it included) cannot be
/// assigned again.
fn check_placements(
    existing: &[assignment::Model],
    units: &[UnitAssignment],
    replacing: Option<i64>,
    errors: &mut Errors,
) {
    let active = |a: &&assignment::Model| {
        Some(a.id) != replacing && crate::domain::workflow::is_active(a.status)
    };
    let placements_existing: Vec<Placement> = existing
        .iter()
        .filter(active)
        .map(|a| Placement {
            unit_id: a.unit_id,
            role: a.role,
        })
        .collect();
    for (i, u) in units.iter().enumerate() {
        let had_it = existing
            .iter()
            .any(|a| a.unit_id == u.unit_id && !active(&a));
        if had_it {
            errors.push(UserError::duplicate(
                &["input", "units", &i.to_string(), "unitId"],
                "该单位已承办过此建议（含已退回） (this unit already had the suggestion, e.g. returned it)",
            ));
        }
    }
    let placements_new: Vec<Placement> = units
        .iter()
        .map(|u| Placement {
            unit_id: u.unit_id,
            role: u.role,
        })
        .collect();
    if let Err(role_errors) = check_roles(&placements_existing, &placements_new) {
        for e in role_errors {
            errors.push(e);
        }
    }
}

/// The first handling round of a new assignment, and the ASSIGNED event on the timeline.
async fn first_round<C: ConnectionTrait>(
    conn: &C,
    saved: &assignment::Model,
    provisional: bool,
    explicit: bool,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let (assigned_on, due_on) = (saved.assigned_on, saved.due_on);
    handling_round::ActiveModel {
        assignment_id: Set(saved.id),
        round: Set(1),
        started_on: Set(assigned_on),
        due_on: Set(due_on),
        original_due_on: Set(due_on),
        due_provisional: Set(provisional),
        answered_on: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .during("inserting the first round")?;
    super::timeline::event(
        conn,
        saved.suggestion_id,
        Some(saved.id),
        EventKind::Assigned,
        ActorRole::Office,
        now,
        serde_json::json!({"unitId": saved.unit_id, "role": saved.role, "assignedOn": assigned_on,
            "dueOn": due_on, "provisional": provisional, "explicit": explicit}),
    )
    .await
}

/// One new assignment with its due date, its first handling round and its timeline event.
async fn insert_assignment<C: ConnectionTrait>(
    conn: &C,
    target: &Target<'_>,
    calendar: &crate::domain::calendar::WorkCalendar,
    (i, u): (usize, &UnitAssignment),
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let Target {
        suggestion,
        session,
        assigned_on,
        ..
    } = *target;
    let index = i.to_string();
    let rule_due = super::calendar::due(
        session,
        calendar,
        assigned_on,
        super::calendar::period_of(u.role, 1),
        &["input", "units", &index],
    )?;
    let (due_on, provisional) = match u.due_on {
        Some(explicit) => (explicit, false),
        None => (rule_due.due_on, rule_due.provisional),
    };
    let rules = DeadlineRules::stored(&session.deadline_rules);
    let model = assignment::ActiveModel {
        suggestion_id: Set(suggestion.id),
        session_id: Set(suggestion.session_id),
        unit_id: Set(u.unit_id),
        role: Set(u.role),
        assigned_on: Set(assigned_on),
        due_on: Set(due_on),
        due_on_explicit: Set(u.due_on.is_some()),
        original_due_on: Set(due_on),
        due_soon_from: Set(due_soon_from(due_on, rules.due_soon_days)),
        due_provisional: Set(provisional),
        round: Set(1),
        span_from: Set(assigned_on),
        signed_for_at: Set(None),
        status: Set(AssignmentStatus::Assigned),
        answered_on: Set(None),
        contact_name: Set(None),
        contact_phone: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let saved = model.insert(conn).await.map_err(|e| {
        super::on_unique(
            e,
            &["uq_assignment_suggestion_unit", "assignment.unit_id"],
            UserError::duplicate(
                &["input", "units", &index, "unitId"],
                "该单位已承办过此建议 (this unit was already assigned to the suggestion)",
            ),
            "inserting an assignment",
        )
    })?;
    first_round(conn, &saved, provisional, u.due_on.is_some(), now).await?;
    Ok(saved)
}

#[derive(Debug, Clone)]
pub struct ContactInput {
    pub assignment_id: i64,
    pub expected_version: Option<i32>,
    pub contact_name: String,
    pub contact_phone: String,
}

/// Sets the unit's contact person (联系人) and phone for one assignment.
/// A suggestion as it is now, with its assignments to `unit_ids` (what a retried
/// `assignSuggestion` answers).
pub async fn assigned(
    db: &Db,
    suggestion_id: i64,
    unit_ids: Vec<i64>,
) -> ServiceResult<(suggestion::Model, Vec<assignment::Model>)> {
    use sea_orm::QueryOrder as _;
    let suggestion = suggestion::Entity::find_by_id(suggestion_id)
        .one(db.conn())
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("suggestion {suggestion_id} is gone"))?;
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(suggestion_id))
        .filter(assignment::Column::UnitId.is_in(unit_ids))
        .order_by_asc(assignment::Column::Id)
        .all(db.conn())
        .await
        .during("loading the assignments")?;
    Ok((suggestion, assignments))
}

pub async fn set_contact(
    db: &Db,
    input: ContactInput,
    now: DateTime<Utc>,
) -> ServiceResult<assignment::Model> {
    let mut errors = Errors::new();
    let name = errors.check(text::required(
        &input.contact_name,
        &["input", "contactName"],
        100,
        Lines::Single,
    ));
    let phone = errors.check(PhoneNumber::parse(
        &input.contact_phone,
        &["input", "contactPhone"],
    ));
    errors.finish()?;
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = assignment::Entity::find_by_id(input.assignment_id)
        .one(&*txn)
        .await
        .during("loading the assignment")?
        .ok_or_else(|| UserError::missing(&["input", "assignmentId"], "交办记录", "assignment"))?;
    check_version("交办记录", input.expected_version, current.version)?;
    let changes = assignment::ActiveModel {
        contact_name: Set(name),
        contact_phone: Set(phone.map(PhoneNumber::into_string)),
        ..Default::default()
    };
    let saved = crate::service::assignment::save_assignment(
        &*txn,
        &current,
        changes,
        now,
        &["input", "assignmentId"],
    )
    .await?;
    super::timeline::event(
        &*txn,
        saved.suggestion_id,
        Some(saved.id),
        EventKind::ContactPersonSet,
        ActorRole::Unit,
        now,
        serde_json::json!({"contactName": saved.contact_name}),
    )
    .await?;
    txn.commit().await.during("committing the contact")?;
    Ok(saved)
}
