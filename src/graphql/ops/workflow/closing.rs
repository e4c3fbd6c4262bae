//! 办结 and 撤回: the office closes a suggestion, or withdraws it, with all its assignments.

use super::*;

payload!(CloseSuggestionPayload { suggestion: Option<Suggestion> });

payload!(WithdrawSuggestionPayload { suggestion: Option<Suggestion> });

#[derive(InputObject)]
pub struct SuggestionTransitionInput {
    pub suggestion_id: ID,
    pub expected_version: Option<i32>,
    /// Why (for a withdrawal).
    pub reason: Option<String>,
}

#[derive(Default)]
pub struct ClosingMutation;

#[Object]
impl ClosingMutation {
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
