//! The per-unit tallies of open deadlines by class, kept in step with every saved assignment (retally) and rebuilt from scratch on demand.

use super::*;

/// Answered deadlines in force count into `assignment_tally` by (session, unit, late?).
pub(super) fn tally_class(a: &assignment::Model) -> Option<(i64, i64, bool)> {
    if matches!(
        a.status,
        AssignmentStatus::Returned | AssignmentStatus::Withdrawn
    ) {
        return None;
    }
    a.answered_on
        .map(|answered| (a.session_id, a.unit_id, answered > a.due_on))
}

/// Keeps the tallies in step with one assignment write (`old` → `new`), inside the
/// writer's transaction. Every assignment update goes through
/// `service::assignment::save_assignment`, which calls this.
pub(crate) async fn retally<C: ConnectionTrait>(
    conn: &C,
    old: &assignment::Model,
    new: &assignment::Model,
) -> ServiceResult<()> {
    let (before, after) = (tally_class(old), tally_class(new));
    if before == after {
        return Ok(());
    }
    if let Some(class) = before {
        bump(conn, class, -1).await?;
    }
    if let Some(class) = after {
        bump(conn, class, 1).await?;
    }
    Ok(())
}

pub(super) async fn bump<C: ConnectionTrait>(
    conn: &C,
    (session_id, unit_id, late): (i64, i64, bool),
    delta: i64,
) -> ServiceResult<()> {
    use entity::assignment_tally as tally;
    use sea_orm::EntityTrait;
    let column = if late {
        tally::Column::AnsweredLate
    } else {
        tally::Column::AnsweredOnTime
    };
    let row = tally::ActiveModel {
        session_id: sea_orm::ActiveValue::Set(session_id),
        unit_id: sea_orm::ActiveValue::Set(unit_id),
        answered_on_time: sea_orm::ActiveValue::Set(if late { 0 } else { delta }),
        answered_late: sea_orm::ActiveValue::Set(if late { delta } else { 0 }),
    };
    tally::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                tally::Column::SessionId,
                tally::Column::UnitId,
            ])
            .value(column, Expr::col((tally::Entity, column)).add(delta))
            .to_owned(),
        )
        .exec(conn)
        .await
        .during("updating deadline tallies")?;
    Ok(())
}

/// Recomputes every tally from the assignments (after bulk loads, or to repair).
pub async fn rebuild_tallies<C: ConnectionTrait>(conn: &C) -> ServiceResult<()> {
    let backend = conn.get_database_backend();
    conn.execute_raw(sea_orm::Statement::from_string(
        backend,
        "DELETE FROM assignment_tally",
    ))
    .await
    .during("clearing deadline tallies")?;
    conn.execute_raw(sea_orm::Statement::from_string(
        backend,
        "INSERT INTO assignment_tally (session_id, unit_id, answered_on_time, answered_late) \
         SELECT session_id, unit_id, \
                SUM(CASE WHEN answered_on <= due_on THEN 1 ELSE 0 END), \
                SUM(CASE WHEN answered_on > due_on THEN 1 ELSE 0 END) \
         FROM assignment WHERE answered_on IS NOT NULL AND status NOT IN ('RETURNED', 'WITHDRAWN') \
         GROUP BY session_id, unit_id",
    ))
    .await
    .during("rebuilding deadline tallies")?;
    Ok(())
}
