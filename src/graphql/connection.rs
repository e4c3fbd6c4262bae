//! Relay cursor connections over service pages, with a lazily computed `totalCount`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, OutputType, Result};

use super::error::for_query;
use crate::domain::sample::Total;
use crate::service::page::Page;
use crate::service::ServiceResult;

type CountFuture = Pin<Box<dyn Future<Output = ServiceResult<Total>> + Send>>;

/// `totalCount` of a connection: the number of rows matching the filters, counted only
/// when a client asks for it, and once for both of its fields.
pub struct TotalCount {
    count: Arc<dyn Fn() -> CountFuture + Send + Sync>,
    counted: tokio::sync::OnceCell<Total>,
}

impl TotalCount {
    /// An exact count.
    pub fn new<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServiceResult<u64>> + Send + 'static,
    {
        Self::total(move || {
            let counting = count();
            async move { counting.await.map(Total::exact) }
        })
    }

    /// A count that may be an estimate (see [`crate::domain::sample`]).
    pub fn total<F, Fut>(count: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ServiceResult<Total>> + Send + 'static,
    {
        Self {
            count: Arc::new(move || Box::pin(count())),
            counted: tokio::sync::OnceCell::new(),
        }
    }

    async fn counted(&self, ctx: &Context<'_>) -> Result<Total> {
        self.counted
            .get_or_try_init(|| (self.count)())
            .await
            .copied()
            .map_err(|e| for_query(ctx, e))
    }
}

#[Object]
impl TotalCount {
    /// Number of objects matching the filters, over all pages (an estimate when
    /// `totalCountIsEstimate` says so).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let total = self.counted(ctx).await?;
        Ok(i64::try_from(total.rows).unwrap_or(i64::MAX))
    }

    /// True when `totalCount` is estimated (约): a keyword found in most texts is not
    /// counted match by match but in a sample of about a thousand of the rows the other
    /// filters select, spread evenly over them (standard error at most 1.6% of those
    /// rows). False for every exact count.
    async fn total_count_is_estimate(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.counted(ctx).await?.estimate)
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
