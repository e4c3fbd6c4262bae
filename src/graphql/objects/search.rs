//! A similar suggestion (并案 candidate) with its score.

use async_graphql::SimpleObject;

use crate::graphql::objects::Suggestion;

/// A suggestion like the given text, with how close it is.
#[derive(SimpleObject)]
pub struct SimilarSuggestion {
    pub suggestion: Suggestion,
    /// Relevance (BM25 on SQLite, `ts_rank` on PostgreSQL): higher is closer; compare
    /// scores within one answer only.
    pub score: f64,
}
