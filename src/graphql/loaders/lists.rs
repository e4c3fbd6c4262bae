//! Loaders of a record's children (co-signers, assignments, replies, timeline, contacts, opinions, ratings, follow-ups, supervision), one query per batch of parents, within the caller's scope.

use super::*;

pub(super) fn group<K: std::hash::Hash + Eq, V>(
    pairs: impl Iterator<Item = (K, V)>,
) -> HashMap<K, Vec<V>> {
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
