//! What resolvers call: the request's loader, and one related row that must exist (`must`), may be hidden from the caller (`visible`), or a list of children (`children`).

use super::*;

/// The request's DataLoader.
pub(crate) fn loader<'a>(
    ctx: &'a async_graphql::Context<'_>,
) -> async_graphql::Result<&'a RequestLoader> {
    ctx.data::<RequestLoader>()
}

/// Loads one related row that must exist (a foreign key guarantees it).
pub(crate) async fn must<K>(
    ctx: &async_graphql::Context<'_>,
    key: K,
    what: &'static str,
) -> async_graphql::Result<<Loaders as async_graphql::dataloader::Loader<K>>::Value>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + Copy + std::fmt::Debug + 'static,
    Loaders: async_graphql::dataloader::Loader<K, Error = LoadError>,
{
    match loader(ctx)?.load_one(key).await {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(crate::graphql::error::internal(
            ctx,
            &anyhow::anyhow!("{what} {key:?} is missing"),
        )),
        Err(e) => Err(crate::graphql::error::internal(ctx, &e)),
    }
}

/// Loads one related row that the caller may not be allowed to see: `None` then, the same
/// as a missing row.
pub(crate) async fn visible<K>(
    ctx: &async_graphql::Context<'_>,
    key: K,
) -> async_graphql::Result<Option<<Loaders as async_graphql::dataloader::Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + Copy + std::fmt::Debug + 'static,
    Loaders: async_graphql::dataloader::Loader<K, Error = LoadError>,
{
    loader(ctx)?
        .load_one(key)
        .await
        .map_err(|e| crate::graphql::error::internal(ctx, &e))
}

/// Loads a list of children (empty when there are none).
pub(crate) async fn children<K, V>(
    ctx: &async_graphql::Context<'_>,
    key: K,
) -> async_graphql::Result<Vec<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    V: Send + Sync + Clone + 'static,
    Loaders: async_graphql::dataloader::Loader<K, Value = Vec<V>, Error = LoadError>,
{
    match loader(ctx)?.load_one(key).await {
        Ok(rows) => Ok(rows.unwrap_or_default()),
        Err(e) => Err(crate::graphql::error::internal(ctx, &e)),
    }
}
