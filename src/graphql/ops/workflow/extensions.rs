//! 延期: a unit asks for more time and the office decides.

use super::*;

payload!(RequestExtensionPayload { extension_request: Option<ExtensionRequest>, assignment: Option<Assignment> });

payload!(DecideExtensionPayload { extension_request: Option<ExtensionRequest>, assignment: Option<Assignment> });

#[derive(InputObject)]
pub struct RequestExtensionInput {
    pub assignment_id: ID,
    pub expected_version: Option<i32>,
    pub reason: String,
    pub requested_due_on: Option<Date>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request made, without doing it again (see `SubmitReplyInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct DecideExtensionInput {
    pub request_id: ID,
    pub approve: bool,
    /// The new due date (default: the requested one); never past the hard cap.
    pub due_on: Option<Date>,
    pub note: Option<String>,
}

#[derive(Default)]
pub struct ExtensionsMutation;

#[Object]
impl ExtensionsMutation {
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
}
