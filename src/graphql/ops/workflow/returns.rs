//! 退回: a unit asks to return a wrong assignment and the office decides.

use super::*;

payload!(RequestReturnPayload { return_request: Option<ReturnRequest>, assignment: Option<Assignment> });

payload!(DecideReturnPayload {
    return_request: Option<ReturnRequest>,
    assignment: Option<Assignment>,
    new_assignment: Option<Assignment>,
});

#[derive(InputObject)]
pub struct RequestReturnInput {
    pub assignment_id: ID,
    pub expected_version: Option<i32>,
    pub reason: String,
    /// The unit that should handle it instead.
    pub suggested_unit_id: Option<ID>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request made, without doing it again (see `SubmitReplyInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct DecideReturnInput {
    pub request_id: ID,
    pub approve: bool,
    /// On approval, the unit to reassign to (default: the unit the requester suggested).
    pub reassign_to_unit_id: Option<ID>,
    pub note: Option<String>,
}

#[derive(Default)]
pub struct ReturnsMutation;

#[Object]
impl ReturnsMutation {
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
}
