//! The handling workflow's transitions (签收, 退回, 会办, 延期, 联系, 审核, 测评, 回访, 办结,
//! 撤回): each decodes IDs, checks the caller's scope, calls one service function and
//! builds its payload.

mod inputs;
pub use inputs::*;

use async_graphql::{Context, InputObject, Object, Result, ID};

use super::payload;
use crate::domain::UserError;
use crate::graphql::access::{self, Allow, DEPUTY_WORK, OFFICE, UNIT_WORK};
use crate::graphql::enums;
use crate::graphql::error::for_payload;
use crate::graphql::idempotency::Idempotent;
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self, scope};

/// Where user errors about a suggestion transition's subject point.
const SUGGESTION_ID: [&str; 2] = ["input", "suggestionId"];

#[derive(Default)]
pub struct WorkflowMutation;

#[Object]
impl WorkflowMutation {
    /// 签收: the unit signs for its assignment.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn sign_for_assignment(
        &self,
        ctx: &Context<'_>,
        input: SignForAssignmentInput,
    ) -> Result<SignForAssignmentPayload> {
        let st = state(ctx)?;
        let result = async {
            let field = &["input", "assignmentId"];
            let id = ids::expect(&input.assignment_id, Kind::Assignment, field)?;
            scope::check_assignment(&st.db, access::scope(ctx), id, field).await?;
            service::workflow::sign_for(&st.db, id, input.expected_version, st.clock.now()).await
        }
        .await;
        let (assignment, user_errors) = for_payload(ctx, result)?;
        Ok(SignForAssignmentPayload {
            assignment: assignment.map(Assignment),
            user_errors,
        })
    }

    /// 退回申请: within the return window, ask to return a wrong assignment.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn request_return(
        &self,
        ctx: &Context<'_>,
        input: RequestReturnInput,
    ) -> Result<RequestReturnPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result = async {
            let request = service::workflow::ReturnInput {
                assignment_id: ids::expect(
                    &input.assignment_id,
                    Kind::Assignment,
                    &["input", "assignmentId"],
                )?,
                expected_version: input.expected_version,
                reason: input.reason,
                suggested_unit_id: ids::expect_opt(
                    input.suggested_unit_id.as_ref(),
                    Kind::HandlingUnit,
                    &["input", "suggestedUnitId"],
                )?,
            };
            let field = &["input", "assignmentId"];
            scope::check_assignment(&st.db, access::scope(ctx), request.assignment_id, field)
                .await?;
            idempotent
                .run(
                    &st.db,
                    |id| {
                        service::workflow::with_its_assignment::<entity::return_request::Entity>(
                            &st.db,
                            id,
                            |r| r.assignment_id,
                        )
                    },
                    service::workflow::request_return(&st.db, request, st.clock.now()),
                )
                .await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (r, a) = done.map_or((None, None), |(r, a)| {
            (Some(ReturnRequest(r)), Some(Assignment(a)))
        });
        Ok(RequestReturnPayload {
            return_request: r,
            assignment: a,
            user_errors,
        })
    }

    /// The office approves a return (reassigning with the same role) or rejects it.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn decide_return(
        &self,
        ctx: &Context<'_>,
        input: DecideReturnInput,
    ) -> Result<DecideReturnPayload> {
        let st = state(ctx)?;
        let result = async {
            let decision = service::workflow::ReturnDecision {
                request_id: ids::expect(
                    &input.request_id,
                    Kind::ReturnRequest,
                    &["input", "requestId"],
                )?,
                approve: input.approve,
                reassign_to_unit_id: ids::expect_opt(
                    input.reassign_to_unit_id.as_ref(),
                    Kind::HandlingUnit,
                    &["input", "reassignToUnitId"],
                )?,
                note: input.note,
            };
            service::workflow::decide_return(&st.db, decision, st.clock.now()).await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        Ok(match done {
            Some((r, a, n)) => DecideReturnPayload {
                return_request: Some(ReturnRequest(r)),
                assignment: Some(Assignment(a)),
                new_assignment: n.map(Assignment),
                user_errors,
            },
            None => DecideReturnPayload {
                return_request: None,
                assignment: None,
                new_assignment: None,
                user_errors,
            },
        })
    }

    /// 会办意见: a co-handler sends its opinion to the lead unit.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn send_co_opinion(
        &self,
        ctx: &Context<'_>,
        input: SendCoOpinionInput,
    ) -> Result<SendCoOpinionPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result = async {
            let opinion = service::workflow::CoOpinionInput {
                assignment_id: ids::expect(
                    &input.assignment_id,
                    Kind::Assignment,
                    &["input", "assignmentId"],
                )?,
                expected_version: input.expected_version,
                body: input.body,
                signed_by: input.signed_by,
                sent_on: input.sent_on.map(|d| d.0),
            };
            let field = &["input", "assignmentId"];
            scope::check_assignment(&st.db, access::scope(ctx), opinion.assignment_id, field)
                .await?;
            idempotent
                .run(
                    &st.db,
                    |id| {
                        service::workflow::with_its_assignment::<entity::co_opinion::Entity>(
                            &st.db,
                            id,
                            |r| r.assignment_id,
                        )
                    },
                    service::workflow::send_co_opinion(&st.db, opinion, st.clock.now()),
                )
                .await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (o, a) = done.map_or((None, None), |(o, a)| {
            (Some(CoOpinion(o)), Some(Assignment(a)))
        });
        Ok(SendCoOpinionPayload {
            co_opinion: o,
            assignment: a,
            user_errors,
        })
    }

    /// 延期申请: ask for more time (never beyond the session's hard cap).
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn request_extension(
        &self,
        ctx: &Context<'_>,
        input: RequestExtensionInput,
    ) -> Result<RequestExtensionPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result =
            async {
                let request = service::workflow::ExtensionInput {
                    assignment_id: ids::expect(
                        &input.assignment_id,
                        Kind::Assignment,
                        &["input", "assignmentId"],
                    )?,
                    expected_version: input.expected_version,
                    reason: input.reason,
                    requested_due_on: input.requested_due_on.map(|d| d.0),
                };
                let field = &["input", "assignmentId"];
                scope::check_assignment(&st.db, access::scope(ctx), request.assignment_id, field)
                    .await?;
                idempotent
                    .run(
                        &st.db,
                        |id| {
                            service::workflow::with_its_assignment::<
                                entity::extension_request::Entity,
                            >(&st.db, id, |r| r.assignment_id)
                        },
                        service::workflow::request_extension(&st.db, request, st.clock.now()),
                    )
                    .await
            }
            .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (r, a) = done.map_or((None, None), |(r, a)| {
            (Some(ExtensionRequest(r)), Some(Assignment(a)))
        });
        Ok(RequestExtensionPayload {
            extension_request: r,
            assignment: a,
            user_errors,
        })
    }

    /// The office approves an extension with a new due date, or rejects it.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn decide_extension(
        &self,
        ctx: &Context<'_>,
        input: DecideExtensionInput,
    ) -> Result<DecideExtensionPayload> {
        let st = state(ctx)?;
        let result = async {
            let decision = service::workflow::ExtensionDecision {
                request_id: ids::expect(
                    &input.request_id,
                    Kind::ExtensionRequest,
                    &["input", "requestId"],
                )?,
                approve: input.approve,
                due_on: input.due_on.map(|d| d.0),
                note: input.note,
            };
            service::workflow::decide_extension(&st.db, decision, st.clock.now()).await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (r, a) = done.map_or((None, None), |(r, a)| {
            (Some(ExtensionRequest(r)), Some(Assignment(a)))
        });
        Ok(DecideExtensionPayload {
            extension_request: r,
            assignment: a,
            user_errors,
        })
    }

    /// 沟通记录: log a contact with the deputy.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn log_contact(
        &self,
        ctx: &Context<'_>,
        input: LogContactInput,
    ) -> Result<LogContactPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result = async {
            let contact = service::workflow::ContactInput {
                assignment_id: ids::expect(
                    &input.assignment_id,
                    Kind::Assignment,
                    &["input", "assignmentId"],
                )?,
                stage: input.stage.into(),
                method: input.method.into(),
                contacted_on: input.contacted_on.0,
                participants: input.participants,
                notes: input.notes,
            };
            let field = &["input", "assignmentId"];
            scope::check_assignment(&st.db, access::scope(ctx), contact.assignment_id, field)
                .await?;
            idempotent
                .run(
                    &st.db,
                    |id| {
                        crate::graphql::idempotency::stored::<entity::contact_record::Entity>(
                            &st.db, id,
                        )
                    },
                    service::workflow::log_contact(&st.db, contact, st.clock.now()),
                )
                .await
        }
        .await;
        let (record, user_errors) = for_payload(ctx, result)?;
        let assignment = match &record {
            Some(r) => Some(Assignment(
                crate::graphql::loaders::must(
                    ctx,
                    crate::graphql::loaders::AssignmentKey(r.assignment_id),
                    "assignment",
                )
                .await?,
            )),
            None => None,
        };
        Ok(LogContactPayload {
            contact_record: record.map(Into::into),
            assignment,
            user_errors,
        })
    }

    /// The office reviews a reply and may change its category.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn review_reply(
        &self,
        ctx: &Context<'_>,
        input: ReviewReplyInput,
    ) -> Result<ReviewReplyPayload> {
        let st = state(ctx)?;
        let result = async {
            let review = service::workflow::ReviewInput {
                reply_id: ids::expect(&input.reply_id, Kind::Reply, &["input", "replyId"])?,
                expected_version: input.expected_version,
                category: input.category.into(),
                note: input.note,
            };
            service::workflow::review_reply(&st.db, review, st.clock.now()).await
        }
        .await;
        let (reply, user_errors) = for_payload(ctx, result)?;
        Ok(ReviewReplyPayload {
            reply: reply.map(Reply),
            user_errors,
        })
    }

    /// 满意度测评: the lead deputy (or a co-signer) rates a reply. The lead deputy's
    /// UNSATISFIED opens a re-handling round with its own due date.
    #[graphql(guard = "Allow(DEPUTY_WORK)")]
    async fn rate_reply(
        &self,
        ctx: &Context<'_>,
        input: RateReplyInput,
    ) -> Result<RateReplyPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result = async {
            let mut rating = service::workflow::RatingInput {
                reply_id: ids::expect(&input.reply_id, Kind::Reply, &["input", "replyId"])?,
                deputy_id: ids::expect_opt(
                    input.deputy_id.as_ref(),
                    Kind::Deputy,
                    &["input", "deputyId"],
                )?,
                satisfaction: input.satisfaction.into(),
                work_satisfaction: input.work_satisfaction.map(Into::into),
                result_satisfaction: input.result_satisfaction.map(Into::into),
                comment: input.comment,
                rated_on: input.rated_on.map(|d| d.0),
            };
            let scope = access::scope(ctx);
            scope::check_reply(&st.db, scope, rating.reply_id, &["input", "replyId"]).await?;
            // A deputy rates as themselves; the office may enter any deputy's form.
            if let crate::domain::access::Scope::Deputy(own) = scope {
                if rating.deputy_id.is_some_and(|d| d != own) {
                    return Err(UserError::missing(&["input", "deputyId"], "代表", "deputy").into());
                }
                rating.deputy_id = Some(own);
            }
            idempotent
                .run(
                    &st.db,
                    |id| service::workflow::rating_with_assignment(&st.db, id),
                    service::workflow::rate_reply(&st.db, rating, st.clock.now()),
                )
                .await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (r, a) = done.map_or((None, None), |(r, a)| {
            (Some(Rating(r)), Some(Assignment(a)))
        });
        Ok(RateReplyPayload {
            rating: r,
            assignment: a,
            user_errors,
        })
    }

    /// 跟踪办理: a follow-up reply on a B or C matter.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn send_follow_up(
        &self,
        ctx: &Context<'_>,
        input: SendFollowUpInput,
    ) -> Result<SendFollowUpPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result = async {
            let follow_up = service::workflow::FollowUpInput {
                assignment_id: ids::expect(
                    &input.assignment_id,
                    Kind::Assignment,
                    &["input", "assignmentId"],
                )?,
                body: input.body,
                replied_on: input.replied_on.map(|d| d.0),
            };
            let field = &["input", "assignmentId"];
            scope::check_assignment(&st.db, access::scope(ctx), follow_up.assignment_id, field)
                .await?;
            idempotent
                .run(
                    &st.db,
                    |id| {
                        crate::graphql::idempotency::stored::<entity::follow_up::Entity>(&st.db, id)
                    },
                    service::workflow::follow_up(&st.db, follow_up, st.clock.now()),
                )
                .await
        }
        .await;
        let (follow_up, user_errors) = for_payload(ctx, result)?;
        Ok(SendFollowUpPayload {
            follow_up: follow_up.map(FollowUp),
            user_errors,
        })
    }

    /// 办结: close a replied and rated suggestion.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn close_suggestion(
        &self,
        ctx: &Context<'_>,
        input: SuggestionTransitionInput,
    ) -> Result<CloseSuggestionPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.suggestion_id, Kind::Suggestion, &SUGGESTION_ID)?;
            service::workflow::close_suggestion(&st.db, id, input.expected_version, st.clock.now())
                .await
        }
        .await;
        let (suggestion, user_errors) = for_payload(ctx, result)?;
        Ok(CloseSuggestionPayload {
            suggestion: suggestion.map(Suggestion),
            user_errors,
        })
    }

    /// 撤回: the deputy withdraws a suggestion.
    #[graphql(guard = "Allow(DEPUTY_WORK)")]
    async fn withdraw_suggestion(
        &self,
        ctx: &Context<'_>,
        input: SuggestionTransitionInput,
    ) -> Result<WithdrawSuggestionPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.suggestion_id, Kind::Suggestion, &SUGGESTION_ID)?;
            scope::check_withdraw(&st.db, access::scope(ctx), id).await?;
            let (version, now) = (input.expected_version, st.clock.now());
            service::workflow::withdraw_suggestion(&st.db, id, version, input.reason, now).await
        }
        .await;
        let (suggestion, user_errors) = for_payload(ctx, result)?;
        Ok(WithdrawSuggestionPayload {
            suggestion: suggestion.map(Suggestion),
            user_errors,
        })
    }
}
