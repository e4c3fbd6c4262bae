//! The official working calendar, kept in the database so an administrator can add next
//! year's announcement or correct a day without a release. Changing it re-dates the open
//! deadlines that depend on it, in the same transaction.
//!
//! The calendar is read from the database for each operation that needs it (a few hundred
//! rows), so every banli instance over one database always uses the same calendar.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{AssignmentRole, AssignmentStatus, CalendarDayKind};
use entity::{assignment, calendar_day, calendar_year, handling_round, session, suggestion};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::calendar::{parse_csv, DayKind, SpecialDay, WorkCalendar};
use crate::domain::deadline::DeadlineRules;
use crate::domain::deadline::{compute_due, due_soon_from, DeadlinePeriod, DueDate};
use crate::domain::workflow::{ActorRole, EventKind};
use crate::domain::UserError;

/// Loads the calendar stored in the database.
/// One year of the calendar as stored: whether it was loaded (and from where) and its
/// special days in date order.
#[derive(Debug, Clone)]
pub struct Year {
    pub loaded: Option<calendar_year::Model>,
    pub days: Vec<calendar_day::Model>,
}

/// The stored calendar of `year` (INVALID at `year` for a year dates cannot hold).
pub async fn year(db: &Db, year: i32) -> ServiceResult<Year> {
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(UserError::invalid(&["year"], "年份无效 (invalid year)").into());
    };
    let loaded = calendar_year::Entity::find_by_id(year)
        .one(db.conn())
        .await
        .during("loading a calendar year")?;
    let days = calendar_day::Entity::find()
        .filter(calendar_day::Column::Day.between(first, last))
        .order_by_asc(calendar_day::Column::Day)
        .all(db.conn())
        .await
        .during("loading a year's special days")?;
    Ok(Year { loaded, days })
}

/// The due date the rules of `session_id` give for `period` from `start`, with how it was
/// reached (NOT_FOUND at `sessionId`; INVALID at `start` past the last representable date).
pub async fn preview_due_date(
    db: &Db,
    session_id: i64,
    start: NaiveDate,
    period: DeadlinePeriod,
) -> ServiceResult<DueDate> {
    let session = session::Entity::find_by_id(session_id)
        .one(db.conn())
        .await
        .during("loading the session")?
        .ok_or_else(|| UserError::missing(&["sessionId"], "会议", "session"))?;
    let calendar = load(db.conn()).await?;
    let rules = DeadlineRules::stored(&session.deadline_rules);
    compute_due(&rules, &calendar, start, period).ok_or_else(|| {
        UserError::invalid(
            &["start"],
            "期限将晚于 9999-12-31，超出日期范围 (the due date would fall after 9999-12-31)",
        )
        .into()
    })
}

pub async fn load<C: ConnectionTrait>(conn: &C) -> ServiceResult<WorkCalendar> {
    let days = calendar_day::Entity::find()
        .order_by_asc(calendar_day::Column::Day)
        .all(conn)
        .await
        .during("loading the calendar")?;
    let years = calendar_year::Entity::find()
        .all(conn)
        .await
        .during("loading calendar years")?;
    Ok(WorkCalendar::new(
        days.into_iter().map(|d| SpecialDay {
            date: d.day,
            kind: match d.kind {
                CalendarDayKind::Holiday => DayKind::Holiday,
                CalendarDayKind::Workday => DayKind::Workday,
            },
            festival: d.festival,
        }),
        years.into_iter().map(|y| y.year),
    ))
}

/// Computes a rule-based due date, refusing dates chrono cannot represent.
pub(crate) fn due(
    session: &session::Model,
    calendar: &WorkCalendar,
    start: NaiveDate,
    period: DeadlinePeriod,
    field: &[&str],
) -> ServiceResult<DueDate> {
    compute_due(
        &DeadlineRules::stored(&session.deadline_rules),
        calendar,
        start,
        period,
    )
    .ok_or_else(|| {
        UserError::invalid(
            field,
            "期限将晚于 9999-12-31，超出日期范围 (the due date would fall after 9999-12-31)",
        )
        .into()
    })
}

/// The period a round of an assignment runs on: the reply (or the co-handler's opinion)
/// in round 1, re-handling afterwards.
pub fn period_of(role: AssignmentRole, round: i32) -> DeadlinePeriod {
    match (round, role) {
        (r, _) if r > 1 => DeadlinePeriod::Rehandling,
        (_, AssignmentRole::CoHandler) => DeadlinePeriod::CoHandlerOpinion,
        _ => DeadlinePeriod::Reply,
    }
}

/// What an import or a correction changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarChange {
    pub years: Vec<i32>,
    pub days: usize,
    /// Open deadlines whose due date moved.
    pub redated: usize,
}

/// Replaces the calendar of every year present in `csv` (and of `extra_years`, which may
/// have no special days) and re-dates the open deadlines.
pub async fn import(
    db: &Db,
    csv: &str,
    extra_years: &[i32],
    source: &str,
    now: DateTime<Utc>,
) -> ServiceResult<CalendarChange> {
    let days = parse_csv(csv).map_err(|e| UserError::invalid(&["input", "csv"], e.to_string()))?;
    let mut years: BTreeSet<i32> = days.iter().map(|d| d.date.year()).collect();
    years.extend(extra_years.iter().copied());
    if years.is_empty() {
        return Err(
            UserError::invalid(&["input", "csv"], "文件中没有日期 (the file has no days)").into(),
        );
    }
    if let Some(bad) = years.iter().find(|y| !(2000..=2100).contains(*y)) {
        return Err(UserError::invalid(
            &["input", "years"],
            format!("年份超出范围 (year {bad} out of range)"),
        )
        .into());
    }
    let txn = db.begin_write().await.during("beginning a transaction")?;
    for year in &years {
        let (first, last) = year_bounds(*year)?;
        calendar_day::Entity::delete_many()
            .filter(calendar_day::Column::Day.between(first, last))
            .exec(&*txn)
            .await
            .during("clearing a calendar year")?;
        calendar_year::Entity::delete_by_id(*year)
            .exec(&*txn)
            .await
            .during("clearing a calendar year")?;
        calendar_year::Entity::insert(calendar_year::ActiveModel {
            year: Set(*year),
            source: Set(source.chars().take(300).collect()),
            loaded_at: Set(now),
        })
        .exec(&*txn)
        .await
        .during("recording a calendar year")?;
    }
    let count = days.len();
    for chunk in days.chunks(200) {
        calendar_day::Entity::insert_many(chunk.iter().map(|d| calendar_day::ActiveModel {
            day: Set(d.date),
            kind: Set(match d.kind {
                DayKind::Holiday => CalendarDayKind::Holiday,
                DayKind::Workday => CalendarDayKind::Workday,
            }),
            festival: Set(d.festival.clone()),
        }))
        .exec(&*txn)
        .await
        .during("inserting calendar days")?;
    }
    let first_year = years.iter().next().copied().unwrap_or(2000);
    let calendar = load(&*txn).await?;
    let redated = redate(&*txn, &calendar, first_year, now).await?;
    txn.commit().await.during("committing the calendar")?;
    Ok(CalendarChange {
        years: years.into_iter().collect(),
        days: count,
        redated,
    })
}

/// Sets (or, with `kind: None`, clears) one special day and re-dates open deadlines.
pub async fn set_day(
    db: &Db,
    date: NaiveDate,
    kind: Option<CalendarDayKind>,
    festival: &str,
    now: DateTime<Utc>,
) -> ServiceResult<CalendarChange> {
    let festival = crate::domain::text::required(
        festival,
        &["input", "festival"],
        50,
        crate::domain::text::Lines::Single,
    );
    let txn = db.begin_write().await.during("beginning a transaction")?;
    calendar_day::Entity::delete_by_id(date)
        .exec(&*txn)
        .await
        .during("clearing a calendar day")?;
    if let Some(kind) = kind {
        calendar_day::Entity::insert(calendar_day::ActiveModel {
            day: Set(date),
            kind: Set(kind),
            festival: Set(festival?),
        })
        .exec(&*txn)
        .await
        .during("setting a calendar day")?;
    }
    let calendar = load(&*txn).await?;
    let redated = redate(&*txn, &calendar, date.year(), now).await?;
    txn.commit().await.during("committing the calendar day")?;
    Ok(CalendarChange {
        years: vec![date.year()],
        days: 1,
        redated,
    })
}

fn year_bounds(year: i32) -> ServiceResult<(NaiveDate, NaiveDate)> {
    match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(UserError::invalid(&["input", "years"], "年份无效 (invalid year)").into()),
    }
}

/// States in which an assignment still runs against its deadline.
pub const OPEN_STATES: [AssignmentStatus; 4] = [
    AssignmentStatus::Assigned,
    AssignmentStatus::SignedFor,
    AssignmentStatus::ReturnRequested,
    AssignmentStatus::Rehandling,
];

/// Recomputes the due dates of open, rule-based deadlines that can touch `from_year` or
/// later (or are provisional), and stores those that moved. Returns how many moved.
pub async fn redate<C: ConnectionTrait>(
    conn: &C,
    calendar: &WorkCalendar,
    from_year: i32,
    now: DateTime<Utc>,
) -> ServiceResult<usize> {
    let (first_day, _) = year_bounds(from_year)?;
    let open = assignment::Entity::find()
        .filter(assignment::Column::Status.is_in(OPEN_STATES))
        .filter(assignment::Column::DueOnExplicit.eq(false))
        .filter(
            Condition::any()
                .add(assignment::Column::DueOn.gte(first_day))
                .add(assignment::Column::DueProvisional.eq(true)),
        )
        .find_also_related(suggestion::Entity)
        .all(conn)
        .await
        .during("loading open deadlines")?;
    let mut sessions = std::collections::HashMap::new();
    let mut moved = 0;
    for (a, s) in open {
        let Some(s) = s else { continue };
        let session = match sessions.get(&s.session_id) {
            Some(found) => found,
            None => {
                let found = session::Entity::find_by_id(s.session_id)
                    .one(conn)
                    .await
                    .during("loading a session")?
                    .ok_or_else(|| anyhow::anyhow!("suggestion {} has no session", s.id))?;
                sessions.entry(s.session_id).or_insert(found)
            }
        };
        let rules = DeadlineRules::stored(&session.deadline_rules);
        if let Some(due) = due_under(conn, &a, &rules, calendar).await? {
            move_due(conn, &a, &due, rules.due_soon_days, "CALENDAR", now).await?;
            moved += 1;
        }
    }
    Ok(moved)
}

/// The due date an open, rule-based deadline gets under `rules` and `calendar`, when it
/// differs from the stored one (or its provisional mark does).
pub(crate) async fn due_under<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    rules: &crate::domain::deadline::DeadlineRules,
    calendar: &WorkCalendar,
) -> ServiceResult<Option<DueDate>> {
    let start = super::timeline::current_round(conn, a)
        .await?
        .map_or(a.assigned_on, |r| r.started_on);
    let Some(due) = compute_due(rules, calendar, start, period_of(a.role, a.round)) else {
        return Ok(None);
    };
    Ok((due.due_on != a.due_on || due.provisional != a.due_provisional).then_some(due))
}

/// Stores a re-dated due date on the assignment and its current round, with a REDATED
/// event saying from, to and why (`cause`: CALENDAR, SESSION_RULES).
pub(crate) async fn move_due<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    due: &DueDate,
    due_soon_days: u32,
    cause: &str,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    store_due(conn, a, due, due_soon_days, now).await?;
    handling_round::Entity::update_many()
        .set(handling_round::ActiveModel {
            due_on: Set(due.due_on),
            original_due_on: Set(due.due_on),
            due_provisional: Set(due.provisional),
            ..Default::default()
        })
        .filter(handling_round::Column::AssignmentId.eq(a.id))
        .filter(handling_round::Column::Round.eq(a.round))
        .exec(conn)
        .await
        .during("re-dating a round")?;
    super::timeline::event(
        conn,
        a.suggestion_id,
        Some(a.id),
        EventKind::Redated,
        ActorRole::System,
        now,
        serde_json::json!({"from": a.due_on, "to": due.due_on, "provisional": due.provisional, "cause": cause}),
    )
    .await?;
    Ok(())
}

/// Writes a rule-based due date to an assignment. The version moves too, so a clerk who
/// read the old due date gets CONFLICT instead of acting on a stale deadline.
async fn store_due<C: ConnectionTrait>(
    conn: &C,
    a: &assignment::Model,
    due: &DueDate,
    due_soon_days: u32,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    assignment::Entity::update_many()
        .set(assignment::ActiveModel {
            due_on: Set(due.due_on),
            original_due_on: Set(due.due_on),
            due_soon_from: Set(due_soon_from(due.due_on, due_soon_days)),
            due_provisional: Set(due.provisional),
            updated_at: Set(now),
            ..Default::default()
        })
        .col_expr(
            assignment::Column::Version,
            Expr::col(assignment::Column::Version).add(1),
        )
        .filter(assignment::Column::Id.eq(a.id))
        .exec(conn)
        .await
        .during("re-dating an assignment")?;
    Ok(())
}
