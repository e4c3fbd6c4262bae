//! A page's relations loaded up front, as its selection asks for them.
//!
//! The DataLoader batches the keys of one level when their resolvers register them within
//! its window (1 ms). Alone, a request's rows register theirs together; under load its
//! task can be suspended between rows, and a batch splits (the bench measured 5.3–5.6
//! statements per 50-row page under 50 connections against 4 alone). A list resolver
//! knows every row of its page, so it loads the relations the request selects, one
//! statement per relation and level, before it returns; the rows' own resolvers then
//! answer from the request's cache, and the statements per page are the same under load
//! as alone. Keys with no rows are fed as empty lists, since the DataLoader keeps only
//! what a load found.

use futures_util::future::try_join3;

use super::*;

/// Whether the request selects `path` in each node of the connection being resolved
/// (under `nodes` or `edges { node }`).
fn selected(ctx: &async_graphql::Context<'_>, path: &[&str]) -> bool {
    let look = ctx.look_ahead();
    let (mut nodes, mut edges) = (look.field("nodes"), look.field("edges").field("node"));
    for name in path {
        nodes = nodes.field(name);
        edges = edges.field(name);
    }
    nodes.exists() || edges.exists()
}

/// Loads `keys` into the cache; keys without rows get an empty list.
async fn lists<K, V>(loader: &RequestLoader, keys: Vec<K>) -> Result<HashMap<K, Vec<V>>, LoadError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
    Loaders: Loader<K, Value = Vec<V>, Error = LoadError>,
{
    let found = loader.load_many(keys.iter().cloned()).await?;
    let empty: Vec<(K, Vec<V>)> = keys
        .into_iter()
        .filter(|k| !found.contains_key(k))
        .map(|k| (k, Vec::new()))
        .collect();
    if !empty.is_empty() {
        loader.feed_many(empty).await;
    }
    Ok(found)
}

/// The relations of a page of suggestions that the request selects: lead deputies, the
/// assignments with their units and replies, the suggestions' replies.
pub(crate) async fn suggestions(
    ctx: &async_graphql::Context<'_>,
    rows: &[&suggestion::Model],
) -> async_graphql::Result<()> {
    if rows.len() < 2 {
        return Ok(());
    }
    let loader = helpers::loader(ctx)?;
    let deputies = async {
        if selected(ctx, &["leadDeputy"]) {
            loader
                .load_many(rows.iter().map(|r| DeputyKey(r.lead_deputy_id)))
                .await?;
        }
        Ok(())
    };
    let assignments = async {
        if !selected(ctx, &["assignments"]) {
            return Ok(());
        }
        let found = lists(loader, rows.iter().map(|r| AssignmentsOf(r.id)).collect()).await?;
        let (mut units, mut replies) = (Vec::new(), Vec::new());
        for (assignment, unit) in found.values().flatten() {
            units.push((UnitKey(unit.id), unit.clone()));
            replies.push(RepliesOfAssignment(assignment.id));
        }
        loader.feed_many(units).await;
        if selected(ctx, &["assignments", "replies"]) && !replies.is_empty() {
            lists(loader, replies).await?;
        }
        Ok(())
    };
    let replies = async {
        if selected(ctx, &["replies"]) {
            lists(
                loader,
                rows.iter().map(|r| RepliesOfSuggestion(r.id)).collect(),
            )
            .await?;
        }
        Ok(())
    };
    try_join3(deputies, assignments, replies)
        .await
        .map(|_| ())
        .map_err(|e: LoadError| crate::graphql::error::internal(ctx, &e))
}
