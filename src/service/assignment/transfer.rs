//! Moving open assignments to another unit after an institutional reform (机构改革), all or nothing, each in its timeline.

use super::*;

/// States in which an assignment can move to another unit: open and with nothing pending
/// between the unit and the office (a pending return request is decided first).
pub(crate) const TRANSFERABLE: [AssignmentStatus; 3] = [
    AssignmentStatus::Assigned,
    AssignmentStatus::SignedFor,
    AssignmentStatus::Rehandling,
];

#[derive(Debug, Clone)]
pub struct TransferInput {
    pub assignment_ids: Vec<i64>,
    pub to_unit_id: i64,
    /// Why, e.g. 机构改革：市农业局并入市农业农村局 (1–500 characters).
    pub reason: String,
}

/// The unit that takes the assignments over: it exists (NOT_FOUND) and is not retired
/// (INVALID_STATE), at `input.toUnitId`.
async fn receiving_unit<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: i64,
) -> ServiceResult<unit::Model> {
    let to = unit::Entity::find_by_id(id)
        .one(conn)
        .await
        .during("loading the unit")?
        .ok_or_else(|| UserError::missing(&["input", "toUnitId"], "单位", "unit"))?;
    if to.retired_on.is_some() {
        return Err(UserError::invalid_state(
            &["input", "toUnitId"],
            "接收单位已撤销 (the unit was retired)",
        )
        .into());
    }
    Ok(to)
}

/// The assignments of `ids` (in `found`) that can move to unit `to`, in order; each one
/// that cannot is an error at its place in the list: missing, already with `to`, not open,
/// or of a suggestion `to` handles already (`already`, or an earlier one of the list).
fn movable<'a>(
    ids: &[i64],
    found: &'a std::collections::HashMap<i64, assignment::Model>,
    already: &std::collections::HashSet<i64>,
    to: i64,
    errors: &mut Errors,
) -> Vec<&'a assignment::Model> {
    let mut moving: Vec<&assignment::Model> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let index = i.to_string();
        let field = ["input", "assignmentIds", index.as_str()];
        let Some(a) = found.get(id) else {
            errors.push(UserError::missing(&field, "交办记录", "assignment"));
            continue;
        };
        if a.unit_id == to {
            errors.push(UserError::invalid(
                &field,
                "该交办已由此单位承办 (the assignment is already with this unit)",
            ));
        } else if !TRANSFERABLE.contains(&a.status) {
            errors.push(UserError::invalid_state(
                &field,
                format!(
                    "只能转移正在办理的交办（当前状态 {:?}）(only an open assignment with nothing pending can move)",
                    a.status
                ),
            ));
        } else if already.contains(&a.suggestion_id)
            || moving.iter().any(|m| m.suggestion_id == a.suggestion_id)
        {
            errors.push(UserError::duplicate(
                &field,
                "接收单位已承办此建议 (the successor already handles this suggestion)",
            ));
        } else {
            moving.push(a);
        }
    }
    moving
}

/// Moves open assignments to another unit — after an institutional reform (机构改革) merges
/// units or splits one — keeping each one's due date, round, deadline history, contacts
/// and timeline; the timeline says UNIT_TRANSFERRED with from, to and why. Answered and
/// closed assignments stay with the unit that handled them, so past figures keep its name.
/// All or nothing: every refused assignment is reported, by its place in the list.
pub async fn transfer(
    db: &Db,
    input: TransferInput,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<assignment::Model>> {
    let mut errors = Errors::new();
    let reason = errors.check(text::required(
        &input.reason,
        &["input", "reason"],
        500,
        Lines::Single,
    ));
    if input.assignment_ids.is_empty() {
        errors.push(UserError::invalid(
            &["input", "assignmentIds"],
            "请至少选择一件交办 (name at least one assignment)",
        ));
    }
    errors.finish()?;
    let mut errors = Errors::new();
    let reason = reason.unwrap_or_default();
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let to = receiving_unit(&*txn, input.to_unit_id).await?;
    let found: std::collections::HashMap<i64, assignment::Model> = assignment::Entity::find()
        .filter(assignment::Column::Id.is_in(input.assignment_ids.iter().copied()))
        .all(&*txn)
        .await
        .during("loading the assignments")?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    // Suggestions the successor already handles: it cannot take a second assignment there.
    let suggestion_ids: Vec<i64> = found.values().map(|a| a.suggestion_id).collect();
    let already: std::collections::HashSet<i64> = assignment::Entity::find()
        .filter(assignment::Column::UnitId.eq(to.id))
        .filter(assignment::Column::SuggestionId.is_in(suggestion_ids))
        .all(&*txn)
        .await
        .during("loading the successor's assignments")?
        .into_iter()
        .map(|a| a.suggestion_id)
        .collect();
    let moving = movable(&input.assignment_ids, &found, &already, to.id, &mut errors);
    errors.finish()?;
    let mut moved = Vec::new();
    for a in moving {
        let changes = assignment::ActiveModel {
            unit_id: Set(to.id),
            ..Default::default()
        };
        let saved = crate::service::assignment::save_assignment(
            &*txn,
            a,
            changes,
            now,
            &["input", "assignmentIds"],
        )
        .await?;
        crate::service::timeline::event(
            &*txn,
            saved.suggestion_id,
            Some(saved.id),
            EventKind::UnitTransferred,
            ActorRole::Office,
            now,
            serde_json::json!({"fromUnitId": a.unit_id, "toUnitId": to.id, "toUnit": to.name, "reason": reason}),
        )
        .await?;
        moved.push(saved);
    }
    txn.commit().await.during("committing a transfer")?;
    Ok(moved)
}
