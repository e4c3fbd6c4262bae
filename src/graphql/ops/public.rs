//! The public side of the API, open to anonymous callers: published replies, CAPTCHAs,
//! submitting feedback and following it up with a lookup code.
//!
//! The types here are separate from the staff types on purpose: `PublishedReply` has only
//! the fields DOMAIN §7 makes public, so no selection can reach a body, a deputy's phone
//! or a submitter's contact through it.

use async_graphql::{Context, ErrorExtensions, InputObject, Object, Result, SimpleObject, ID};

use crate::domain::search::SearchQuery;
use crate::domain::UserError;
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::enums;
use crate::graphql::error::{for_payload, for_query, internal, user_error, UserErrorObject};
use crate::graphql::ids::filter_id;
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::*;
use crate::graphql::ops::records::keyword;
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::{request::RequestAuth, state};
use crate::service::public::PublishedFilter;
use crate::service::{self, page::PageArgs};

/// Filters of `publishedReplies`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct PublishedReplyFilter {
    pub session_id: Option<ID>,
    pub unit_id: Option<ID>,
    pub category: Option<enums::ReplyCategory>,
    /// Words in the suggestion's title or number, or the published texts (full-text: Chinese
    /// by character pairs, 幹部 = 干部; whitespace-separated words must all occur; a keyword
    /// with nothing searchable filters nothing). Limited to a few searches at once per
    /// server: RATE_LIMITED (`retryAfterSeconds`) when busy.
    pub keyword: Option<String>,
    /// Published on or after this date.
    pub published_from: Option<Date>,
    /// Published on or before this date.
    pub published_to: Option<Date>,
}

/// A feedback form as submitted under a published reply.
#[derive(InputObject)]
pub struct SubmitPublicFeedbackInput {
    /// The published reply (`PublishedReply.id`).
    pub reply_id: ID,
    /// 姓名, optional, at most 50 characters.
    pub name: Option<String>,
    /// 联系方式, optional: a phone number (landline with area code or mobile) or an e-mail
    /// address. Seen only by the handling unit and the office; erased after the
    /// retention period.
    pub contact: Option<String>,
    /// 内容, required, 1–2000 characters after trimming. Stored as typed, never as HTML.
    pub content: String,
    /// The submitter agrees that the content may be published.
    pub consent_to_publish: Option<bool>,
    /// `Captcha.id`.
    pub captcha_id: String,
    /// The characters in the image; case does not matter.
    pub captcha_answer: String,
    /// Leave empty: a hidden field of the form that people never see. A submission with
    /// it filled is taken for a robot's and discarded (answered as if accepted).
    pub website: Option<String>,
}

/// What `submitPublicFeedback` answers.
#[derive(SimpleObject)]
pub struct SubmitPublicFeedbackPayload {
    /// 查询码: with it the submitter can later see what became of the feedback.
    pub lookup_code: Option<String>,
    pub user_errors: Vec<UserErrorObject>,
}

fn client_ip(ctx: &Context<'_>) -> Option<String> {
    ctx.data_opt::<RequestAuth>()
        .and_then(|auth| auth.client_ip.clone())
}

#[derive(Default)]
pub struct PublicQuery;

#[Object]
impl PublicQuery {
    /// Published replies, newest publication first; open to everyone.
    #[graphql(complexity = "crate::graphql::cost::page(first, child_complexity)")]
    async fn published_replies(
        &self,
        ctx: &Context<'_>,
        filter: Option<PublishedReplyFilter>,
        order_by: Option<enums::PublishedReplyOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<PublishedReply>> {
        let st = state(ctx)?;
        let f = filter.unwrap_or_default();
        let keyword = keyword(f.keyword.as_ref())?
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        let filter = PublishedFilter {
            session_id: filter_id(f.session_id.as_ref(), Kind::Session, "sessionId")?,
            unit_id: filter_id(f.unit_id.as_ref(), Kind::HandlingUnit, "unitId")?,
            category: f.category.map(Into::into),
            keyword,
            published_from: f.published_from.map(|d| d.0),
            published_to: f.published_to.map(|d| d.0),
        };
        let order = order_by.map(Into::into).unwrap_or_default();
        // A keyword search costs what the word makes it cost: take a turn, so anonymous
        // searches never hold more than a few pooled connections (BENCHMARKS.md).
        let turn =
            match filter.keyword.as_deref().and_then(SearchQuery::parse) {
                Some(_) => match st.public_search.enter().await {
                    Some(permit) => Some(std::sync::Arc::new(permit)),
                    None => return Err(user_error(UserError::rate_limited(
                        &["filter", "keyword"],
                        "检索的人较多，请稍后再试 (too many searches at once; try again shortly)",
                        1,
                    ))),
                },
                None => None,
            };
        let filter = service::public::plan(&st.db, filter)
            .await
            .map_err(|e| for_query(ctx, e))?;
        let page = service::public::list(&st.db, &filter, order, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let db = st.db.clone();
        let filter = std::sync::Arc::new(filter);
        let total = TotalCount::total(move || {
            let db = db.clone();
            let filter = std::sync::Arc::clone(&filter);
            let turn = turn.clone();
            async move {
                let counted = service::public::count(&db, &filter).await;
                drop(turn);
                counted
            }
        });
        Ok(connection(page, total, PublishedReply))
    }

    /// One published reply; null when there is none with this ID that the public may see.
    async fn published_reply(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PublishedReply>> {
        let Some((Kind::Reply, key)) = ids::decode(id.as_str()) else {
            return Ok(None);
        };
        let st = state(ctx)?;
        service::public::get(&st.db, key)
            .await
            .map(|row| row.map(PublishedReply))
            .map_err(|e| for_query(ctx, e))
    }

    /// Follows up a feedback with its lookup code (查询码); uses up a CAPTCHA.
    #[graphql(
        deprecation = "It uses up a CAPTCHA, which a query must not do (a cache-first client may answer it from its cache): use the mutation lookUpPublicFeedback. Removed in 0.3."
    )]
    async fn feedback_by_lookup_code(
        &self,
        ctx: &Context<'_>,
        code: String,
        captcha_id: String,
        captcha_answer: String,
    ) -> Result<FeedbackLookupResult> {
        look_up(ctx, code, captcha_id, captcha_answer).await
    }
}

/// What a lookup of public feedback takes: the lookup code (查询码) and a fresh CAPTCHA.
#[derive(InputObject)]
pub struct LookUpPublicFeedbackInput {
    /// 查询码: the code `submitPublicFeedback` answered with (12 letters and digits).
    pub code: String,
    /// The CAPTCHA's `id` (`createCaptcha`).
    pub captcha_id: String,
    /// What the person read (or heard); letters in either case.
    pub captcha_answer: String,
}

/// The feedback a lookup code names, or user errors (CAPTCHA_INVALID, NOT_FOUND); the
/// CAPTCHA is used up either way.
async fn look_up(
    ctx: &Context<'_>,
    code: String,
    captcha_id: String,
    captcha_answer: String,
) -> Result<FeedbackLookupResult> {
    let st = state(ctx)?;
    let result =
        service::feedback::lookup(&st.db, &code, &captcha_id, &captcha_answer, st.clock.now())
            .await;
    let (found, user_errors) = for_payload(ctx, result)?;
    Ok(FeedbackLookupResult {
        feedback: found.map(|f| SubmittedFeedback {
            status: f.status.into(),
            answer: f.answer,
            submitted_at: DateTime(f.submitted_at),
            answered_at: f.answered_at.map(DateTime),
        }),
        user_errors,
    })
}

#[derive(Default)]
pub struct PublicMutation;

fn rate_limited(wait: u32) -> async_graphql::Error {
    async_graphql::Error::new(format!(
        "请求过于频繁，请 {wait} 秒后再试 (too many requests; retry in {wait} s)"
    ))
    .extend_with(move |_, e| {
        e.set("code", "RATE_LIMITED");
        e.set("retryAfterSeconds", wait);
    })
}

#[Object]
impl PublicMutation {
    /// A new CAPTCHA for a public form. Each is good for one answer (right or wrong)
    /// within its lifetime. With `audio: true` it comes with `audioWav`, the same
    /// challenge spoken (for people who cannot see the image). Too many requests from one
    /// client answer with a GraphQL error whose `extensions` carry `code: RATE_LIMITED`
    /// and `retryAfterSeconds`.
    async fn create_captcha(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] audio: bool,
    ) -> Result<Captcha> {
        let st = state(ctx)?;
        let client = client_ip(ctx);
        let limit = client.as_deref().map(|client| (&st.captcha_window, client));
        let made = service::captcha::create(&st.db, &st.captcha, audio, limit, st.clock.now())
            .await
            .map_err(|e| match e {
                service::ServiceError::Unexpected(e) => internal(ctx, &e),
                other => for_query(ctx, other),
            })?
            .map_err(rate_limited)?;
        Ok(Captcha {
            image_png: made.data_url(),
            audio_wav: made.audio_data_url(),
            id: made.id,
            expires_at: DateTime(made.expires_at),
        })
    }

    /// Follows up a feedback with its lookup code (查询码): what became of it (status, the
    /// answer). Needs a fresh CAPTCHA, which this uses up, right or wrong; user errors:
    /// CAPTCHA_INVALID, NOT_FOUND (no feedback with this code).
    async fn look_up_public_feedback(
        &self,
        ctx: &Context<'_>,
        input: LookUpPublicFeedbackInput,
    ) -> Result<FeedbackLookupResult> {
        let mut found = look_up(ctx, input.code, input.captcha_id, input.captcha_answer).await?;
        for error in &mut found.user_errors {
            if !error.field.is_empty() {
                error.field.insert(0, "input".to_owned());
            }
        }
        Ok(found)
    }

    /// Sends feedback on a published reply (公众意见反馈). Answers with a lookup code, or
    /// with user errors: INVALID (a field), CAPTCHA_INVALID, NOT_FOUND (no such published
    /// reply), DUPLICATE (same content sent again), RATE_LIMITED (with
    /// `retryAfterSeconds`). The CAPTCHA is used up either way.
    async fn submit_public_feedback(
        &self,
        ctx: &Context<'_>,
        input: SubmitPublicFeedbackInput,
    ) -> Result<SubmitPublicFeedbackPayload> {
        let st = state(ctx)?;
        let result = match ids::expect(&input.reply_id, Kind::Reply, &["input", "replyId"]) {
            Err(e) => Err(e.into()),
            Ok(reply_id) => {
                let submit = service::feedback::SubmitInput {
                    reply_id,
                    name: input.name,
                    contact: input.contact,
                    content: input.content,
                    consent_to_publish: input.consent_to_publish.unwrap_or(false),
                    captcha_id: input.captcha_id,
                    captcha_answer: input.captcha_answer,
                    honeypot: input.website,
                    client_ip: client_ip(ctx),
                };
                service::feedback::submit(&st.db, &st.feedback, submit, st.clock.now()).await
            }
        };
        let (submitted, user_errors) = for_payload(ctx, result)?;
        Ok(SubmitPublicFeedbackPayload {
            lookup_code: submitted.map(|s| s.lookup_code().to_owned()),
            user_errors,
        })
    }
}
