//! Closing (办结) and withdrawal (撤回) of a suggestion, and its status.

use super::*;

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
        .ok_or_else(|| UserError::missing(&["input", "suggestionId"], "建议", "suggestion"))?;
    check_version("建议", expected_version, found.version)?;
    Ok(found)
}

/// INVALID_STATE unless the lead deputy rated `a`'s reply of this round, or the rating
/// period (from the day it was answered) has run out by `today`.
async fn check_rated<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    session: &session::Model,
    calendar: &crate::domain::calendar::WorkCalendar,
    today: NaiveDate,
) -> ServiceResult<()> {
    let field = ["input", "suggestionId"];
    let rated = rating::Entity::find()
        .filter(rating::Column::AssignmentId.eq(a.id))
        .filter(rating::Column::Round.eq(a.round))
        .filter(rating::Column::ByLeadDeputy.eq(true))
        .one(conn)
        .await
        .during("checking ratings")?
        .is_some();
    let answered = a.answered_on.unwrap_or(today);
    let rating_due = due(session, calendar, answered, DeadlinePeriod::Rating, &field)?.due_on;
    if !rated && today <= rating_due {
        return Err(UserError::invalid_state(
            &field,
            format!("答复尚未测评，测评期限至 {rating_due} (a reply is not rated yet; the rating period ends {rating_due})"),
        )
        .into());
    }
    Ok(())
}

/// 办结: the office closes a replied suggestion once each reply is rated by the lead
/// deputy, or the rating period has run out.
pub async fn close_suggestion(
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
    let calendar = crate::service::calendar::load(&*txn).await?;
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::SuggestionId.eq(current.id))
        .all(&*txn)
        .await
        .during("loading assignments")?;
    for a in assignments.iter().filter(|a| flow::is_active(a.status)) {
        if flow::answers_deputy(a.role) {
            check_rated(&*txn, a, &session, &calendar, today).await?;
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
    let saved = crate::service::suggestion_state::save(
        &*txn,
        &current,
        SuggestionStatus::Closed,
        now,
        &["input", "suggestionId"],
    )
    .await?;
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
pub async fn withdraw_suggestion(
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
    let saved = crate::service::suggestion_state::save(
        &*txn,
        &current,
        SuggestionStatus::Withdrawn,
        now,
        &["input", "suggestionId"],
    )
    .await?;
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
