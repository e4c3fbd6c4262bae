//! What the HTTP layer (or a test) attaches to one GraphQL request, and the unit of work of
//! the mutation field being resolved: the request's own context, below every other module
//! of the GraphQL layer.

use std::sync::{Arc, Mutex};

use async_graphql::Context;

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

/// The unit of work of the root mutation field being executed, for its resolver to bind
/// (mutation fields run one after another, so one slot per request holds it).
#[derive(Default)]
pub(crate) struct CurrentWork(Mutex<Option<Arc<Work>>>);

impl CurrentWork {
    pub(crate) fn set(&self, work: Option<Arc<Work>>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = work;
    }
}

/// The unit of work of the mutation being resolved; `None` outside mutations.
pub(crate) fn current_work(ctx: &Context<'_>) -> Option<Arc<Work>> {
    ctx.data_opt::<CurrentWork>()?
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}
