//! Public feedback on the staff side: the handling unit of the reply and the office read
//! it (with the submitter's contact details, which only they see), mark it and answer.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use entity::public_feedback;

use super::access::{self, Allow, UNIT_WORK};
use super::connection::{connection, Conn, TotalCount};
use super::enums;
use super::error::{for_payload, for_query, UserErrorObject};
use super::ids::{self, encode, Kind};
use super::loaders::visible;
use super::loaders::RequestLoader;
use super::loaders::{ReplyKey, UnitKey};
use super::objects::{HandlingUnit, Reply};
use super::scalars::{Date, DateTime};
use super::state;
use crate::graphql::ids::filter_id;
use crate::service::feedback::{FeedbackCounts as Counts, FeedbackFilter, MarkInput};
use crate::service::{self, page::PageArgs};

/// Feedback from the public on a published reply, as staff see it.
pub struct PublicFeedback(pub public_feedback::Model);

#[Object]
impl PublicFeedback {
    async fn id(&self) -> ID {
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
    unit_id: i64,
    counts: Counts,
}

#[Object]
impl UnitFeedbackCounts {
    async fn unit(&self, ctx: &Context<'_>) -> Result<Option<HandlingUnit>> {
        let loader = ctx.data::<RequestLoader>()?;
        let unit = loader
            .load_one(UnitKey(self.unit_id))
            .await
            .map_err(|e| super::error::internal(ctx, &e))?;
        Ok(unit.map(HandlingUnit))
    }
    async fn counts(&self) -> FeedbackCounts {
        self.counts.into()
    }
}

/// Filters of `publicFeedback`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct PublicFeedbackFilter {
    pub reply_id: Option<ID>,
    /// Feedback on replies of this unit.
    pub unit_id: Option<ID>,
    pub status: Option<enums::FeedbackStatus>,
    pub submitted_from: Option<Date>,
    pub submitted_to: Option<Date>,
}

/// Filters of `feedbackCountsByUnit`.
#[derive(InputObject, Default)]
pub struct FeedbackCountFilter {
    pub session_id: Option<ID>,
    pub unit_id: Option<ID>,
    pub submitted_from: Option<Date>,
    pub submitted_to: Option<Date>,
}

#[derive(Default)]
pub struct FeedbackQuery;

#[Object]
impl FeedbackQuery {
    /// Public feedback, newest first: the office sees all, a unit the feedback on its own
    /// replies.
    #[graphql(
        guard = "Allow(UNIT_WORK)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn public_feedback(
        &self,
        ctx: &Context<'_>,
        filter: Option<PublicFeedbackFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<PublicFeedback>> {
        let st = state(ctx)?;
        let f = filter.unwrap_or_default();
        let filter = FeedbackFilter {
            scope: access::scope(ctx),
            reply_id: filter_id(f.reply_id.as_ref(), Kind::Reply, "replyId")?,
            unit_id: filter_id(f.unit_id.as_ref(), Kind::HandlingUnit, "unitId")?,
            status: f.status.map(Into::into),
            submitted_from: f.submitted_from.map(|d| d.0),
            submitted_to: f.submitted_to.map(|d| d.0),
        };
        let page = service::feedback::list(&st.db, &filter, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let db = st.db.clone();
        let total = TotalCount::new(move || {
            let (db, select) = (db.clone(), service::feedback::filtered(&filter));
            async move { service::page::count(db.conn(), select).await }
        });
        Ok(connection(page, total, PublicFeedback))
    }

    /// Feedback counted per handling unit (a unit sees its own row only).
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn feedback_counts_by_unit(
        &self,
        ctx: &Context<'_>,
        filter: Option<FeedbackCountFilter>,
    ) -> Result<Vec<UnitFeedbackCounts>> {
        let st = state(ctx)?;
        let f = filter.unwrap_or_default();
        let filter = FeedbackFilter {
            scope: access::scope(ctx),
            unit_id: filter_id(f.unit_id.as_ref(), Kind::HandlingUnit, "unitId")?,
            submitted_from: f.submitted_from.map(|d| d.0),
            submitted_to: f.submitted_to.map(|d| d.0),
            ..Default::default()
        };
        let session_id = filter_id(f.session_id.as_ref(), Kind::Session, "sessionId")?;
        let rows = service::feedback::counts_by_unit(&st.db, &filter, session_id)
            .await
            .map_err(|e| for_query(ctx, e))?;
        Ok(rows
            .into_iter()
            .map(|(unit_id, counts)| UnitFeedbackCounts { unit_id, counts })
            .collect())
    }
}

/// Marks a feedback.
#[derive(InputObject)]
pub struct MarkFeedbackInput {
    pub id: ID,
    /// READ, HANDLED or SPAM.
    pub status: enums::FeedbackStatus,
    /// An answer the submitter will see with the lookup code (kept as it was when omitted).
    pub answer: Option<String>,
    pub expected_version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct MarkFeedbackPayload {
    pub feedback: Option<PublicFeedback>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(Default)]
pub struct FeedbackMutation;

#[Object]
impl FeedbackMutation {
    /// Marks a feedback READ, HANDLED or SPAM, optionally answering it.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn mark_feedback(
        &self,
        ctx: &Context<'_>,
        input: MarkFeedbackInput,
    ) -> Result<MarkFeedbackPayload> {
        let st = state(ctx)?;
        let actor = access::caller(ctx).principal().map(|p| p.user_id);
        let result = match ids::expect(&input.id, Kind::PublicFeedback, &["input", "id"]) {
            Err(e) => Err(e.into()),
            Ok(id) => {
                service::feedback::mark(
                    &st.db,
                    access::scope(ctx),
                    actor,
                    MarkInput {
                        id,
                        status: input.status.into(),
                        answer: input.answer,
                        expected_version: input.expected_version,
                    },
                    st.clock.now(),
                )
                .await
            }
        };
        let (feedback, user_errors) = for_payload(ctx, result)?;
        Ok(MarkFeedbackPayload {
            feedback: feedback.map(PublicFeedback),
            user_errors,
        })
    }
}
