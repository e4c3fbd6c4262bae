//! The census of the suggestion index (see the migration `create_search_vocabulary`): how
//! many documents hold each frequent token, so `similarSuggestions` can leave out the
//! tokens found nearly everywhere. Taken after every rebuild of the index and once a day
//! by the housekeeping; between two censuses the counts drift a little, which only moves a
//! token across the line of [`crate::domain::search::COMMON_TOKEN_ONE_IN`] a little late.

use super::*;
use crate::domain::search::Vocabulary;
use sea_orm::PaginatorTrait as _;

/// The census counts the tokens in at least one document in this many.
pub const CENSUS_ONE_IN: i64 = 100;

/// How often a running server takes the census again (see [`refresh_census`]).
pub const CENSUS_PERIOD: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// A census: the documents of the index and its frequent tokens with their counts.
#[derive(Debug, Clone, Default)]
pub struct Census {
    pub documents: i64,
    pub frequent: Vec<(String, i64)>,
}

/// Counts the frequent tokens of the suggestion index (a read: SQLite's `fts5vocab` reads
/// the index's token lists, PostgreSQL's `ts_stat` every document; seconds at a million).
pub async fn count_tokens<C: ConnectionTrait>(conn: &C) -> ServiceResult<Census> {
    let backend = conn.get_database_backend();
    let documents: i64 = suggestion::Entity::find()
        .count(conn)
        .await
        .during("counting the indexed suggestions")?
        .try_into()
        .unwrap_or(i64::MAX);
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT term AS token, doc AS documents FROM suggestion_search_terms \
             WHERE doc * ? >= ?"
        }
        _ => {
            "SELECT word AS token, CAST(ndoc AS BIGINT) AS documents \
             FROM ts_stat('SELECT tokens FROM suggestion_search') WHERE ndoc * $1 >= $2"
        }
    };
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [CENSUS_ONE_IN.into(), documents.into()],
        ))
        .await
        .during("counting the frequent search tokens")?;
    let frequent = rows
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<String>("", "token")
                    .during("reading a token")?,
                row.try_get::<i64>("", "documents")
                    .during("reading a token")?,
            ))
        })
        .collect::<ServiceResult<_>>()?;
    Ok(Census {
        documents,
        frequent,
    })
}

/// Replaces the stored census with `census` (inside the caller's transaction).
pub async fn store_census<C: ConnectionTrait>(conn: &C, census: &Census) -> ServiceResult<()> {
    let backend = conn.get_database_backend();
    let mark = |i: usize| match backend {
        DbBackend::Sqlite => "?".to_owned(),
        _ => format!("${i}"),
    };
    conn.execute_unprepared("DELETE FROM search_vocabulary WHERE index_name = 'suggestion'")
        .await
        .during("clearing the search census")?;
    for part in census.frequent.chunks(500) {
        let rows: Vec<String> = (0..part.len())
            .map(|i| format!("('suggestion', {}, {})", mark(2 * i + 1), mark(2 * i + 2)))
            .collect();
        let values: Vec<Value> = part
            .iter()
            .flat_map(|(token, n)| [Value::from(token.as_str()), Value::from(*n)])
            .collect();
        let sql = format!(
            "INSERT INTO search_vocabulary (index_name, token, documents) VALUES {}",
            rows.join(", ")
        );
        conn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .during("storing the search census")?;
    }
    let sql = format!(
        "INSERT INTO search_census (index_name, documents, counted_at) \
         VALUES ('suggestion', {}, {}) ON CONFLICT (index_name) DO UPDATE SET \
         documents = excluded.documents, counted_at = excluded.counted_at",
        mark(1),
        mark(2)
    );
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [census.documents.into(), Utc::now().into()],
    ))
    .await
    .during("recording the search census")?;
    Ok(())
}

/// Counts and stores the census in one transaction (after a rebuild of the index, which
/// holds the write transaction anyway); the number of frequent tokens.
pub async fn take_census<C: ConnectionTrait>(conn: &C) -> ServiceResult<u64> {
    let census = count_tokens(conn).await?;
    store_census(conn, &census).await?;
    Ok(census.frequent.len() as u64)
}

/// The daily census of a running server: counted outside any write transaction (writers
/// do not wait for the count), then stored in a short one.
pub async fn refresh_census(db: &Db) -> ServiceResult<u64> {
    let census = count_tokens(db.conn()).await?;
    let txn = db
        .begin_write()
        .await
        .during("beginning the census transaction")?;
    store_census(&*txn, &census).await?;
    txn.commit().await.during("committing the search census")?;
    Ok(census.frequent.len() as u64)
}

/// What the last census says about `tokens` (one statement; nothing before the first census).
pub async fn vocabulary<C: ConnectionTrait>(
    conn: &C,
    tokens: &[String],
) -> ServiceResult<Vocabulary> {
    let backend = conn.get_database_backend();
    let values: Vec<Value> = tokens.iter().map(|t| Value::from(t.as_str())).collect();
    let marks: Vec<String> = match backend {
        DbBackend::Sqlite => vec!["?".to_owned(); tokens.len()],
        _ => (1..=tokens.len()).map(|i| format!("${i}")).collect(),
    };
    // The census's own row (token NULL) carries the number of documents.
    let sql = format!(
        "SELECT NULL AS token, documents FROM search_census WHERE index_name = 'suggestion' \
         UNION ALL SELECT token, documents FROM search_vocabulary \
         WHERE index_name = 'suggestion' AND token IN ({})",
        if marks.is_empty() {
            "NULL".to_owned()
        } else {
            marks.join(", ")
        }
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .during("reading the search census")?;
    let mut vocabulary = Vocabulary::default();
    for row in rows {
        let token: Option<String> = row.try_get("", "token").during("reading the census")?;
        let documents: i64 = row.try_get("", "documents").during("reading the census")?;
        let documents = u64::try_from(documents).unwrap_or(0);
        match token {
            None => vocabulary.documents = documents,
            Some(token) => {
                vocabulary.frequent.insert(token, documents);
            }
        }
    }
    Ok(vocabulary)
}
