//! Suggestions (建议) and proposals (提案): registration, edits, and the filtered list.

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
    let title = errors.check(text::required(
        &input.title,
        &["input", "title"],
        TITLE_MAX,
        Lines::Single,
    ));
    let content = errors.check(text::required(
        &input.content,
        &["input", "content"],
        CONTENT_MAX,
        Lines::Multi,
    ));
    let topic = errors.check(text::optional(
        input.topic.as_deref(),
        &["input", "topic"],
        100,
        Lines::Single,
    ));
    let leader = errors.check(text::optional(
        input.supervising_leader.as_deref(),
        &["input", "supervisingLeader"],
        100,
        Lines::Single,
    ));
    let submitted_on = input.submitted_on.unwrap_or(today);
    if submitted_on > today {
        errors.push(UserError::invalid(
            &["input", "submittedOn"],
            "提出日期不能晚于今天 (submittedOn must not be in the future)",
        ));
    }
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
    check_co_signers(
        conn,
        input.lead_deputy_id,
        &input.co_signer_ids,
        &mut errors,
    )
    .await?;
    if let Some(number) = &number {
        let taken = suggestion::Entity::find()
            .filter(suggestion::Column::SessionId.eq(input.session_id))
            .filter(suggestion::Column::Number.eq(number.as_str()))
            .one(conn)
            .await
            .during("checking the number")?
            .is_some();
        if taken {
            errors.push(duplicate_number());
        }
    }
    errors.finish()?;
    let model = suggestion::ActiveModel {
        session_id: Set(input.session_id),
        kind: Set(input.kind),
        number: Set(number
            .map(SuggestionNumber::into_string)
            .unwrap_or_default()),
        title: Set(title.unwrap_or_default()),
        content: Set(content.unwrap_or_default()),
        period: Set(input.period),
        lead_deputy_id: Set(input.lead_deputy_id),
        topic: Set(topic.flatten()),
        is_key: Set(input.is_key),
        supervising_leader: Set(leader.flatten()),
        confidential: Set(input.confidential),
        status: Set(SuggestionStatus::Registered),
        submitted_on: Set(submitted_on),
        version: Set(1),
        registered_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
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
    super::workflow::event(
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
    let title = patch.title.as_deref().and_then(|t| {
        errors.check(text::required(
            t,
            &["input", "title"],
            TITLE_MAX,
            Lines::Single,
        ))
    });
    let content = patch.content.as_deref().and_then(|t| {
        errors.check(text::required(
            t,
            &["input", "content"],
            CONTENT_MAX,
            Lines::Multi,
        ))
    });
    let topic = match &patch.topic {
        None => None,
        Some(t) => errors.check(text::optional(
            t.as_deref(),
            &["input", "topic"],
            100,
            Lines::Single,
        )),
    };
    let leader = match &patch.supervising_leader {
        None => None,
        Some(t) => errors.check(text::optional(
            t.as_deref(),
            &["input", "supervisingLeader"],
            100,
            Lines::Single,
        )),
    };
    let txn = db.begin_write().await.during("beginning a transaction")?;
    let current = suggestion::Entity::find_by_id(patch.id)
        .one(&*txn)
        .await
        .during("loading the suggestion")?
        .ok_or_else(|| UserError::missing(&["input", "id"], "建议", "suggestion"))?;
    check_version("建议", patch.expected_version, current.version)?;
    if matches!(
        current.status,
        SuggestionStatus::Closed | SuggestionStatus::Withdrawn
    ) {
        return Err(UserError::invalid_state(
            &["input", "id"],
            format!(
                "建议当前状态为 {}，不能修改 (cannot edit a suggestion in state {})",
                crate::domain::workflow::suggestion_state_name(current.status),
                crate::domain::workflow::suggestion_state_name(current.status)
            ),
        )
        .into());
    }
    if let Some(ids) = &patch.co_signer_ids {
        check_co_signers(&*txn, current.lead_deputy_id, ids, &mut errors).await?;
    }
    if let Some(number) = &number {
        if number.as_str() != current.number {
            let taken = suggestion::Entity::find()
                .filter(suggestion::Column::SessionId.eq(current.session_id))
                .filter(suggestion::Column::Number.eq(number.as_str()))
                .one(&*txn)
                .await
                .during("checking the number")?
                .is_some();
            if taken {
                errors.push(duplicate_number());
            }
        }
    }
    errors.finish()?;
    let mut model = suggestion::ActiveModel {
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(number) = number {
        model.number = Set(number.into_string());
    }
    if let Some(title) = title {
        model.title = Set(title);
    }
    if let Some(content) = content {
        model.content = Set(content);
    }
    if let Some(period) = patch.period {
        model.period = Set(period);
    }
    if let Some(topic) = topic {
        model.topic = Set(topic);
    }
    if let Some(is_key) = patch.is_key {
        model.is_key = Set(is_key);
    }
    if let Some(leader) = leader {
        model.supervising_leader = Set(leader);
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
    if let Some(ids) = &patch.co_signer_ids {
        replace_co_signers(&*txn, current.id, ids).await?;
    }
    if patch.confidential == Some(true) && !current.confidential {
        super::reply::withdraw_publications(&*txn, current.id, now).await?;
    }
    let saved = suggestion::Entity::find_by_id(current.id)
        .one(&*txn)
        .await
        .during("reloading the suggestion")?
        .ok_or_else(|| anyhow::anyhow!("suggestion vanished inside its own transaction"))?;
    if (&saved.title, &saved.number, &saved.content)
        != (&current.title, &current.number, &current.content)
    {
        search::reindex_suggestion(&*txn, &saved).await?;
    }
    super::workflow::event(
        &*txn,
        saved.id,
        None,
        EventKind::Updated,
        ActorRole::Office,
        now,
        serde_json::json!({"version": saved.version}),
    )
    .await?;
    txn.commit().await.during("committing a suggestion edit")?;
    Ok(saved)
}

/// Filters of the suggestion list.
#[derive(Debug, Clone, Default)]
pub struct SuggestionFilter {
    /// Whose view: the rows outside it are never returned or counted.
    pub scope: Scope,
    pub session_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub deputy_id: Option<i64>,
    pub status: Option<Vec<SuggestionStatus>>,
    pub category: Option<Vec<ReplyCategory>>,
    pub is_key: Option<bool>,
    pub keyword: Option<String>,
    pub submitted_from: Option<NaiveDate>,
    pub submitted_to: Option<NaiveDate>,
    /// `keyword` looked up in the indexes ([`plan`]); without it the keyword filters by
    /// plain subqueries, which read every match of a common word.
    pub keyword_plan: Option<std::sync::Arc<KeywordPlans>>,
}

/// A keyword looked up once per request in the suggestion and the reply index (one
/// statement each, at most 1,001 ids): the page and its `totalCount` share the lookup.
#[derive(Debug, Clone)]
pub struct KeywordPlans {
    pub suggestions: search::KeywordPlan,
    pub replies: search::KeywordPlan,
    /// For a common keyword in replies: true when each listed suggestion probes its own
    /// replies by primary key, false when the matches are read once per statement and
    /// looked up. Probing wins for one word (17 ms instead of 110 for a word in every
    /// reply), reading once for several (60 ms instead of 250 for two words in 45,000
    /// replies: each probe seeks every token of every word), measured at 1m (BENCHMARKS.md).
    pub probe_replies: bool,
}

/// Looks `filter.keyword` up (see [`search::KeywordPlan`]): a rare word filters by its ids,
/// a common one by checking the rows of the list as it is read in its own order, so a
/// page of a word in every text stops after the page.
pub async fn plan(db: &Db, mut filter: SuggestionFilter) -> ServiceResult<SuggestionFilter> {
    if let Some(query) = filter.keyword.as_deref().and_then(SearchQuery::parse) {
        let suggestions =
            search::KeywordPlan::for_query(db.conn(), search::Index::Suggestion, query.clone())
                .await?;
        let replies =
            search::KeywordPlan::for_query(db.conn(), search::Index::Reply, query.clone()).await?;
        let probe_replies = query.terms() == 1;
        filter.keyword_plan = Some(std::sync::Arc::new(KeywordPlans {
            suggestions,
            replies,
            probe_replies,
        }));
    }
    Ok(filter)
}

/// The orderings the suggestion list offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionOrder {
    RegisteredDesc,
    RegisteredAsc,
    NumberAsc,
    NumberDesc,
    SubmittedOnDesc,
    SubmittedOnAsc,
    /// Best match of the keyword first ([`ranked`]); newest first when there is no
    /// keyword to rank by or it is too common.
    Relevance,
}

impl SuggestionOrder {
    fn ordering(self) -> page::Ordering<suggestion::Column> {
        use page::KeyKind::{Date, Text};
        use suggestion::Column::{Number, SubmittedOn};
        let (name, column, descending) = match self {
            Self::RegisteredDesc => ("REGISTERED_DESC", None, true),
            Self::RegisteredAsc => ("REGISTERED_ASC", None, false),
            Self::NumberAsc => ("NUMBER_ASC", Some((Number, Text)), false),
            Self::NumberDesc => ("NUMBER_DESC", Some((Number, Text)), true),
            Self::SubmittedOnDesc => ("SUBMITTED_ON_DESC", Some((SubmittedOn, Date)), true),
            Self::SubmittedOnAsc => ("SUBMITTED_ON_ASC", Some((SubmittedOn, Date)), false),
            Self::Relevance => ("RELEVANCE", None, true),
        };
        page::Ordering {
            name,
            column,
            descending,
        }
    }

    fn key(self, m: &suggestion::Model) -> Option<String> {
        match self {
            Self::RegisteredDesc | Self::RegisteredAsc | Self::Relevance => None,
            Self::NumberAsc | Self::NumberDesc => Some(m.number.clone()),
            Self::SubmittedOnDesc | Self::SubmittedOnAsc => {
                Some(m.submitted_on.format("%Y-%m-%d").to_string())
            }
        }
    }
}

/// The SELECT behind the suggestion list and its `totalCount`.
pub fn filtered(backend: DbBackend, filter: &SuggestionFilter) -> Select<suggestion::Entity> {
    let mut select = suggestion::Entity::find().filter(super::scope::suggestions(filter.scope));
    if let Some(session_id) = filter.session_id {
        select = select.filter(suggestion::Column::SessionId.eq(session_id));
    }
    if let Some(statuses) = &filter.status {
        select = select.filter(suggestion::Column::Status.is_in(statuses.iter().copied()));
    }
    if let Some(is_key) = filter.is_key {
        select = select.filter(suggestion::Column::IsKey.eq(is_key));
    }
    if let Some(from) = filter.submitted_from {
        select = select.filter(suggestion::Column::SubmittedOn.gte(from));
    }
    if let Some(to) = filter.submitted_to {
        select = select.filter(suggestion::Column::SubmittedOn.lte(to));
    }
    if let Some(unit_id) = filter.unit_id {
        select = select.filter(
            suggestion::Column::Id.in_subquery(
                Query::select()
                    .column(assignment::Column::SuggestionId)
                    .from(assignment::Entity)
                    .and_where(assignment::Column::UnitId.eq(unit_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(deputy_id) = filter.deputy_id {
        select = select.filter(
            Condition::any()
                .add(suggestion::Column::LeadDeputyId.eq(deputy_id))
                .add(
                    suggestion::Column::Id.in_subquery(
                        Query::select()
                            .column(co_signer::Column::SuggestionId)
                            .from(co_signer::Entity)
                            .and_where(co_signer::Column::DeputyId.eq(deputy_id))
                            .to_owned(),
                    ),
                ),
        );
    }
    if let Some(categories) = &filter.category {
        let mut replied = Query::select()
            .column((assignment::Entity, assignment::Column::SuggestionId))
            .from(assignment::Entity)
            .inner_join(
                reply::Entity,
                Expr::col((reply::Entity, reply::Column::AssignmentId))
                    .equals((assignment::Entity, assignment::Column::Id)),
            )
            .and_where(
                Expr::col((reply::Entity, reply::Column::Category))
                    .is_in(categories.iter().copied()),
            )
            .to_owned();
        // A unit filters by its own replies' categories, never by another unit's; a deputy
        // by sent replies only (one in review is not theirs yet).
        match filter.scope {
            Scope::Unit(unit) => {
                replied.and_where(
                    Expr::col((assignment::Entity, assignment::Column::UnitId)).eq(unit),
                );
            }
            Scope::Deputy(_) => {
                replied.and_where(
                    Expr::col((reply::Entity, reply::Column::ReleaseState))
                        .eq(entity::enums::ReleaseState::Sent),
                );
            }
            Scope::All | Scope::Nothing => {}
        }
        select = select.filter(suggestion::Column::Id.in_subquery(replied));
    }
    if let Some(plans) = &filter.keyword_plan {
        select = select.filter(planned_keyword(backend, plans, filter.scope));
    } else if let Some(query) = filter.keyword.as_deref().and_then(SearchQuery::parse) {
        // Words in the suggestion (title, number, content) or in a reply the caller may
        // read: a unit finds words of its own replies, never of another unit's. One `IN`
        // over a UNION of both id lists: PostgreSQL joins it by hash, spilling to disk when
        // large, where an OR of two `IN`s becomes two subplans, and one larger than its
        // work_mem is rescanned per row (a count of a common word at 1m ran for minutes).
        let in_replies = visible_replies(filter.scope)
            .column((assignment::Entity, assignment::Column::SuggestionId))
            .and_where(search::matching(
                backend,
                search::Index::Reply,
                r#""reply"."id""#,
                &query,
            ))
            .to_owned();
        let mut ids = search::matching_ids(backend, search::Index::Suggestion, &query);
        ids.union(UnionType::Distinct, in_replies);
        select = select.filter(suggestion::Column::Id.in_subquery(ids));
    }
    select
}

/// `FROM reply JOIN assignment`, the replies `scope` may read (a unit: its own).
fn visible_replies(scope: Scope) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .from(reply::Entity)
        .inner_join(
            assignment::Entity,
            Expr::col((assignment::Entity, assignment::Column::Id))
                .equals((reply::Entity, reply::Column::AssignmentId)),
        )
        .cond_where(super::scope::replies(scope))
        .to_owned()
}

/// The keyword condition of a planned filter: the suggestion's own words, or words of a
/// reply the caller may read (a unit: its own replies only).
fn planned_keyword(backend: DbBackend, plans: &KeywordPlans, scope: Scope) -> Condition {
    let own = match &plans.suggestions {
        // PostgreSQL: checked per listed row (a primary-key probe), as the replies are;
        // an `IN` of every match would be read in full before the page (see `per_row`).
        search::KeywordPlan::Probe(query) if backend == DbBackend::Postgres => search::row_matches(
            backend,
            search::Index::Suggestion,
            r#""suggestion"."id""#,
            query,
        ),
        plan => plan.condition(backend, search::Index::Suggestion, r#""suggestion"."id""#),
    };
    let in_replies = match &plans.replies {
        search::KeywordPlan::Ids(ids) if ids.is_empty() => None,
        // A few replies: the suggestions behind them.
        search::KeywordPlan::Ids(_) => Some(
            suggestion::Column::Id.in_subquery(
                visible_replies(scope)
                    .column((assignment::Entity, assignment::Column::SuggestionId))
                    .and_where(plans.replies.condition(
                        backend,
                        search::Index::Reply,
                        r#""reply"."id""#,
                    ))
                    .to_owned(),
            ),
        ),
        // Many: each listed suggestion checks its own replies (a primary-key probe of the
        // index per reply), instead of reading every match.
        search::KeywordPlan::Probe(query) => Some(Expr::exists(search::per_row(
            backend,
            visible_replies(scope)
                .expr(Expr::val(1))
                .and_where(
                    Expr::col((assignment::Entity, assignment::Column::SuggestionId))
                        .equals((suggestion::Entity, suggestion::Column::Id)),
                )
                .and_where(if plans.probe_replies {
                    search::row_matches(backend, search::Index::Reply, r#""reply"."id""#, query)
                } else {
                    plans
                        .replies
                        .condition(backend, search::Index::Reply, r#""reply"."id""#)
                })
                .to_owned(),
        ))),
    };
    let mut any = Condition::any().add(own);
    if let Some(in_replies) = in_replies {
        any = any.add(in_replies);
    }
    any
}

pub async fn list(
    db: &Db,
    filter: &SuggestionFilter,
    order: SuggestionOrder,
    args: &page::PageArgs,
) -> ServiceResult<page::Page<suggestion::Model>> {
    if order == SuggestionOrder::Relevance {
        if let Some(page) = ranked(db, filter, args).await? {
            return Ok(page);
        }
    }
    page::fetch(
        db.conn(),
        filtered(db.backend(), filter),
        suggestion::Column::Id,
        order.ordering(),
        args,
        |m| order.key(m),
        |m| m.id,
    )
    .await
}

/// A relevance cursor's key: the score, written so it reads back to the same `f64`.
fn score_key(score: f64) -> String {
    format!("{score:?}")
}

/// The page of a RELEVANCE list when the keyword is rare enough to rank (at most
/// `RARE_MATCHES` suggestions and replies: the candidates are a bounded set): the
/// filtered candidates' ids (one statement), their scores (one), the page's rows (one).
/// `None` when there is nothing to rank by: the list then runs newest first.
async fn ranked(
    db: &Db,
    filter: &SuggestionFilter,
    args: &page::PageArgs,
) -> ServiceResult<Option<page::Page<suggestion::Model>>> {
    use sea_orm::QuerySelect;
    let (Some(plans), Some(query)) = (
        &filter.keyword_plan,
        filter.keyword.as_deref().and_then(SearchQuery::parse),
    ) else {
        return Ok(None);
    };
    if !(plans.suggestions.is_rare() && plans.replies.is_rare()) {
        return Ok(None);
    }
    let limit = usize::try_from(page::page_size(args.first)?).unwrap_or(usize::MAX);
    let after = match &args.after {
        None => None,
        Some(text) => {
            let bad = || {
                UserError::invalid(
                    &["after"],
                    "分页游标无效或与排序方式不符 (cursor is invalid or was made for another ordering)",
                )
            };
            let cursor = page::Cursor::decode(text).ok_or_else(bad)?;
            let score = cursor
                .key
                .as_deref()
                .and_then(|k| k.parse::<f64>().ok())
                .filter(|_| cursor.ordering == "RELEVANCE")
                .ok_or_else(bad)?;
            Some((score, cursor.id))
        }
    };
    let candidates: Vec<i64> = filtered(db.backend(), filter)
        .select_only()
        .column(suggestion::Column::Id)
        .into_tuple()
        .all(db.conn())
        .await
        .during("listing keyword candidates")?;
    let scores = search::scores(db, search::Index::Suggestion, &query).await?;
    // Best first; found only through a reply (no score of its own): after those.
    let mut ranked: Vec<(f64, i64)> = candidates
        .into_iter()
        .map(|id| (scores.get(&id).copied().unwrap_or(0.0), id))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    let start = match after {
        // Past the cursor's place in the order (score desc, id desc).
        Some((score, id)) => ranked
            .iter()
            .position(|&(s, i)| s.total_cmp(&score).is_lt() || (s == score && i < id))
            .unwrap_or(ranked.len()),
        None => 0,
    };
    let window: Vec<(f64, i64)> = ranked.iter().skip(start).take(limit + 1).copied().collect();
    let has_next_page = window.len() > limit;
    let window = &window[..window.len().min(limit)];
    let mut rows: std::collections::HashMap<i64, suggestion::Model> = suggestion::Entity::find()
        .filter(suggestion::Column::Id.is_in(window.iter().map(|(_, id)| *id)))
        .all(db.conn())
        .await
        .during("loading a page")?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let rows = window
        .iter()
        .filter_map(|(score, id)| {
            rows.remove(id).map(|model| {
                let cursor = page::Cursor {
                    ordering: "RELEVANCE".to_owned(),
                    key: Some(score_key(*score)),
                    id: *id,
                };
                (cursor.encode(), model)
            })
        })
        .collect();
    Ok(Some(page::Page {
        rows,
        has_next_page,
        has_previous_page: after.is_some(),
    }))
}

/// The `totalCount` of the list. A common keyword is counted through plain subqueries
/// (its matches read once, then hashed) rather than the page's row-by-row probes, which
/// a count would run for every suggestion.
pub async fn count(db: &Db, filter: &SuggestionFilter) -> ServiceResult<u64> {
    let rare = filter
        .keyword_plan
        .as_ref()
        .is_none_or(|p| p.suggestions.is_rare() && p.replies.is_rare());
    let select = if rare {
        filtered(db.backend(), filter)
    } else {
        let plain = SuggestionFilter {
            keyword_plan: None,
            ..filter.clone()
        };
        filtered(db.backend(), &plain)
    };
    page::count(db.conn(), select).await
}

pub async fn by_number(
    db: &Db,
    scope: Scope,
    session_id: i64,
    number: &str,
) -> ServiceResult<Option<suggestion::Model>> {
    let Ok(number) = SuggestionNumber::parse(number, &["number"]) else {
        return Ok(None);
    };
    suggestion::Entity::find()
        .filter(super::scope::suggestions(scope))
        .filter(suggestion::Column::SessionId.eq(session_id))
        .filter(suggestion::Column::Number.eq(number.as_str()))
        .one(db.conn())
        .await
        .during("loading a suggestion by number")
}
