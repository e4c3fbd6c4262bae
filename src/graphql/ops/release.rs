//! Review before release (答复审核) over GraphQL: the office's review, the unit's revision
//! and sending; thin resolvers over `service::release`.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};

use crate::graphql::access::{self, Allow, OFFICE, UNIT_WORK};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::enums;
use crate::graphql::error::{for_payload, for_query, user_error, UserErrorObject};
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::*;
use crate::graphql::objects::{Assignment, Reply};
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self, page::PageArgs};

#[derive(InputObject)]
pub struct ReviewReplyReleaseInput {
    pub reply_id: ID,
    pub expected_version: Option<i32>,
    /// true: 审核通过; false: 退回修改 (with `comment`).
    pub approve: bool,
    pub comment: Option<String>,
}

#[derive(InputObject)]
pub struct ReviseReplyInput {
    pub reply_id: ID,
    pub expected_version: Option<i32>,
    pub category: Option<enums::ReplyCategory>,
    pub body: Option<String>,
    pub summary: Option<String>,
    pub replied_on: Option<Date>,
}

#[derive(InputObject)]
pub struct SendReplyInput {
    pub reply_id: ID,
    pub expected_version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct ReleasePayload {
    pub reply: Option<Reply>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(SimpleObject)]
pub struct SendReplyPayload {
    pub reply: Option<Reply>,
    /// The assignment, now answered (REPLIED).
    pub assignment: Option<Assignment>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(InputObject, Default)]
pub struct ReleaseQueueFilter {
    pub session_id: Option<ID>,
    /// Any of these states (at most 20 values); none: every reply not yet sent.
    #[graphql(
        default,
        validator(
            custom = "crate::graphql::limits::MaxItems::new(\"states\", crate::graphql::limits::max_items::FILTER_VALUES)"
        )
    )]
    pub states: Vec<ReleaseState>,
}

#[derive(Default)]
pub struct ReleaseQuery;

#[Object]
impl ReleaseQuery {
    /// Replies on their way to the deputies, oldest first: the office's review desk
    /// (`states: [SUBMITTED_FOR_REVIEW]`); a unit sees its own.
    #[graphql(
        guard = "Allow(UNIT_WORK)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn replies_in_release(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReleaseQueueFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Reply>> {
        let db = state(ctx)?.db.clone();
        let scope = access::scope(ctx);
        let input = filter.unwrap_or_default();
        let filter = service::release::QueueFilter {
            session_id: input
                .session_id
                .map(|id| ids::expect(&id, Kind::Session, &["filter", "sessionId"]))
                .transpose()
                .map_err(user_error)?,
            states: input.states.into_iter().map(Into::into).collect(),
        };
        let page = service::release::queue(&db, scope, &filter, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, filter) = (db.clone(), filter.clone());
            async move { service::release::queue_count(&db, scope, &filter).await }
        });
        Ok(connection(page, total, Reply))
    }
}

#[derive(Default)]
pub struct ReleaseMutation;

#[Object]
impl ReleaseMutation {
    /// 答复审核: the office approves a reply submitted for review, or returns it with
    /// comments (sessions with `reviewBeforeRelease`).
    #[graphql(guard = "Allow(OFFICE)")]
    async fn review_reply_release(
        &self,
        ctx: &Context<'_>,
        input: ReviewReplyReleaseInput,
    ) -> Result<ReleasePayload> {
        let st = state(ctx)?;
        let result = async {
            let reply_id = ids::expect(&input.reply_id, Kind::Reply, &["input", "replyId"])?;
            let review = service::release::ReleaseReview {
                reply_id,
                expected_version: input.expected_version,
                approve: input.approve,
                comment: input.comment,
            };
            service::release::review(&st.db, review, st.clock.now()).await
        }
        .await;
        let (reply, user_errors) = for_payload(ctx, result)?;
        Ok(ReleasePayload {
            reply: reply.map(Reply),
            user_errors,
        })
    }

    /// The unit revises a reply the office returned and submits it for review again;
    /// fields left out stay.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn revise_reply(
        &self,
        ctx: &Context<'_>,
        input: ReviseReplyInput,
    ) -> Result<ReleasePayload> {
        let st = state(ctx)?;
        let result = async {
            let reply_id = ids::expect(&input.reply_id, Kind::Reply, &["input", "replyId"])?;
            let revision = service::release::Revision {
                reply_id,
                expected_version: input.expected_version,
                category: input.category.map(Into::into),
                body: input.body,
                summary: input.summary,
                replied_on: input.replied_on.map(|d| d.0),
            };
            service::release::revise(
                &st.db,
                access::scope(ctx),
                revision,
                st.clock.now(),
                st.clock.today(),
            )
            .await
        }
        .await;
        let (reply, user_errors) = for_payload(ctx, result)?;
        Ok(ReleasePayload {
            reply: reply.map(Reply),
            user_errors,
        })
    }

    /// 发送答复: the unit (or the office for it) sends an approved reply to the deputy; the
    /// case is answered today.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn send_reply(
        &self,
        ctx: &Context<'_>,
        input: SendReplyInput,
    ) -> Result<SendReplyPayload> {
        let st = state(ctx)?;
        let result = async {
            let reply_id = ids::expect(&input.reply_id, Kind::Reply, &["input", "replyId"])?;
            service::release::send(
                &st.db,
                access::scope(ctx),
                reply_id,
                input.expected_version,
                st.clock.now(),
                st.clock.today(),
            )
            .await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (reply, assignment) =
            done.map_or((None, None), |(r, a)| (Some(Reply(r)), Some(Assignment(a))));
        Ok(SendReplyPayload {
            reply,
            assignment,
            user_errors,
        })
    }
}
