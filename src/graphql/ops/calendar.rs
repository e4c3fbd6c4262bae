//! The working-day calendar (调休): a year's special days, and the office's changes to it,
//! which re-date open deadlines.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject};

use super::payload;
use crate::graphql::access::{Allow, ADMIN, SIGNED_IN};
use crate::graphql::enums;
use crate::graphql::error::{for_payload, UserErrorObject};
use crate::graphql::limits::{max_items, MaxItems};
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self};

#[derive(Default)]
pub struct CalendarQuery;

#[derive(Default)]
pub struct CalendarMutation;

/// One year of the official calendar.
#[derive(SimpleObject)]
pub struct CalendarYear {
    pub year: i32,
    /// False until the year's announcement is loaded; deadlines reaching it are provisional.
    pub loaded: bool,
    pub source: Option<String>,
    #[graphql(complexity = "crate::graphql::cost::calendar_days(child_complexity)")]
    pub days: Vec<CalendarDay>,
}

payload!(CalendarChangePayload {
    /// The years replaced.
    years: Vec<i32>,
    /// Special days written.
    days: i32,
    /// Open deadlines whose due date moved.
    redated: i32,
});

#[derive(InputObject)]
pub struct ImportCalendarInput {
    /// CSV with header `date,kind,festival` (kind `holiday` or `workday`), as the State
    /// Council's annual notice lists the days. Every year present is replaced.
    pub csv: String,
    /// Years to mark loaded even if the file lists no day in them (at most 20).
    #[graphql(default)]
    #[graphql(validator(custom = "MaxItems::new(\"years\", max_items::CALENDAR_YEARS)"))]
    pub years: Vec<i32>,
    /// Where the data comes from, e.g. 国办发明电〔2026〕号.
    pub source: String,
}

#[derive(InputObject)]
pub struct SetCalendarDayInput {
    pub date: Date,
    /// HOLIDAY or WORKDAY; null makes it an ordinary day again.
    pub kind: Option<enums::CalendarDayKind>,
    #[graphql(default)]
    pub festival: String,
}

#[Object]
impl CalendarQuery {
    /// The official calendar's holidays and make-up working days of `year`.
    #[graphql(guard = "Allow(SIGNED_IN)")]
    async fn calendar(&self, ctx: &Context<'_>, year: i32) -> Result<CalendarYear> {
        let stored = service::calendar::year(&state(ctx)?.db, year)
            .await
            .map_err(|e| crate::graphql::error::for_query(ctx, e))?;
        let (loaded, days) = (stored.loaded, stored.days);
        Ok(CalendarYear {
            year,
            loaded: loaded.is_some(),
            source: loaded.map(|y| y.source),
            days: days.into_iter().map(Into::into).collect(),
        })
    }
}

#[Object]
impl CalendarMutation {
    /// Loads or replaces years of the official calendar (e.g. next year's announcement)
    /// and re-dates the open deadlines that depend on it.
    #[graphql(guard = "Allow(ADMIN)")]
    async fn import_calendar(
        &self,
        ctx: &Context<'_>,
        input: ImportCalendarInput,
    ) -> Result<CalendarChangePayload> {
        let st = state(ctx)?;
        let result = service::calendar::import(
            &st.db,
            &input.csv,
            &input.years,
            &input.source,
            st.clock.now(),
        )
        .await;
        Ok(calendar_payload(for_payload(ctx, result)?))
    }

    /// Corrects one day of the official calendar and re-dates the open deadlines it moves.
    #[graphql(guard = "Allow(ADMIN)")]
    async fn set_calendar_day(
        &self,
        ctx: &Context<'_>,
        input: SetCalendarDayInput,
    ) -> Result<CalendarChangePayload> {
        let st = state(ctx)?;
        let festival = if input.festival.trim().is_empty() && input.kind.is_none() {
            "-".to_owned()
        } else {
            input.festival
        };
        let result = service::calendar::set_day(
            &st.db,
            input.date.0,
            input.kind.map(Into::into),
            &festival,
            st.clock.now(),
        )
        .await;
        Ok(calendar_payload(for_payload(ctx, result)?))
    }
}

fn calendar_payload(
    (change, user_errors): (
        Option<service::calendar::CalendarChange>,
        Vec<UserErrorObject>,
    ),
) -> CalendarChangePayload {
    let change = change.unwrap_or(service::calendar::CalendarChange {
        years: Vec::new(),
        days: 0,
        redated: 0,
    });
    CalendarChangePayload {
        years: change.years,
        days: i32::try_from(change.days).unwrap_or(i32::MAX),
        redated: i32::try_from(change.redated).unwrap_or(i32::MAX),
        user_errors,
    }
}
