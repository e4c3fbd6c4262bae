//! The readers of one page of the suggestion export: one query each, keyed by the page's
//! suggestion ids, reading only the columns the sheet shows.

use super::*;

/// The page's co-signers, by suggestion, in signing order.
pub(super) async fn co_signers<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<i64>>> {
    let rows: Vec<co_signer::Model> = co_signer::Entity::find()
        .filter(co_signer::Column::SuggestionId.is_in(ids.iter().copied()))
        .order_by_asc(co_signer::Column::SuggestionId)
        .order_by_asc(co_signer::Column::Position)
        .all(conn)
        .await
        .during("reading co-signers for an export")?;
    let mut signers_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for c in &rows {
        signers_of
            .entry(c.suggestion_id)
            .or_default()
            .push(c.deputy_id);
    }
    Ok(signers_of)
}

/// The names and delegations of the page's lead deputies and co-signers. Names and
/// delegations only: deputies' phones and addresses never leave.
pub(super) async fn deputies<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, (String, Option<String>)>> {
    let leads = Query::select()
        .column(suggestion::Column::LeadDeputyId)
        .from(suggestion::Entity)
        .and_where(suggestion::Column::Id.is_in(ids.iter().copied()))
        .to_owned();
    let signers = Query::select()
        .column(co_signer::Column::DeputyId)
        .from(co_signer::Entity)
        .and_where(co_signer::Column::SuggestionId.is_in(ids.iter().copied()))
        .to_owned();
    Ok(deputy::Entity::find()
        .select_only()
        .columns([
            deputy::Column::Id,
            deputy::Column::Name,
            deputy::Column::Delegation,
        ])
        .filter(
            Condition::any()
                .add(deputy::Column::Id.in_subquery(leads))
                .add(deputy::Column::Id.in_subquery(signers)),
        )
        .into_tuple::<(i64, String, Option<String>)>()
        .all(conn)
        .await
        .during("reading deputies for an export")?
        .into_iter()
        .map(|(id, name, delegation)| (id, (name, delegation)))
        .collect())
}

/// The page's assignments the scope shows, by suggestion and id.
pub(super) async fn assignments<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    scope: Scope,
) -> ServiceResult<Vec<AssignmentRow>> {
    assignment::Entity::find()
        .select_only()
        .columns([
            assignment::Column::Id,
            assignment::Column::SuggestionId,
            assignment::Column::UnitId,
            assignment::Column::Role,
            assignment::Column::Status,
            assignment::Column::AssignedOn,
            assignment::Column::DueOn,
            assignment::Column::DueSoonFrom,
            assignment::Column::AnsweredOn,
            assignment::Column::SpanFrom,
        ])
        .filter(assignment::Column::SuggestionId.is_in(ids.iter().copied()))
        .filter(crate::service::scope::assignments(scope))
        .order_by_asc(assignment::Column::SuggestionId)
        .order_by_asc(assignment::Column::Id)
        .into_model()
        .all(conn)
        .await
        .during("reading assignments for an export")
}

/// The replies of the page's visible assignments (in round order) and the lead deputy's
/// ratings of them, by reply.
pub(super) async fn replies_and_ratings<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    scope: Scope,
) -> ServiceResult<(Vec<ReplyRow>, HashMap<i64, Satisfaction>)> {
    let visible_assignments = Query::select()
        .column(assignment::Column::Id)
        .from(assignment::Entity)
        .and_where(assignment::Column::SuggestionId.is_in(ids.iter().copied()))
        .cond_where(crate::service::scope::assignments(scope))
        .to_owned();
    let replies: Vec<ReplyRow> = reply::Entity::find()
        .select_only()
        .columns([
            reply::Column::Id,
            reply::Column::AssignmentId,
            reply::Column::Round,
            reply::Column::Category,
            reply::Column::RepliedOn,
        ])
        .filter(reply::Column::AssignmentId.in_subquery(visible_assignments.clone()))
        .order_by_asc(reply::Column::AssignmentId)
        .order_by_asc(reply::Column::Round)
        .into_model()
        .all(conn)
        .await
        .during("reading replies for an export")?;
    let ratings = rating::Entity::find()
        .select_only()
        .columns([rating::Column::ReplyId, rating::Column::Satisfaction])
        .filter(rating::Column::AssignmentId.in_subquery(visible_assignments))
        .filter(rating::Column::ByLeadDeputy.eq(true))
        .order_by_asc(rating::Column::Id)
        .into_tuple::<(i64, Satisfaction)>()
        .all(conn)
        .await
        .during("reading ratings for an export")?
        .into_iter()
        .collect();
    Ok((replies, ratings))
}

/// The latest reply of each assignment (its current round).
pub(super) fn latest_replies(replies: &[ReplyRow]) -> HashMap<i64, &ReplyRow> {
    let mut latest: HashMap<i64, &ReplyRow> = HashMap::new();
    for r in replies {
        latest
            .entry(r.assignment_id)
            .and_modify(|cur| {
                if r.round >= cur.round {
                    *cur = r;
                }
            })
            .or_insert(r);
    }
    latest
}

/// The number of attachments of each suggestion that `scope` sees.
pub(super) async fn attachment_counts<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    scope: crate::domain::access::Scope,
) -> ServiceResult<HashMap<i64, i64>> {
    use entity::attachment;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let rows: Vec<(i64, i64)> = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::SuggestionId)
        .column_as(attachment::Column::Id.count(), "n")
        .filter(attachment::Column::SuggestionId.is_in(ids.iter().copied()))
        .filter(crate::service::attachment::seen_by(scope))
        .group_by(attachment::Column::SuggestionId)
        .into_tuple()
        .all(conn)
        .await
        .during("counting attachments per suggestion")?;
    Ok(rows.into_iter().collect())
}
