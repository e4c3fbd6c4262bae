//! A reply letter (答复) of a handling unit.

use async_graphql::{Context, Object, Result, ID};
use entity::reply;

use crate::graphql::enums;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::*;
use crate::graphql::objects::*;
use crate::graphql::scalars::{Date, DateTime};

/// A reply letter (答复).
pub struct Reply(pub reply::Model);

#[Object]
impl Reply {
    pub async fn id(&self) -> ID {
        encode(Kind::Reply, self.0.id)
    }
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Assignment> {
        Ok(Assignment(
            must(ctx, AssignmentKey(self.0.assignment_id), "assignment").await?,
        ))
    }
    /// Files attached: the signed letter (答复函盖章件), its copy for publication, supporting
    /// material; oldest first.
    #[graphql(complexity = "crate::graphql::cost::few(child_complexity)")]
    async fn attachments(&self, ctx: &Context<'_>) -> Result<Vec<Attachment>> {
        attachments_of(ctx, entity::enums::AttachmentOwner::Reply, self.0.id).await
    }
    /// Handling round: 1 for the first reply.
    async fn round(&self) -> i32 {
        self.0.round
    }
    /// 发文字号, e.g. 淮府办函〔2022〕12号.
    async fn doc_number(&self) -> Option<&str> {
        self.0.doc_number.as_deref()
    }
    /// 称呼, e.g. 夏维奇代表.
    async fn addressee(&self) -> Option<&str> {
        self.0.addressee.as_deref()
    }
    async fn category(&self) -> enums::ReplyCategory {
        self.0.category.into()
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// 签发人
    async fn signed_by(&self) -> &str {
        &self.0.signed_by
    }
    async fn replied_on(&self) -> Date {
        Date(self.0.replied_on)
    }
    /// 联系人
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    /// 联系电话
    async fn contact_phone(&self) -> &str {
        &self.0.contact_phone
    }
    /// 抄送
    async fn copy_to(&self) -> Option<&str> {
        self.0.copy_to.as_deref()
    }
    /// The category the unit gave, when the office's review changed it.
    async fn original_category(&self) -> Option<enums::ReplyCategory> {
        self.0.original_category.map(Into::into)
    }
    async fn reviewed_at(&self) -> Option<DateTime> {
        self.0.reviewed_at.map(DateTime)
    }
    async fn publication(&self) -> enums::Publication {
        self.0.publication.into()
    }
    async fn published_at(&self) -> Option<DateTime> {
        self.0.published_at.map(DateTime)
    }
    /// Where it stands on its way to the deputy (review before release); SENT when the
    /// session does not require review.
    async fn release_state(&self) -> crate::graphql::objects::ReleaseState {
        self.0.release_state.into()
    }
    /// The office's comments when it returned the reply for revision.
    async fn review_comment(&self) -> Option<&str> {
        self.0.review_comment.as_deref()
    }
    /// The day it was sent to the deputy: the day the case counts as answered.
    async fn sent_on(&self) -> Option<Date> {
        self.0.sent_on.map(Date)
    }
    /// What the public sees as the reply's text (the summary or the redacted body),
    /// fixed at publication; null while unpublished.
    async fn public_text(&self) -> Option<&str> {
        self.0.public_text.as_deref()
    }
    /// The suggestion's text as published with the reply, if it was.
    async fn public_suggestion_text(&self) -> Option<&str> {
        self.0.public_suggestion_text.as_deref()
    }
    /// Public feedback on this reply, counted by status (the unit and the office).
    #[graphql(guard = "crate::graphql::access::Allow(crate::graphql::access::UNIT_WORK)")]
    async fn feedback_counts(
        &self,
        ctx: &Context<'_>,
    ) -> Result<crate::graphql::objects::FeedbackCounts> {
        let counts = visible(ctx, crate::graphql::loaders::FeedbackCountsOf(self.0.id)).await?;
        Ok(counts.unwrap_or_default().into())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}
