//! Public feedback on the staff side: the handling unit of the reply and the office read
//! it (with the submitter's contact details, which only they see), mark it and answer.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};

use crate::graphql::access::{self, Allow, UNIT_WORK};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::enums;
use crate::graphql::error::{for_payload, for_query, UserErrorObject};
use crate::graphql::ids::filter_id;
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::feedback::{FeedbackFilter, MarkInput};
use crate::service::{self, page::PageArgs};

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
