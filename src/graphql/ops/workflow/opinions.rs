//! 会办意见: a co-handler sends its opinion to the lead unit.

use super::*;

payload!(SendCoOpinionPayload { co_opinion: Option<CoOpinion>, assignment: Option<Assignment> });

#[derive(InputObject)]
pub struct SendCoOpinionInput {
    pub assignment_id: ID,
    pub expected_version: Option<i32>,
    pub body: String,
    pub signed_by: String,
    /// Default today.
    pub sent_on: Option<Date>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request made, without doing it again (see `SubmitReplyInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct OpinionsMutation;

#[Object]
impl OpinionsMutation {
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
}
