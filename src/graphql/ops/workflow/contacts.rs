//! 联系代表: a unit records its contact with the deputy.

use super::*;

payload!(LogContactPayload { contact_record: Option<ContactRecord>, assignment: Option<Assignment> });

#[derive(InputObject)]
pub struct LogContactInput {
    pub assignment_id: ID,
    pub stage: enums::ContactStage,
    pub method: enums::ContactMethod,
    pub contacted_on: Date,
    /// Who took part.
    pub participants: String,
    pub notes: Option<String>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request made, without doing it again (see `SubmitReplyInput.idempotencyKey`).
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct ContactsMutation;

#[Object]
impl ContactsMutation {
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
}
