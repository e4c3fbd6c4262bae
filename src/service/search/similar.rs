//! Similar suggestions (并案 candidates): the suggestions whose words most resemble a text, best first, with their scores.

use super::*;

/// A suggestion like a given text, with its relevance (higher is closer).
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    pub suggestion_id: i64,
    pub score: f64,
}

/// The ids of the suggestions whose index entry matches `query`, with their relevance
/// score (SQLite: BM25 with the title weighted 4:1; PostgreSQL: `ts_rank`).
fn scored_matches(
    backend: DbBackend,
    query: &crate::domain::search::SimilarQuery,
    window: Option<(i64, i64)>,
) -> sea_orm::sea_query::SelectStatement {
    use sea_orm::sea_query::{Alias, Query};
    let mut matches = Query::select();
    match backend {
        DbBackend::Sqlite => {
            matches
                .expr_as(Expr::cust("rowid"), Alias::new("id"))
                .expr_as(
                    Expr::cust("-bm25(suggestion_search, 4.0, 1.0)"),
                    Alias::new("score"),
                )
                .from(Alias::new("suggestion_search"))
                .and_where(Expr::cust_with_values(
                    "suggestion_search MATCH ?",
                    [query.fts5()],
                ));
        }
        _ => {
            matches
                .column(Alias::new("id"))
                .expr_as(
                    Expr::cust_with_values(
                        "CAST(ts_rank(tokens, CAST($1 AS tsquery)) AS DOUBLE PRECISION)",
                        [query.tsquery()],
                    ),
                    Alias::new("score"),
                )
                .from(Alias::new("suggestion_search"))
                .and_where(Expr::cust_with_values(
                    "tokens @@ CAST($1 AS tsquery)",
                    [query.tsquery()],
                ));
        }
    }
    if let Some((low, high)) = window {
        // Integers written into the statement: FTS5 narrows its match by rowid range.
        let id = if backend == DbBackend::Sqlite {
            "rowid"
        } else {
            "id"
        };
        matches.and_where(Expr::cust(format!("{id} BETWEEN {low} AND {high}")));
    }
    matches
}

/// At most this many of the matching suggestions are ranked: the most recently registered.
pub const SIMILAR_CANDIDATES: u64 = 2_000;

/// The conditions every candidate meets: visible to `scope`, of `session_id` when given,
/// never `exclude`.
fn candidates(
    scope: crate::domain::access::Scope,
    session_id: Option<i64>,
    exclude: Option<i64>,
) -> sea_orm::Condition {
    let mut condition = crate::service::scope::suggestions(scope);
    if let Some(session_id) = session_id {
        condition = condition.add(suggestion::Column::SessionId.eq(session_id));
    }
    if let Some(exclude) = exclude {
        condition = condition.add(suggestion::Column::Id.ne(exclude));
    }
    condition
}

/// True when more than [`SIMILAR_CANDIDATES`] documents match `query`: a look at most
/// that many documents deep into the index (one statement).
async fn more_than_candidates(
    db: &Db,
    query: &crate::domain::search::SimilarQuery,
) -> ServiceResult<bool> {
    let backend = db.backend();
    let deeper = SIMILAR_CANDIDATES + 1;
    let look = match backend {
        DbBackend::Sqlite => Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT COUNT(*) AS n FROM (SELECT rowid FROM suggestion_search \
                 WHERE suggestion_search MATCH ? LIMIT {deeper}) AS t"
            ),
            [query.fts5().into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT COUNT(*) AS n FROM (SELECT id FROM suggestion_search \
                 WHERE tokens @@ CAST($1 AS tsquery) LIMIT {deeper}) AS t"
            ),
            [query.tsquery().into()],
        ),
    };
    let matches: i64 = match db
        .conn()
        .query_one_raw(look)
        .await
        .during("looking at the matches")?
    {
        Some(row) => row.try_get("", "n").during("reading the matches")?,
        None => 0,
    };
    Ok(u64::try_from(matches).unwrap_or(0) > SIMILAR_CANDIDATES)
}

/// The id range of the [`SIMILAR_CANDIDATES`] newest candidates that match `query`, when
/// more match; `None` when all of them can be ranked. Only when more match
/// ([`more_than_candidates`]), one statement that walks the suggestions newest first and
/// stops at the last candidate: the SQLite `+` keeps the planner from driving it by the
/// matches (a sort of every one).
async fn window(
    db: &Db,
    query: &crate::domain::search::SimilarQuery,
    candidates: sea_orm::Condition,
) -> ServiceResult<Option<(i64, i64)>> {
    use sea_orm::sea_query::{Alias, Func, Order, Query};
    let backend = db.backend();
    if !more_than_candidates(db, query).await? {
        return Ok(None);
    }
    let id = r#""suggestion"."id""#;
    let mut newest = Query::select();
    newest
        .column((suggestion::Entity, suggestion::Column::Id))
        .from(suggestion::Entity)
        .cond_where(candidates)
        .and_where(match backend {
            DbBackend::Sqlite => Expr::cust_with_values(
                format!("+{id} IN (SELECT rowid FROM suggestion_search WHERE suggestion_search MATCH ?)"),
                [query.fts5()],
            ),
            _ => Expr::cust_with_values(
                format!("{id} IN (SELECT id FROM suggestion_search WHERE tokens @@ CAST($1 AS tsquery))"),
                [query.tsquery()],
            ),
        })
        .order_by((suggestion::Entity, suggestion::Column::Id), Order::Desc)
        .limit(SIMILAR_CANDIDATES);
    let t = Alias::new("t");
    let select = Query::select()
        .expr_as(
            Func::min(Expr::col((t.clone(), Alias::new("id")))),
            Alias::new("low"),
        )
        .expr_as(
            Func::max(Expr::col((t.clone(), Alias::new("id")))),
            Alias::new("high"),
        )
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(newest, t)
        .to_owned();
    let row = db
        .conn()
        .query_one_raw(backend.build(&select))
        .await
        .during("finding the newest similar suggestions")?;
    let Some(row) = row else { return Ok(None) };
    let n: i64 = row.try_get("", "n").during("reading the candidates")?;
    if u64::try_from(n).unwrap_or(0) < SIMILAR_CANDIDATES {
        return Ok(None);
    }
    let low: i64 = row.try_get("", "low").during("reading the candidates")?;
    let high: i64 = row.try_get("", "high").during("reading the candidates")?;
    Ok(Some((low, high)))
}

/// The suggestions most like `query` (并案 candidates), best first: SQLite ranks by BM25
/// with the title counting four times the content, PostgreSQL by `ts_rank` (title tokens
/// carry weight A). Only suggestions `scope` sees, of `session_id` when given, never
/// `exclude` (the suggestion being edited).
///
/// The tokens the last census found common are left out or required together
/// ([`SimilarQuery::focus`](crate::domain::search::SimilarQuery::focus)), and of the
/// matching suggestions only the [`SIMILAR_CANDIDATES`] newest are ranked, so the cost
/// stays bounded however common the text's words (three statements, four when more than
/// that many match).
pub async fn similar(
    db: &Db,
    scope: crate::domain::access::Scope,
    session_id: Option<i64>,
    exclude: Option<i64>,
    query: &crate::domain::search::SimilarQuery,
    limit: u64,
) -> ServiceResult<Vec<Similar>> {
    use sea_orm::sea_query::{Alias, ExprTrait as _, Order, Query};
    let backend = db.backend();
    let vocabulary = vocabulary(db.conn(), query.tokens()).await?;
    let query = query.clone().focus(&vocabulary);
    // The window only over every suggestion: narrowed to a session, SQLite ran the
    // match again for each of the session's rows (32 s at 1m); those rank every match.
    let window = if session_id.is_none() && scope == crate::domain::access::Scope::All {
        window(db, &query, candidates(scope, session_id, exclude)).await?
    } else {
        None
    };
    let matches = scored_matches(backend, &query, window);
    let m = Alias::new("m");
    let mut select = Query::select();
    select
        .column((suggestion::Entity, suggestion::Column::Id))
        .expr_as(
            Expr::col((m.clone(), Alias::new("score"))),
            Alias::new("score"),
        )
        .from(suggestion::Entity)
        .join_subquery(
            sea_orm::sea_query::JoinType::InnerJoin,
            matches,
            m.clone(),
            Expr::col((m.clone(), Alias::new("id")))
                .equals((suggestion::Entity, suggestion::Column::Id)),
        )
        .cond_where(candidates(scope, session_id, exclude))
        .order_by((m, Alias::new("score")), Order::Desc)
        .order_by((suggestion::Entity, suggestion::Column::Id), Order::Desc)
        .limit(limit);
    let rows = db
        .conn()
        .query_all_raw(backend.build(&select))
        .await
        .during("finding similar suggestions")?;
    rows.iter()
        .map(|row| {
            Ok(Similar {
                suggestion_id: row
                    .try_get("", "id")
                    .during("reading a similar suggestion")?,
                score: row
                    .try_get("", "score")
                    .during("reading a similar suggestion")?,
            })
        })
        .collect()
}

/// The relevance of every document matching a rare keyword (higher is better): BM25 on
/// SQLite (title ×4), `ts_rank` on PostgreSQL (title tokens weigh A). Only for keywords a
/// [`KeywordPlan`] found rare: it reads every match.
pub async fn scores(
    db: &Db,
    index: Index,
    query: &SearchQuery,
) -> ServiceResult<std::collections::HashMap<i64, f64>> {
    let backend = db.backend();
    let table = index.table();
    let statement = match backend {
        DbBackend::Sqlite => Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT rowid AS id, -bm25({table}, 4.0, 1.0) AS score FROM {table} WHERE {table} MATCH ?"
            ),
            [query.fts5().into()],
        ),
        _ => Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT id, CAST(ts_rank(tokens, CAST($1 AS tsquery)) AS DOUBLE PRECISION) AS score \
                 FROM {table} WHERE tokens @@ CAST($1 AS tsquery)"
            ),
            [query.tsquery().into()],
        ),
    };
    let rows = db
        .conn()
        .query_all_raw(statement)
        .await
        .during("scoring keyword matches")?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get::<i64>("", "id").during("reading a score")?,
                row.try_get::<f64>("", "score").during("reading a score")?,
            ))
        })
        .collect()
}
