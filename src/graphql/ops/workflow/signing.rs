//! 签收: a unit signs for its assignment.

use super::*;

payload!(SignForAssignmentPayload { assignment: Option<Assignment> });

#[derive(InputObject)]
pub struct SignForAssignmentInput {
    pub assignment_id: ID,
    pub expected_version: Option<i32>,
}

#[derive(Default)]
pub struct SigningMutation;

#[Object]
impl SigningMutation {
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
}
