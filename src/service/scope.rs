//! Row-level access as SQL: the conditions that keep a unit to its own assignments and a
//! deputy to their own suggestions. Lists, counts, loaders and the checks before a
//! mutation all use these, so no path shows more than another.
//!
//! An object outside the caller's scope is reported exactly like a missing one
//! (`NOT_FOUND`), so its existence does not leak either.

use entity::{assignment, public_feedback, reply, suggestion, suggestion_co_signer as co_signer};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::Scope;
use crate::domain::UserError;

fn nothing() -> Condition {
    // `1 = 0`: an always-false condition that every backend plans as empty.
    Condition::all().add(Expr::value(1).eq(0))
}

/// Ids of the suggestions a deputy leads or co-signed.
fn deputy_suggestions(deputy: i64) -> SelectStatement {
    Query::select()
        .column(suggestion::Column::Id)
        .from(suggestion::Entity)
        .cond_where(
            Condition::any()
                .add(suggestion::Column::LeadDeputyId.eq(deputy))
                .add(
                    suggestion::Column::Id.in_subquery(
                        Query::select()
                            .column(co_signer::Column::SuggestionId)
                            .from(co_signer::Entity)
                            .and_where(co_signer::Column::DeputyId.eq(deputy))
                            .to_owned(),
                    ),
                ),
        )
        .to_owned()
}

/// Ids of the assignments visible in `scope` (for subqueries).
fn visible_assignment_ids(scope: Scope) -> SelectStatement {
    Query::select()
        .column(assignment::Column::Id)
        .from(assignment::Entity)
        .cond_where(assignments(scope))
        .to_owned()
}

/// Ids of a session's suggestions (for subqueries).
pub fn session_suggestion_ids(session_id: i64) -> SelectStatement {
    Query::select()
        .column(suggestion::Column::Id)
        .from(suggestion::Entity)
        .and_where(suggestion::Column::SessionId.eq(session_id))
        .to_owned()
}

/// Ids of a session's assignments (for subqueries).
pub fn session_assignment_ids(session_id: i64) -> SelectStatement {
    Query::select()
        .column(assignment::Column::Id)
        .from(assignment::Entity)
        .and_where(assignment::Column::SuggestionId.in_subquery(session_suggestion_ids(session_id)))
        .to_owned()
}

/// Which suggestions the scope sees.
pub fn suggestions(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Unit(unit) => Condition::all().add(
            suggestion::Column::Id.in_subquery(
                Query::select()
                    .column(assignment::Column::SuggestionId)
                    .from(assignment::Entity)
                    .and_where(assignment::Column::UnitId.eq(unit))
                    .to_owned(),
            ),
        ),
        Scope::Deputy(deputy) => {
            Condition::all().add(suggestion::Column::Id.in_subquery(deputy_suggestions(deputy)))
        }
        Scope::Nothing => nothing(),
    }
}

/// Which assignments the scope sees.
pub fn assignments(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Unit(unit) => Condition::all().add(assignment::Column::UnitId.eq(unit)),
        Scope::Deputy(deputy) => Condition::all()
            .add(assignment::Column::SuggestionId.in_subquery(deputy_suggestions(deputy))),
        Scope::Nothing => nothing(),
    }
}

/// Which replies the scope sees: those of visible assignments; a deputy only those sent
/// (review before release: a reply with the office, or returned, is not the deputy's yet).
pub fn replies(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Deputy(_) => Condition::all()
            .add(reply::Column::AssignmentId.in_subquery(visible_assignment_ids(scope)))
            .add(reply::Column::ReleaseState.eq(entity::enums::ReleaseState::Sent)),
        _ => Condition::all()
            .add(reply::Column::AssignmentId.in_subquery(visible_assignment_ids(scope))),
    }
}

/// Which public feedback the scope sees: the office all, a unit the feedback on its own
/// replies; deputies none (DOMAIN §7: submitters' details are never theirs to see).
pub fn feedback(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Unit(_) => Condition::all().add(
            public_feedback::Column::ReplyId.in_subquery(
                Query::select()
                    .column(reply::Column::Id)
                    .from(reply::Entity)
                    .and_where(
                        reply::Column::AssignmentId.in_subquery(visible_assignment_ids(scope)),
                    )
                    .to_owned(),
            ),
        ),
        Scope::Deputy(_) | Scope::Nothing => nothing(),
    }
}

/// Rows of a table with an `assignment_id` column that the scope sees (timeline events,
/// return and extension requests).
pub fn by_assignment<C: ColumnTrait>(scope: Scope, assignment_id: C) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        _ => Condition::all().add(assignment_id.in_subquery(visible_assignment_ids(scope))),
    }
}

/// A unit's filter on another unit: for unit staff only their own unit exists.
pub fn check_unit_filter(scope: Scope, unit_id: Option<i64>, field: &[&str]) -> ServiceResult<()> {
    match (scope, unit_id) {
        (Scope::Unit(own), Some(asked)) if own != asked => {
            Err(UserError::missing(field, "承办单位", "unit").into())
        }
        _ => Ok(()),
    }
}

/// NOT_FOUND unless the assignment exists and the scope sees it. The relations checked
/// (an assignment's unit and suggestion, a suggestion's deputies) do not change after
/// the fact in ways that would widen access, so checking before the write's own
/// transaction is safe.
pub async fn check_assignment(
    db: &Db,
    scope: Scope,
    assignment_id: i64,
    field: &[&str],
) -> ServiceResult<()> {
    if scope == Scope::All {
        return Ok(());
    }
    let found = assignment::Entity::find_by_id(assignment_id)
        .filter(assignments(scope))
        .one(db.conn())
        .await
        .during("checking access to an assignment")?;
    match found {
        Some(_) => Ok(()),
        None => Err(UserError::missing(field, "交办记录", "assignment").into()),
    }
}

/// NOT_FOUND unless the reply exists and the scope sees it.
pub async fn check_reply(
    db: &Db,
    scope: Scope,
    reply_id: i64,
    field: &[&str],
) -> ServiceResult<()> {
    if scope == Scope::All {
        return Ok(());
    }
    let found = reply::Entity::find_by_id(reply_id)
        .filter(replies(scope))
        .one(db.conn())
        .await
        .during("checking access to a reply")?;
    match found {
        Some(_) => Ok(()),
        None => Err(UserError::missing(field, "答复", "reply").into()),
    }
}

/// NOT_FOUND unless the suggestion exists and the scope sees it.
pub async fn check_suggestion(
    db: &Db,
    scope: Scope,
    suggestion_id: i64,
    field: &[&str],
) -> ServiceResult<()> {
    if scope == Scope::All {
        return Ok(());
    }
    let found = suggestion::Entity::find_by_id(suggestion_id)
        .filter(suggestions(scope))
        .one(db.conn())
        .await
        .during("checking access to a suggestion")?;
    match found {
        Some(_) => Ok(()),
        None => Err(UserError::missing(field, "建议", "suggestion").into()),
    }
}

/// A deputy withdraws only a suggestion they lead; the office any.
pub async fn check_withdraw(db: &Db, scope: Scope, suggestion_id: i64) -> ServiceResult<()> {
    let field = &["input", "suggestionId"];
    check_suggestion(db, scope, suggestion_id, field).await?;
    if let Scope::Deputy(own) = scope {
        let led = suggestion::Entity::find_by_id(suggestion_id)
            .filter(suggestion::Column::LeadDeputyId.eq(own))
            .one(db.conn())
            .await
            .during("checking the lead deputy")?;
        if led.is_none() {
            return Err(UserError::invalid_state(
                field,
                "只有领衔代表可以撤回建议 (only the lead deputy may withdraw a suggestion)",
            )
            .into());
        }
    }
    Ok(())
}
