//! What the HTTP layer (or a test) attaches to one GraphQL request, and the unit of work of
//! the mutation field being resolved: the request's own context, below every other module
//! of the GraphQL layer.

use std::sync::Arc;

use crate::service::work::Work;

/// The request id attached to each GraphQL request (and to its log lines).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The client's address and the hash of the bearer token of this request, if any.
#[derive(Debug, Clone, Default)]
pub struct RequestAuth {
    pub client_ip: Option<String>,
    pub token_hash: Option<String>,
}

tokio::task_local! {
    /// The unit of work of the root mutation field being resolved (mutation fields run
    /// one after another, each inside its own scope: `audit_trail`).
    static WORK: Arc<Work>;
}

/// Runs `resolve` (a root mutation field) with `work` as its unit of work.
pub(crate) async fn with_work<F: std::future::Future>(work: Arc<Work>, resolve: F) -> F::Output {
    WORK.scope(work, resolve).await
}

/// The unit of work of the mutation being resolved; `None` outside mutations.
pub(crate) fn current_work() -> Option<Arc<Work>> {
    WORK.try_with(Arc::clone).ok()
}
