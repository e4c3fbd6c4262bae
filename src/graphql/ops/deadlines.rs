//! Deadline queries: the due date a rule would give, and the deadline summary of a desk.

use async_graphql::{Context, Object, Result, ID};

use crate::graphql::access::{self, Allow, DESK_READERS, SIGNED_IN};
use crate::graphql::enums;
use crate::graphql::error::{for_query, user_error};
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self, scope};

#[derive(Default)]
pub struct DeadlineQuery;

#[Object]
impl DeadlineQuery {
    /// The due date the session's rules give for `period` starting on `start`, with how it
    /// was reached — for front-ends to show before assigning.
    #[graphql(guard = "Allow(SIGNED_IN)")]
    async fn preview_due_date(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        start: Date,
        period: enums::DeadlinePeriod,
    ) -> Result<DeadlineExplanation> {
        let session_id =
            ids::expect(&session_id, Kind::Session, &["sessionId"]).map_err(user_error)?;
        let due = service::calendar::preview_due_date(
            &state(ctx)?.db,
            session_id,
            start.0,
            period.into(),
        )
        .await
        .map_err(|e| for_query(ctx, e))?;
        Ok(DeadlineExplanation::new(&due, due.due_on, false, false))
    }

    /// How many assignments are in each deadline status as of `asOf` (default today),
    /// overall and per unit.
    #[graphql(guard = "Allow(DESK_READERS)")]
    async fn deadline_summary(
        &self,
        ctx: &Context<'_>,
        session_id: Option<ID>,
        unit_id: Option<ID>,
        as_of: Option<Date>,
    ) -> Result<DeadlineSummary> {
        let session_id = session_id
            .map(|id| ids::expect(&id, Kind::Session, &["sessionId"]))
            .transpose()
            .map_err(user_error)?;
        let unit_id = unit_id
            .map(|id| ids::expect(&id, Kind::HandlingUnit, &["unitId"]))
            .transpose()
            .map_err(user_error)?;
        // A unit's staff see their own unit's figures; another unit does not exist for them.
        let unit_id = match access::scope(ctx) {
            crate::domain::access::Scope::Unit(own) => {
                scope::check_unit_filter(access::scope(ctx), unit_id, &["unitId"])
                    .map_err(|e| for_query(ctx, e))?;
                Some(own)
            }
            _ => unit_id,
        };
        let as_of = service::deadline::AsOf::on(
            &state(ctx)?.db,
            as_of_or_today(ctx, as_of)?,
            state(ctx)?.clock.today(),
        )
        .await
        .map_err(|e| for_query(ctx, e))?;
        let summary = service::deadline::summary(&state(ctx)?.db, session_id, unit_id, as_of)
            .await
            .map_err(|e| for_query(ctx, e))?;
        Ok(DeadlineSummary(summary))
    }
}
