//! The GraphQL API: schema building, types, loaders. Free of actix types, so the schema
//! runs in tests without a server.

pub mod access;
pub mod audit_trail;
pub mod connection;
pub mod cost;
pub mod documents;
pub mod enums;
pub mod error;
pub mod idempotency;
pub mod ids;
pub mod limits;
pub mod loaders;
pub mod objects;
pub mod ops;
pub mod request;
pub mod scalars;
pub mod schemas;

use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, MergedObject, Schema};

pub use limits::Limits;
pub use loaders::Loaders;
pub use ops::attachments::StagedUploads;
pub use request::RequestId;
pub use schemas::{conceals_schema, Runner, Schemas};
/// The query root: the core records plus the workflow, deadlines and calendar, and the
/// audit log.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    ops::records::CoreQuery,
    ops::deadlines::DeadlineQuery,
    ops::calendar::CalendarQuery,
    ops::account::AccountQuery,
    ops::audit::AuditQuery,
    ops::public::PublicQuery,
    ops::feedback::FeedbackQuery,
    ops::statistics::StatisticsQuery,
    ops::search::SearchQuery,
    ops::export::ExportQuery,
    ops::filing::FilingQuery,
    ops::supervision::SupervisionQuery,
    ops::release::ReleaseQuery,
    ops::notifications::NotificationQuery,
    ops::notifications::NotificationSettingsQuery,
    ops::deliveries::DeliveryQuery,
);

/// The mutation root.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    ops::registry::RegistryMutation,
    ops::suggestions::SuggestionMutation,
    ops::replies::ReplyMutation,
    ops::workflow::WorkflowMutation,
    ops::calendar::CalendarMutation,
    ops::account::AccountMutation,
    ops::public::PublicMutation,
    ops::feedback::FeedbackMutation,
    ops::filing::FilingMutation,
    ops::supervision::SupervisionMutation,
    ops::release::ReleaseMutation,
    ops::notifications::NotificationMutation,
    ops::notifications::NotificationSettingsMutation,
    ops::attachments::AttachmentMutation,
);

use crate::config::Environment;
use crate::db::Db;
use crate::domain::access::Caller;
use crate::domain::time::Clock;
use crate::service::account::AuthPolicy;
use crate::service::audit::AuditLog;
use crate::service::captcha::CaptchaPolicy;
use crate::service::feedback::FeedbackPolicy;
use crate::service::limiter::ClientWindow;
use crate::service::token_cache::TokenCache;

/// The subscription root: the signed-in user's notifications as they are committed.
pub type SubscriptionRoot = ops::notifications::NotificationSubscription;

pub type BanliSchema = Schema<QueryRoot, audit_trail::AuditedMutations, SubscriptionRoot>;

/// What every resolver can reach: the database, the clock and the policies.
pub struct AppState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub auth: AuthPolicy,
    pub captcha: CaptchaPolicy,
    pub feedback: FeedbackPolicy,
    /// CAPTCHAs drawn per client and minute (over all instances).
    pub captcha_window: ClientWindow,
    pub public_search: SearchGate,
    /// Bearer tokens checked recently, shared with the HTTP layer's authentication.
    pub tokens: Arc<TokenCache>,
    /// The audit log's key, checkpoints and refusal sampling.
    pub audit: Arc<AuditLog>,
    /// Where attachment content is kept.
    pub files: Arc<crate::service::attachment::FileStore>,
    /// Signs download links.
    pub links: Arc<crate::service::attachment::LinkSigner>,
}

/// What a resolver works with: the application state, and the database handle bound to
/// the running mutation's unit of work (its audit entry and idempotency key), so the
/// services it calls commit them with the change.
pub(crate) struct State<'a> {
    pub db: Db,
    app: &'a AppState,
}

impl std::ops::Deref for State<'_> {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        self.app
    }
}

/// At most this many public keyword searches at once per process (see
/// `Settings::public_search_concurrency`); the others wait a while for a turn.
#[derive(Debug, Clone)]
pub struct SearchGate {
    permits: Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
}

impl SearchGate {
    /// How long a search waits for a turn before it is answered RATE_LIMITED.
    pub const WAIT: std::time::Duration = std::time::Duration::from_secs(3);

    pub fn new(concurrency: usize, wait: std::time::Duration) -> Self {
        Self {
            permits: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            wait,
        }
    }

    /// A turn, held until the returned permit is dropped; `None` after waiting too long.
    pub async fn enter(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let permits = Arc::clone(&self.permits);
        tokio::time::timeout(self.wait, permits.acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::SearchGate;
    use std::time::Duration;

    #[tokio::test]
    async fn a_search_waits_for_a_turn_then_gives_up() {
        let gate = SearchGate::new(2, Duration::from_millis(50));
        let first = gate.enter().await.expect("a turn");
        let second = gate.enter().await.expect("a second turn");
        assert!(gate.enter().await.is_none(), "a third waits, then gives up");
        drop(first);
        assert!(gate.enter().await.is_some(), "a turn comes free");
        drop(second);
    }
}

/// The policies the API applies, from the settings.
#[derive(Debug, Clone)]
pub struct Policies {
    pub auth: AuthPolicy,
    pub captcha: CaptchaPolicy,
    pub feedback: FeedbackPolicy,
    pub captcha_window: ClientWindow,
    pub public_search: SearchGate,
    pub tokens: Arc<TokenCache>,
    pub audit: Arc<AuditLog>,
    /// New notifications, for `notificationAdded`.
    pub feed: Arc<crate::service::notification::Feed>,
    /// Where attachment content is kept.
    pub files: Arc<crate::service::attachment::FileStore>,
    /// Signs download links.
    pub links: Arc<crate::service::attachment::LinkSigner>,
}

impl Policies {
    /// Fails when the audit key file is set but cannot be read.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Self> {
        use crate::domain::feedback::Window;
        Ok(Self {
            auth: AuthPolicy::from_settings(settings),
            captcha: CaptchaPolicy {
                ttl: std::time::Duration::from_secs(settings.captcha_ttl_secs),
                length: settings.captcha_length,
                test_answer: settings.captcha_test_answer.clone(),
                ..CaptchaPolicy::default()
            },
            feedback: FeedbackPolicy {
                per_client: Window {
                    limit: settings.feedback_per_client,
                    secs: settings.feedback_per_client_window_secs,
                },
                per_reply: Window {
                    limit: settings.feedback_per_reply,
                    secs: settings.feedback_per_reply_window_secs,
                },
                duplicate_window_secs: settings.feedback_duplicate_window_secs,
            },
            captcha_window: ClientWindow {
                name: "captcha",
                limit: settings.captcha_per_minute.max(1),
                length: std::time::Duration::from_secs(60),
            },
            public_search: SearchGate::new(settings.public_search_concurrency, SearchGate::WAIT),
            tokens: Arc::new(TokenCache::new(std::time::Duration::from_secs(
                settings.auth_cache_secs,
            ))),
            audit: Arc::new(AuditLog::from_settings(settings)?),
            feed: crate::service::notification::Feed::new(),
            files: Arc::new(crate::service::attachment::FileStore::from_settings(
                &settings.files,
                &settings.database_url,
            )?),
            links: Arc::new(crate::service::attachment::LinkSigner::new(
                settings.files.download_link_secret.as_deref(),
                settings.files.download_link_secs,
            )),
        })
    }
}

/// The state of a resolver, with the database bound to the running mutation's unit of work
/// (see [`State`]).
pub(crate) fn state<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<State<'a>> {
    let app = ctx.data::<AppState>()?;
    let db = match request::current_work() {
        Some(work) => app.db.within(work),
        None => app.db.clone(),
    };
    Ok(State { db, app })
}

/// Builds the schema once; requests then share it. This is the schema with introspection
/// and field suggestions, as signed-in callers (and everyone in development) see it.
pub fn build_schema(
    db: Db,
    clock: Arc<dyn Clock>,
    limits: Limits,
    policies: Policies,
) -> BanliSchema {
    build(db, clock, limits, policies, true, false)
}

/// `reveal`: whether the schema answers introspection and suggests field names in
/// validation errors. async-graphql switches suggestions off only for a whole schema, so
/// banli builds an instance per audience; they share the database pool and the clock.
/// `fast`: without extensions, see [`schemas`].
fn build(
    db: Db,
    clock: Arc<dyn Clock>,
    limits: Limits,
    policies: Policies,
    reveal: bool,
    fast: bool,
) -> BanliSchema {
    let builder = Schema::build(
        QueryRoot::default(),
        audit_trail::AuditedMutations::default(),
        SubscriptionRoot::default(),
    )
    .data(Arc::clone(&policies.feed))
    .data(AppState {
        db,
        clock,
        auth: policies.auth,
        captcha: policies.captcha,
        feedback: policies.feedback,
        captcha_window: policies.captcha_window,
        public_search: policies.public_search,
        tokens: policies.tokens,
        audit: policies.audit,
        files: policies.files,
        links: policies.links,
    })
    // Bounds the recursion of nested selections, input values and fragments while parsing.
    .limit_recursive_depth(limits::RECURSIVE_DEPTH);
    let builder = if fast {
        // The same limits, refused without the numbers (the extended instance explains).
        builder
            .limit_depth(limits.depth)
            .limit_complexity(limits.complexity)
    } else {
        builder
            // First, so it sees every error the others and async-graphql raise: a stable
            // code on each.
            .extension(error::ErrorCodes)
            // Depth and complexity are checked by the extension, which answers with codes
            // and numbers; it also caps aliases and root fields before validation runs.
            .extension(limits::Enforce::new(limits, reveal))
    };
    if reveal {
        builder.finish()
    } else {
        builder
            .disable_introspection()
            .disable_suggestions()
            .finish()
    }
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        QueryRoot::default(),
        audit_trail::AuditedMutations::default(),
        SubscriptionRoot::default(),
    )
    .finish()
    .sdl()
}

/// Whether the request runs a mutation (or may: a document that does not parse, or names
/// no operation it has, counts as one, which only switches the loader cache off).
fn runs_mutation(request: &mut async_graphql::Request) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return true;
    };
    let operation = match (&document.operations, name.as_deref()) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.is_none_or(|o| o.node.ty != OperationType::Query)
}

/// Attaches what belongs to one request: its id, a fresh DataLoader cache and its caller;
/// switches introspection off when [`conceals_schema`] says so (the concealing schema
/// refuses it too; this holds whichever schema runs the request).
pub fn prepare(
    request: async_graphql::Request,
    db: &Db,
    request_id: String,
    caller: Caller,
    auth: request::RequestAuth,
    environment: Environment,
) -> async_graphql::Request {
    let mut request = request;
    let conceal = conceals_schema(environment, &caller);
    let scope = caller.scope();
    let loader = DataLoader::with_cache(
        Loaders::new(db.clone(), scope),
        loaders::spawn_batch,
        HashMapCache::default(),
    );
    // A mutation reads what it changed: no cached row may answer for it.
    loader.enable_all_cache(!runs_mutation(&mut request));
    let request = request
        .data(RequestId(request_id))
        .data(loader)
        .data(caller)
        .data(auth);
    if conceal {
        request.disable_introspection()
    } else {
        request
    }
}
