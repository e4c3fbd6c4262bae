//! `statistics`: the report tables offices send upward (办复率, 按期办结率, category shares,
//! 满意率, 见面率 …), one row per group. Resolvers decode the arguments and call
//! `service::statistics`; the formulas are in `domain::statistics`.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};

use super::access::{self, Allow, UNIT_DESK};
use super::enums;
use super::error::{for_query, user_error};
use super::export::ExportFormat;
use super::ids::{self, Kind};
use super::limits::{max_items, MaxItems};
use super::loaders::must;
use super::loaders::{SessionKey, UnitKey};
use super::objects::as_of_or_today;
use super::objects::{HandlingUnit, Session};
use super::scalars::Date;
use super::state;
use crate::domain::statistics::{Counts, Rate as RateValue, CATEGORIES};
use crate::domain::UserError;
use crate::routes::{with_query, STATISTICS_CSV, STATISTICS_XLSX};
use crate::service::statistics::{self as service, Group, GroupBy, StatisticsFilter};
use crate::service::{scope, ServiceError};

#[derive(Default)]
pub struct StatisticsQuery;

/// What the rows of a statistics table are grouped by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "StatisticsGroup")]
pub enum StatisticsGroupInput {
    /// 会议
    Session,
    /// 承办单位
    Unit,
    /// 分类 (the suggestion's topic, e.g. 组织人事)
    Topic,
    /// 答复类别 of the latest reply; assignments without a reply form a row without one.
    Category,
    /// The month of assignment (交办月份), as `YYYY-MM`.
    Month,
}

impl From<StatisticsGroupInput> for GroupBy {
    fn from(g: StatisticsGroupInput) -> Self {
        match g {
            StatisticsGroupInput::Session => GroupBy::Session,
            StatisticsGroupInput::Unit => GroupBy::Unit,
            StatisticsGroupInput::Topic => GroupBy::Topic,
            StatisticsGroupInput::Category => GroupBy::Category,
            StatisticsGroupInput::Month => GroupBy::Month,
        }
    }
}

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
    /// The report table (DOMAIN.md §5): one row per group of `groupBy` (none: one row for
    /// everything), plus the total. Counted are the assignments in force on `asOf`
    /// (default today, China time): assigned by then, neither returned nor withdrawn.
    /// `asOf` dates the deadline figures (answered, on time, overdue, days late);
    /// categories, ratings, contacts and feedback are as stored now. Rates come with
    /// their numerator and denominator. The office sees every unit, a unit's staff their
    /// own.
    #[graphql(guard = "Allow(UNIT_DESK)")]
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
    #[graphql(guard = "Allow(UNIT_DESK)")]
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

pub struct Statistics {
    filter: StatisticsFilter,
    group_by: Vec<GroupBy>,
    as_of: crate::service::deadline::AsOf,
    rows: Vec<service::Row>,
}

#[Object]
impl Statistics {
    async fn as_of(&self) -> Date {
        Date(self.as_of.date)
    }

    async fn group_by(&self) -> Vec<StatisticsGroupInput> {
        self.group_by
            .iter()
            .map(|g| match g {
                GroupBy::Session => StatisticsGroupInput::Session,
                GroupBy::Unit => StatisticsGroupInput::Unit,
                GroupBy::Topic => StatisticsGroupInput::Topic,
                GroupBy::Category => StatisticsGroupInput::Category,
                GroupBy::Month => StatisticsGroupInput::Month,
            })
            .collect()
    }

    /// One row per group, ordered by the grouped values.
    #[graphql(complexity = "crate::graphql::cost::units(child_complexity)")]
    async fn rows(&self) -> Vec<StatisticsRow> {
        self.rows
            .iter()
            .map(|r| StatisticsRow {
                group: r.group.clone(),
                counts: r.counts,
            })
            .collect()
    }

    /// The figures over all counted assignments (a suggestion assigned to two units
    /// counts once here, in each unit's row).
    async fn total(&self, ctx: &Context<'_>) -> Result<StatisticsRow> {
        let counts = if self.group_by.is_empty() {
            self.rows.first().map(|r| r.counts).unwrap_or_default()
        } else {
            service::total(&state(ctx)?.db, &self.filter, self.as_of)
                .await
                .map_err(|e| for_query(ctx, e))?
        };
        Ok(StatisticsRow {
            group: Group::default(),
            counts,
        })
    }
}

/// A rate such as 办复率: numerator over denominator ("37/40"), and the ratio.
#[derive(SimpleObject)]
pub struct Rate {
    pub numerator: i32,
    pub denominator: i32,
    /// numerator / denominator between 0 and 1; null when the denominator is 0.
    pub ratio: Option<f64>,
    /// The ratio in percent rounded to one decimal (92.5); null when the denominator is 0.
    pub percent: Option<f64>,
}

fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<RateValue> for Rate {
    fn from(r: RateValue) -> Self {
        Self {
            numerator: int(r.numerator),
            denominator: int(r.denominator),
            ratio: r.ratio(),
            percent: r.percent(),
        }
    }
}

/// How many replied assignments have one category, and their share.
#[derive(SimpleObject)]
pub struct CategoryCount {
    pub category: enums::ReplyCategory,
    pub count: i32,
    pub share: Rate,
}

/// One row of a statistics table: the group's values (only the grouped-by ones are
/// set) and its figures.
pub struct StatisticsRow {
    group: Group,
    counts: Counts,
}

#[Object]
impl StatisticsRow {
    async fn session(&self, ctx: &Context<'_>) -> Result<Option<Session>> {
        match self.group.session_id {
            Some(id) => Ok(Some(Session(must(ctx, SessionKey(id), "session").await?))),
            None => Ok(None),
        }
    }
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        match self.group.unit_id {
            Some(id) => Ok(Some(HandlingUnit(must(ctx, UnitKey(id), "unit").await?))),
            None => Ok(None),
        }
    }
    /// The topic of the group (null when grouped by topic: suggestions without one).
    async fn topic(&self) -> Option<&str> {
        self.group.topic.as_deref()
    }
    /// The latest reply's category (null when grouped by category: not replied yet).
    async fn category(&self) -> Option<enums::ReplyCategory> {
        self.group.category.map(Into::into)
    }
    /// The month of assignment, `YYYY-MM`.
    async fn month(&self) -> Option<&str> {
        self.group.month.as_deref()
    }
    /// Distinct suggestions among the counted assignments.
    async fn suggestions(&self) -> i32 {
        int(self.counts.suggestions)
    }
    /// Assignments counted (交办件数).
    async fn assignments(&self) -> i32 {
        int(self.counts.assignments)
    }
    /// Answered by `asOf`: the current round's reply sent (a co-handler: its opinion).
    async fn replied(&self) -> i32 {
        int(self.counts.answered)
    }
    /// 办复率 = replied / assignments.
    async fn reply_rate(&self) -> Rate {
        self.counts.reply_rate().into()
    }
    /// Answered on or before the due date in force.
    async fn answered_on_time(&self) -> i32 {
        int(self.counts.answered_on_time)
    }
    /// 按期办结率 = answered on time / replied.
    async fn on_time_rate(&self) -> Rate {
        self.counts.on_time_rate().into()
    }
    /// Not answered and past the due date on `asOf`.
    async fn overdue(&self) -> i32 {
        int(self.counts.overdue)
    }
    /// Answered late or overdue.
    async fn late(&self) -> i32 {
        int(self.counts.late)
    }
    /// Average days past the due date over the late ones (answer − due, or `asOf` − due
    /// while overdue), one decimal; null when none was late.
    async fn average_days_late(&self) -> Option<f64> {
        self.counts.average_days_late()
    }
    /// The most days any of them was late; null when none was.
    async fn max_days_late(&self) -> Option<i32> {
        self.counts.max_days_late.map(int)
    }
    /// Assignments with a reply, by the latest reply's category (A, B, C, D), each with
    /// its share of the replied ones.
    #[graphql(complexity = "crate::graphql::cost::categories(child_complexity)")]
    async fn categories(&self) -> Vec<CategoryCount> {
        CATEGORIES
            .iter()
            .map(|c| CategoryCount {
                category: (*c).into(),
                count: int(self.counts.category_count(*c)),
                share: self.counts.category_share(*c).into(),
            })
            .collect()
    }
    /// 解决率 = (A + B) / assignments with a reply.
    async fn solved_rate(&self) -> Rate {
        self.counts.solved_rate().into()
    }
    /// Assignments the lead deputy rated.
    async fn rated(&self) -> i32 {
        int(self.counts.rated)
    }
    /// 满意率 at the first rating: SATISFIED + BASICALLY_SATISFIED / rated.
    async fn satisfaction_first(&self) -> Rate {
        self.counts.satisfaction_first().into()
    }
    /// 满意率 at the latest rating (after any re-handling).
    async fn satisfaction_final(&self) -> Rate {
        self.counts.satisfaction_final().into()
    }
    /// Assignments with a face-to-face contact (面商) logged.
    async fn met_face_to_face(&self) -> i32 {
        int(self.counts.met_face_to_face)
    }
    /// 见面率 = met face to face / assignments.
    async fn meeting_rate(&self) -> Rate {
        self.counts.meeting_rate().into()
    }
    /// Public feedback on the group's replies, spam excluded.
    async fn feedback_received(&self) -> i32 {
        int(self.counts.feedback_received())
    }
    /// … marked HANDLED.
    async fn feedback_handled(&self) -> i32 {
        int(self.counts.feedback_handled)
    }
    /// … still NEW or READ.
    async fn feedback_open(&self) -> i32 {
        int(self.counts.feedback_open)
    }
}
