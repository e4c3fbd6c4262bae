//! The reply's way back and pressing on a case: the office's review, the deputy's rating,
//! follow-ups (跟踪办理) and the office's urging (催办).

use super::*;

payload!(ReviewReplyPayload { reply: Option<Reply> });

payload!(RateReplyPayload { rating: Option<Rating>, assignment: Option<Assignment> });

payload!(SendFollowUpPayload { follow_up: Option<FollowUp> });

payload!(UrgeAssignmentPayload { assignment: Option<Assignment> });

#[derive(InputObject)]
pub struct UrgeAssignmentInput {
    pub assignment_id: ID,
    pub expected_version: Option<i32>,
    /// What the office asks of the unit (at most 500 characters); the unit's notice
    /// carries it.
    pub message: String,
    /// Makes a retry safe: the same key with the same input urges once.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ReviewReplyInput {
    pub reply_id: ID,
    pub expected_version: Option<i32>,
    /// The category after review; must be in the session's scheme.
    pub category: enums::ReplyCategory,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct RateReplyInput {
    pub reply_id: ID,
    /// The rating deputy (default: the lead deputy); co-signers may rate too.
    pub deputy_id: Option<ID>,
    pub satisfaction: enums::Satisfaction,
    /// Optional separate rating of the handling work.
    pub work_satisfaction: Option<enums::Satisfaction>,
    /// Optional separate rating of the result.
    pub result_satisfaction: Option<enums::Satisfaction>,
    pub comment: Option<String>,
    /// Default today.
    pub rated_on: Option<Date>,
    /// Makes a retry safe: the same key with the same input answers with the first
    /// request's rating, without rating again (see `SubmitReplyInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct SendFollowUpInput {
    pub assignment_id: ID,
    pub body: String,
    pub replied_on: Option<Date>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request made, without doing it again (see `SubmitReplyInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct RepliesMutation;

#[Object]
impl RepliesMutation {
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

    /// 催办: the office or the coordinating office (COORDINATOR) presses the unit on a case
    /// it has not answered yet. The urge stands in the case's timeline and the statistics
    /// (`urgedAssignments`), and the unit's staff are told at once; the state stays.
    #[graphql(guard = "Allow(URGERS)")]
    async fn urge_assignment(
        &self,
        ctx: &Context<'_>,
        input: UrgeAssignmentInput,
    ) -> Result<UrgeAssignmentPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let result = async {
            let field = &["input", "assignmentId"];
            let urge = service::workflow::UrgeInput {
                assignment_id: ids::expect(&input.assignment_id, Kind::Assignment, field)?,
                expected_version: input.expected_version,
                message: input.message,
                by: match caller(ctx).role() {
                    Some(Role::Coordinator) => ActorRole::Coordinator,
                    _ => ActorRole::Office,
                },
            };
            idempotent
                .run(
                    &st.db,
                    |id| {
                        crate::graphql::idempotency::stored::<entity::assignment::Entity>(
                            &st.db, id,
                        )
                    },
                    service::workflow::urge(&st.db, urge, st.clock.now()),
                )
                .await
        }
        .await;
        let (assignment, user_errors) = for_payload(ctx, result)?;
        Ok(UrgeAssignmentPayload {
            assignment: assignment.map(Assignment),
            user_errors,
        })
    }
}
