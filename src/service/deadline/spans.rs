//! The deadline history of an assignment (spans: which due date was in force from when), ended when a due date moves, and derived once for assignments from before it was kept.

use super::*;

/// The assignment's current span, from its own columns.
pub fn current_span(a: &assignment::Model) -> Span {
    Span {
        round: a.round,
        from_on: a.span_from,
        until_on: None,
        due_on: a.due_on,
        due_soon_from: a.due_soon_from,
        answered_on: a.answered_on,
    }
}

/// A span of an assignment's history.
pub fn earlier_span(row: &deadline_span::Model) -> Span {
    Span {
        round: row.round,
        from_on: row.from_on,
        until_on: Some(row.until_on),
        due_on: row.due_on,
        due_soon_from: row.due_soon_from,
        answered_on: row.answered_on,
    }
}

/// Ends the assignment's current span on the day before `until` (a re-handling round or
/// an approved extension takes over from `until`), inside the writer's transaction, and
/// returns the new span's first day for the assignment's `span_from`. A span that would
/// last no day is not kept; history from `until` on (which only a back-dated change could
/// leave) gives way to the new span, as `domain::span::spans` rules.
pub(crate) async fn end_span<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    until: NaiveDate,
) -> ServiceResult<NaiveDate> {
    use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, EntityTrait as _, QueryFilter as _};
    if until > a.span_from {
        deadline_span::ActiveModel {
            assignment_id: Set(a.id),
            round: Set(a.round),
            from_on: Set(a.span_from),
            until_on: Set(until),
            due_on: Set(a.due_on),
            due_soon_from: Set(a.due_soon_from),
            answered_on: Set(a.answered_on),
            ..Default::default()
        }
        .insert(conn)
        .await
        .during("recording the deadline history")?;
        return Ok(until);
    }
    deadline_span::Entity::delete_many()
        .filter(deadline_span::Column::AssignmentId.eq(a.id))
        .filter(deadline_span::Column::FromOn.gte(until))
        .exec(conn)
        .await
        .during("trimming the deadline history")?;
    deadline_span::Entity::update_many()
        .col_expr(deadline_span::Column::UntilOn, Expr::val(until))
        .filter(deadline_span::Column::AssignmentId.eq(a.id))
        .filter(deadline_span::Column::UntilOn.gt(until))
        .exec(conn)
        .await
        .during("trimming the deadline history")?;
    Ok(until)
}

/// The name under which `upgrade_spans` marks its one run in `chore_run`.
const SPANS_UPGRADE: &str = "upgrade:deadline_spans";

/// The deadline history of `a` derived from its rounds and approved extensions by the
/// workflow's rule (`domain::span::spans`).
fn derived_history(
    a: &assignment::Model,
    rounds: &[entity::handling_round::Model],
    extended: &[entity::extension_request::Model],
) -> Vec<Span> {
    let records: Vec<RoundRecord> = rounds
        .iter()
        .filter(|r| r.assignment_id == a.id)
        .map(|r| RoundRecord {
            round: r.round,
            started_on: r.started_on,
            original_due_on: r.original_due_on,
            due_on: r.due_on,
            answered_on: r.answered_on,
        })
        .collect();
    let approved: Vec<ApprovedExtension> = extended
        .iter()
        .filter(|e| e.assignment_id == a.id)
        .filter_map(|e| {
            Some(ApprovedExtension {
                round: e.round,
                decided_on: e.decided_on?,
                due_on: e.approved_due_on?,
            })
        })
        .collect();
    let window = u32::try_from((a.due_on - a.due_soon_from).num_days()).unwrap_or(0);
    spans(&records, &approved, window)
}

/// Fills in the deadline history of assignments that had some before `deadline_span`
/// existed (migration `m20261206_000005`): those with a re-handling round or an approved
/// extension. Runs once per database, after the migrations; several instances starting
/// together run it once (the marker's insert waits for the first one's commit).
pub async fn upgrade_spans(db: &Db) -> ServiceResult<u64> {
    use entity::{chore_run, extension_request, handling_round};
    use sea_orm::{EntityTrait as _, QueryFilter as _, QueryOrder as _, Set};
    // Done once per database: a start-up after that only reads the marker, and takes no
    // write lock (several instances may start at once).
    if chore_run::Entity::find_by_id(SPANS_UPGRADE.to_owned())
        .one(db.conn())
        .await
        .during("reading the history upgrade's marker")?
        .is_some()
    {
        return Ok(0);
    }
    let txn = db
        .begin_write()
        .await
        .during("beginning the history upgrade")?;
    let marked = chore_run::Entity::insert(chore_run::ActiveModel {
        name: Set(SPANS_UPGRADE.to_owned()),
        started_at: Set(chrono::Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&*txn)
    .await
    .during("marking the history upgrade")?;
    if !matches!(marked, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(0);
    }
    let extended: Vec<extension_request::Model> = extension_request::Entity::find()
        .filter(extension_request::Column::Status.eq(entity::enums::RequestStatus::Approved))
        .all(&*txn)
        .await
        .during("loading approved extensions")?;
    let mut ids: std::collections::BTreeSet<i64> =
        extended.iter().map(|e| e.assignment_id).collect();
    let rehandled: Vec<i64> = assignment::Entity::find()
        .filter(assignment::Column::Round.gt(1))
        .all(&*txn)
        .await
        .during("loading re-handled assignments")?
        .into_iter()
        .map(|a| a.id)
        .collect();
    ids.extend(rehandled);
    let mut upgraded = 0;
    for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let assignments = assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(chunk.iter().copied()))
            .all(&*txn)
            .await
            .during("loading assignments")?;
        let rounds = handling_round::Entity::find()
            .filter(handling_round::Column::AssignmentId.is_in(chunk.iter().copied()))
            .order_by_asc(handling_round::Column::Round)
            .all(&*txn)
            .await
            .during("loading rounds")?;
        for a in assignments {
            let history = derived_history(&a, &rounds, &extended);
            let Some((current, earlier)) = history.split_last() else {
                continue;
            };
            write_history(&*txn, &a, current.from_on, earlier).await?;
            upgraded += 1;
        }
    }
    txn.commit()
        .await
        .during("committing the history upgrade")?;
    Ok(upgraded)
}

/// Replaces an assignment's history with `earlier` and starts its current span on `from`.
pub(super) async fn write_history<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    from: NaiveDate,
    earlier: &[Span],
) -> ServiceResult<()> {
    use sea_orm::{ActiveValue::Set, EntityTrait as _, QueryFilter as _};
    deadline_span::Entity::delete_many()
        .filter(deadline_span::Column::AssignmentId.eq(a.id))
        .exec(conn)
        .await
        .during("clearing the deadline history")?;
    let rows: Vec<deadline_span::ActiveModel> = earlier
        .iter()
        .filter_map(|span| {
            Some(deadline_span::ActiveModel {
                assignment_id: Set(a.id),
                round: Set(span.round),
                from_on: Set(span.from_on),
                until_on: Set(span.until_on?),
                due_on: Set(span.due_on),
                due_soon_from: Set(span.due_soon_from),
                answered_on: Set(span.answered_on),
                ..Default::default()
            })
        })
        .collect();
    if !rows.is_empty() {
        deadline_span::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
            .during("writing the deadline history")?;
    }
    // Not a change of the record a clerk edits: the version stays.
    assignment::Entity::update_many()
        .col_expr(assignment::Column::SpanFrom, Expr::val(from))
        .filter(assignment::Column::Id.eq(a.id))
        .exec(conn)
        .await
        .during("dating the current deadline")?;
    Ok(())
}

/// For each of `ids` (assignments whose current span began after `as_of`), the span of
/// its history that contains `as_of`, if any: one query.
pub async fn earlier_spans_on<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
    as_of: NaiveDate,
) -> ServiceResult<std::collections::HashMap<i64, Span>> {
    use sea_orm::{EntityTrait as _, QueryFilter as _};
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows = deadline_span::Entity::find()
        .filter(deadline_span::Column::AssignmentId.is_in(ids))
        .filter(span_contains(as_of))
        .all(conn)
        .await
        .during("loading deadline history")?;
    Ok(rows
        .iter()
        .map(|row| (row.assignment_id, earlier_span(row)))
        .collect())
}
