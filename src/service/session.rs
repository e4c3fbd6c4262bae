//! Sessions (会议) and the rules in force for them.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::SessionLevel;
use entity::{assignment, reply, session};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use super::{on_unique, page, DbContext, ServiceResult};
use crate::db::{Db, WriteTxn};
use crate::domain::category::{CategoryScheme, SchemePreset};
use crate::domain::deadline::{due_soon_from, DeadlineRules, RulesPatch};
use crate::domain::error::Errors;
use crate::domain::text::{self, Lines};
use crate::domain::UserError;

#[derive(Debug, Clone)]
pub struct NewSession {
    pub name: String,
    pub level: SessionLevel,
    pub term: i32,
    pub meeting: i32,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
    pub category_scheme: SchemePreset,
    pub deadline_rules: Option<DeadlineRules>,
    /// Due-soon reminder thresholds in days; none: the deployment's default.
    pub reminder_days: Option<Vec<i32>>,
}

/// The thresholds as stored: checked, farthest first, as a JSON array.
fn reminder_days(
    days: Option<&[i32]>,
    errors: &mut Errors,
) -> ServiceResult<Option<serde_json::Value>> {
    let Some(days) = days else {
        return Ok(None);
    };
    match crate::domain::reminder::parse_days(days, &["input", "reminderDays"]) {
        Ok(kept) => Ok(Some(
            serde_json::to_value(kept).map_err(anyhow::Error::from)?,
        )),
        Err(error) => {
            errors.push(error);
            Ok(None)
        }
    }
}

pub async fn create(
    db: &Db,
    input: NewSession,
    now: DateTime<Utc>,
) -> ServiceResult<session::Model> {
    let mut errors = Errors::new();
    let name = checked_name(&input.name, &mut errors);
    for (field, value) in [("term", input.term), ("meeting", input.meeting)] {
        if !(1..=99).contains(&value) {
            errors.push(UserError::invalid(
                &["input", field],
                "须为 1 至 99 (must be 1–99)",
            ));
        }
    }
    check_dates(input.opens_on, input.closes_on, &mut errors);
    let rules = input.deadline_rules.unwrap_or_default();
    check_rules(&rules, &mut errors);
    let reminders = reminder_days(input.reminder_days.as_deref(), &mut errors)?;
    errors.finish()?;
    let name = name.unwrap_or_default();
    let scheme = CategoryScheme::preset(input.category_scheme);
    let model = session::ActiveModel {
        name: Set(name),
        level: Set(input.level),
        term: Set(input.term),
        meeting: Set(input.meeting),
        opens_on: Set(input.opens_on),
        closes_on: Set(input.closes_on),
        category_scheme: Set(serde_json::to_value(&scheme).map_err(anyhow::Error::from)?),
        deadline_rules: Set(serde_json::to_value(rules).map_err(anyhow::Error::from)?),
        reminder_days: Set(reminders),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = model
        .insert(&*txn)
        .await
        .map_err(|e| duplicate_name(e, "inserting a session"))?;
    txn.audit_created("Session", saved.id);
    txn.commit().await.during("committing a session")?;
    Ok(saved)
}

/// How many sessions there are (the `sessions` connection's `totalCount`).
pub async fn count(db: &Db) -> ServiceResult<u64> {
    page::count(db.conn(), session::Entity::find()).await
}

pub async fn list(db: &Db, args: &page::PageArgs) -> ServiceResult<page::Page<session::Model>> {
    let ordering = page::Ordering {
        name: "ID_DESC",
        column: None,
        descending: true,
    };
    page::fetch(
        db.conn(),
        session::Entity::find(),
        session::Column::Id,
        ordering,
        args,
        |_| None,
        |m| m.id,
    )
    .await
}

fn checked_name(name: &str, errors: &mut Errors) -> Option<String> {
    errors.check(text::required(name, &["input", "name"], 200, Lines::Single))
}

fn check_dates(opens_on: Option<NaiveDate>, closes_on: Option<NaiveDate>, errors: &mut Errors) {
    if let (Some(opens), Some(closes)) = (opens_on, closes_on) {
        if closes < opens {
            errors.push(UserError::invalid(
                &["input", "closesOn"],
                "闭幕日期不能早于开幕日期 (closesOn must not precede opensOn)",
            ));
        }
    }
}

fn check_rules(rules: &DeadlineRules, errors: &mut Errors) {
    if let Err(rule_errors) = rules.validate() {
        for e in rule_errors {
            errors.push(e.under(&["input", "deadlineRules"]));
        }
    }
}

fn duplicate_name(e: sea_orm::DbErr, doing: &'static str) -> super::ServiceError {
    on_unique(
        e,
        &["session.name", "session_name_key"],
        UserError::duplicate(
            &["input", "name"],
            "已有同名会议 (a session with this name exists)",
        ),
        doing,
    )
}

/// A correction of a session; fields left out stay as they are.
#[derive(Debug, Clone, Default)]
pub struct SessionPatch {
    pub id: i64,
    pub expected_version: Option<i32>,
    pub name: Option<String>,
    /// `Some(None)` clears the date.
    pub opens_on: Option<Option<NaiveDate>>,
    pub closes_on: Option<Option<NaiveDate>>,
    pub co_sign_deadline: Option<Option<NaiveDate>>,
    pub review_before_release: Option<bool>,
    pub reply_requires_signed_letter: Option<bool>,
    pub category_scheme: Option<SchemePreset>,
    pub deadline_rules: Option<RulesPatch>,
    /// New due-soon reminder thresholds; `Some(None)`: back to the deployment's default.
    pub reminder_days: Option<Option<Vec<i32>>>,
    /// Work everything out and say what would change, but change nothing.
    pub dry_run: bool,
}

/// An open deadline that new rules move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueMove {
    pub assignment: assignment::Model,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub provisional: bool,
}

/// What `update` did (or, on a dry run, would do).
#[derive(Debug, Clone)]
pub struct SessionUpdate {
    pub session: session::Model,
    /// Open, rule-based deadlines whose due date moves under the new rules, by due date.
    pub moves: Vec<DueMove>,
    /// Open deadlines whose DUE_SOON warning moves (a new `dueSoonDays`) without a new
    /// due date.
    pub warnings_moved: usize,
    pub dry_run: bool,
}

/// `updateSession`: corrects a session's name and dates, and changes its category scheme
/// (only while no reply of the session has a category under the old one) and its deadline
/// rules. New rules re-date the session's open, rule-based deadlines in the same
/// transaction (explicit and answered ones stay; each move is a REDATED event with cause
/// SESSION_RULES), as a calendar change does; a new warning window moves the DUE_SOON day
/// of every open deadline. With `dry_run`, nothing is stored and the answer says what
/// would move.
pub async fn update(
    db: &Db,
    patch: SessionPatch,
    now: DateTime<Utc>,
) -> ServiceResult<SessionUpdate> {
    let mut errors = Errors::new();
    let name = patch
        .name
        .as_deref()
        .map(|name| checked_name(name, &mut errors));
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = session::Entity::find_by_id(patch.id)
        .one(&*txn)
        .await
        .during("loading the session")?
        .ok_or_else(|| UserError::missing(&["input", "id"], "会议", "session"))?;
    super::check_version("会议", patch.expected_version, current.version)?;
    let opens_on = patch.opens_on.unwrap_or(current.opens_on);
    let closes_on = patch.closes_on.unwrap_or(current.closes_on);
    let old_rules = DeadlineRules::stored(&current.deadline_rules);
    let rules = patch
        .deadline_rules
        .map_or(old_rules, |p| p.apply(old_rules));
    check_dates(opens_on, closes_on, &mut errors);
    check_rules(&rules, &mut errors);
    let reminders = match &patch.reminder_days {
        Some(days) => Some(reminder_days(days.as_deref(), &mut errors)?),
        None => None,
    };
    let review_before_release = patch
        .review_before_release
        .unwrap_or(current.review_before_release);
    let scheme = patch.category_scheme.map(CategoryScheme::preset);
    check_switches(
        &txn,
        &current,
        review_before_release,
        scheme.as_ref(),
        &mut errors,
    )
    .await?;
    errors.finish()?;

    let (moves, warnings_moved) = if rules != old_rules {
        redate_open(&txn, current.id, &rules, patch.dry_run, now).await?
    } else {
        (Vec::new(), 0)
    };
    let mut model = session::ActiveModel {
        version: Set(current.version + 1),
        updated_at: Set(now),
        opens_on: Set(opens_on),
        closes_on: Set(closes_on),
        co_sign_deadline: Set(patch.co_sign_deadline.unwrap_or(current.co_sign_deadline)),
        review_before_release: Set(review_before_release),
        reply_requires_signed_letter: Set(patch
            .reply_requires_signed_letter
            .unwrap_or(current.reply_requires_signed_letter)),
        deadline_rules: Set(serde_json::to_value(rules).map_err(anyhow::Error::from)?),
        ..Default::default()
    };
    if let Some(name) = name.flatten() {
        model.name = Set(name);
    }
    if let Some(reminders) = reminders {
        model.reminder_days = Set(reminders);
    }
    if let Some(scheme) = &scheme {
        model.category_scheme = Set(serde_json::to_value(scheme).map_err(anyhow::Error::from)?);
    }
    let saved = save(&txn, &current, model).await?;
    commit_unless_dry(txn, patch.dry_run).await?;
    Ok(SessionUpdate {
        session: saved,
        moves,
        warnings_moved,
        dry_run: patch.dry_run,
    })
}

/// Commits the correction, or on a dry run drops it: everything was checked (the name's
/// uniqueness by the database itself), and an uncommitted transaction keeps nothing.
async fn commit_unless_dry(txn: WriteTxn, dry_run: bool) -> ServiceResult<()> {
    if dry_run {
        drop(txn);
        return Ok(());
    }
    txn.commit()
        .await
        .during("committing a session correction")?;
    Ok(())
}

/// What a correction may switch only in some states: review before release (off only while
/// no reply is in review) and the category scheme (only while no reply has a category).
async fn check_switches(
    txn: &WriteTxn,
    current: &session::Model,
    review_before_release: bool,
    scheme: Option<&CategoryScheme>,
    errors: &mut Errors,
) -> ServiceResult<()> {
    if current.review_before_release && !review_before_release {
        check_none_in_review(txn, current.id, errors).await?;
    }
    if scheme.is_some_and(|s| *s != CategoryScheme::stored(&current.category_scheme)) {
        check_none_categorised(txn, current.id, errors).await?;
    }
    Ok(())
}

/// Review before release may be switched off only while no reply is in review.
async fn check_none_in_review(
    txn: &WriteTxn,
    session_id: i64,
    errors: &mut Errors,
) -> ServiceResult<()> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let in_review = reply::Entity::find()
        .filter(reply::Column::ReleaseState.ne(entity::enums::ReleaseState::Sent))
        .filter(
            reply::Column::AssignmentId
                .in_subquery(super::scope::session_assignment_ids(session_id)),
        )
        .one(&**txn)
        .await
        .during("looking for replies in review")?;
    if in_review.is_some() {
        errors.push(UserError::invalid_state(
            &["input", "reviewBeforeRelease"],
            "本次会议仍有答复在审核中，暂不能取消答复审核 (replies are still in review)",
        ));
    }
    Ok(())
}

/// The scheme may change only while no reply carries a category: a reply's category is a
/// code of the scheme it was written under.
async fn check_none_categorised(
    txn: &WriteTxn,
    session_id: i64,
    errors: &mut Errors,
) -> ServiceResult<()> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _, QuerySelect as _};
    let categorised = entity::reply::Entity::find()
        .select_only()
        .column(entity::reply::Column::Id)
        .inner_join(assignment::Entity)
        .filter(assignment::Column::SessionId.eq(session_id))
        .limit(1)
        .into_tuple::<i64>()
        .one(&**txn)
        .await
        .during("looking for replies of the session")?;
    if categorised.is_some() {
        errors.push(UserError::invalid_state(
            &["input", "categoryScheme"],
            "本次会议已有答复按现行类别方案分类，不能更换方案 (replies of this session already carry categories of the scheme in force)",
        ));
    }
    Ok(())
}

/// Re-dates the session's open, rule-based deadlines under new rules (unless `dry_run`),
/// and moves the DUE_SOON day of the others. Returns the moves, by new due date, and how
/// many warnings moved without a new due date.
async fn redate_open(
    txn: &WriteTxn,
    session_id: i64,
    rules: &DeadlineRules,
    dry_run: bool,
    now: DateTime<Utc>,
) -> ServiceResult<(Vec<DueMove>, usize)> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _, QueryOrder as _};
    let mut moves = Vec::new();
    let mut warnings_moved = 0;
    let calendar = super::calendar::load(&**txn).await?;
    let open = assignment::Entity::find()
        .filter(assignment::Column::SessionId.eq(session_id))
        .filter(assignment::Column::Status.is_in(super::calendar::OPEN_STATES))
        .order_by_asc(assignment::Column::DueOn)
        .order_by_asc(assignment::Column::Id)
        .all(&**txn)
        .await
        .during("loading the session's open deadlines")?;
    for a in open {
        let due = if a.due_on_explicit {
            None
        } else {
            super::calendar::due_under(&**txn, &a, rules, &calendar).await?
        };
        if let Some(due) = due {
            if !dry_run {
                super::calendar::move_due(
                    &**txn,
                    &a,
                    &due,
                    rules.due_soon_days,
                    "SESSION_RULES",
                    now,
                )
                .await?;
            }
            moves.push(DueMove {
                from: a.due_on,
                to: due.due_on,
                provisional: due.provisional,
                assignment: a,
            });
        } else if due_soon_from(a.due_on, rules.due_soon_days) != a.due_soon_from {
            warnings_moved += 1;
            if !dry_run {
                move_warning(txn, &a, rules.due_soon_days, now).await?;
            }
        }
    }
    moves.sort_by_key(|m| (m.to, m.assignment.id));
    Ok((moves, warnings_moved))
}

/// A new warning window for a deadline that keeps its due date.
async fn move_warning(
    txn: &WriteTxn,
    a: &assignment::Model,
    due_soon_days: u32,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    assignment::Entity::update_many()
        .col_expr(
            assignment::Column::DueSoonFrom,
            Expr::val(due_soon_from(a.due_on, due_soon_days)),
        )
        .col_expr(
            assignment::Column::Version,
            Expr::col(assignment::Column::Version).add(1),
        )
        .col_expr(assignment::Column::UpdatedAt, Expr::val(now))
        .filter(assignment::Column::Id.eq(a.id))
        .exec(&**txn)
        .await
        .during("moving a deadline warning")?;
    Ok(())
}

/// Saves the corrected session with a version check and reads it back.
async fn save(
    txn: &WriteTxn,
    current: &session::Model,
    model: session::ActiveModel,
) -> ServiceResult<session::Model> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let result = session::Entity::update_many()
        .set(model)
        .filter(session::Column::Id.eq(current.id))
        .filter(session::Column::Version.eq(current.version))
        .exec(&**txn)
        .await
        .map_err(|e| duplicate_name(e, "updating a session"))?;
    if result.rows_affected != 1 {
        return Err(super::conflict("会议", &["input", "id"]));
    }
    Ok(session::Entity::find_by_id(current.id)
        .one(&**txn)
        .await
        .during("reloading the session")?
        .ok_or_else(|| anyhow::anyhow!("session vanished inside its own transaction"))?)
}
