//! The GraphQL API: schema building, types, loaders. Free of actix types, so the schema
//! runs in tests without a server.

pub mod access;
pub mod account;
pub mod audit;
pub mod connection;
pub mod enums;
pub mod error;
pub mod ids;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod scalars;
pub mod types;
pub mod workflow;
pub mod workflow_api;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, MergedObject, Schema};

pub use error::RequestId;
pub use loaders::Loaders;
/// The query root: the core records plus the workflow, deadlines and calendar, and the
/// audit log.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    query::CoreQuery,
    workflow_api::WorkflowQuery,
    account::AccountQuery,
    audit::AuditQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    mutation::CoreMutation,
    workflow_api::WorkflowMutation,
    account::AccountMutation,
);

use crate::db::Db;
use crate::domain::access::Caller;
use crate::domain::time::Clock;
use crate::service::account::AuthPolicy;

pub type BanliSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// What every resolver can reach: the database, the clock and the sign-in policy.
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub auth: AuthPolicy,
}

pub(crate) fn state<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a AppState> {
    ctx.data::<AppState>()
}

/// Limits every query must stay within (OWASP's GraphQL cheat sheet): a client cannot make
/// the server walk an arbitrarily deep or wide selection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub complexity: usize,
}

impl Limits {
    pub fn from_settings(settings: &crate::config::Settings) -> Self {
        Self {
            depth: settings.max_query_depth,
            complexity: settings.max_query_complexity,
        }
    }
}

/// Builds the schema once; requests then share it.
pub fn build_schema(
    db: Db,
    clock: Arc<dyn Clock>,
    limits: Limits,
    auth: AuthPolicy,
) -> BanliSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .data(AppState { db, clock, auth })
    .limit_depth(limits.depth)
    .limit_complexity(limits.complexity)
    // Bounds the recursion of nested input values and fragments while parsing.
    .limit_recursive_depth(32)
    .finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .finish()
    .sdl()
}

/// Attaches what belongs to one request: its id, its caller and a fresh DataLoader cache.
pub fn prepare(
    request: async_graphql::Request,
    db: &Db,
    request_id: String,
    caller: Caller,
    auth: account::RequestAuth,
) -> async_graphql::Request {
    let scope = caller.scope();
    request
        .data(RequestId(request_id))
        .data(caller)
        .data(auth)
        .data(DataLoader::new(
            Loaders::new(db.clone(), scope),
            tokio::spawn,
        ))
}
