//! `similarSuggestions`: likely duplicates (并案 candidates) of a text being registered.

use async_graphql::{Context, Object, Result, ID};

use crate::domain::search::SimilarQuery;
use crate::domain::UserError;
use crate::graphql::access::{self, Allow, CASE_READERS};
use crate::graphql::error::{for_query, internal, user_error};
use crate::graphql::ids::{self, Kind};
use crate::graphql::loaders::RequestLoader;
use crate::graphql::loaders::SuggestionKey;
use crate::graphql::objects::Suggestion;
use crate::graphql::objects::*;
use crate::graphql::state;
use crate::service;

#[derive(Default)]
pub struct SearchQuery;

/// Most candidates one call returns.
pub const MAX_SIMILAR: i32 = 50;

/// Only the start of a pasted text is read: the query keeps a title's worth of tokens.
const TEXT_PREFIX_CHARS: usize = 2_000;

#[Object]
impl SearchQuery {
    /// Suggestions whose title or text share the most (and the rarest) words with `text`,
    /// best first — shown while a suggestion is registered, to spot duplicates to merge
    /// (并案). Titles weigh more than contents; simplified and traditional characters
    /// match each other. Only the suggestions the caller may see, of `sessionId` when
    /// given, never `excludeId` (the one being edited); `first` of them (default 10, at
    /// most 50). Words found in more than one in 20 suggestions (关于, 建议) do not make
    /// a suggestion similar on their own, and without `sessionId`, when more than 2,000
    /// suggestions match, the 2,000 most recently registered of them are ranked.
    #[graphql(guard = "Allow(CASE_READERS)")]
    async fn similar_suggestions(
        &self,
        ctx: &Context<'_>,
        text: String,
        session_id: Option<ID>,
        exclude_id: Option<ID>,
        first: Option<i32>,
    ) -> Result<Vec<SimilarSuggestion>> {
        let first = first.unwrap_or(10);
        if !(0..=MAX_SIMILAR).contains(&first) {
            return Err(user_error(UserError::invalid(
                &["first"],
                format!("数量须在 0 到 {MAX_SIMILAR} 之间 (first must be 0–{MAX_SIMILAR})"),
            )));
        }
        let session_id = session_id
            .map(|id| ids::expect(&id, Kind::Session, &["sessionId"]))
            .transpose()
            .map_err(user_error)?;
        let exclude = exclude_id
            .map(|id| ids::expect(&id, Kind::Suggestion, &["excludeId"]))
            .transpose()
            .map_err(user_error)?;
        let prefix: String = text.chars().take(TEXT_PREFIX_CHARS).collect();
        let Some(query) = SimilarQuery::parse(&prefix) else {
            return Ok(Vec::new());
        };
        if first == 0 {
            return Ok(Vec::new());
        }
        let found = service::search::similar(
            &state(ctx)?.db,
            access::scope(ctx),
            session_id,
            exclude,
            &query,
            u64::try_from(first).unwrap_or(0),
        )
        .await
        .map_err(|e| for_query(ctx, e))?;
        // One batched load for every candidate (no statement per row).
        let loader = ctx.data::<RequestLoader>()?;
        let mut rows = loader
            .load_many(found.iter().map(|f| SuggestionKey(f.suggestion_id)))
            .await
            .map_err(|e| internal(ctx, &e))?;
        let out = found
            .into_iter()
            .filter_map(|f| {
                rows.remove(&SuggestionKey(f.suggestion_id))
                    .map(|model| SimilarSuggestion {
                        suggestion: Suggestion(model),
                        score: f.score,
                    })
            })
            .collect();
        Ok(out)
    }
}
