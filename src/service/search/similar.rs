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
    matches
}

/// The suggestions most like `query` (并案 candidates), best first: SQLite ranks by BM25
/// with the title counting four times the content, PostgreSQL by `ts_rank` (title tokens
/// carry weight A). Only suggestions `scope` sees, of `session_id` when given, never
/// `exclude` (the suggestion being edited).
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
    let matches = scored_matches(backend, query);
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
        .cond_where(crate::service::scope::suggestions(scope))
        .order_by((m, Alias::new("score")), Order::Desc)
        .order_by((suggestion::Entity, suggestion::Column::Id), Order::Desc)
        .limit(limit);
    if let Some(session_id) = session_id {
        select.and_where(suggestion::Column::SessionId.eq(session_id));
    }
    if let Some(exclude) = exclude {
        select.and_where(suggestion::Column::Id.ne(exclude));
    }
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
