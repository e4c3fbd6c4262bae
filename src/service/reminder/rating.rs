//! The rating reminder of the daily pass (测评提醒, docs/domain.md §10): a deputy who has not
//! rated a sent reply is told once per round, when 5 working days (the rules') of the
//! session's rating window are left, in one digest per deputy and day.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::enums::AssignmentStatus;
use entity::{app_user, assignment, handling_unit, rating, reminder, session, suggestion};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait as _,
};

use crate::domain::access::Role;
use crate::domain::calendar::WorkCalendar;
use crate::domain::deadline::{compute_due, DeadlinePeriod, DeadlineRules};
use crate::domain::notice::Text;
use crate::domain::reminder::ReminderRules;
use crate::domain::reminder::{rating_digest, rating_due_soon, rating_key, RatingItem};
use crate::service::{DbContext, ServiceResult};

/// What the pass tells deputies: the keys to record, and each deputy user's digest.
#[derive(Debug, Default)]
pub struct RatingReminders {
    pub keys: Vec<(i64, String)>,
    pub digests: Vec<(i64, Text)>,
    /// Replies told of.
    pub replies: usize,
}

#[derive(Debug, FromQueryResult)]
struct Unrated {
    id: i64,
    round: i32,
    answered_on: Option<NaiveDate>,
    session_id: i64,
    lead_deputy_id: i64,
    number: String,
    title: String,
    unit: String,
}

/// The replies whose rating window ends soon on `day`, not told of before, and the digests
/// of their lead deputies' accounts.
pub async fn due<C: ConnectionTrait>(
    conn: &C,
    rules: &ReminderRules,
    calendar: &WorkCalendar,
    day: NaiveDate,
) -> ServiceResult<RatingReminders> {
    let sessions: HashMap<i64, DeadlineRules> = session::Entity::find()
        .all(conn)
        .await
        .during("loading the sessions' rules")?
        .into_iter()
        .map(|s| (s.id, DeadlineRules::stored(&s.deadline_rules)))
        .collect();
    let longest = sessions
        .values()
        .map(|r| r.rating_working_days)
        .max()
        .unwrap_or(0);
    let mut out = RatingReminders::default();
    let told = told_before(conn).await?;
    let mut by_deputy: HashMap<i64, Vec<RatingItem>> = HashMap::new();
    for u in unrated(conn, day, longest).await? {
        let (Some(answered_on), Some(period)) = (u.answered_on, sessions.get(&u.session_id)) else {
            continue;
        };
        let key = rating_key(u.round);
        if told.contains(&(u.id, key.clone())) {
            continue;
        }
        let Some(window) = compute_due(period, calendar, answered_on, DeadlinePeriod::Rating)
        else {
            continue;
        };
        let left = calendar.working_days_after(day, window.due_on);
        if !rating_due_soon(rules, day, window.due_on, left) {
            continue;
        }
        out.replies += 1;
        out.keys.push((u.id, key));
        by_deputy
            .entry(u.lead_deputy_id)
            .or_default()
            .push(RatingItem {
                number: u.number,
                title: u.title,
                unit: u.unit,
                rating_due: window.due_on,
                working_days_left: left,
            });
    }
    if by_deputy.is_empty() {
        return Ok(out);
    }
    let accounts: Vec<(i64, Option<i64>)> = app_user::Entity::find()
        .select_only()
        .columns([app_user::Column::Id, app_user::Column::DeputyId])
        .filter(app_user::Column::Disabled.eq(false))
        .filter(app_user::Column::Role.eq(Role::Deputy.as_str()))
        .filter(app_user::Column::DeputyId.is_in(by_deputy.keys().copied()))
        .order_by_asc(app_user::Column::Id)
        .into_tuple()
        .all(conn)
        .await
        .during("finding the deputies to remind")?;
    let texts: HashMap<i64, Text> = by_deputy
        .iter_mut()
        .map(|(deputy, items)| (*deputy, rating_digest(items)))
        .collect();
    out.digests = accounts
        .into_iter()
        .filter_map(|(user, deputy)| Some((user, deputy.and_then(|d| texts.get(&d))?.clone())))
        .collect();
    Ok(out)
}

/// Sent replies (the assignment REPLIED, its lead deputy's rating of the round missing)
/// answered within the longest rating window before `day`: a period of `working_days`
/// working days spans at most twice as many calendar days and the longest holiday.
async fn unrated<C: ConnectionTrait>(
    conn: &C,
    day: NaiveDate,
    working_days: u32,
) -> ServiceResult<Vec<Unrated>> {
    let earliest = day - chrono::Duration::days(i64::from(working_days) * 2 + 30);
    let rated = Query::select()
        .expr(Expr::val(1))
        .from(rating::Entity)
        .and_where(
            Expr::col((rating::Entity, rating::Column::AssignmentId))
                .equals((assignment::Entity, assignment::Column::Id)),
        )
        .and_where(
            Expr::col((rating::Entity, rating::Column::Round))
                .equals((assignment::Entity, assignment::Column::Round)),
        )
        .and_where(Expr::col((rating::Entity, rating::Column::ByLeadDeputy)).eq(true))
        .to_owned();
    assignment::Entity::find()
        .select_only()
        .columns([
            assignment::Column::Id,
            assignment::Column::Round,
            assignment::Column::AnsweredOn,
            assignment::Column::SessionId,
        ])
        .column_as(suggestion::Column::LeadDeputyId, "lead_deputy_id")
        .column_as(suggestion::Column::Number, "number")
        .column_as(suggestion::Column::Title, "title")
        .column_as(handling_unit::Column::Name, "unit")
        .join(JoinType::InnerJoin, assignment::Relation::Suggestion.def())
        .join(JoinType::InnerJoin, assignment::Relation::Unit.def())
        .filter(assignment::Column::Status.eq(AssignmentStatus::Replied))
        .filter(assignment::Column::AnsweredOn.between(earliest, day))
        .filter(Expr::exists(rated).not())
        .order_by_asc(assignment::Column::Id)
        .into_model::<Unrated>()
        .all(conn)
        .await
        .during("finding the replies to rate")
}

/// The rating keys told before, of the replies still waiting (REPLIED).
async fn told_before<C: ConnectionTrait>(conn: &C) -> ServiceResult<HashSet<(i64, String)>> {
    let waiting = Query::select()
        .column(assignment::Column::Id)
        .from(assignment::Entity)
        .and_where(assignment::Column::Status.eq(AssignmentStatus::Replied))
        .to_owned();
    Ok(reminder::Entity::find()
        .select_only()
        .columns([reminder::Column::AssignmentId, reminder::Column::Key])
        .filter(reminder::Column::AssignmentId.in_subquery(waiting))
        .filter(reminder::Column::Key.like("%RATING_DUE"))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await
        .during("reading the rating reminders told")?
        .into_iter()
        .collect())
}
