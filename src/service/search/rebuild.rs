//! Rebuilding the search index from the records, in batches, when a new build tokenizes differently (its version is stored with the index) or the index is empty.

use super::*;

/// Rows read to rebuild the index, a batch at a time.
const REBUILD_BATCH: u64 = 500;

#[derive(FromQueryResult)]
struct Version {
    tokenizer_version: i32,
}

pub(super) async fn stored_version<C: ConnectionTrait>(conn: &C) -> ServiceResult<Option<i32>> {
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

pub(super) async fn rebuild_unless_current(db: &Db, unless_current: bool) -> ServiceResult<bool> {
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
    let frequent_tokens = take_census(&*txn).await?;
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
        frequent_tokens,
        tokenizer_version = TOKENIZER_VERSION,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index built"
    );
    Ok(true)
}

pub(super) async fn rebuild_suggestions<C: ConnectionTrait>(conn: &C) -> ServiceResult<u64> {
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

pub(super) async fn rebuild_replies<C: ConnectionTrait>(conn: &C) -> ServiceResult<u64> {
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
