//! The report table of today read from the statistics tally (the migration
//! `create_statistics_tally`: the date-independent figures summed per session, unit, month
//! and category, kept by database triggers), plus the unanswered assignments for what
//! depends on the day (overdue, days overdue). Two statements over a few thousand tally
//! rows and the open deadlines, instead of one aggregate over every assignment.
//!
//! The tally answers only what it holds the same as the assignment rows would:
//! - the day of the figures is today or later (every answer that will count is stored,
//!   so "answered by then" is "answered", and the current deadline is the one in force);
//! - no assignment is dated after that day (one indexed probe; such rows would be counted
//!   by the tally but not be in force yet);
//! - no filter on the suggestion (topic, kind) nor on the date of assignment, and no
//!   grouping by topic (the tally has neither);
//! - the office's or a unit's scope (a deputy's is a set of suggestions);
//! - one unit per group (grouped by unit, or a unit's scope or filter): the number of
//!   suggestions is then the number of assignments (one per suggestion and unit), while
//!   a count of distinct suggestions across units cannot be summed.
//!
//! Everything else reads the rows ([`super::scan`]), which is also the reference the
//! tests hold the tally to.

use std::collections::HashMap;

use super::*;

/// Whether the tally can answer this table (apart from the probe for later assignments).
pub(super) fn answers(filter: &StatisticsFilter, group_by: &[GroupBy], as_of: AsOf) -> bool {
    let one_unit_per_group = group_by.contains(&GroupBy::Unit)
        || filter.unit_id.is_some()
        || matches!(filter.scope, Scope::Unit(_));
    as_of.answers_complete()
        && matches!(filter.scope, Scope::All | Scope::Unit(_))
        && filter.topic.is_none()
        && filter.kind.is_none()
        && filter.from.is_none()
        && filter.to.is_none()
        && !group_by.contains(&GroupBy::Topic)
        && one_unit_per_group
}

/// [`super::table`] as the statistics tally answers it, or `None` when the tally cannot.
pub async fn table(
    db: &Db,
    filter: &StatisticsFilter,
    group_by: &[GroupBy],
    as_of: AsOf,
    limit: u64,
) -> ServiceResult<Option<Vec<Row>>> {
    if !answers(filter, group_by, as_of) || assigned_after(db, as_of.date).await? {
        return Ok(None);
    }
    let backend = db.backend();
    let conn = db.conn();
    let mut tallied = tallied(filter, group_by);
    tallied.limit(limit);
    let rows = conn
        .query_all_raw(backend.build(&tallied))
        .await
        .during("reading the statistics tally")?;
    let mut rows = rows
        .iter()
        .map(|r| decode(r, group_by))
        .collect::<ServiceResult<Vec<Row>>>()?;
    let overdue = conn
        .query_all_raw(backend.build(&overdue(backend, filter, group_by, as_of.date)))
        .await
        .during("counting overdue assignments")?;
    let mut at: HashMap<Group, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| (row.group.clone(), i))
        .collect();
    for found in &overdue {
        let group = decode_group(found, group_by)?;
        let get = |name: &str| -> ServiceResult<Option<i64>> {
            found.try_get("", name).during("reading overdue figures")
        };
        let figures = (get("overdue")?, get("days_overdue")?, get("most_overdue")?);
        let index = *at.entry(group.clone()).or_insert_with(|| {
            // Not in the tally: the triggers were bypassed. Counted all the same.
            tracing::warn!(?group, "an overdue group missing from the statistics tally");
            rows.push(Row {
                group,
                counts: Counts::default(),
            });
            rows.len() - 1
        });
        add_overdue(&mut rows[index].counts, figures);
    }
    Ok(Some(rows))
}

/// Adds the overdue assignments (their number, days summed and at most) to a group's
/// counts: they are late too.
fn add_overdue(
    counts: &mut Counts,
    (overdue, days, most): (Option<i64>, Option<i64>, Option<i64>),
) {
    let overdue = overdue.unwrap_or_default();
    counts.overdue += overdue;
    counts.late += overdue;
    counts.days_late_total += days.unwrap_or_default();
    counts.max_days_late = Ord::max(counts.max_days_late, most);
}

/// Whether any assignment is dated after `day` (an indexed probe).
async fn assigned_after(db: &Db, day: NaiveDate) -> ServiceResult<bool> {
    use sea_orm::{EntityTrait as _, QueryFilter as _, QuerySelect as _};
    Ok(assignment::Entity::find()
        .select_only()
        .column(assignment::Column::Id)
        .filter(assignment::Column::AssignedOn.gt(day))
        .limit(1)
        .into_tuple::<i64>()
        .one(db.conn())
        .await
        .during("looking for later assignments")?
        .is_some())
}

const TALLY: &str = "statistics_tally";

/// The tally's rows summed per group, in the columns [`decode`] reads (overdue 0: added
/// from the open deadlines).
fn tallied(filter: &StatisticsFilter, group_by: &[GroupBy]) -> SelectStatement {
    let mut q = Query::select();
    q.from(Alias::new(TALLY));
    for group in group_by {
        let (expr, alias) = match group {
            GroupBy::Session => (Expr::cust("session_id"), "group_session"),
            GroupBy::Unit => (Expr::cust("unit_id"), "group_unit"),
            GroupBy::Category => (Expr::cust("NULLIF(category, '')"), "group_category"),
            GroupBy::Month => (Expr::cust("month"), "group_month"),
            // Refused by `answers`.
            GroupBy::Topic => (Expr::cust("NULL"), "group_topic"),
        };
        q.expr_as(expr.clone(), Alias::new(alias));
        q.add_group_by([expr.clone()]);
        q.order_by_expr_with_nulls(expr, Order::Asc, NullOrdering::First);
    }
    let sum = |column: &str| figure(&format!("SUM({column})"));
    let category = |c: char| {
        figure(&format!(
            "SUM(CASE WHEN category = '{c}' THEN assignments ELSE 0 END)"
        ))
    };
    let figures = [
        ("suggestions", sum("assignments")),
        ("assignments", sum("assignments")),
        ("answered", sum("answered")),
        ("answered_on_time", sum("answered_on_time")),
        ("overdue", figure("0")),
        ("days_late_total", sum("answered_late_days")),
        (
            "max_days_late",
            Expr::cust("CAST(MAX(max_late_days) AS BIGINT)"),
        ),
        ("category_a", category('A')),
        ("category_b", category('B')),
        ("category_c", category('C')),
        ("category_d", category('D')),
        ("rated", sum("rated")),
        ("satisfied_first", sum("satisfied_first")),
        ("satisfied_final", sum("satisfied_final")),
        ("met_face_to_face", sum("met_face_to_face")),
        ("feedback_open", sum("feedback_open")),
        ("feedback_handled", sum("feedback_handled")),
        ("urged", sum("urged")),
        ("urges", sum("urges")),
    ];
    for (alias, expr) in figures {
        q.expr_as(expr, Alias::new(alias));
    }
    let column = |name: &str| Expr::col((Alias::new(TALLY), Alias::new(name)));
    if let Scope::Unit(unit) = filter.scope {
        q.and_where(column("unit_id").eq(unit));
    }
    if let Some(unit_id) = filter.unit_id {
        q.and_where(column("unit_id").eq(unit_id));
    }
    if let Some(session_id) = filter.session_id {
        q.and_where(column("session_id").eq(session_id));
    }
    q.and_having(Expr::cust("SUM(assignments) > 0"));
    q
}

/// The assignments overdue on `day` per group, with their days overdue summed and at
/// most: unanswered ones only, which the partial index `idx_assignment_overdue` holds.
fn overdue(
    backend: DbBackend,
    filter: &StatisticsFilter,
    group_by: &[GroupBy],
    day: NaiveDate,
) -> SelectStatement {
    let mut q = Query::select();
    q.from(assignment::Entity);
    for group in group_by {
        let (expr, alias) = group_expr(backend, *group);
        q.expr_as(expr.clone(), Alias::new(alias));
        q.add_group_by([expr]);
    }
    let d = date_literal(backend, day);
    let days = days_between(backend, &d, "assignment.due_on");
    q.expr_as(figure("COUNT(*)"), Alias::new("overdue"))
        .expr_as(figure(&format!("SUM({days})")), Alias::new("days_overdue"))
        .expr_as(
            Expr::cust(format!("CAST(MAX({days}) AS BIGINT)")),
            Alias::new("most_overdue"),
        )
        .and_where(assignment::Column::AnsweredOn.is_null())
        // `+` on SQLite: read from `idx_assignment_overdue` (covering, led by the unit), not
        // the open-deadline index led by the due date, which costs a table read per row.
        .and_where(Expr::cust(match backend {
            DbBackend::Sqlite => format!("+assignment.due_on < {d}"),
            _ => format!("assignment.due_on < {d}"),
        }));
    filter_rows(&mut q, backend, filter, day);
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_answers_today_for_one_unit_per_group_without_suggestion_filters() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default();
        let past = AsOf {
            date: today - chrono::Days::new(1),
            today,
            history: false,
        };
        let now = AsOf {
            date: today,
            today,
            history: false,
        };
        let office = StatisticsFilter {
            scope: Scope::All,
            ..StatisticsFilter::default()
        };
        let unit = StatisticsFilter {
            scope: Scope::Unit(3),
            ..StatisticsFilter::default()
        };
        let with = |f: fn(&mut StatisticsFilter)| {
            let mut filter = office.clone();
            f(&mut filter);
            filter
        };
        let cases: Vec<(&str, StatisticsFilter, Vec<GroupBy>, AsOf, bool)> = vec![
            (
                "office by unit",
                office.clone(),
                vec![GroupBy::Unit],
                now,
                true,
            ),
            (
                "office by unit, month, category",
                office.clone(),
                vec![GroupBy::Unit, GroupBy::Month, GroupBy::Category],
                now,
                true,
            ),
            (
                "a past day",
                office.clone(),
                vec![GroupBy::Unit],
                past,
                false,
            ),
            (
                "office by session (distinct suggestions)",
                office.clone(),
                vec![GroupBy::Session],
                now,
                false,
            ),
            ("office total", office.clone(), vec![], now, false),
            (
                "office total of one unit",
                with(|f| f.unit_id = Some(3)),
                vec![],
                now,
                true,
            ),
            ("a unit's own total", unit.clone(), vec![], now, true),
            (
                "a unit by session",
                unit.clone(),
                vec![GroupBy::Session],
                now,
                true,
            ),
            (
                "by unit and topic",
                office.clone(),
                vec![GroupBy::Unit, GroupBy::Topic],
                now,
                false,
            ),
            (
                "a topic",
                with(|f| f.topic = Some("组织人事".into())),
                vec![GroupBy::Unit],
                now,
                false,
            ),
            (
                "a kind",
                with(|f| f.kind = Some(entity::enums::SuggestionKind::NpcSuggestion)),
                vec![GroupBy::Unit],
                now,
                false,
            ),
            (
                "assigned from",
                with(|f| f.from = Some(NaiveDate::MIN)),
                vec![GroupBy::Unit],
                now,
                false,
            ),
            (
                "assigned until",
                with(|f| f.to = Some(NaiveDate::MAX)),
                vec![GroupBy::Unit],
                now,
                false,
            ),
            (
                "a session",
                with(|f| f.session_id = Some(1)),
                vec![GroupBy::Unit],
                now,
                true,
            ),
            (
                "a deputy",
                StatisticsFilter {
                    scope: Scope::Deputy(1),
                    ..StatisticsFilter::default()
                },
                vec![GroupBy::Unit],
                now,
                false,
            ),
        ];
        for (name, filter, group_by, as_of, expected) in cases {
            assert_eq!(answers(&filter, &group_by, as_of), expected, "{name}");
        }
    }
}
