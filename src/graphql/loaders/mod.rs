//! DataLoaders: every relation is loaded in one batched query per level of a request,
//! never one query per row (no N+1). One `Loaders` value serves all key types; a fresh
//! one is attached to each request, so its cache never outlives the request.

mod helpers;
mod lists;
pub(crate) mod prefetch;
pub(crate) use helpers::*;
use lists::*;

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    assignment, co_opinion, contact_record, deadline_span, deputy, extension_request,
    filing_invitation, follow_up, handling_round, handling_unit, leader_instruction,
    progress_report, rating, reply, return_request, session, suggestion,
    suggestion_co_signer as co_signer, workflow_event,
};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::domain::access::Scope;
use crate::service::scope;

pub type LoadError = Arc<anyhow::Error>;

/// Turns a batch waits for the request's task before its window (1 ms) starts.
const BATCH_TURNS: usize = 4;

/// The DataLoader's spawner: a batch's load runs once the request's task has had its
/// turns, then after the loader's window.
///
/// The rows of a list resolve concurrently, but `futures` polls at most 32 of them at a
/// time and then yields: rows 33–50 of a page register their keys on the task's next
/// turn. Alone that turn comes at once; under load it comes after every other task in
/// the worker's queue, often more than the 1 ms window later, and the batch split (19
/// statements per 50-row nested page under 40 concurrent requests instead of 8). Yielding
/// puts the batch behind the request's task in the queue, so the rest of the rows are in
/// before the window even starts. The 1 ms window stays: without it (tried once), the
/// load ran before sibling resolvers registered (104 statements instead of 6).
pub fn spawn_batch(batch: futures_util::future::BoxFuture<'static, ()>) {
    tokio::spawn(async move {
        for _ in 0..BATCH_TURNS {
            tokio::task::yield_now().await;
        }
        batch.await;
    });
}

/// The DataLoader of one request. Its cache lives as long as the request: a row loaded
/// (or fed, e.g. the units that came with their assignments) answers every later field
/// of the same request without a statement. Mutations run with the cache off (see
/// `graphql::prepare`), so a field read after a change never answers from before it.
pub type RequestLoader = DataLoader<Loaders, HashMapCache>;

/// The loaders of one request. Suggestions, assignments, replies and timelines are
/// loaded within the caller's scope, so a nested field can never reach a row that a
/// list or `node` would not show; sessions, units and deputies' names are not private.
pub struct Loaders {
    db: Db,
    scope: Scope,
}

impl Loaders {
    pub fn new(db: Db, scope: Scope) -> Self {
        Self { db, scope }
    }

    /// One suggestion within the scope, with its lead deputy, in one statement: whoever
    /// opens a suggestion sees who filed it. The caller feeds both to the caches.
    pub async fn suggestion_with_lead(
        &self,
        id: i64,
    ) -> Result<Option<(suggestion::Model, Option<deputy::Model>)>, LoadError> {
        suggestion::Entity::find_by_id(id)
            .filter(scope::suggestions(self.scope))
            .find_also_linked(suggestion::LeadDeputyLink)
            .one(self.db.conn())
            .await
            .map_err(failed("loading a suggestion"))
    }
}

fn failed(what: &'static str) -> impl FnOnce(sea_orm::DbErr) -> LoadError {
    move |e| Arc::new(anyhow::Error::new(e).context(what))
}

macro_rules! key {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub i64);
    )*};
}

key!(
    SessionKey,
    DeputyKey,
    UnitKey,
    SuggestionKey,
    AssignmentKey,
    ReplyKey
);

key!(
    UnitOfAssignment,
    CoHandlerOpinionsOf,
    DeputyInScope,
    FeedbackCountsOf
);

key!(
    RoundsOf,
    EventsOfSuggestion,
    EventsOfAssignment,
    ContactsOf,
    OpinionsOf,
    RatingsOf
);

key!(
    ReturnRequestsOf,
    ExtensionRequestsOf,
    FollowUpsOf,
    SpansOf,
    InvitationsOf
);

key!(InstructionsOf, ReportsOfSuggestion, ReportsOfAssignment);

key!(ContactsOfUser);

key!(PublishedCopiesOf);

/// The published letter copies of a reply (public: no scope applies).
impl Loader<PublishedCopiesOf> for Loaders {
    type Value = Vec<entity::attachment::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PublishedCopiesOf],
    ) -> Result<HashMap<PublishedCopiesOf, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let rows = crate::service::attachment::published_copies(&self.db, &ids)
            .await
            .map_err(|e| Arc::new(anyhow::anyhow!("loading published letters: {e}")))?;
        let mut out: HashMap<PublishedCopiesOf, Self::Value> = HashMap::new();
        for row in rows {
            out.entry(PublishedCopiesOf(row.owner_id))
                .or_default()
                .push(row);
        }
        Ok(out)
    }
}

/// The attachments of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttachmentsOf(pub entity::enums::AttachmentOwner, pub i64);

/// Attachments of records the caller sees already: one statement per kind of record in
/// the batch.
impl Loader<AttachmentsOf> for Loaders {
    type Value = Vec<entity::attachment::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AttachmentsOf],
    ) -> Result<HashMap<AttachmentsOf, Self::Value>, Self::Error> {
        let mut out: HashMap<AttachmentsOf, Self::Value> = HashMap::new();
        let kinds = crate::domain::distinct(keys.iter().map(|k| k.0));
        for kind in kinds {
            let ids: Vec<i64> = keys.iter().filter(|k| k.0 == kind).map(|k| k.1).collect();
            let rows = crate::service::attachment::of_owners(&self.db, kind, &ids)
                .await
                .map_err(|e| Arc::new(anyhow::anyhow!("loading attachments: {e}")))?;
            for row in rows {
                out.entry(AttachmentsOf(kind, row.owner_id))
                    .or_default()
                    .push(row);
            }
        }
        Ok(out)
    }
}

/// A user's notification settings (contacts and channels), if they kept any. Whether the
/// caller may read them is the resolver's check.
impl Loader<ContactsOfUser> for Loaders {
    type Value = entity::notification_settings::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ContactsOfUser],
    ) -> Result<HashMap<ContactsOfUser, Self::Value>, Self::Error> {
        use entity::notification_settings as settings;
        let rows = settings::Entity::find()
            .filter(settings::Column::UserId.is_in(keys.iter().map(|k| k.0)))
            .all(self.db.conn())
            .await
            .map_err(failed("loading users' contacts"))?;
        Ok(rows
            .into_iter()
            .map(|row| (ContactsOfUser(row.user_id), row))
            .collect())
    }
}

/// The official calendar, loaded once per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CalendarKey;

key!(
    CoSignersOf,
    AssignmentsOf,
    RepliesOfAssignment,
    RepliesOfSuggestion
);

/// A loader of rows by primary key.
macro_rules! by_id {
    ($key:ident, $module:ident, $what:literal) => {
        impl Loader<$key> for Loaders {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(keys.iter().map(|k| k.0)))
                    .all(self.db.conn())
                    .await
                    .map_err(failed($what))?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

by_id!(SessionKey, session, "loading sessions");

by_id!(DeputyKey, deputy, "loading deputies");

by_id!(UnitKey, handling_unit, "loading handling units");

/// A loader of rows by primary key, within the request's scope.
macro_rules! scoped_by_id {
    ($key:ident, $module:ident, $condition:path, $what:literal) => {
        impl Loader<$key> for Loaders {
            type Value = $module::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(keys.iter().map(|k| k.0)))
                    .filter($condition(self.scope))
                    .all(self.db.conn())
                    .await
                    .map_err(failed($what))?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

scoped_by_id!(
    SuggestionKey,
    suggestion,
    scope::suggestions,
    "loading suggestions"
);

scoped_by_id!(
    AssignmentKey,
    assignment,
    scope::assignments,
    "loading assignments"
);

scoped_by_id!(ReplyKey, reply, scope::replies, "loading replies");

/// The unit of an assignment, whatever the scope: how a lead unit learns which
/// co-handler sent an opinion (unit names are public), without seeing the assignment.
impl Loader<UnitOfAssignment> for Loaders {
    type Value = handling_unit::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[UnitOfAssignment],
    ) -> Result<HashMap<UnitOfAssignment, Self::Value>, Self::Error> {
        let rows: Vec<(assignment::Model, Option<handling_unit::Model>)> =
            assignment::Entity::find()
                .filter(assignment::Column::Id.is_in(keys.iter().map(|k| k.0)))
                .find_also_related(handling_unit::Entity)
                .all(self.db.conn())
                .await
                .map_err(failed("loading units of assignments"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(a, u)| u.map(|u| (UnitOfAssignment(a.id), u)))
            .collect())
    }
}

/// Deputies (lead or co-signer) of suggestions the caller's scope sees: whose phone and
/// address a unit's staff may read.
impl Loader<DeputyInScope> for Loaders {
    type Value = ();
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[DeputyInScope],
    ) -> Result<HashMap<DeputyInScope, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let leads = suggestion::Entity::find()
            .filter(suggestion::Column::LeadDeputyId.is_in(ids.clone()))
            .filter(scope::suggestions(self.scope))
            .all(self.db.conn())
            .await
            .map_err(failed("checking deputies in scope"))?;
        let co_signed = co_signer::Entity::find()
            .filter(co_signer::Column::DeputyId.is_in(ids))
            .filter(
                co_signer::Column::SuggestionId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(suggestion::Column::Id)
                        .from(suggestion::Entity)
                        .cond_where(scope::suggestions(self.scope))
                        .to_owned(),
                ),
            )
            .all(self.db.conn())
            .await
            .map_err(failed("checking deputies in scope"))?;
        Ok(leads
            .into_iter()
            .map(|s| DeputyInScope(s.lead_deputy_id))
            .chain(co_signed.into_iter().map(|c| DeputyInScope(c.deputy_id)))
            .map(|k| (k, ()))
            .collect())
    }
}

/// Public feedback on a reply, counted by status (one grouped query for all replies).
/// Only staff fields ask for it, on replies their scope already shows.
impl Loader<FeedbackCountsOf> for Loaders {
    type Value = crate::service::feedback::FeedbackCounts;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[FeedbackCountsOf],
    ) -> Result<HashMap<FeedbackCountsOf, Self::Value>, Self::Error> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let counts = crate::service::feedback::counts_by_reply(self.db.conn(), &ids)
            .await
            .map_err(|e| Arc::new(anyhow::anyhow!("counting feedback per reply: {e}")))?;
        Ok(keys
            .iter()
            .map(|k| (*k, counts.get(&k.0).copied().unwrap_or_default()))
            .collect())
    }
}

/// The co-handlers' opinions on a suggestion, for its lead unit (they are sent to it).
impl Loader<CoHandlerOpinionsOf> for Loaders {
    type Value = Vec<co_opinion::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CoHandlerOpinionsOf],
    ) -> Result<HashMap<CoHandlerOpinionsOf, Self::Value>, Self::Error> {
        let rows: Vec<(co_opinion::Model, Option<assignment::Model>)> = co_opinion::Entity::find()
            .find_also_related(assignment::Entity)
            .filter(assignment::Column::SuggestionId.is_in(keys.iter().map(|k| k.0)))
            .filter(assignment::Column::Role.eq(entity::enums::AssignmentRole::CoHandler))
            .order_by_asc(co_opinion::Column::Id)
            .all(self.db.conn())
            .await
            .map_err(failed("loading co-handler opinions of suggestions"))?;
        Ok(group(rows.into_iter().filter_map(|(o, a)| {
            a.map(|a| (CoHandlerOpinionsOf(a.suggestion_id), o))
        })))
    }
}
