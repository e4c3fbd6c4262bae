//! The statistics statement: the figures of the formulas of docs/domain.md §5 over the assignment facts, grouped as asked, and the decoding of its rows with the groups' names.

use super::*;

/// `later − earlier` in days, for two date expressions.
pub(super) fn days_between(backend: DbBackend, later: &str, earlier: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("({later} - {earlier})"),
        _ => format!("CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"),
    }
}

/// `COALESCE(CAST(sql AS BIGINT), 0)`: one integer type on both databases (PostgreSQL's
/// SUM of integers is bigint, its MAX of dates' differences integer) and 0 for no rows.
pub(super) fn figure(sql: &str) -> SimpleExpr {
    Expr::cust(format!("COALESCE(CAST({sql} AS BIGINT), 0)"))
}

/// The day of the figures as an SQL date literal. It is written into the statement
/// rather than bound: it is a `NaiveDate` formatted here (digits and dashes only), and
/// custom expressions cannot number their placeholders for PostgreSQL.
pub(super) fn date_literal(backend: DbBackend, day: NaiveDate) -> String {
    let day = day.format("%Y-%m-%d");
    match backend {
        DbBackend::Postgres => format!("DATE '{day}'"),
        _ => format!("'{day}'"),
    }
}

pub(super) fn select(
    backend: DbBackend,
    filter: &StatisticsFilter,
    group_by: &[GroupBy],
    when: AsOf,
) -> SelectStatement {
    let mut q = Query::select();
    q.from(assignment::Entity);
    let needs_suggestion =
        filter.topic.is_some() || filter.kind.is_some() || group_by.contains(&GroupBy::Topic);
    if needs_suggestion {
        q.inner_join(
            suggestion::Entity,
            Expr::col((suggestion::Entity, suggestion::Column::Id))
                .equals((assignment::Entity, assignment::Column::SuggestionId)),
        );
    }
    for group in group_by {
        let (expr, alias) = group_expr(backend, *group);
        q.expr_as(expr.clone(), Alias::new(alias));
        q.add_group_by([expr.clone()]);
        q.order_by_expr_with_nulls(expr, Order::Asc, NullOrdering::First);
    }
    let by_unit = group_by.contains(&GroupBy::Unit);
    let figures = deadline_figures(backend, when, by_unit)
        .into_iter()
        .chain(reply_figures());
    for (alias, expr) in figures {
        q.expr_as(expr, Alias::new(alias));
    }
    filter_rows(&mut q, backend, filter, when.date);
    q
}

/// `SUM(CASE WHEN condition THEN 1 ELSE 0 END)`.
fn count_when(condition: &str) -> String {
    format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
}

/// The due date and answer in force on the day: the assignment's own (its current span)
/// unless the day falls in a span of its history, read for a past day. Only rows whose
/// current deadline began after the day look into the history (one probe of its index
/// each); the rest read the covering index alone.
fn dates_in_force(when: AsOf, d: &str) -> (String, String) {
    if when.answers_complete() || !when.history {
        return (
            "assignment.due_on".to_owned(),
            "assignment.answered_on".to_owned(),
        );
    }
    let span = format!(
        "FROM deadline_span WHERE deadline_span.assignment_id = assignment.id \
         AND deadline_span.from_on <= {d} AND deadline_span.until_on > {d}"
    );
    (
        format!(
            "(CASE WHEN assignment.span_from <= {d} THEN assignment.due_on \
             ELSE COALESCE((SELECT deadline_span.due_on {span}), assignment.due_on) END)"
        ),
        format!(
            "(CASE WHEN assignment.span_from <= {d} THEN assignment.answered_on \
             ELSE (SELECT deadline_span.answered_on {span}) END)"
        ),
    )
}

/// The counts of suggestions and assignments and the deadline figures as of the day.
fn deadline_figures(
    backend: DbBackend,
    when: AsOf,
    by_unit: bool,
) -> Vec<(&'static str, SimpleExpr)> {
    let d = date_literal(backend, when.date);
    let (due_on, answered_on) = dates_in_force(when, &d);
    let (due_on, answered_on) = (due_on.as_str(), answered_on.as_str());
    let answered = format!("{answered_on} <= {d}");
    let unanswered = format!("({answered_on} IS NULL OR {answered_on} > {d})");
    let answered_late = format!("{answered} AND {answered_on} > {due_on}");
    let overdue = format!("{unanswered} AND {due_on} < {d}");
    let late_days = format!(
        "CASE WHEN {answered_late} THEN {} WHEN {overdue} THEN {} ELSE NULL END",
        days_between(backend, answered_on, due_on),
        days_between(backend, &d, due_on),
    );
    vec![
        // A unit has at most one assignment per suggestion (uq_assignment_suggestion_unit),
        // so within a unit's group suggestions are assignments, and the costly DISTINCT
        // (a sort per group) is not needed.
        (
            "suggestions",
            figure(if by_unit {
                "COUNT(*)"
            } else {
                "COUNT(DISTINCT assignment.suggestion_id)"
            }),
        ),
        ("assignments", figure("COUNT(*)")),
        ("answered", figure(&count_when(&answered))),
        (
            "answered_on_time",
            figure(&count_when(&format!(
                "{answered} AND {answered_on} <= {due_on}"
            ))),
        ),
        ("overdue", figure(&count_when(&overdue))),
        ("days_late_total", figure(&format!("SUM({late_days})"))),
        (
            "max_days_late",
            Expr::cust(format!("CAST(MAX({late_days}) AS BIGINT)")),
        ),
    ]
}

/// The figures of the replies: categories, ratings, meetings and public feedback.
fn reply_figures() -> Vec<(&'static str, SimpleExpr)> {
    let satisfied = "IN ('SATISFIED', 'BASICALLY_SATISFIED')";
    vec![
        (
            "category_a",
            figure(&count_when("assignment.reply_category = 'A'")),
        ),
        (
            "category_b",
            figure(&count_when("assignment.reply_category = 'B'")),
        ),
        (
            "category_c",
            figure(&count_when("assignment.reply_category = 'C'")),
        ),
        (
            "category_d",
            figure(&count_when("assignment.reply_category = 'D'")),
        ),
        (
            "rated",
            figure(&count_when("assignment.first_satisfaction IS NOT NULL")),
        ),
        (
            "satisfied_first",
            figure(&count_when(&format!(
                "assignment.first_satisfaction {satisfied}"
            ))),
        ),
        (
            "satisfied_final",
            figure(&count_when(&format!(
                "assignment.final_satisfaction {satisfied}"
            ))),
        ),
        (
            "met_face_to_face",
            figure(&count_when("assignment.met_face_to_face")),
        ),
        ("feedback_open", figure("SUM(assignment.feedback_open)")),
        (
            "feedback_handled",
            figure("SUM(assignment.feedback_handled)"),
        ),
        ("urged", figure(&count_when("assignment.urge_count > 0"))),
        ("urges", figure("SUM(assignment.urge_count)")),
    ]
}

/// The assignments in force on the day that the filter and the caller's scope select.
pub(super) fn filter_rows(
    q: &mut SelectStatement,
    backend: DbBackend,
    filter: &StatisticsFilter,
    as_of: NaiveDate,
) {
    match backend {
        // SQLite: the unary `+` keeps the planner off the assignment-date index, which as
        // of today matches every row and would cost a table read per row; it scans the
        // covering `idx_assignment_figures` instead (measured: 1.9 s → 0.8 s by month).
        DbBackend::Sqlite => {
            let d = date_literal(backend, as_of);
            q.and_where(Expr::cust(format!("+assignment.assigned_on <= {d}")))
                .and_where(assignment::Column::Status.is_not_in([
                    entity::enums::AssignmentStatus::Returned,
                    entity::enums::AssignmentStatus::Withdrawn,
                ]));
        }
        _ => {
            q.cond_where(crate::service::deadline::in_force(as_of));
        }
    }
    q.cond_where(crate::service::scope::assignments(filter.scope));
    if let Some(session_id) = filter.session_id {
        q.and_where(assignment::Column::SessionId.eq(session_id));
    }
    if let Some(unit_id) = filter.unit_id {
        q.and_where(assignment::Column::UnitId.eq(unit_id));
    }
    if let Some(from) = filter.from {
        q.and_where(assignment::Column::AssignedOn.gte(from));
    }
    if let Some(to) = filter.to {
        q.and_where(assignment::Column::AssignedOn.lte(to));
    }
    if let Some(topic) = &filter.topic {
        q.and_where(suggestion::Column::Topic.eq(topic.as_str()));
    }
    if let Some(kind) = filter.kind {
        q.and_where(suggestion::Column::Kind.eq(kind));
    }
}

pub(super) fn group_expr(backend: DbBackend, group: GroupBy) -> (SimpleExpr, &'static str) {
    match group {
        // `+` on SQLite: not read in the order of the (session, unit) index, which is not
        // covering, but from the covering one and grouped in a temporary tree (1.7 s →
        // 0.75 s over a million assignments).
        GroupBy::Session if backend == DbBackend::Sqlite => {
            (Expr::cust("+assignment.session_id"), "group_session")
        }
        GroupBy::Session => (
            Expr::col((assignment::Entity, assignment::Column::SessionId)),
            "group_session",
        ),
        GroupBy::Unit => (
            Expr::col((assignment::Entity, assignment::Column::UnitId)),
            "group_unit",
        ),
        GroupBy::Topic => (
            Expr::col((suggestion::Entity, suggestion::Column::Topic)),
            "group_topic",
        ),
        GroupBy::Category => (
            Expr::col((assignment::Entity, assignment::Column::ReplyCategory)),
            "group_category",
        ),
        GroupBy::Month => (
            Expr::cust(match backend {
                DbBackend::Postgres => "to_char(assignment.assigned_on, 'YYYY-MM')",
                _ => "substr(assignment.assigned_on, 1, 7)",
            }),
            "group_month",
        ),
    }
}

/// The key of a result row: the values of its `group_*` columns.
pub(super) fn decode_group(row: &QueryResult, group_by: &[GroupBy]) -> ServiceResult<Group> {
    let mut group = Group::default();
    for g in group_by {
        match g {
            GroupBy::Session => {
                group.session_id = row.try_get("", "group_session").during("reading a group")?
            }
            GroupBy::Unit => {
                group.unit_id = row.try_get("", "group_unit").during("reading a group")?
            }
            GroupBy::Topic => {
                group.topic = row.try_get("", "group_topic").during("reading a group")?
            }
            GroupBy::Category => {
                group.category = row
                    .try_get("", "group_category")
                    .during("reading a group")?
            }
            GroupBy::Month => {
                group.month = row.try_get("", "group_month").during("reading a group")?
            }
        }
    }
    Ok(group)
}

pub(super) fn decode(row: &QueryResult, group_by: &[GroupBy]) -> ServiceResult<Row> {
    let get = |name: &str| -> ServiceResult<i64> {
        row.try_get::<i64>("", name)
            .during("reading a statistics figure")
    };
    let group = decode_group(row, group_by)?;
    let counts = Counts {
        suggestions: get("suggestions")?,
        assignments: get("assignments")?,
        answered: get("answered")?,
        answered_on_time: get("answered_on_time")?,
        overdue: get("overdue")?,
        late: 0,
        days_late_total: get("days_late_total")?,
        max_days_late: row
            .try_get::<Option<i64>>("", "max_days_late")
            .during("reading a statistics figure")?,
        category: [
            get("category_a")?,
            get("category_b")?,
            get("category_c")?,
            get("category_d")?,
        ],
        rated: get("rated")?,
        satisfied_first: get("satisfied_first")?,
        satisfied_final: get("satisfied_final")?,
        met_face_to_face: get("met_face_to_face")?,
        feedback_open: get("feedback_open")?,
        feedback_handled: get("feedback_handled")?,
        urged: get("urged")?,
        urges: get("urges")?,
    };
    // Late = answered late + overdue; both are counted above.
    let counts = Counts {
        late: counts.answered - counts.answered_on_time + counts.overdue,
        ..counts
    };
    Ok(Row { group, counts })
}

/// The names a statistics table shows for its session and unit groups, by id.
pub(super) async fn group_names(
    db: &Db,
    rows: &[Row],
) -> ServiceResult<(
    std::collections::HashMap<i64, String>,
    std::collections::HashMap<i64, String>,
)> {
    use sea_orm::{EntityTrait, QueryFilter};
    let sessions: Vec<i64> = rows.iter().filter_map(|r| r.group.session_id).collect();
    let units: Vec<i64> = rows.iter().filter_map(|r| r.group.unit_id).collect();
    let mut session_names = std::collections::HashMap::new();
    if !sessions.is_empty() {
        for s in entity::session::Entity::find()
            .filter(entity::session::Column::Id.is_in(sessions))
            .all(db.conn())
            .await
            .during("loading session names")?
        {
            session_names.insert(s.id, s.name);
        }
    }
    let mut unit_names = std::collections::HashMap::new();
    if !units.is_empty() {
        for u in entity::handling_unit::Entity::find()
            .filter(entity::handling_unit::Column::Id.is_in(units))
            .all(db.conn())
            .await
            .during("loading unit names")?
        {
            unit_names.insert(u.id, u.name);
        }
    }
    Ok((session_names, unit_names))
}
