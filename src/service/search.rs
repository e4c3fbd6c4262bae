//! The full-text search index in the database (tokens from `domain::search`): writing a
//! row's document inside the caller's transaction, the conditions that filter lists by a
//! keyword, and rebuilding everything when the tokenizer changes.
//!
//! Three indexes (see the migration `m20261125_000001_create_search_index`):
//! [`Index::Suggestion`] (title and number; content), [`Index::Reply`] (a reply's body) and
//! [`Index::Public`] (title and number; the text as published). Every service that writes
//! one of those texts calls the matching `index_*` function in its own transaction, so
//! the index never disagrees with the rows it describes.

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

/// Rows read to rebuild the index, a batch at a time.
const REBUILD_BATCH: u64 = 500;

#[derive(FromQueryResult)]
struct Version {
    tokenizer_version: i32,
}

async fn stored_version<C: ConnectionTrait>(conn: &C) -> ServiceResult<Option<i32>> {
    let read = Statement::from_string(
        conn.get_database_backend(),
        "SELECT tokenizer_version FROM search_index WHERE name = 'all'",
    );
    let found = Version::find_by_statement(read)
        .one(conn)
        .await
        .during("reading the search index version")?;
    Ok(found.map(|v| v.tokenizer_version))
}

/// Brings the index to this build's tokenizer: when the stored version differs (or the
/// index was never built), every document is written again, in one transaction.
/// Returns whether it rebuilt.
pub async fn ensure_current(db: &Db) -> ServiceResult<bool> {
    if stored_version(db.conn()).await? == Some(TOKENIZER_VERSION) {
        return Ok(false);
    }
    rebuild_unless_current(db, true).await
}

/// Writes every document again (after rows were written around the services, as the
/// data generator does).
pub async fn rebuild(db: &Db) -> ServiceResult<()> {
    rebuild_unless_current(db, false).await.map(|_| ())
}

async fn rebuild_unless_current(db: &Db, unless_current: bool) -> ServiceResult<bool> {
    let backend = db.backend();
    let txn = db.begin_write().await.during("beginning a transaction")?;
    if backend == DbBackend::Postgres {
        // Two instances starting at once: the second waits, then finds the index built.
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(1, 6)")
            .await
            .during("locking the search index")?;
    }
    if unless_current && stored_version(&*txn).await? == Some(TOKENIZER_VERSION) {
        return Ok(false);
    }
    let started = std::time::Instant::now();
    for index in Index::ALL {
        let table = index.table();
        let empty = match backend {
            DbBackend::Sqlite => format!("INSERT INTO {table} ({table}) VALUES ('delete-all')"),
            _ => format!("DELETE FROM {table}"),
        };
        txn.execute_unprepared(&empty)
            .await
            .during("emptying the search index")?;
    }
    let suggestions = rebuild_suggestions(&*txn).await?;
    let replies = rebuild_replies(&*txn).await?;
    let record = match backend {
        DbBackend::Sqlite => {
            "INSERT INTO search_index (name, tokenizer_version, built_at) \
            VALUES ('all', ?, ?) ON CONFLICT (name) DO UPDATE SET \
            tokenizer_version = excluded.tokenizer_version, built_at = excluded.built_at"
        }
        _ => {
            "INSERT INTO search_index (name, tokenizer_version, built_at) \
            VALUES ('all', $1, $2) ON CONFLICT (name) DO UPDATE SET \
            tokenizer_version = excluded.tokenizer_version, built_at = excluded.built_at"
        }
    };
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        record,
        [TOKENIZER_VERSION.into(), Utc::now().into()],
    ))
    .await
    .during("recording the search index version")?;
    txn.commit().await.during("committing the search index")?;
    tracing::info!(
        suggestions,
        replies,
        tokenizer_version = TOKENIZER_VERSION,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index built"
    );
    Ok(true)
}

async fn rebuild_suggestions<C: ConnectionTrait>(conn: &C) -> ServiceResult<u64> {
    let mut after = 0_i64;
    let mut count = 0;
    loop {
        let batch: Vec<(i64, String, String, String)> = suggestion::Entity::find()
            .select_only()
            .columns([
                suggestion::Column::Id,
                suggestion::Column::Title,
                suggestion::Column::Number,
                suggestion::Column::Content,
            ])
            .filter(suggestion::Column::Id.gt(after))
            .order_by_asc(suggestion::Column::Id)
            .limit(REBUILD_BATCH)
            .into_tuple()
            .all(conn)
            .await
            .during("reading suggestions to index")?;
        let Some(last) = batch.last() else {
            return Ok(count);
        };
        after = last.0;
        count += batch.len() as u64;
        let docs: Vec<(i64, Document)> = batch
            .iter()
            .map(|(id, title, number, content)| (*id, suggestion_document(title, number, content)))
            .collect();
        put(conn, Index::Suggestion, &docs).await?;
    }
}

async fn rebuild_replies<C: ConnectionTrait>(conn: &C) -> ServiceResult<u64> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        body: String,
        published: bool,
        public_text: Option<String>,
        public_suggestion_text: Option<String>,
        title: String,
        number: String,
    }
    let mut after = 0_i64;
    let mut count = 0;
    loop {
        let batch: Vec<Row> = reply::Entity::find()
            .select_only()
            .columns([
                reply::Column::Id,
                reply::Column::Body,
                reply::Column::PublicText,
                reply::Column::PublicSuggestionText,
            ])
            .column_as(reply::Column::PublishedAt.is_not_null(), "published")
            .column(suggestion::Column::Title)
            .column(suggestion::Column::Number)
            .join(JoinType::InnerJoin, reply::Relation::Assignment.def())
            .join(JoinType::InnerJoin, assignment::Relation::Suggestion.def())
            .filter(reply::Column::Id.gt(after))
            .order_by_asc(reply::Column::Id)
            .limit(REBUILD_BATCH)
            .into_model()
            .all(conn)
            .await
            .during("reading replies to index")?;
        let Some(last) = batch.last() else {
            return Ok(count);
        };
        after = last.id;
        count += batch.len() as u64;
        let bodies: Vec<(i64, Document)> = batch
            .iter()
            .map(|r| (r.id, reply_document(&r.body)))
            .collect();
        put(conn, Index::Reply, &bodies).await?;
        let public: Vec<(i64, Document)> = batch
            .iter()
            .filter(|r| r.published)
            .map(|r| {
                let doc = public_document(
                    &r.title,
                    &r.number,
                    r.public_text.as_deref(),
                    r.public_suggestion_text.as_deref(),
                );
                (r.id, doc)
            })
            .collect();
        put(conn, Index::Public, &public).await?;
    }
}

/// A suggestion like a given text, with its relevance (higher is closer).
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    pub suggestion_id: i64,
    pub score: f64,
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
        .cond_where(super::scope::suggestions(scope))
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
