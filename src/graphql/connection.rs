//! Relay cursor connections over service pages, with a lazily computed `totalCount`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, OutputType, Result};

use super::error::for_query;
use crate::service::page::Page;
use crate::service::ServiceResult;

type CountFuture = Pin<Box<dyn Future<Output = ServiceResult<u64>> + Send>>;

/// `totalCount` of a connection: the number of rows matching the filters, counted only
/// when a client asks for it.
pub struct TotalCount(Arc<dyn Fn() -> CountFuture + Send + Sync>);

impl TotalCount {
    pub fn new<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServiceResult<u64>> + Send + 'static,
    {
        Self(Arc::new(move || Box::pin(count())))
    }
}

#[Object]
impl TotalCount {
    /// Number of objects matching the filters, over all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let n = (self.0)().await.map_err(|e| for_query(ctx, e))?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

pub type Conn<N> = Connection<String, N, TotalCount, EmptyFields>;

/// Turns a page of rows into a connection of GraphQL nodes.
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    total: TotalCount,
    node: impl Fn(M) -> N,
) -> Conn<N> {
    let mut conn =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    conn.edges.extend(
        page.rows
            .into_iter()
            .map(|(cursor, row)| Edge::new(cursor, node(row))),
    );
    conn
}
