//! DataLoaders: every relation is loaded in one batched query per level of a request,
//! never one query per row (no N+1). One `Loaders` value serves all key types; a fresh
//! one is attached to each request, so its cache never outlives the request.

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

fn group<K: std::hash::Hash + Eq, V>(pairs: impl Iterator<Item = (K, V)>) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_default().push(v);
    }
    map
}

impl Loader<CoSignersOf> for Loaders {
    type Value = Vec<deputy::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CoSignersOf],
    ) -> Result<HashMap<CoSignersOf, Self::Value>, Self::Error> {
        let rows: Vec<(co_signer::Model, Option<deputy::Model>)> = co_signer::Entity::find()
            .filter(co_signer::Column::SuggestionId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(co_signer::Column::SuggestionId)
            .order_by_asc(co_signer::Column::Position)
            .find_also_related(deputy::Entity)
            .all(self.db.conn())
            .await
            .map_err(failed("loading co-signers"))?;
        Ok(group(rows.into_iter().filter_map(|(link, d)| {
            d.map(|d| (CoSignersOf(link.suggestion_id), d))
        })))
    }
}

/// The assignments of suggestions, each with its unit in the same statement: a page that
/// lists assignments shows their units, and the resolver feeds them to the `UnitKey` cache
/// (one statement fewer per level than loading the units after).
impl Loader<AssignmentsOf> for Loaders {
    type Value = Vec<(assignment::Model, handling_unit::Model)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AssignmentsOf],
    ) -> Result<HashMap<AssignmentsOf, Self::Value>, Self::Error> {
        let rows = assignment::Entity::find()
            .filter(assignment::Column::SuggestionId.is_in(keys.iter().map(|k| k.0)))
            .filter(scope::assignments(self.scope))
            .find_also_related(handling_unit::Entity)
            .order_by_asc(assignment::Column::Id)
            .all(self.db.conn())
            .await
            .map_err(failed("loading assignments of suggestions"))?;
        // The unit is a foreign key: always there.
        Ok(group(rows.into_iter().filter_map(|(a, unit)| {
            unit.map(|unit| (AssignmentsOf(a.suggestion_id), (a, unit)))
        })))
    }
}

impl Loader<RepliesOfAssignment> for Loaders {
    type Value = Vec<reply::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[RepliesOfAssignment],
    ) -> Result<HashMap<RepliesOfAssignment, Self::Value>, Self::Error> {
        let rows = reply::Entity::find()
            .filter(reply::Column::AssignmentId.is_in(keys.iter().map(|k| k.0)))
            .filter(scope::replies(self.scope))
            .order_by_asc(reply::Column::AssignmentId)
            .order_by_asc(reply::Column::Round)
            .all(self.db.conn())
            .await
            .map_err(failed("loading replies of assignments"))?;
        Ok(group(
            rows.into_iter()
                .map(|r| (RepliesOfAssignment(r.assignment_id), r)),
        ))
    }
}

impl Loader<RepliesOfSuggestion> for Loaders {
    type Value = Vec<reply::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[RepliesOfSuggestion],
    ) -> Result<HashMap<RepliesOfSuggestion, Self::Value>, Self::Error> {
        let rows: Vec<(reply::Model, Option<assignment::Model>)> = reply::Entity::find()
            .find_also_related(assignment::Entity)
            .filter(assignment::Column::SuggestionId.is_in(keys.iter().map(|k| k.0)))
            .filter(scope::assignments(self.scope))
            .filter(scope::replies(self.scope))
            .order_by_asc(reply::Column::Id)
            .all(self.db.conn())
            .await
            .map_err(failed("loading replies of suggestions"))?;
        Ok(group(rows.into_iter().filter_map(|(r, a)| {
            a.map(|a| (RepliesOfSuggestion(a.suggestion_id), r))
        })))
    }
}

/// A loader of the rows whose `$column` is one of the keys, grouped by it, in `$order`.
macro_rules! children {
    ($key:ident, $module:ident, $column:ident, $field:ident, $order:ident, $what:literal) => {
        impl Loader<$key> for Loaders {
            type Value = Vec<$module::Model>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::$column.is_in(keys.iter().map(|k| k.0)))
                    .order_by_asc($module::Column::$order)
                    .all(self.db.conn())
                    .await
                    .map_err(failed($what))?;
                Ok(group(rows.into_iter().filter_map(|r| {
                    let key: Option<i64> = r.$field.into();
                    key.map(|k| ($key(k), r))
                })))
            }
        }
    };
}

children!(
    InvitationsOf,
    filing_invitation,
    FilingId,
    filing_id,
    Id,
    "loading co-sign invitations"
);
children!(
    RoundsOf,
    handling_round,
    AssignmentId,
    assignment_id,
    Round,
    "loading handling rounds"
);
impl Loader<EventsOfSuggestion> for Loaders {
    type Value = Vec<workflow_event::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EventsOfSuggestion],
    ) -> Result<HashMap<EventsOfSuggestion, Self::Value>, Self::Error> {
        let mut select = workflow_event::Entity::find()
            .filter(workflow_event::Column::SuggestionId.is_in(keys.iter().map(|k| k.0)));
        if self.scope != Scope::All {
            // The suggestion's own events, and those of assignments the caller sees.
            select = select.filter(
                Condition::any()
                    .add(workflow_event::Column::AssignmentId.is_null())
                    .add(scope::by_assignment(
                        self.scope,
                        workflow_event::Column::AssignmentId,
                    )),
            );
        }
        let rows = select
            .order_by_asc(workflow_event::Column::Id)
            .all(self.db.conn())
            .await
            .map_err(failed("loading timelines"))?;
        Ok(group(
            rows.into_iter()
                .map(|e| (EventsOfSuggestion(e.suggestion_id), e)),
        ))
    }
}
children!(
    EventsOfAssignment,
    workflow_event,
    AssignmentId,
    assignment_id,
    Id,
    "loading timelines"
);
children!(
    ContactsOf,
    contact_record,
    AssignmentId,
    assignment_id,
    ContactedOn,
    "loading contact records"
);
children!(
    OpinionsOf,
    co_opinion,
    AssignmentId,
    assignment_id,
    Round,
    "loading co-handler opinions"
);
children!(
    RatingsOf,
    rating,
    AssignmentId,
    assignment_id,
    Id,
    "loading ratings"
);
children!(
    ReturnRequestsOf,
    return_request,
    AssignmentId,
    assignment_id,
    Id,
    "loading return requests"
);
children!(
    SpansOf,
    deadline_span,
    AssignmentId,
    assignment_id,
    FromOn,
    "loading deadline history"
);
children!(
    ExtensionRequestsOf,
    extension_request,
    AssignmentId,
    assignment_id,
    Id,
    "loading extension requests"
);
children!(
    FollowUpsOf,
    follow_up,
    AssignmentId,
    assignment_id,
    Id,
    "loading follow-ups"
);

impl Loader<CalendarKey> for Loaders {
    type Value = Arc<crate::domain::calendar::WorkCalendar>;
    type Error = LoadError;

    async fn load(
        &self,
        _: &[CalendarKey],
    ) -> Result<HashMap<CalendarKey, Self::Value>, Self::Error> {
        let calendar = crate::service::calendar::load(self.db.conn())
            .await
            .map_err(|e| match e {
                crate::service::ServiceError::Unexpected(e) => Arc::new(e),
                crate::service::ServiceError::User(errors) => {
                    Arc::new(anyhow::anyhow!("loading the calendar: {errors:?}"))
                }
            })?;
        Ok(HashMap::from([(CalendarKey, Arc::new(calendar))]))
    }
}

/// A loader of supervision rows by their suggestion or assignment, within the request's
/// scope (`service::supervision`): deputies get none.
macro_rules! supervised {
    ($key:ident, $module:ident, $column:ident, $field:ident, $condition:path, $what:literal) => {
        impl Loader<$key> for Loaders {
            type Value = Vec<$module::Model>;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $module::Entity::find()
                    .filter($module::Column::$column.is_in(keys.iter().map(|k| k.0)))
                    .filter($condition(self.scope))
                    .order_by_asc($module::Column::Id)
                    .all(self.db.conn())
                    .await
                    .map_err(failed($what))?;
                Ok(group(rows.into_iter().map(|r| ($key(r.$field), r))))
            }
        }
    };
}

supervised!(
    InstructionsOf,
    leader_instruction,
    SuggestionId,
    suggestion_id,
    crate::service::supervision::instructions,
    "loading leaders' instructions"
);
supervised!(
    ReportsOfSuggestion,
    progress_report,
    SuggestionId,
    suggestion_id,
    crate::service::supervision::reports,
    "loading progress reports"
);
supervised!(
    ReportsOfAssignment,
    progress_report,
    AssignmentId,
    assignment_id,
    crate::service::supervision::reports,
    "loading progress reports"
);

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
        Ok(None) => Err(super::error::internal(
            ctx,
            &anyhow::anyhow!("{what} {key:?} is missing"),
        )),
        Err(e) => Err(super::error::internal(ctx, &e)),
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
        .map_err(|e| super::error::internal(ctx, &e))
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
        Err(e) => Err(super::error::internal(ctx, &e)),
    }
}
