//! Registering, correcting and assigning suggestions.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};

use super::payload;
use crate::graphql::access::{self, Allow, OFFICE, UNIT_WORK};
use crate::graphql::enums;
use crate::graphql::error::{for_payload, UserErrorObject};
use crate::graphql::idempotency::{stored, Idempotent};
use crate::graphql::ids::{self, Decoder, Kind};
use crate::graphql::limits::{max_items, MaxItems};
use crate::graphql::objects::*;
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self, scope};

#[derive(Default)]
pub struct SuggestionMutation;

#[derive(InputObject)]
pub struct RegisterSuggestionInput {
    pub session_id: ID,
    /// Default NPC_SUGGESTION.
    pub kind: Option<enums::SuggestionKind>,
    /// 编号, unique within the session, kept as text ("0255").
    pub number: String,
    pub title: String,
    pub content: String,
    /// Default DURING_SESSION.
    pub period: Option<enums::FilingPeriod>,
    pub lead_deputy_id: ID,
    /// 联名代表 (at most 200).
    #[graphql(default)]
    #[graphql(validator(custom = "MaxItems::new(\"coSignerIds\", max_items::CO_SIGNERS)"))]
    pub co_signer_ids: Vec<ID>,
    pub topic: Option<String>,
    #[graphql(default)]
    pub is_key: bool,
    pub supervising_leader: Option<String>,
    #[graphql(default)]
    pub confidential: bool,
    /// Default today (China time).
    pub submitted_on: Option<Date>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request did, without doing it again (kept 7 days; 1–100 printable ASCII characters,
    /// e.g. a UUID). The same key with another input: IDEMPOTENCY_KEY_REUSED.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateSuggestionInput {
    pub id: ID,
    /// The `version` you read; the update fails with CONFLICT if it changed since.
    pub expected_version: Option<i32>,
    pub number: Option<String>,
    pub title: Option<String>,
    pub content: Option<String>,
    pub period: Option<enums::FilingPeriod>,
    /// null clears it.
    pub topic: MaybeUndefined<String>,
    pub is_key: Option<bool>,
    /// null clears it.
    pub supervising_leader: MaybeUndefined<String>,
    /// 保密. Marking a case confidential withdraws its published replies from the public;
    /// clearing the mark publishes nothing again: the office publishes anew if it decides to.
    pub confidential: Option<bool>,
    /// Replaces the co-signers (at most 200).
    #[graphql(validator(custom = "MaxItems::new(\"coSignerIds\", max_items::CO_SIGNERS)"))]
    pub co_signer_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct UnitAssignmentInput {
    pub unit_id: ID,
    pub role: enums::AssignmentRole,
    /// An explicit due date that wins over the session's rule (e.g. "all replies by 30 June").
    pub due_on: Option<Date>,
}

#[derive(InputObject)]
pub struct AssignSuggestionInput {
    pub suggestion_id: ID,
    pub expected_version: Option<i32>,
    /// Default today (China time).
    pub assigned_on: Option<Date>,
    /// The units and their roles (at most 50).
    #[graphql(validator(custom = "MaxItems::new(\"units\", max_items::UNITS)"))]
    pub units: Vec<UnitAssignmentInput>,
    /// Makes a retry safe: the same key with the same input answers with what the first
    /// request did, without doing it again (kept 7 days; 1–100 printable ASCII characters,
    /// e.g. a UUID). The same key with another input: IDEMPOTENCY_KEY_REUSED.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct SetAssignmentContactInput {
    pub assignment_id: ID,
    pub expected_version: Option<i32>,
    /// 联系人
    pub contact_name: String,
    /// 联系电话: landline with area code (0554-6678417) or mobile.
    pub contact_phone: String,
}

payload!(RegisterSuggestionPayload, suggestion: Suggestion);

payload!(UpdateSuggestionPayload, suggestion: Suggestion);

payload!(SetAssignmentContactPayload, assignment: Assignment);

#[derive(SimpleObject)]
pub struct AssignSuggestionPayload {
    pub suggestion: Option<Suggestion>,
    /// The assignments made by this call.
    pub assignments: Vec<Assignment>,
    pub user_errors: Vec<UserErrorObject>,
}

#[Object]
impl SuggestionMutation {
    /// Registers and numbers a suggestion (登记).
    #[graphql(guard = "Allow(OFFICE)")]
    async fn register_suggestion(
        &self,
        ctx: &Context<'_>,
        input: RegisterSuggestionInput,
    ) -> Result<RegisterSuggestionPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let mut ids = Decoder::new();
        let session_id = ids.id(&input.session_id, Kind::Session, &["input", "sessionId"]);
        let lead_deputy_id = ids.id(
            &input.lead_deputy_id,
            Kind::Deputy,
            &["input", "leadDeputyId"],
        );
        let co_signer_ids: Vec<i64> = input
            .co_signer_ids
            .iter()
            .enumerate()
            .map(|(i, id)| ids.id(id, Kind::Deputy, &["input", "coSignerIds", &i.to_string()]))
            .collect();
        let result = async {
            ids.finish()?;
            let new = service::suggestion::NewSuggestion {
                session_id,
                kind: input
                    .kind
                    .map_or(entity::enums::SuggestionKind::NpcSuggestion, Into::into),
                number: input.number,
                title: input.title,
                content: input.content,
                period: input
                    .period
                    .map_or(entity::enums::FilingPeriod::DuringSession, Into::into),
                lead_deputy_id,
                co_signer_ids,
                topic: input.topic,
                is_key: input.is_key,
                supervising_leader: input.supervising_leader,
                confidential: input.confidential,
                submitted_on: input.submitted_on.map(|d| d.0),
            };
            idempotent
                .run(
                    &st.db,
                    |id| stored::<entity::suggestion::Entity>(&st.db, id),
                    service::suggestion::register(&st.db, new, st.clock.now(), st.clock.today()),
                )
                .await
        }
        .await;
        let (suggestion, user_errors) = for_payload(ctx, result)?;
        Ok(RegisterSuggestionPayload {
            suggestion: suggestion.map(Suggestion),
            user_errors,
        })
    }

    /// Edits a registered suggestion; only the fields given change.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn update_suggestion(
        &self,
        ctx: &Context<'_>,
        input: UpdateSuggestionInput,
    ) -> Result<UpdateSuggestionPayload> {
        let st = state(ctx)?;
        let mut ids = Decoder::new();
        let id = ids.id(&input.id, Kind::Suggestion, &["input", "id"]);
        let co_signer_ids = input.co_signer_ids.as_ref().map(|list| {
            list.iter()
                .enumerate()
                .map(|(i, id)| ids.id(id, Kind::Deputy, &["input", "coSignerIds", &i.to_string()]))
                .collect()
        });
        let nullable = |v: MaybeUndefined<String>| match v {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(s) => Some(Some(s)),
        };
        let result = async {
            ids.finish()?;
            let patch = service::suggestion::SuggestionPatch {
                id,
                expected_version: input.expected_version,
                number: input.number,
                title: input.title,
                content: input.content,
                period: input.period.map(Into::into),
                topic: nullable(input.topic),
                is_key: input.is_key,
                supervising_leader: nullable(input.supervising_leader),
                confidential: input.confidential,
                co_signer_ids,
            };
            service::suggestion::update(&st.db, patch, st.clock.now()).await
        }
        .await;
        let (suggestion, user_errors) = for_payload(ctx, result)?;
        Ok(UpdateSuggestionPayload {
            suggestion: suggestion.map(Suggestion),
            user_errors,
        })
    }

    /// Assigns a suggestion to one or more units with roles (交办), in one transaction.
    #[graphql(guard = "Allow(OFFICE)")]
    async fn assign_suggestion(
        &self,
        ctx: &Context<'_>,
        input: AssignSuggestionInput,
    ) -> Result<AssignSuggestionPayload> {
        let st = state(ctx)?;
        let idempotent = Idempotent::of(ctx, input.idempotency_key.as_deref(), &input);
        let mut ids = Decoder::new();
        let suggestion_id = ids.id(
            &input.suggestion_id,
            Kind::Suggestion,
            &["input", "suggestionId"],
        );
        let units: Vec<service::assignment::UnitAssignment> = input
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| service::assignment::UnitAssignment {
                unit_id: ids.id(
                    &u.unit_id,
                    Kind::HandlingUnit,
                    &["input", "units", &i.to_string(), "unitId"],
                ),
                role: u.role.into(),
                due_on: u.due_on.map(|d| d.0),
            })
            .collect();
        let result = async {
            ids.finish()?;
            let unit_ids: Vec<i64> = units.iter().map(|u| u.unit_id).collect();
            let assign = service::assignment::AssignInput {
                suggestion_id,
                expected_version: input.expected_version,
                assigned_on: input.assigned_on.map(|d| d.0),
                units,
            };
            idempotent
                .run(
                    &st.db,
                    // The suggestion as it is now, with the assignments of the units
                    // the first request assigned.
                    |id| service::assignment::assigned(&st.db, id, unit_ids),
                    service::assignment::assign(&st.db, assign, st.clock.now(), st.clock.today()),
                )
                .await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        Ok(match done {
            Some((suggestion, assignments)) => AssignSuggestionPayload {
                suggestion: Some(Suggestion(suggestion)),
                assignments: assignments.into_iter().map(Assignment).collect(),
                user_errors,
            },
            None => AssignSuggestionPayload {
                suggestion: None,
                assignments: Vec::new(),
                user_errors,
            },
        })
    }

    /// Sets the unit's contact person and phone for one assignment.
    #[graphql(guard = "Allow(UNIT_WORK)")]
    async fn set_assignment_contact(
        &self,
        ctx: &Context<'_>,
        input: SetAssignmentContactInput,
    ) -> Result<SetAssignmentContactPayload> {
        let st = state(ctx)?;
        let result = async {
            let assignment_id = ids::expect(
                &input.assignment_id,
                Kind::Assignment,
                &["input", "assignmentId"],
            )?;
            let contact = service::assignment::ContactInput {
                assignment_id,
                expected_version: input.expected_version,
                contact_name: input.contact_name,
                contact_phone: input.contact_phone,
            };
            let field = &["input", "assignmentId"];
            scope::check_assignment(&st.db, access::scope(ctx), assignment_id, field).await?;
            service::assignment::set_contact(&st.db, contact, st.clock.now()).await
        }
        .await;
        let (assignment, user_errors) = for_payload(ctx, result)?;
        Ok(SetAssignmentContactPayload {
            assignment: assignment.map(Assignment),
            user_errors,
        })
    }
}
