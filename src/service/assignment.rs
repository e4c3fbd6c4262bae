//! Assignments (交办) of a suggestion to handling units, and the unit's contact person.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AssignmentRole, AssignmentStatus, SuggestionStatus};
use entity::{assignment, handling_unit as unit, session, suggestion};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, Select};

use super::{check_version, conflict, page, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::assignment::{check_roles, Placement};
use crate::domain::deadline::add_months;
use crate::domain::error::Errors;
use crate::domain::phone::PhoneNumber;
use crate::domain::text::{self, Lines};
use crate::domain::UserError;

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
    let assigned_on = input.assigned_on.unwrap_or(today);
    let mut errors = Errors::new();
    if assigned_on > today {
        errors.push(UserError::invalid(
            &["input", "assignedOn"],
            "交办日期不能晚于今天 (assignedOn must not be in the future)",
        ));
    }
    if input.units.len() > 50 {
        return Err(UserError::invalid(
            &["input", "units"],
            "一次最多交办 50 个单位 (at most 50 units per call)",
        )
        .into());
    }
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = suggestion::Entity::find_by_id(input.suggestion_id)
        .one(&*txn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| {
            UserError::not_found(
                &["input", "suggestionId"],
                "建议不存在 (suggestion not found)",
            )
        })?;
    check_version("建议", input.expected_version, current.version)?;
    if !matches!(
        current.status,
        SuggestionStatus::Registered | SuggestionStatus::Assigned
    ) {
        return Err(UserError::invalid_state(
            &["input", "suggestionId"],
            format!(
                "建议当前状态为 {}，不能交办 (cannot assign a suggestion in state {})",
                super::state_name(&current.status),
                super::state_name(&current.status)
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
        .one(&*txn)
        .await
        .during("loading the session")?
        .ok_or_else(|| anyhow::anyhow!("suggestion {} has no session", current.id))?;
    let rules = super::session::rules_of(&session);
    let existing: Vec<assignment::Model> = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(current.id))
        .all(&*txn)
        .await
        .during("loading existing assignments")?;
    let unit_ids: Vec<i64> = input.units.iter().map(|u| u.unit_id).collect();
    let found: std::collections::HashSet<i64> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(unit_ids.iter().copied()))
        .all(&*txn)
        .await
        .during("loading units")?
        .into_iter()
        .map(|u| u.id)
        .collect();
    for (i, u) in input.units.iter().enumerate() {
        let index = i.to_string();
        if !found.contains(&u.unit_id) {
            errors.push(UserError::not_found(
                &["input", "units", &index, "unitId"],
                "承办单位不存在 (unit not found)",
            ));
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
    let placements_existing: Vec<Placement> = existing
        .iter()
        .map(|a| Placement {
            unit_id: a.unit_id,
            role: a.role,
        })
        .collect();
    let placements_new: Vec<Placement> = input
        .units
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
    errors.finish()?;
    let mut created = Vec::with_capacity(input.units.len());
    for u in &input.units {
        let due_on = match u.due_on {
            Some(due) => due,
            None => add_months(assigned_on, rules.answer_months(u.role)).ok_or_else(|| {
                UserError::invalid(&["input", "assignedOn"], "日期超出范围 (date out of range)")
            })?,
        };
        let model = assignment::ActiveModel {
            suggestion_id: Set(current.id),
            unit_id: Set(u.unit_id),
            role: Set(u.role),
            assigned_on: Set(assigned_on),
            due_on: Set(due_on),
            due_on_explicit: Set(u.due_on.is_some()),
            status: Set(AssignmentStatus::Assigned),
            answered_on: Set(None),
            contact_name: Set(None),
            contact_phone: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        created.push(
            model
                .insert(&*txn)
                .await
                .during("inserting an assignment")?,
        );
    }
    let result = suggestion::Entity::update_many()
        .set(suggestion::ActiveModel {
            status: Set(SuggestionStatus::Assigned),
            version: Set(current.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(suggestion::Column::Id.eq(current.id))
        .filter(suggestion::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("marking the suggestion assigned")?;
    if result.rows_affected != 1 {
        return Err(conflict("建议", &["input", "suggestionId"]));
    }
    let saved = suggestion::Entity::find_by_id(current.id)
        .one(&*txn)
        .await
        .during("reloading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("suggestion vanished inside its own transaction"))?;
    txn.commit().await.during("committing assignments")?;
    Ok((saved, created))
}

#[derive(Debug, Clone)]
pub struct ContactInput {
    pub assignment_id: i64,
    pub expected_version: Option<i32>,
    pub contact_name: String,
    pub contact_phone: String,
}

/// Sets the unit's contact person (联系人) and phone for one assignment.
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
        .ok_or_else(|| {
            UserError::not_found(
                &["input", "assignmentId"],
                "交办记录不存在 (assignment not found)",
            )
        })?;
    check_version("交办记录", input.expected_version, current.version)?;
    let result = assignment::Entity::update_many()
        .set(assignment::ActiveModel {
            contact_name: Set(name),
            contact_phone: Set(phone.map(PhoneNumber::into_string)),
            version: Set(current.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(assignment::Column::Id.eq(current.id))
        .filter(assignment::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .during("setting the contact")?;
    if result.rows_affected != 1 {
        return Err(conflict("交办记录", &["input", "assignmentId"]));
    }
    let saved = assignment::Entity::find_by_id(current.id)
        .one(&*txn)
        .await
        .during("reloading the assignment")?
        .ok_or_else(|| anyhow::anyhow!("assignment vanished inside its own transaction"))?;
    txn.commit().await.during("committing the contact")?;
    Ok(saved)
}

#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub session_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub suggestion_id: Option<i64>,
    pub role: Option<Vec<AssignmentRole>>,
    pub status: Option<Vec<AssignmentStatus>>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentOrder {
    DueOnAsc,
    DueOnDesc,
    AssignedOnDesc,
    AssignedOnAsc,
}

impl AssignmentOrder {
    fn ordering(self) -> page::Ordering<assignment::Column> {
        use assignment::Column::{AssignedOn, DueOn};
        use page::KeyKind::Date;
        let (name, column, descending) = match self {
            Self::DueOnAsc => ("DUE_ON_ASC", DueOn, false),
            Self::DueOnDesc => ("DUE_ON_DESC", DueOn, true),
            Self::AssignedOnDesc => ("ASSIGNED_ON_DESC", AssignedOn, true),
            Self::AssignedOnAsc => ("ASSIGNED_ON_ASC", AssignedOn, false),
        };
        page::Ordering {
            name,
            column: Some((column, Date)),
            descending,
        }
    }

    fn key(self, m: &assignment::Model) -> Option<String> {
        let date = match self {
            Self::DueOnAsc | Self::DueOnDesc => m.due_on,
            Self::AssignedOnDesc | Self::AssignedOnAsc => m.assigned_on,
        };
        Some(date.format("%Y-%m-%d").to_string())
    }
}

pub fn filtered(filter: &AssignmentFilter) -> Select<assignment::Entity> {
    let mut select = assignment::Entity::find();
    if let Some(session_id) = filter.session_id {
        select = select.filter(
            assignment::Column::SuggestionId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(suggestion::Column::Id)
                    .from(suggestion::Entity)
                    .and_where(suggestion::Column::SessionId.eq(session_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(unit_id) = filter.unit_id {
        select = select.filter(assignment::Column::UnitId.eq(unit_id));
    }
    if let Some(suggestion_id) = filter.suggestion_id {
        select = select.filter(assignment::Column::SuggestionId.eq(suggestion_id));
    }
    if let Some(roles) = &filter.role {
        select = select.filter(assignment::Column::Role.is_in(roles.iter().copied()));
    }
    if let Some(statuses) = &filter.status {
        select = select.filter(assignment::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(from) = filter.due_from {
        select = select.filter(assignment::Column::DueOn.gte(from));
    }
    if let Some(to) = filter.due_to {
        select = select.filter(assignment::Column::DueOn.lte(to));
    }
    select
}

pub async fn list(
    db: &Db,
    filter: &AssignmentFilter,
    order: AssignmentOrder,
    args: &page::PageArgs,
) -> ServiceResult<page::Page<assignment::Model>> {
    page::fetch(
        db.conn(),
        filtered(filter),
        assignment::Column::Id,
        order.ordering(),
        args,
        |m| order.key(m),
        |m| m.id,
    )
    .await
}
