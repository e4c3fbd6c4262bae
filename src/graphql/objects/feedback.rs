//! Public feedback as the office reads it, and the counts per reply and per unit.

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use entity::public_feedback;

use crate::graphql::enums;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::visible;
use crate::graphql::loaders::RequestLoader;
use crate::graphql::loaders::{ReplyKey, UnitKey};
use crate::graphql::objects::{HandlingUnit, Reply};
use crate::graphql::scalars::DateTime;
use crate::service::feedback::FeedbackCounts as Counts;

/// Feedback from the public on a published reply, as staff see it.
pub struct PublicFeedback(pub public_feedback::Model);

#[Object]
impl PublicFeedback {
    /// 意见的 ID (the feedback's global ID).
    pub async fn id(&self) -> ID {
        encode(Kind::PublicFeedback, self.0.id)
    }
    /// The reply it is about.
    async fn reply(&self, ctx: &Context<'_>) -> Result<Option<Reply>> {
        Ok(visible(ctx, ReplyKey(self.0.reply_id)).await?.map(Reply))
    }
    /// 姓名, if given and not yet erased.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// 联系方式, if given and not yet erased.
    async fn contact(&self) -> Option<&str> {
        self.0.contact.as_deref()
    }
    /// 内容, exactly as submitted (display it as text, never as HTML).
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// The submitter agreed that the content may be published.
    async fn consent_to_publish(&self) -> bool {
        self.0.consent_to_publish
    }
    async fn status(&self) -> enums::FeedbackStatus {
        self.0.status.into()
    }
    /// The answer the submitter sees with the lookup code.
    async fn answer(&self) -> Option<&str> {
        self.0.answer.as_deref()
    }
    async fn answered_at(&self) -> Option<DateTime> {
        self.0.answered_at.map(DateTime)
    }
    async fn submitted_at(&self) -> DateTime {
        DateTime(self.0.submitted_at)
    }
    /// When the name and contact were erased (the retention period ended).
    async fn contact_erased_at(&self) -> Option<DateTime> {
        self.0.contact_erased_at.map(DateTime)
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Feedback counted by status.
#[derive(SimpleObject)]
pub struct FeedbackCounts {
    /// Everything received.
    pub total: i64,
    /// NEW or READ: not yet handled.
    pub open: i64,
    pub new: i64,
    pub read: i64,
    pub handled: i64,
    pub spam: i64,
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl From<Counts> for FeedbackCounts {
    fn from(c: Counts) -> Self {
        Self {
            total: int(c.total()),
            open: int(c.open()),
            new: int(c.new),
            read: int(c.read),
            handled: int(c.handled),
            spam: int(c.spam),
        }
    }
}

/// The feedback counts of one handling unit.
pub struct UnitFeedbackCounts {
    pub(crate) unit_id: i64,
    pub(crate) counts: Counts,
}

#[Object]
impl UnitFeedbackCounts {
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        let loader = ctx.data::<RequestLoader>()?;
        let unit = loader
            .load_one(UnitKey(self.unit_id))
            .await
            .map_err(|e| crate::graphql::error::internal(ctx, &e))?;
        Ok(unit.map(HandlingUnit))
    }
    async fn counts(&self) -> FeedbackCounts {
        self.counts.into()
    }
}
