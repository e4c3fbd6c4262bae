//! The daily reminder pass (提醒): on a working day of the official calendar, each open case
//! due soon, overdue or not signed for in time is told of once per reason (overdue once a
//! working day), in one digest per person: the unit's staff for their unit's cases, the
//! office for every overdue or unsigned case. What was told is recorded (`reminder`, unique
//! per case and key) in the same transaction as the digests (`notification`, unique per
//! person and day), so running the pass twice, or in two processes at once, tells no one
//! twice. Deputies are told when a reply's rating window ends soon ([`rating`]).

mod rating;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AssignmentRole, AssignmentStatus};
use entity::{app_user, assignment, handling_unit, notification, reminder, session, suggestion};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::Role;
use crate::domain::calendar::WorkCalendar;
use crate::domain::notice::{NoticeKind, Text};
use crate::domain::reminder::{self as remind, DigestItem, OpenCase, Reason, ReminderRules};

/// The states of a case a reminder is about: assigned and not answered yet.
const REMINDED: [AssignmentStatus; 3] = [
    AssignmentStatus::Assigned,
    AssignmentStatus::SignedFor,
    AssignmentStatus::Rehandling,
];

/// What one pass did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub day: Option<NaiveDate>,
    /// False on a weekend or holiday: nothing is sent; the next working day catches up.
    pub working_day: bool,
    /// Cases told of, by reason (OVERDUE, NOT_SIGNED_FOR, DUE_SOON, and RATING_DUE for
    /// replies whose deputy is told to rate them).
    pub cases: BTreeMap<&'static str, usize>,
    /// Digests written (one per person).
    pub digests: usize,
    pub dry_run: bool,
}

#[derive(Debug, FromQueryResult)]
struct Candidate {
    id: i64,
    unit_id: i64,
    session_id: i64,
    role: AssignmentRole,
    round: i32,
    status: AssignmentStatus,
    assigned_on: NaiveDate,
    due_on: NaiveDate,
    number: String,
    title: String,
    unit: String,
}

/// Runs the pass for `day` (China date): decides, then writes every reminder and digest in
/// one transaction (unless `dry_run`).
pub async fn run(
    db: &Db,
    rules: &ReminderRules,
    day: NaiveDate,
    now: DateTime<Utc>,
    dry_run: bool,
) -> ServiceResult<PassReport> {
    let mut report = PassReport {
        day: Some(day),
        dry_run,
        ..Default::default()
    };
    let calendar = super::calendar::load(db.conn()).await?;
    if !calendar.is_working_day(day) {
        return Ok(report);
    }
    report.working_day = true;
    let per_session = session_rules(db, rules).await?;
    let horizon = per_session
        .values()
        .chain([rules])
        .flat_map(|r| r.due_soon_days.iter().copied())
        .max()
        .unwrap_or(0);
    let candidates = candidates(db, horizon, day).await?;
    let told = told_before(db, day).await?;
    let mut keys = Vec::new();
    let mut by_unit: HashMap<i64, Vec<DigestItem>> = HashMap::new();
    let mut office = Vec::new();
    for c in &candidates {
        let case = OpenCase {
            round: c.round,
            signed_for: c.status != AssignmentStatus::Assigned,
            sign_by: add_working_days(&calendar, c.assigned_on, rules.sign_within_working_days),
            due_on: c.due_on,
        };
        let rules = per_session.get(&c.session_id).unwrap_or(rules);
        let decided = remind::due(rules, &case, day, |k| told.contains(&(c.id, k.to_owned())));
        for reason in decided.reasons {
            *report.cases.entry(reason.name()).or_default() += 1;
            let item = DigestItem {
                reason,
                number: c.number.clone(),
                title: c.title.clone(),
                unit: c.unit.clone(),
                due_on: c.due_on,
                opinion: c.role == AssignmentRole::CoHandler,
            };
            if matches!(reason, Reason::Overdue | Reason::NotSignedFor) {
                office.push(item.clone());
            }
            by_unit.entry(c.unit_id).or_default().push(item);
        }
        keys.extend(decided.keys.into_iter().map(|k| (c.id, k)));
    }
    let mut digests: Vec<(i64, NoticeKind, Text)> = digests(db, day, by_unit, office)
        .await?
        .into_iter()
        .map(|(user, text)| (user, NoticeKind::DailyReminder, text))
        .collect();
    let ratings = rating::due(db.conn(), rules, &calendar, day).await?;
    if ratings.replies > 0 {
        report.cases.insert("RATING_DUE", ratings.replies);
    }
    keys.extend(ratings.keys);
    digests.extend(
        ratings
            .digests
            .into_iter()
            .map(|(user, text)| (user, NoticeKind::RatingDue, text)),
    );
    report.digests = digests.len();
    let nothing = keys.is_empty() && digests.is_empty();
    if !dry_run && !nothing {
        store(db, day, now, keys, digests).await?;
    }
    Ok(report)
}

/// The rules of each session that set due-soon thresholds of its own.
async fn session_rules(
    db: &Db,
    rules: &ReminderRules,
) -> ServiceResult<HashMap<i64, ReminderRules>> {
    let own: Vec<(i64, Option<serde_json::Value>)> = session::Entity::find()
        .select_only()
        .columns([session::Column::Id, session::Column::ReminderDays])
        .filter(session::Column::ReminderDays.is_not_null())
        .into_tuple()
        .all(db.conn())
        .await
        .during("reading the sessions' reminder days")?;
    Ok(own
        .into_iter()
        .map(|(id, days)| (id, rules.for_session(days.as_ref())))
        .collect())
}

/// The `n`-th working day after `from` (`from` itself when `n` is 0).
fn add_working_days(calendar: &WorkCalendar, from: NaiveDate, n: u32) -> NaiveDate {
    let mut day = from;
    for _ in 0..n {
        day = calendar.next_working_day(day.succ_opt().unwrap_or(day));
    }
    day
}

/// Open cases that may be due a reminder on `day`: not signed for, or due within the
/// largest threshold (`horizon` days) of any session, or overdue; with what a digest names.
async fn candidates(db: &Db, horizon: u32, day: NaiveDate) -> ServiceResult<Vec<Candidate>> {
    let horizon = day + chrono::Duration::days(i64::from(horizon));
    assignment::Entity::find()
        .select_only()
        .columns([
            assignment::Column::Id,
            assignment::Column::UnitId,
            assignment::Column::SessionId,
            assignment::Column::Role,
            assignment::Column::Round,
            assignment::Column::Status,
            assignment::Column::AssignedOn,
            assignment::Column::DueOn,
        ])
        .column_as(suggestion::Column::Number, "number")
        .column_as(suggestion::Column::Title, "title")
        .column_as(handling_unit::Column::Name, "unit")
        .join(
            sea_orm::JoinType::InnerJoin,
            assignment::Entity::belongs_to(suggestion::Entity)
                .from(assignment::Column::SuggestionId)
                .to(suggestion::Column::Id)
                .into(),
        )
        .join(
            sea_orm::JoinType::InnerJoin,
            assignment::Entity::belongs_to(handling_unit::Entity)
                .from(assignment::Column::UnitId)
                .to(handling_unit::Column::Id)
                .into(),
        )
        .filter(assignment::Column::Status.is_in(REMINDED))
        .filter(assignment::Column::AssignedOn.lte(day))
        .filter(
            sea_orm::Condition::any()
                .add(assignment::Column::Status.eq(AssignmentStatus::Assigned))
                .add(assignment::Column::DueOn.lte(horizon)),
        )
        .order_by_asc(assignment::Column::Id)
        .into_model::<Candidate>()
        .all(db.conn())
        .await
        .during("finding the cases to remind of")
}

/// The keys told before, of the cases still open (of overdue keys, today's only).
async fn told_before(db: &Db, day: NaiveDate) -> ServiceResult<HashSet<(i64, String)>> {
    let open = Query::select()
        .column(assignment::Column::Id)
        .from(assignment::Entity)
        .and_where(assignment::Column::Status.is_in(REMINDED))
        .to_owned();
    Ok(reminder::Entity::find()
        .select_only()
        .columns([reminder::Column::AssignmentId, reminder::Column::Key])
        .filter(reminder::Column::AssignmentId.in_subquery(open))
        // Past days' overdue keys (of any round) decide nothing today.
        .filter(
            sea_orm::Condition::any()
                .add(reminder::Column::Key.not_like("%OVERDUE:%"))
                .add(reminder::Column::Key.like(format!("%{}", Reason::Overdue.key(day, 1)))),
        )
        .into_tuple::<(i64, String)>()
        .all(db.conn())
        .await
        .during("reading the reminders told")?
        .into_iter()
        .collect())
}

/// One digest per person: each enabled unit clerk gets their unit's cases, each enabled
/// office account the overdue and unsigned ones, the coordinating office (督查室) the
/// overdue ones.
async fn digests(
    db: &Db,
    day: NaiveDate,
    mut by_unit: HashMap<i64, Vec<DigestItem>>,
    mut office: Vec<DigestItem>,
) -> ServiceResult<Vec<(i64, Text)>> {
    let staff: Vec<(i64, String, Option<i64>)> = app_user::Entity::find()
        .select_only()
        .columns([
            app_user::Column::Id,
            app_user::Column::Role,
            app_user::Column::UnitId,
        ])
        .filter(app_user::Column::Disabled.eq(false))
        .filter(app_user::Column::Role.is_in([
            Role::UnitStaff.as_str(),
            Role::OfficeStaff.as_str(),
            Role::OfficeAdmin.as_str(),
            Role::Coordinator.as_str(),
        ]))
        .order_by_asc(app_user::Column::Id)
        .into_tuple()
        .all(db.conn())
        .await
        .during("finding who to remind")?;
    let mut overdue: Vec<DigestItem> = office
        .iter()
        .filter(|i| i.reason == Reason::Overdue)
        .cloned()
        .collect();
    let coordinator_text = (!overdue.is_empty()).then(|| remind::digest(day, &mut overdue));
    let office_text = (!office.is_empty()).then(|| remind::digest(day, &mut office));
    let unit_texts: HashMap<i64, Text> = by_unit
        .iter_mut()
        .map(|(unit, items)| (*unit, remind::digest(day, items)))
        .collect();
    let mut out = Vec::new();
    for (user, role, unit) in staff {
        let text = if role == Role::UnitStaff.as_str() {
            unit.and_then(|u| unit_texts.get(&u))
        } else if role == Role::Coordinator.as_str() {
            coordinator_text.as_ref()
        } else {
            office_text.as_ref()
        };
        if let Some(text) = text {
            out.push((user, text.clone()));
        }
    }
    Ok(out)
}

/// Records the keys told and writes the digests, in one transaction; rows another process
/// wrote first are left as they are.
async fn store(
    db: &Db,
    day: NaiveDate,
    now: DateTime<Utc>,
    keys: Vec<(i64, String)>,
    digests: Vec<(i64, NoticeKind, Text)>,
) -> ServiceResult<()> {
    let txn = db.begin_write().await.during("beginning the reminders")?;
    for part in keys.chunks(500) {
        let rows = part
            .iter()
            .map(|(assignment_id, key)| reminder::ActiveModel {
                assignment_id: Set(*assignment_id),
                key: Set(key.clone()),
                told_on: Set(day),
                created_at: Set(now),
                ..Default::default()
            });
        reminder::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([reminder::Column::AssignmentId, reminder::Column::Key])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&*txn)
            .await
            .during("recording the reminders")?;
    }
    let dedupe = |user: i64, kind: NoticeKind| format!("{}:{day}:{user}", kind.as_str());
    for part in digests.chunks(200) {
        let rows = part
            .iter()
            .map(|(user, kind, text)| notification::ActiveModel {
                recipient_user_id: Set(*user),
                kind: Set(kind.as_str().to_owned()),
                title: Set(text.title.clone()),
                body: Set(text.body.clone()),
                suggestion_id: Set(None),
                assignment_id: Set(None),
                event_id: Set(None),
                dedupe_key: Set(Some(dedupe(*user, *kind))),
                created_at: Set(now),
                read_at: Set(None),
                ..Default::default()
            });
        notification::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(notification::Column::DedupeKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&*txn)
            .await
            .during("writing the digests")?;
        let written = notification::Entity::find()
            .filter(
                notification::Column::DedupeKey
                    .is_in(part.iter().map(|(user, kind, _)| dedupe(*user, *kind))),
            )
            .all(&*txn)
            .await
            .during("reading the digests back")?;
        super::delivery::plan(&*txn, &written, now).await?;
    }
    txn.commit().await.during("committing the reminders")?;
    Ok(())
}
