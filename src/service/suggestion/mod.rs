//! Suggestions (建议) and proposals (提案): registration, edits, and the filtered list.

mod list;
pub use list::*;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{FilingPeriod, ReplyCategory, SuggestionKind, SuggestionStatus};
use entity::{assignment, deputy, reply, session, suggestion, suggestion_co_signer as co_signer};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend,
    EntityTrait, QueryFilter, Select,
};

use super::{check_version, conflict, on_unique, page, search, DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::access::Scope;
use crate::domain::error::Errors;
use crate::domain::sample::Total;
use crate::domain::search::SearchQuery;
use crate::domain::text::{self, Lines, SuggestionNumber};
use crate::domain::workflow::{ActorRole, EventKind};
use crate::domain::UserError;

const TITLE_MAX: usize = 500;

const CONTENT_MAX: usize = 50_000;

#[derive(Debug, Clone)]
pub struct NewSuggestion {
    pub session_id: i64,
    pub kind: SuggestionKind,
    pub number: String,
    pub title: String,
    pub content: String,
    pub period: FilingPeriod,
    pub lead_deputy_id: i64,
    pub co_signer_ids: Vec<i64>,
    pub topic: Option<String>,
    pub is_key: bool,
    pub supervising_leader: Option<String>,
    pub confidential: bool,
    /// Defaults to today (Shanghai).
    pub submitted_on: Option<NaiveDate>,
}

/// A partial edit; `None` leaves a field as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct SuggestionPatch {
    pub id: i64,
    pub expected_version: Option<i32>,
    pub number: Option<String>,
    pub title: Option<String>,
    pub content: Option<String>,
    pub period: Option<FilingPeriod>,
    pub topic: Option<Option<String>>,
    pub is_key: Option<bool>,
    pub supervising_leader: Option<Option<String>>,
    pub confidential: Option<bool>,
    pub co_signer_ids: Option<Vec<i64>>,
}

fn duplicate_number() -> UserError {
    UserError::duplicate(
        &["input", "number"],
        "本次会议已有此编号的建议 (a suggestion with this number exists in the session)",
    )
}

const NUMBER_CONSTRAINT: &[&str] = &["uq_suggestion_session_number", "suggestion.number"];

/// Most co-signers a suggestion lists (the GraphQL argument refuses longer lists before
/// any work; the import goes through here).
pub const MAX_CO_SIGNERS: usize = 200;

/// Checks that the co-signers exist, are distinct and do not include the lead deputy.
pub(crate) async fn check_co_signers<C: ConnectionTrait>(
    conn: &C,
    lead: i64,
    ids: &[i64],
    errors: &mut Errors,
) -> ServiceResult<()> {
    if ids.len() > MAX_CO_SIGNERS {
        errors.push(UserError::invalid(
            &["input", "coSignerIds"],
            format!("联名代表最多 {MAX_CO_SIGNERS} 位 (at most {MAX_CO_SIGNERS} co-signers)"),
        ));
        return Ok(());
    }
    // Each mistake once: the lead at its first place, a repeated deputy at its second.
    let mut seen = std::collections::HashSet::new();
    let mut repeated = std::collections::HashSet::new();
    let mut lead_reported = false;
    for (i, id) in ids.iter().enumerate() {
        let index = i.to_string();
        if *id == lead {
            if !std::mem::replace(&mut lead_reported, true) {
                errors.push(UserError::invalid(
                    &["input", "coSignerIds", &index],
                    "领衔代表不能同时是联名代表 (the lead deputy cannot co-sign)",
                ));
            }
        } else if !seen.insert(*id) && repeated.insert(*id) {
            errors.push(UserError::duplicate(
                &["input", "coSignerIds", &index],
                "联名代表重复 (co-signer listed twice)",
            ));
        }
    }
    let found: std::collections::HashSet<i64> = deputy::Entity::find()
        .filter(deputy::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await
        .during("loading co-signers")?
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mut missing = std::collections::HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(id) && missing.insert(*id) {
            errors.push(UserError::missing(
                &["input", "coSignerIds", &i.to_string()],
                "代表",
                "deputy",
            ));
        }
    }
    Ok(())
}

async fn replace_co_signers<C: ConnectionTrait>(
    conn: &C,
    suggestion_id: i64,
    ids: &[i64],
) -> ServiceResult<()> {
    co_signer::Entity::delete_many()
        .filter(co_signer::Column::SuggestionId.eq(suggestion_id))
        .exec(conn)
        .await
        .during("removing co-signers")?;
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids
        .iter()
        .enumerate()
        .map(|(i, id)| co_signer::ActiveModel {
            suggestion_id: Set(suggestion_id),
            deputy_id: Set(*id),
            position: Set(i as i32 + 1),
        });
    co_signer::Entity::insert_many(rows)
        .exec(conn)
        .await
        .during("inserting co-signers")?;
    Ok(())
}

/// Registers a suggestion (登记) in a transaction of its own.
pub async fn register(
    db: &Db,
    input: NewSuggestion,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<suggestion::Model> {
    let backdated = input.submitted_on.filter(|on| *on < today);
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let saved = register_in(&*txn, input, now, today).await?;
    txn.audit_created("Suggestion", saved.id);
    if let Some(on) = backdated {
        txn.audit_backdated("submittedOn", on);
    }
    txn.commit().await.during("committing a suggestion")?;
    Ok(saved)
}

/// Validates and registers one suggestion inside the caller's write transaction: every
/// check of `registerSuggestion` (each user error reported, nothing written when there is
/// one), then the row, its co-signers, its search index entry and its timeline event. The
/// bulk import calls this once per row in one transaction, so both paths validate alike;
/// the caller commits (or rolls back) and records the audit target.
pub(crate) async fn register_in<C: ConnectionTrait>(
    conn: &C,
    input: NewSuggestion,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> ServiceResult<suggestion::Model> {
    let mut errors = Errors::new();
    let number = errors.check(SuggestionNumber::parse(&input.number, &["input", "number"]));
    let texts = checked_texts(
        SuggestionTexts {
            title: Some(&input.title),
            content: Some(&input.content),
            topic: Some(input.topic.as_deref()),
            supervising_leader: Some(input.supervising_leader.as_deref()),
        },
        &mut errors,
    );
    let submitted_on = input.submitted_on.unwrap_or(today);
    if submitted_on > today {
        errors.push(UserError::invalid(
            &["input", "submittedOn"],
            "提出日期不能晚于今天 (submittedOn must not be in the future)",
        ));
    }
    check_references(conn, &input, &mut errors).await?;
    if let Some(number) = &number {
        check_number_free(conn, input.session_id, number, &mut errors).await?;
    }
    errors.finish()?;
    let model = suggestion::ActiveModel {
        session_id: Set(input.session_id),
        kind: Set(input.kind),
        number: Set(number
            .map(SuggestionNumber::into_string)
            .unwrap_or_default()),
        period: Set(input.period),
        lead_deputy_id: Set(input.lead_deputy_id),
        is_key: Set(input.is_key),
        confidential: Set(input.confidential),
        status: Set(SuggestionStatus::Registered),
        submitted_on: Set(submitted_on),
        version: Set(1),
        registered_at: Set(now),
        updated_at: Set(now),
        ..texts
    };
    let saved = model.insert(conn).await.map_err(|e| {
        on_unique(
            e,
            NUMBER_CONSTRAINT,
            duplicate_number(),
            "inserting a suggestion",
        )
    })?;
    replace_co_signers(conn, saved.id, &input.co_signer_ids).await?;
    search::index_suggestion(conn, &saved).await?;
    crate::service::timeline::event(
        conn,
        saved.id,
        None,
        EventKind::Registered,
        ActorRole::Office,
        now,
        serde_json::json!({"number": saved.number, "submittedOn": saved.submitted_on}),
    )
    .await?;
    Ok(saved)
}

/// The texts of a suggestion a registration gives or a correction changes (`None`: left
/// as it is; for the optional ones `Some(None)` clears).
struct SuggestionTexts<'a> {
    title: Option<&'a str>,
    content: Option<&'a str>,
    topic: Option<Option<&'a str>>,
    supervising_leader: Option<Option<&'a str>>,
}

/// The checked texts as the columns they set; what fails goes to `errors`.
fn checked_texts(texts: SuggestionTexts<'_>, errors: &mut Errors) -> suggestion::ActiveModel {
    let mut model = <suggestion::ActiveModel as Default>::default();
    if let Some(title) = texts.title {
        let checked = text::required(title, &["input", "title"], TITLE_MAX, Lines::Single);
        model.title = Set(errors.check(checked).unwrap_or_default());
    }
    if let Some(content) = texts.content {
        let checked = text::required(content, &["input", "content"], CONTENT_MAX, Lines::Multi);
        model.content = Set(errors.check(checked).unwrap_or_default());
    }
    if let Some(topic) = texts.topic {
        let checked = text::optional(topic, &["input", "topic"], 100, Lines::Single);
        model.topic = Set(errors.check(checked).flatten());
    }
    if let Some(leader) = texts.supervising_leader {
        let path = ["input", "supervisingLeader"];
        let checked = text::optional(leader, &path, 100, Lines::Single);
        model.supervising_leader = Set(errors.check(checked).flatten());
    }
    model
}

/// The session, the lead deputy and the co-signers exist (and the co-signers are others).
async fn check_references<C: ConnectionTrait>(
    conn: &C,
    input: &NewSuggestion,
    errors: &mut Errors,
) -> ServiceResult<()> {
    if session::Entity::find_by_id(input.session_id)
        .one(conn)
        .await
        .during("loading the session")?
        .is_none()
    {
        errors.push(UserError::missing(
            &["input", "sessionId"],
            "会议",
            "session",
        ));
    }
    if deputy::Entity::find_by_id(input.lead_deputy_id)
        .one(conn)
        .await
        .during("loading the lead deputy")?
        .is_none()
    {
        errors.push(UserError::missing(
            &["input", "leadDeputyId"],
            "领衔代表",
            "deputy",
        ));
    }
    check_co_signers(conn, input.lead_deputy_id, &input.co_signer_ids, errors).await
}

/// A number is unique within its session.
async fn check_number_free<C: ConnectionTrait>(
    conn: &C,
    session_id: i64,
    number: &SuggestionNumber,
    errors: &mut Errors,
) -> ServiceResult<()> {
    let taken = suggestion::Entity::find()
        .filter(suggestion::Column::SessionId.eq(session_id))
        .filter(suggestion::Column::Number.eq(number.as_str()))
        .one(conn)
        .await
        .during("checking the number")?
        .is_some();
    if taken {
        errors.push(duplicate_number());
    }
    Ok(())
}

pub async fn update(
    db: &Db,
    patch: SuggestionPatch,
    now: DateTime<Utc>,
) -> ServiceResult<suggestion::Model> {
    let mut errors = Errors::new();
    let number = patch
        .number
        .as_deref()
        .and_then(|n| errors.check(SuggestionNumber::parse(n, &["input", "number"])));
    let mut model = checked_texts(
        SuggestionTexts {
            title: patch.title.as_deref(),
            content: patch.content.as_deref(),
            topic: patch.topic.as_ref().map(Option::as_deref),
            supervising_leader: patch.supervising_leader.as_ref().map(Option::as_deref),
        },
        &mut errors,
    );
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = suggestion::Entity::find_by_id(patch.id)
        .one(&*txn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| UserError::missing(&["input", "id"], "建议", "suggestion"))?;
    check_version("建议", patch.expected_version, current.version)?;
    check_editable(&current)?;
    if let Some(ids) = &patch.co_signer_ids {
        check_co_signers(&*txn, current.lead_deputy_id, ids, &mut errors).await?;
    }
    if let Some(number) = number.as_ref().filter(|n| n.as_str() != current.number) {
        check_number_free(&*txn, current.session_id, number, &mut errors).await?;
    }
    errors.finish()?;
    model.version = Set(current.version + 1);
    model.updated_at = Set(now);
    if let Some(number) = number {
        model.number = Set(number.into_string());
    }
    if let Some(period) = patch.period {
        model.period = Set(period);
    }
    if let Some(is_key) = patch.is_key {
        model.is_key = Set(is_key);
    }
    if let Some(confidential) = patch.confidential {
        model.confidential = Set(confidential);
    }
    let result = suggestion::Entity::update_many()
        .set(model)
        .filter(suggestion::Column::Id.eq(current.id))
        .filter(suggestion::Column::Version.eq(current.version))
        .exec(&*txn)
        .await
        .map_err(|e| {
            on_unique(
                e,
                NUMBER_CONSTRAINT,
                duplicate_number(),
                "updating a suggestion",
            )
        })?;
    if result.rows_affected != 1 {
        return Err(conflict("建议", &["input", "id"]));
    }
    let saved = after_update(&txn, &patch, &current, now).await?;
    txn.commit().await.during("committing a suggestion edit")?;
    Ok(saved)
}

/// A closed or withdrawn suggestion is history.
fn check_editable(current: &suggestion::Model) -> ServiceResult<()> {
    if matches!(
        current.status,
        SuggestionStatus::Closed | SuggestionStatus::Withdrawn
    ) {
        let state = crate::domain::workflow::suggestion_state_name(current.status);
        return Err(UserError::invalid_state(
            &["input", "id"],
            format!("建议当前状态为 {state}，不能修改 (cannot edit a suggestion in state {state})"),
        )
        .into());
    }
    Ok(())
}

/// What follows a correction: the co-signers replaced, publications withdrawn from a
/// suggestion newly confidential, the search index, the timeline. Returns the saved row.
async fn after_update(
    txn: &crate::db::WriteTxn,
    patch: &SuggestionPatch,
    current: &suggestion::Model,
    now: DateTime<Utc>,
) -> ServiceResult<suggestion::Model> {
    if let Some(ids) = &patch.co_signer_ids {
        replace_co_signers(&**txn, current.id, ids).await?;
    }
    if patch.confidential == Some(true) && !current.confidential {
        super::reply::withdraw_publications(&**txn, current.id, now).await?;
    }
    let saved = suggestion::Entity::find_by_id(current.id)
        .one(&**txn)
        .await
        .during("reloading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("suggestion vanished inside its own transaction"))?;
    if (&saved.title, &saved.number, &saved.content)
        != (&current.title, &current.number, &current.content)
    {
        search::reindex_suggestion(&**txn, &saved).await?;
    }
    crate::service::timeline::event(
        &**txn,
        saved.id,
        None,
        EventKind::Updated,
        ActorRole::Office,
        now,
        serde_json::json!({"version": saved.version}),
    )
    .await?;
    Ok(saved)
}
