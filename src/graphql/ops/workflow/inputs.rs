//! The inputs and payloads of the workflow's transitions.

use super::*;

payload!(SignForAssignmentPayload { assignment: Option<Assignment> });

payload!(RequestReturnPayload { return_request: Option<ReturnRequest>, assignment: Option<Assignment> });

payload!(DecideReturnPayload {
    return_request: Option<ReturnRequest>,
    assignment: Option<Assignment>,
    new_assignment: Option<Assignment>,
});

payload!(SendCoOpinionPayload { co_opinion: Option<CoOpinion>, assignment: Option<Assignment> });

payload!(RequestExtensionPayload { extension_request: Option<ExtensionRequest>, assignment: Option<Assignment> });

payload!(DecideExtensionPayload { extension_request: Option<ExtensionRequest>, assignment: Option<Assignment> });

payload!(LogContactPayload { contact_record: Option<ContactRecord>, assignment: Option<Assignment> });

payload!(ReviewReplyPayload { reply: Option<Reply> });

payload!(RateReplyPayload { rating: Option<Rating>, assignment: Option<Assignment> });

payload!(SendFollowUpPayload { follow_up: Option<FollowUp> });

payload!(CloseSuggestionPayload { suggestion: Option<Suggestion> });

payload!(WithdrawSuggestionPayload { suggestion: Option<Suggestion> });

#[derive(InputObject)]
pub struct SignForAssignmentInput {
    pub assignment_id: ID,
    pub expected_version: Option<i32>,
}

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

#[derive(InputObject)]
pub struct SuggestionTransitionInput {
    pub suggestion_id: ID,
    pub expected_version: Option<i32>,
    /// Why (for a withdrawal).
    pub reason: Option<String>,
}
