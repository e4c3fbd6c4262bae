//! `statistics`: the report tables offices send upward (办复率, 按期办结率, category shares,
//! 满意率, 见面率 …), one row per group. Resolvers decode the arguments and call
//! `service::statistics`; the formulas are in `domain::statistics`.

use async_graphql::{Context, InputObject, Object, Result, ID};

use crate::domain::UserError;
use crate::graphql::access::{self, Allow, DESK_READERS};
use crate::graphql::enums;
use crate::graphql::error::{for_query, user_error};
use crate::graphql::ids::{self, Kind};
use crate::graphql::limits::{max_items, MaxItems};
use crate::graphql::objects::as_of_or_today;
use crate::graphql::objects::*;
use crate::graphql::ops::export::ExportFormat;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::routes::{with_query, STATISTICS_CSV, STATISTICS_XLSX};
use crate::service::statistics::{self as service, GroupBy, StatisticsFilter};
use crate::service::{scope, ServiceError};

#[derive(Default)]
pub struct StatisticsQuery;

/// Which assignments the figures count. The same filters as the lists; a unit's staff
/// always count their own unit only.
#[derive(InputObject, Default)]
#[graphql(name = "StatisticsFilter")]
pub struct StatisticsFilterInput {
    pub session_id: Option<ID>,
    pub unit_id: Option<ID>,
    /// The suggestion's topic, exactly as stored (e.g. 组织人事).
    pub topic: Option<String>,
    pub kind: Option<enums::SuggestionKind>,
    /// Assigned on or after this day.
    pub from: Option<Date>,
    /// Assigned on or before this day.
    pub to: Option<Date>,
}

/// Most rows one table may have; a finer grouping over everything must be narrowed.
pub const MAX_ROWS: usize = 5_000;

/// Decodes the filter into the service's, in the caller's scope.
pub fn service_filter(
    ctx: &Context<'_>,
    filter: Option<StatisticsFilterInput>,
) -> Result<StatisticsFilter> {
    let filter = filter.unwrap_or_default();
    let session_id = filter
        .session_id
        .map(|id| ids::expect(&id, Kind::Session, &["filter", "sessionId"]))
        .transpose()
        .map_err(user_error)?;
    let unit_id = filter
        .unit_id
        .map(|id| ids::expect(&id, Kind::HandlingUnit, &["filter", "unitId"]))
        .transpose()
        .map_err(user_error)?;
    let scope = access::scope(ctx);
    scope::check_unit_filter(scope, unit_id, &["filter", "unitId"])
        .map_err(|e| for_query(ctx, e))?;
    let (from, to) = (filter.from.map(|d| d.0), filter.to.map(|d| d.0));
    if let (Some(from), Some(to)) = (from, to) {
        if from > to {
            return Err(user_error(UserError::invalid(
                &["filter", "to"],
                "结束日期不能早于开始日期 (to must not precede from)",
            )));
        }
    }
    let topic = filter
        .topic
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    Ok(StatisticsFilter {
        scope,
        session_id,
        unit_id,
        topic,
        kind: filter.kind.map(Into::into),
        from,
        to,
    })
}

/// The dimensions in the order asked, each once.
pub fn dimensions(group_by: &[StatisticsGroupInput]) -> Vec<GroupBy> {
    let mut out: Vec<GroupBy> = Vec::with_capacity(group_by.len());
    for g in group_by {
        let g = GroupBy::from(*g);
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

#[Object]
impl StatisticsQuery {
    /// The report table (docs/domain.md §5): one row per group of `groupBy` (none: one row for
    /// everything), plus the total. Counted are the assignments in force on `asOf`
    /// (default today, China time): assigned by then, neither returned nor withdrawn.
    /// `asOf` dates the deadline figures (answered, on time, overdue, days late);
    /// categories, ratings, contacts and feedback are as stored now. Rates come with
    /// their numerator and denominator. The office sees every unit, a unit's staff their
    /// own.
    #[graphql(guard = "Allow(DESK_READERS)")]
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatisticsFilterInput>,
        #[graphql(
            default,
            desc = "The dimensions, in order, each once (at most 10).",
            validator(custom = "MaxItems::new(\"groupBy\", max_items::GROUP_BY)")
        )]
        group_by: Vec<StatisticsGroupInput>,
        as_of: Option<Date>,
    ) -> Result<Statistics> {
        let filter = service_filter(ctx, filter)?;
        let as_of = crate::service::deadline::AsOf::on(
            &state(ctx)?.db,
            as_of_or_today(ctx, as_of)?,
            state(ctx)?.clock.today(),
        )
        .await
        .map_err(|e| for_query(ctx, e))?;
        let group_by = dimensions(&group_by);
        let limit = u64::try_from(MAX_ROWS + 1).unwrap_or(u64::MAX);
        let rows = service::table(&state(ctx)?.db, &filter, &group_by, as_of, limit)
            .await
            .map_err(|e| for_query(ctx, e))?;
        if rows.len() > MAX_ROWS {
            return Err(for_query(
                ctx,
                ServiceError::User(vec![UserError::invalid(
                    &["groupBy"],
                    "分组过多，请缩小筛选范围 (too many groups: narrow the filter or group by less)",
                )]),
            ));
        }
        Ok(Statistics {
            filter,
            group_by,
            as_of,
            rows,
        })
    }

    /// The relative address of the same table as a spreadsheet (the groups, then a 合计
    /// row; rates as percentages): `GET` it with the same `Authorization` header. The
    /// filter is checked here exactly as `statistics` checks it.
    #[graphql(guard = "Allow(DESK_READERS)")]
    async fn statistics_export(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatisticsFilterInput>,
        #[graphql(
            default,
            desc = "The dimensions, in order, each once (at most 10).",
            validator(custom = "MaxItems::new(\"groupBy\", max_items::GROUP_BY)")
        )]
        group_by: Vec<StatisticsGroupInput>,
        as_of: Option<Date>,
        #[graphql(default_with = "ExportFormat::Xlsx")] format: ExportFormat,
    ) -> Result<String> {
        let checked = service_filter(ctx, filter)?;
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(id) = checked.session_id {
            params.push(("sessionId", ids::encode(Kind::Session, id).0));
        }
        if let Some(id) = checked.unit_id {
            params.push(("unitId", ids::encode(Kind::HandlingUnit, id).0));
        }
        if let Some(topic) = checked.topic {
            params.push(("topic", topic));
        }
        if let Some(kind) = checked.kind {
            if let Ok(serde_json::Value::String(name)) = serde_json::to_value(kind) {
                params.push(("kind", name));
            }
        }
        for (name, date) in [
            ("from", checked.from),
            ("to", checked.to),
            ("asOf", as_of.map(|d| d.0)),
        ] {
            if let Some(date) = date {
                params.push((name, date.format("%Y-%m-%d").to_string()));
            }
        }
        let groups: Vec<&str> = dimensions(&group_by)
            .iter()
            .map(|g| match g {
                GroupBy::Session => "SESSION",
                GroupBy::Unit => "UNIT",
                GroupBy::Topic => "TOPIC",
                GroupBy::Category => "CATEGORY",
                GroupBy::Month => "MONTH",
            })
            .collect();
        if !groups.is_empty() {
            params.push(("groupBy", groups.join(",")));
        }
        let path = match format {
            ExportFormat::Xlsx => STATISTICS_XLSX,
            ExportFormat::Csv => STATISTICS_CSV,
        };
        Ok(with_query(path, &params))
    }
}
