//! DataLoaders: every relation is loaded in one batched query per level of a request,
//! never one query per row (no N+1). One `Loaders` value serves all key types; a fresh
//! one is attached to each request, so its cache never outlives the request.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{
    assignment, co_opinion, contact_record, deputy, extension_request, follow_up, handling_round,
    handling_unit, rating, reply, return_request, session, suggestion,
    suggestion_co_signer as co_signer, workflow_event,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db::Db;

pub type LoadError = Arc<anyhow::Error>;

pub struct Loaders {
    db: Db,
}

impl Loaders {
    pub fn new(db: Db) -> Self {
        Self { db }
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

key!(SessionKey, DeputyKey, UnitKey, SuggestionKey, AssignmentKey);
key!(
    RoundsOf,
    EventsOfSuggestion,
    EventsOfAssignment,
    ContactsOf,
    OpinionsOf,
    RatingsOf
);
key!(ReturnRequestsOf, ExtensionRequestsOf, FollowUpsOf);

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
by_id!(SuggestionKey, suggestion, "loading suggestions");
by_id!(AssignmentKey, assignment, "loading assignments");

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

impl Loader<AssignmentsOf> for Loaders {
    type Value = Vec<assignment::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AssignmentsOf],
    ) -> Result<HashMap<AssignmentsOf, Self::Value>, Self::Error> {
        let rows = assignment::Entity::find()
            .filter(assignment::Column::SuggestionId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(assignment::Column::Id)
            .all(self.db.conn())
            .await
            .map_err(failed("loading assignments of suggestions"))?;
        Ok(group(
            rows.into_iter()
                .map(|a| (AssignmentsOf(a.suggestion_id), a)),
        ))
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
    RoundsOf,
    handling_round,
    AssignmentId,
    assignment_id,
    Round,
    "loading handling rounds"
);
children!(
    EventsOfSuggestion,
    workflow_event,
    SuggestionId,
    suggestion_id,
    Id,
    "loading timelines"
);
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
