//! The full-text search index in the database (tokens from `domain::search`): writing a
//! row's document inside the caller's transaction, the conditions that filter lists by a
//! keyword, and rebuilding everything when the tokenizer changes.
//!
//! Three indexes (see the migration `m20261125_000001_create_search_index`):
//! [`Index::Suggestion`] (title and number; content), [`Index::Reply`] (a reply's body) and
//! [`Index::Public`] (title and number; the text as published). Every service that writes
//! one of those texts calls the matching `index_*` function in its own transaction, so
//! the index never disagrees with the rows it describes.

mod rebuild;
mod similar;
mod vocabulary;
pub use rebuild::*;
pub use similar::*;
pub use vocabulary::*;

use chrono::Utc;
use entity::{assignment, reply, suggestion};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait, Statement, Value,
};

use super::{DbContext, ServiceResult};
use crate::db::Db;
use crate::domain::search::{Document, SearchQuery, Weight, TOKENIZER_VERSION};

/// One of the search indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// Suggestions: title and number; content.
    Suggestion,
    /// Replies (every reply, published or not): the body.
    Reply,
    /// Published replies: the suggestion's title and number; the published texts.
    Public,
}

impl Index {
    const ALL: [Index; 3] = [Index::Suggestion, Index::Reply, Index::Public];

    fn table(self) -> &'static str {
        match self {
            Self::Suggestion => "suggestion_search",
            Self::Reply => "reply_search",
            Self::Public => "public_search",
        }
    }

    /// The FTS5 columns of the SQLite table, one per document field.
    fn columns(self) -> &'static str {
        match self {
            Self::Suggestion => "title, content",
            Self::Reply => "body",
            Self::Public => "title, body",
        }
    }

    fn field_count(self) -> usize {
        match self {
            Self::Reply => 1,
            Self::Suggestion | Self::Public => 2,
        }
    }
}

/// The document of a suggestion.
fn suggestion_document(title: &str, number: &str, content: &str) -> Document {
    Document::new()
        .field(Weight::High, [title, number])
        .field(Weight::Normal, [content])
}

/// The document of a reply's body.
fn reply_document(body: &str) -> Document {
    Document::new().field(Weight::Normal, [body])
}

/// The public document of a published reply.
fn public_document(
    title: &str,
    number: &str,
    public_text: Option<&str>,
    public_suggestion_text: Option<&str>,
) -> Document {
    Document::new().field(Weight::High, [title, number]).field(
        Weight::Normal,
        public_text.into_iter().chain(public_suggestion_text),
    )
}

/// Writes documents (replacing earlier ones of the same ids) in one statement per
/// database round (SQLite: a DELETE and an INSERT).
async fn put<C: ConnectionTrait>(
    conn: &C,
    index: Index,
    docs: &[(i64, Document)],
) -> ServiceResult<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let table = index.table();
    let backend = conn.get_database_backend();
    let ids: Vec<Value> = docs.iter().map(|(id, _)| (*id).into()).collect();
    let id_marks = vec!["?"; docs.len()].join(", ");
    let (sql, values) = match backend {
        DbBackend::Sqlite => {
            let delete = format!("DELETE FROM {table} WHERE rowid IN ({id_marks})");
            conn.execute_raw(Statement::from_sql_and_values(backend, delete, ids))
                .await
                .during("removing search documents")?;
            let row = format!("(?{})", ", ?".repeat(index.field_count()));
            let mut values = Vec::new();
            for (id, doc) in docs {
                values.push((*id).into());
                values.extend(doc.fts5_columns().into_iter().map(Value::from));
            }
            let sql = format!(
                "INSERT INTO {table} (rowid, {}) VALUES {}",
                index.columns(),
                vec![row; docs.len()].join(", ")
            );
            (sql, values)
        }
        _ => {
            let mut values = Vec::new();
            let mut rows = Vec::new();
            for (i, (id, doc)) in docs.iter().enumerate() {
                rows.push(format!(
                    "(${}, CAST(${} AS tsvector))",
                    2 * i + 1,
                    2 * i + 2
                ));
                values.push((*id).into());
                values.push(doc.tsvector().into());
            }
            let sql = format!(
                "INSERT INTO {table} (id, tokens) VALUES {} \
                 ON CONFLICT (id) DO UPDATE SET tokens = EXCLUDED.tokens",
                rows.join(", ")
            );
            (sql, values)
        }
    };
    conn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .during("writing search documents")?;
    Ok(())
}

/// Indexes a suggestion's title, number and content (after it is registered).
pub async fn index_suggestion<C: ConnectionTrait>(
    conn: &C,
    s: &suggestion::Model,
) -> ServiceResult<()> {
    put(
        conn,
        Index::Suggestion,
        &[(s.id, suggestion_document(&s.title, &s.number, &s.content))],
    )
    .await
}

/// Indexes an edited suggestion again, with the public documents of its published
/// replies, which carry its title and number.
pub async fn reindex_suggestion<C: ConnectionTrait>(
    conn: &C,
    s: &suggestion::Model,
) -> ServiceResult<()> {
    index_suggestion(conn, s).await?;
    let published: Vec<reply::Model> = reply::Entity::find()
        .join(JoinType::InnerJoin, reply::Relation::Assignment.def())
        .filter(assignment::Column::SuggestionId.eq(s.id))
        .filter(reply::Column::PublishedAt.is_not_null())
        .all(conn)
        .await
        .during("loading the published replies of a suggestion")?;
    let docs: Vec<(i64, Document)> = published
        .iter()
        .map(|r| {
            let doc = public_document(
                &s.title,
                &s.number,
                r.public_text.as_deref(),
                r.public_suggestion_text.as_deref(),
            );
            (r.id, doc)
        })
        .collect();
    put(conn, Index::Public, &docs).await
}

/// Indexes a reply's body (after it is submitted).
pub async fn index_reply<C: ConnectionTrait>(conn: &C, r: &reply::Model) -> ServiceResult<()> {
    put(conn, Index::Reply, &[(r.id, reply_document(&r.body))]).await
}

/// Indexes a published reply's public text with its suggestion's title and number.
pub async fn index_published<C: ConnectionTrait>(
    conn: &C,
    r: &reply::Model,
    s: &suggestion::Model,
) -> ServiceResult<()> {
    let doc = public_document(
        &s.title,
        &s.number,
        r.public_text.as_deref(),
        r.public_suggestion_text.as_deref(),
    );
    put(conn, Index::Public, &[(r.id, doc)]).await
}

/// Removes published replies from the public index (their publication was withdrawn), so
/// none of their words is found any more.
pub async fn unindex_published<C: ConnectionTrait>(
    conn: &C,
    reply_ids: &[i64],
) -> ServiceResult<()> {
    if reply_ids.is_empty() {
        return Ok(());
    }
    let backend = conn.get_database_backend();
    let table = Index::Public.table();
    let marks = match backend {
        DbBackend::Sqlite => vec!["?".to_owned(); reply_ids.len()],
        _ => (1..=reply_ids.len()).map(|i| format!("${i}")).collect(),
    };
    let key = match backend {
        DbBackend::Sqlite => "rowid",
        _ => "id",
    };
    let sql = format!("DELETE FROM {table} WHERE {key} IN ({})", marks.join(", "));
    let ids: Vec<Value> = reply_ids.iter().map(|id| (*id).into()).collect();
    conn.execute_raw(Statement::from_sql_and_values(backend, sql, ids))
        .await
        .during("removing public search documents")?;
    Ok(())
}

/// `id_column IN (the ids whose document in `index` matches `query`)`; `id_column` is the
/// quoted, qualified column, e.g. `"suggestion"."id"`.
pub fn matching(
    backend: DbBackend,
    index: Index,
    id_column: &str,
    query: &SearchQuery,
) -> SimpleExpr {
    let table = index.table();
    full_text(
        backend,
        query,
        format!("{id_column} IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"),
        format!("{id_column} IN (SELECT id FROM {table} WHERE tokens @@ CAST($1 AS tsquery))"),
    )
}

/// `SELECT` the ids whose document in `index` matches `query` (every match), e.g. as one
/// arm of a `UNION` of the ids a filter admits.
pub fn matching_ids(backend: DbBackend, index: Index, query: &SearchQuery) -> SelectStatement {
    let table = index.table();
    let (id, condition) = match backend {
        DbBackend::Sqlite => ("rowid", format!("{table} MATCH ?")),
        _ => ("id", "tokens @@ CAST($1 AS tsquery)".to_owned()),
    };
    Query::select()
        .expr(Expr::cust(id))
        .from(Alias::new(table))
        .and_where(full_text(backend, query, condition.clone(), condition))
        .to_owned()
}

/// A condition that hands `query` to the database's own full-text match: `sqlite` with its
/// `?` bound to the FTS5 expression, `postgres` with its `$1` bound to the `tsquery` literal.
fn full_text(
    backend: DbBackend,
    query: &SearchQuery,
    sqlite: String,
    postgres: String,
) -> SimpleExpr {
    match backend {
        DbBackend::Sqlite => Expr::cust_with_values(sqlite, [query.fts5()]),
        _ => Expr::cust_with_values(postgres, [query.tsquery()]),
    }
}

/// How many matching ids a keyword may have to count as *rare*: see [`KeywordPlan`].
pub const RARE_MATCHES: u64 = 1_000;

/// How a list narrows by a keyword, chosen per keyword because no planner can tell a rare
/// word from a common one inside a full-text match (measured in BENCHMARKS.md):
/// a rare word is best read from the index and sorted (a few hundred rows), a common one
/// by walking the list's own order and checking each row, which stops after a page.
#[derive(Debug, Clone)]
pub enum KeywordPlan {
    /// The keyword has at most [`RARE_MATCHES`] documents: these ids, in no order.
    Ids(Vec<i64>),
    /// More: check each row of the list against the index as the list is read.
    Probe(SearchQuery),
}

impl KeywordPlan {
    /// Looks the keyword up once (one statement, reading at most `RARE_MATCHES + 1` ids).
    pub async fn for_query<C: ConnectionTrait>(
        conn: &C,
        index: Index,
        query: SearchQuery,
    ) -> ServiceResult<Self> {
        #[derive(FromQueryResult)]
        struct Id {
            id: i64,
        }
        let backend = conn.get_database_backend();
        let table = index.table();
        let limit = RARE_MATCHES + 1;
        let statement = match backend {
            DbBackend::Sqlite => Statement::from_sql_and_values(
                backend,
                format!("SELECT rowid AS id FROM {table} WHERE {table} MATCH ? LIMIT {limit}"),
                [query.fts5().into()],
            ),
            _ => Statement::from_sql_and_values(
                backend,
                format!("SELECT id FROM {table} WHERE tokens @@ CAST($1 AS tsquery) LIMIT {limit}"),
                [query.tsquery().into()],
            ),
        };
        let ids = Id::find_by_statement(statement)
            .all(conn)
            .await
            .during("looking up a keyword")?;
        Ok(if ids.len() as u64 <= RARE_MATCHES {
            Self::Ids(ids.into_iter().map(|i| i.id).collect())
        } else {
            Self::Probe(query)
        })
    }

    /// True for a keyword with few enough documents to list by id.
    pub fn is_rare(&self) -> bool {
        matches!(self, Self::Ids(_))
    }

    /// The condition on `id_column` (quoted and qualified, e.g. `"reply"."id"`).
    pub fn condition(&self, backend: DbBackend, index: Index, id_column: &str) -> SimpleExpr {
        match self {
            Self::Ids(ids) if ids.is_empty() => Expr::cust("1 = 0"),
            Self::Ids(ids) => Expr::cust(format!(
                "{id_column} IN ({})",
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Self::Probe(query) => probing(backend, index, id_column, query),
        }
    }
}

/// The row-by-row check for a common keyword. SQLite: the matching ids are read once into
/// a temporary list, and the unary `+` keeps the planner from driving the query by that
/// list (which would sort every match): it walks the list's own index in order and stops
/// after a page (measured: 14–160 ms for a word in 6% to 100% of 360,000 texts, instead of
/// 0.5–1.8 s). PostgreSQL plans the same walk for a common word from its statistics.
fn probing(backend: DbBackend, index: Index, id_column: &str, query: &SearchQuery) -> SimpleExpr {
    let table = index.table();
    full_text(
        backend,
        query,
        format!("+{id_column} IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"),
        format!("{id_column} IN (SELECT id FROM {table} WHERE tokens @@ CAST($1 AS tsquery))"),
    )
}

/// A correlated subquery meant to be checked once per row of the list (an EXISTS under
/// OR, e.g. "the suggestion's own words or a reply's"), kept that way on PostgreSQL.
///
/// PostgreSQL rewrites such an EXISTS into `hashed SubPlan`: it reads every match first
/// (all 71,899 replies for a word in every reply at 100k, 357 ms), while the list stops
/// after a page when each row is checked (0.5 ms, `EXPLAIN ANALYZE` in BENCHMARKS.md).
/// An `OFFSET 0` makes the subquery one it does not rewrite. SQLite plans it per row
/// anyway, and is left alone.
pub fn per_row(backend: DbBackend, mut subquery: SelectStatement) -> SelectStatement {
    if backend == DbBackend::Postgres {
        subquery.offset(0);
    }
    subquery
}

/// Whether the one document `id_column` names matches: a probe by primary key (FTS5 seeks
/// each token's list to that rowid; PostgreSQL checks one row's `tsvector`), for checking
/// rows one at a time as a list reads them.
pub fn row_matches(
    backend: DbBackend,
    index: Index,
    id_column: &str,
    query: &SearchQuery,
) -> SimpleExpr {
    let table = index.table();
    full_text(
        backend,
        query,
        format!("EXISTS (SELECT 1 FROM {table} WHERE {table} MATCH ? AND rowid = {id_column})"),
        // `OFFSET 0` keeps PostgreSQL from turning the EXISTS into a hashed list of every
        // match (it does so for an EXISTS under OR): as [`per_row`] does.
        format!(
            "EXISTS (SELECT 1 FROM {table} WHERE id = {id_column} AND tokens @@ CAST($1 AS tsquery) OFFSET 0)"
        ),
    )
}
