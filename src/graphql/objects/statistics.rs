//! Statistics tables: rows per group with their counts and rates (the formulas of docs/domain.md §5).

use async_graphql::{Context, Object, Result, SimpleObject};

use crate::domain::statistics::{Counts, Rate as RateValue, CATEGORIES};
use crate::graphql::enums;
use crate::graphql::error::for_query;
use crate::graphql::loaders::must;
use crate::graphql::loaders::{SessionKey, UnitKey};
use crate::graphql::objects::{HandlingUnit, Session};
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::statistics::{self as service, Group, GroupBy, StatisticsFilter};

pub struct Statistics {
    pub(crate) filter: StatisticsFilter,
    pub(crate) group_by: Vec<GroupBy>,
    pub(crate) as_of: crate::service::deadline::AsOf,
    pub(crate) rows: Vec<service::Row>,
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
    /// Assignments urged (催办) at least once, by the office or the coordinating office.
    async fn urged_assignments(&self) -> i32 {
        int(self.counts.urged)
    }
    /// Urges summed (an assignment urged twice counts twice).
    async fn urges(&self) -> i32 {
        int(self.counts.urges)
    }
}

/// What the rows of a statistics table are grouped by.
#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
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
