//! Reply letters: submitting, publishing and withdrawing them from publication.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};

use super::payload;
use crate::graphql::access::{self, Allow, OFFICE, UNIT_WORK};
use crate::graphql::enums;
use crate::graphql::error::{for_payload, UserErrorObject};
use crate::graphql::idempotency::Idempotent;
use crate::graphql::ids::{self, Kind};
use crate::graphql::limits::{max_items, MaxItems};
use crate::graphql::objects::*;
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::state;
use crate::service::{self, scope};

#[derive(Default)]
pub struct ReplyMutation;

#[derive(InputObject)]
pub struct SubmitReplyInput {
    pub assignment_id: ID,
    pub expected_version: Option<i32>,
    /// 发文字号
    pub doc_number: Option<String>,
    /// 称呼, e.g. 夏维奇代表
    pub addressee: Option<String>,
    /// Must be in the session's category scheme.
    pub category: enums::ReplyCategory,
    pub body: String,
    /// Published instead of the body when publication is SUMMARY.
    pub summary: Option<String>,
    /// 签发人
    pub signed_by: String,
    /// Default today (China time).
    pub replied_on: Option<Date>,
    /// 联系人
    pub contact_name: String,
    /// 联系电话
    pub contact_phone: String,
    /// 抄送
    pub copy_to: Option<String>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request did, without doing it again (kept 7 days; 1–100 printable ASCII characters,
    /// e.g. a UUID). The same key with another input: IDEMPOTENCY_KEY_REUSED.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct PublishReplyInput {
    pub reply_id: ID,
    pub expected_version: Option<i32>,
    /// FULL or SUMMARY.
    pub publication: enums::Publication,
    /// Replaces the stored summary.
    pub summary: Option<String>,
    /// Passages withheld from the public (区分处理), each replaced by ［不予公开］ in what is
    /// published; each must occur in the published text. The deputies' phone numbers and
    /// addresses are withheld without being listed. At most 50 passages.
    #[graphql(validator(custom = "MaxItems::new(\"redact\", max_items::REDACTIONS)"))]
    pub redact: Option<Vec<String>>,
    /// Also publish the suggestion's text (redacted likewise). Default false.
    pub with_suggestion_text: Option<bool>,
    /// Also publish the letter's copy for publication (答复函公开件, the reply's
    /// REPLY_LETTER_FOR_PUBLICATION attachments), which the public may then download; INVALID
    /// when the reply has none. Default false: the copy stays private (also when a reply
    /// withdrawn and published again leaves it out). The signed original (REPLY_LETTER) is
    /// never published.
    pub with_letter: Option<bool>,
    /// When it was published, for records moved in from an archive (seed 000: published
    /// 2022-09-19 14:52); default now. Never in the future, never before the reply's date;
    /// the timeline marks it back-dated, and the audit log says who did it.
    pub published_at: Option<DateTime>,
}

#[derive(InputObject)]
pub struct UnpublishReplyInput {
    pub reply_id: ID,
    pub expected_version: Option<i32>,
    /// 撤回原因, shown to staff in the timeline (1–500 characters).
    pub reason: String,
}

payload!(PublishReplyPayload, reply: Reply);

payload!(UnpublishReplyPayload, reply: Reply);

#[derive(SimpleObject)]
pub struct SubmitReplyPayload {
    pub reply: Option<Reply>,
    pub assignment: Option<Assignment>,
    pub user_errors: Vec<UserErrorObject>,
}

#[Object]
impl ReplyMutation {
    /// Records the unit's reply letter (答复) to the deputy.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn submit_reply(
        &self,
        ctx: &Context<'_>,
        input: SubmitReplyInput,
    ) -> Result<SubmitReplyPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result = async {
            let assignment_id = ids::expect(
                &input.assignment_id,
                Kind::Assignment,
                &["input", "assignmentId"],
            )?;
            let new = service::reply::NewReply {
                assignment_id,
                expected_version: input.expected_version,
                doc_number: input.doc_number,
                addressee: input.addressee,
                category: input.category.into(),
                body: input.body,
                summary: input.summary,
                signed_by: input.signed_by,
                replied_on: input.replied_on.map(|d| d.0),
                contact_name: input.contact_name,
                contact_phone: input.contact_phone,
                copy_to: input.copy_to,
                archived: false,
            };
            let field = &["input", "assignmentId"];
            scope::check_assignment(&st.db, access::scope(ctx), assignment_id, field).await?;
            idempotent
                .run(
                    &st.db,
                    |id| {
                        service::workflow::with_its_assignment::<entity::reply::Entity>(
                            &st.db,
                            id,
                            |r| r.assignment_id,
                        )
                    },
                    service::reply::submit(&st.db, new, st.clock.now(), st.clock.today()),
                )
                .await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (reply, assignment) = match done {
            Some((r, a)) => (Some(Reply(r)), Some(Assignment(a))),
            None => (None, None),
        };
        Ok(SubmitReplyPayload {
            reply,
            assignment,
            user_errors,
        })
    }

    /// Publishes a reply (公开), in full or as its summary. Only the reply in force: a reply
    /// superseded by a later round's (re-handling) is INVALID_STATE, and publishing a round's
    /// reply withdraws an earlier round's publication (timeline PUBLICATION_WITHDRAWN,
    /// reason SUPERSEDED), so the public sees one answer, marked with its `round`.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn publish_reply(
        &self,
        ctx: &Context<'_>,
        input: PublishReplyInput,
    ) -> Result<PublishReplyPayload> {
        let st = state(ctx)?;
        let result = async {
            let reply_id = ids::expect(&input.reply_id, Kind::Reply, &["input", "replyId"])?;
            let publish = service::reply::PublishInput {
                reply_id,
                expected_version: input.expected_version,
                publication: input.publication.into(),
                summary: input.summary,
                redact: input.redact.unwrap_or_default(),
                with_suggestion_text: input.with_suggestion_text.unwrap_or(false),
                with_letter: input.with_letter.unwrap_or(false),
                published_at: input.published_at.map(|at| at.0),
            };
            service::reply::publish(&st.db, publish, st.clock.now()).await
        }
        .await;
        let (reply, user_errors) = for_payload(ctx, result)?;
        Ok(PublishReplyPayload {
            reply: reply.map(Reply),
            user_errors,
        })
    }

    /// Withdraws a publication (撤回公开), with the reason: the reply leaves the public list
    /// and the public index at once (cached public `GET` answers within their max-age).
    /// Feedback already sent on it stays for staff. INVALID_STATE when it is not published.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn unpublish_reply(
        &self,
        ctx: &Context<'_>,
        input: UnpublishReplyInput,
    ) -> Result<UnpublishReplyPayload> {
        let st = state(ctx)?;
        let result = async {
            let reply_id = ids::expect(&input.reply_id, Kind::Reply, &["input", "replyId"])?;
            service::reply::unpublish(
                &st.db,
                reply_id,
                input.expected_version,
                &input.reason,
                st.clock.now(),
            )
            .await
        }
        .await;
        let (reply, user_errors) = for_payload(ctx, result)?;
        Ok(UnpublishReplyPayload {
            reply: reply.map(Reply),
            user_errors,
        })
    }
}
