//! Finding suggestions: the list's filter (scope, session, unit, deputy, status, category, keyword), its orders and pages, the relevance ranking of a keyword search, counts, and the lookup by number.

use super::*;

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
    pub(super) fn ordering(self) -> page::Ordering<suggestion::Column> {
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

    pub(super) fn key(self, m: &suggestion::Model) -> Option<String> {
        match self {
            Self::RegisteredDesc | Self::RegisteredAsc | Self::Relevance => None,
            Self::NumberAsc | Self::NumberDesc => Some(m.number.clone()),
            Self::SubmittedOnDesc | Self::SubmittedOnAsc => {
                Some(m.submitted_on.format("%Y-%m-%d").to_string())
            }
        }
    }
}

/// The ids of suggestions with a reply in one of `categories` that `scope` may judge by:
/// a unit by its own replies' categories, never by another unit's; a deputy by sent replies
/// only (one in review is not theirs yet).
fn replied_in(
    categories: &[entity::enums::ReplyCategory],
    scope: Scope,
) -> sea_orm::sea_query::SelectStatement {
    let mut replied = Query::select()
        .column((assignment::Entity, assignment::Column::SuggestionId))
        .from(assignment::Entity)
        .inner_join(
            reply::Entity,
            Expr::col((reply::Entity, reply::Column::AssignmentId))
                .equals((assignment::Entity, assignment::Column::Id)),
        )
        .and_where(
            Expr::col((reply::Entity, reply::Column::Category)).is_in(categories.iter().copied()),
        )
        .to_owned();
    match scope {
        Scope::Unit(unit) => {
            replied.and_where(Expr::col((assignment::Entity, assignment::Column::UnitId)).eq(unit));
        }
        Scope::Deputy(_) => {
            replied.and_where(
                Expr::col((reply::Entity, reply::Column::ReleaseState))
                    .eq(entity::enums::ReleaseState::Sent),
            );
        }
        Scope::All | Scope::Nothing => {}
    }
    replied
}

/// The SELECT behind the suggestion list and its `totalCount`.
pub fn filtered(backend: DbBackend, filter: &SuggestionFilter) -> Select<suggestion::Entity> {
    let mut select =
        suggestion::Entity::find().filter(crate::service::scope::suggestions(filter.scope));
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
        select =
            select.filter(suggestion::Column::Id.in_subquery(replied_in(categories, filter.scope)));
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
pub(super) fn visible_replies(scope: Scope) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .from(reply::Entity)
        .inner_join(
            assignment::Entity,
            Expr::col((assignment::Entity, assignment::Column::Id))
                .equals((reply::Entity, reply::Column::AssignmentId)),
        )
        .cond_where(crate::service::scope::replies(scope))
        .to_owned()
}

/// The keyword condition of a planned filter: the suggestion's own words, or words of a
/// reply the caller may read (a unit: its own replies only).
pub(super) fn planned_keyword(backend: DbBackend, plans: &KeywordPlans, scope: Scope) -> Condition {
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
    let select = filtered(db.backend(), filter);
    let ordering = order.ordering();
    if filter.session_id.is_some() && ordering.column.is_none() {
        // One session's page in id order: its ids from the index `(session_id, id)`
        // alone, then the rows by id. Asked for whole rows, PostgreSQL walks the primary
        // key backwards and filters by session (it assumes a session's rows spread over
        // all ids, where they are contiguous): 110–250 ms for an old session's page at
        // 1m, 0.3 ms this way. Ordering by (session_id, id) does not help: the planner
        // drops a sort key an equality fixes.
        return page::fetch_by_ids(
            db.conn(),
            select,
            suggestion::Column::Id,
            ordering,
            args,
            |m| order.key(m),
            |m| m.id,
        )
        .await;
    }
    page::fetch(
        db.conn(),
        select,
        suggestion::Column::Id,
        ordering,
        args,
        |m| order.key(m),
        |m| m.id,
    )
    .await
}

/// A relevance cursor's key: the score, written so it reads back to the same `f64`.
pub(super) fn score_key(score: f64) -> String {
    format!("{score:?}")
}

/// The place (score, id) a relevance cursor names; INVALID at `after` for any other cursor.
fn relevance_cursor(text: &str) -> Result<(f64, i64), UserError> {
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
    Ok((score, cursor.id))
}

/// The page of a RELEVANCE list when the keyword is rare enough to rank (at most
/// `RARE_MATCHES` suggestions and replies: the candidates are a bounded set): the
/// filtered candidates' ids (one statement), their scores (one), the page's rows (one).
/// `None` when there is nothing to rank by: the list then runs newest first.
pub(super) async fn ranked(
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
    let after = args.after.as_deref().map(relevance_cursor).transpose()?;
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

/// The `totalCount` of the list. For a common keyword (more than
/// [`search::RARE_MATCHES`] documents in an index) an exact count would read and hash
/// every match (0.4–1.8 s at a million), so the rows the other filters select are
/// counted and a sample of them checked ([`crate::domain::sample`]): two statements, and
/// an exact count whenever there are at most a thousand such rows.
pub async fn count(db: &Db, filter: &SuggestionFilter) -> ServiceResult<Total> {
    let backend = db.backend();
    let common = filter
        .keyword_plan
        .as_ref()
        .filter(|p| !(p.suggestions.is_rare() && p.replies.is_rare()));
    let Some(plans) = common else {
        let rows = page::count(db.conn(), filtered(backend, filter)).await?;
        return Ok(Total::exact(rows));
    };
    if backend == DbBackend::Sqlite {
        // SQLite runs the sample's check of a common word (a temporary list of every
        // match) again for each sampled row: measured 0.7–25 s at 1m, more than the
        // exact count through plain subqueries (0.4–0.8 s), which it keeps.
        let plain = SuggestionFilter {
            keyword_plan: None,
            ..filter.clone()
        };
        let rows = page::count(db.conn(), filtered(backend, &plain)).await?;
        return Ok(Total::exact(rows));
    }
    let others = SuggestionFilter {
        keyword: None,
        keyword_plan: None,
        ..filter.clone()
    };
    page::count_sampled(
        db.conn(),
        filtered(backend, &others),
        Expr::col((suggestion::Entity, suggestion::Column::Id)),
        planned_keyword(backend, plans, filter.scope),
    )
    .await
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
        .filter(crate::service::scope::suggestions(scope))
        .filter(suggestion::Column::SessionId.eq(session_id))
        .filter(suggestion::Column::Number.eq(number.as_str()))
        .one(db.conn())
        .await
        .during("loading a suggestion by number")
}
