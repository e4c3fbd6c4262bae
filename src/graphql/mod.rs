//! The GraphQL API: schema building, types, loaders. Free of actix types, so the schema
//! runs in tests without a server.

pub mod access;
pub mod connection;
pub mod cost;
pub mod enums;
pub mod error;
pub mod ids;
pub mod limits;
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
pub use limits::Limits;
pub use loaders::Loaders;
/// The query root: the core records plus the workflow, deadlines and calendar.
#[derive(MergedObject, Default)]
pub struct QueryRoot(query::CoreQuery, workflow_api::WorkflowQuery);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct MutationRoot(mutation::CoreMutation, workflow_api::WorkflowMutation);

use crate::db::Db;
use crate::domain::time::Clock;

pub type BanliSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// What every resolver can reach: the database and the clock.
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
}

pub(crate) fn state<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a AppState> {
    ctx.data::<AppState>()
}

/// Builds the schema once; requests then share it.
pub fn build_schema(db: Db, clock: Arc<dyn Clock>, limits: Limits) -> BanliSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .data(AppState { db, clock })
    // Depth and complexity are checked by the extension, which answers with codes and
    // numbers; it also caps aliases and root fields before validation runs.
    .extension(limits::Enforce::new(limits, true))
    // Bounds the recursion of nested selections, input values and fragments while parsing.
    .limit_recursive_depth(limits::RECURSIVE_DEPTH)
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

/// Attaches what belongs to one request: its id and a fresh DataLoader cache.
pub fn prepare(
    request: async_graphql::Request,
    db: &Db,
    request_id: String,
) -> async_graphql::Request {
    request
        .data(RequestId(request_id))
        .data(DataLoader::new(Loaders::new(db.clone()), tokio::spawn))
}
