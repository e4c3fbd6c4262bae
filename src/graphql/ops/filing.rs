//! Filing online and screening over GraphQL: thin resolvers over `service::filing`.
//! Deputies draft, invite, answer invitations, submit and withdraw; the office screens. Who
//! sees a filing is decided in the service.

use async_graphql::{Context, Enum, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use entity::filing;

use crate::domain::access::{Role, Scope};
use crate::domain::filing::FilingStep;
use crate::domain::UserError;
use crate::graphql::access::{self, Allow, CASEWORK, OFFICE};
use crate::graphql::connection::{connection, Conn, TotalCount};
use crate::graphql::enums;
use crate::graphql::error::{for_payload, for_query, UserErrorObject};
use crate::graphql::ids::{self, Kind};
use crate::graphql::objects::Suggestion;
use crate::graphql::objects::{
    Filing, FilingState, InvitationAnswer, NotAcceptedGround, ScreeningOutcomes,
};
use crate::graphql::state;
use crate::service::{self, filing::FilingFilter, page::PageArgs, ServiceError};

/// Who files: deputies only (the office screens; it does not file for them).
const DEPUTY: &[Role] = &[Role::Deputy];

#[derive(InputObject, Default)]
pub struct FilingFilterInput {
    pub session_id: Option<ID>,
    /// Any of these states (all when empty; at most 20 values).
    #[graphql(
        default,
        validator(
            custom = "crate::graphql::limits::MaxItems::new(\"states\", crate::graphql::limits::max_items::FILTER_VALUES)"
        )
    )]
    pub states: Vec<FilingState>,
}

#[derive(Default)]
pub struct FilingQuery;

#[Object]
impl FilingQuery {
    /// Filings within sight, newest first: a deputy sees those they file and those they
    /// are invited to co-sign; the office sees them once submitted (never drafts).
    #[graphql(
        guard = "Allow(CASEWORK)",
        complexity = "crate::graphql::cost::page(first, child_complexity)"
    )]
    async fn filings(
        &self,
        ctx: &Context<'_>,
        filter: Option<FilingFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Conn<Filing>> {
        let db = state(ctx)?.db.clone();
        let scope = access::scope(ctx);
        let input = filter.unwrap_or_default();
        let session_id = match &input.session_id {
            Some(id) => match ids::expect(id, Kind::Session, &["filter", "sessionId"]) {
                Ok(n) => Some(n),
                // No such session: no filings.
                Err(_) => Some(-1),
            },
            None => None,
        };
        let filter = FilingFilter {
            session_id,
            states: input.states.into_iter().map(Into::into).collect(),
        };
        let page = service::filing::list(&db, scope, &filter, &PageArgs { first, after })
            .await
            .map_err(|e| for_query(ctx, e))?;
        let total = TotalCount::new(move || {
            let (db, filter) = (db.clone(), filter.clone());
            async move { service::filing::count(&db, scope, &filter).await }
        });
        Ok(connection(page, total, Filing))
    }

    /// One filing, if the caller may see it.
    #[graphql(guard = "Allow(CASEWORK)")]
    async fn filing(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Filing>> {
        let Ok(key) = ids::expect(&id, Kind::Filing, &["id"]) else {
            return Ok(None);
        };
        let found = service::filing::get(&state(ctx)?.db, access::scope(ctx), key)
            .await
            .map_err(|e| for_query(ctx, e))?;
        Ok(found.map(Filing))
    }

    /// How the office screened a session's filings (审查情况).
    #[graphql(guard = "Allow(OFFICE)")]
    async fn screening_outcomes(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
    ) -> Result<ScreeningOutcomes> {
        let key = ids::expect(&session_id, Kind::Session, &["sessionId"])
            .map_err(crate::graphql::error::user_error)?;
        let o = service::filing::outcomes(&state(ctx)?.db, key)
            .await
            .map_err(|e| for_query(ctx, e))?;
        Ok(ScreeningOutcomes {
            awaiting_screening: o.awaiting_screening,
            returned_for_revision: o.returned_for_revision,
            accepted: o.accepted,
            not_accepted: o.not_accepted,
            handled_as_letters: o.handled_as_letters,
            withdrawn_after_submission: o.withdrawn_after_submission,
        })
    }
}

/// A new draft (草稿).
#[derive(InputObject)]
pub struct DraftSuggestionInput {
    pub session_id: ID,
    pub title: String,
    pub content: String,
    pub topic: Option<String>,
    #[graphql(default_with = "enums::SuggestionKind::NpcSuggestion")]
    pub kind: enums::SuggestionKind,
    #[graphql(default_with = "enums::FilingPeriod::DuringSession")]
    pub period: enums::FilingPeriod,
    #[graphql(default)]
    pub confidential: bool,
    /// File in the name of your delegation (代表团).
    #[graphql(default)]
    pub for_delegation: bool,
    /// Deputies invited to co-sign (联名; at most 200); each confirms or declines.
    #[graphql(
        default,
        validator(
            custom = "crate::graphql::limits::MaxItems::new(\"coSignerIds\", crate::graphql::limits::max_items::CO_SIGNERS)"
        )
    )]
    pub co_signer_ids: Vec<ID>,
}

/// The filer's changes to a draft or a filing returned for revision; fields left out stay.
#[derive(InputObject)]
pub struct UpdateFilingInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub title: Option<String>,
    pub content: Option<String>,
    /// null clears it.
    pub topic: MaybeUndefined<String>,
    pub confidential: Option<bool>,
    /// The whole list of invited co-signers (at most 200): answers of those still on it
    /// are kept.
    #[graphql(validator(
        custom = "crate::graphql::limits::MaxItems::new(\"coSignerIds\", crate::graphql::limits::max_items::CO_SIGNERS)"
    ))]
    pub co_signer_ids: Option<Vec<ID>>,
}

/// A filer's step on a filing.
#[derive(InputObject)]
pub struct FilingStepInput {
    pub id: ID,
    pub expected_version: Option<i32>,
}

/// A co-signer's answer.
#[derive(InputObject)]
pub struct AnswerCoSignInput {
    pub filing_id: ID,
    /// true: 同意联名; false: 不同意.
    pub confirm: bool,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
/// The office's decision (审查).
pub enum ScreeningDecision {
    /// 立案: registered and numbered (`number` required).
    Accept,
    /// 退回修改 (`comment` required).
    Return,
    /// 不予立案 (`ground` required; `reason` too for OTHER).
    Reject,
}

#[derive(InputObject)]
pub struct ScreenFilingInput {
    pub id: ID,
    pub expected_version: Option<i32>,
    pub decision: ScreeningDecision,
    /// ACCEPT: the number within the session, e.g. 0255.
    pub number: Option<String>,
    /// ACCEPT: a key suggestion (重点建议) and its supervising leader.
    #[graphql(default)]
    pub is_key: bool,
    pub supervising_leader: Option<String>,
    /// RETURN: what to change.
    pub comment: Option<String>,
    /// REJECT: the ground, the reason, and whether it goes on as a letter (转来信处理).
    pub ground: Option<NotAcceptedGround>,
    pub reason: Option<String>,
    #[graphql(default)]
    pub as_letter: bool,
}

#[derive(SimpleObject)]
pub struct FilingPayload {
    pub filing: Option<Filing>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(SimpleObject)]
pub struct ScreenFilingPayload {
    pub filing: Option<Filing>,
    /// The suggestion registered when it was accepted.
    pub suggestion: Option<Suggestion>,
    pub user_errors: Vec<UserErrorObject>,
}

#[derive(SimpleObject)]
pub struct AnswerCoSignPayload {
    pub filing: Option<Filing>,
    pub answer: Option<InvitationAnswer>,
    pub user_errors: Vec<UserErrorObject>,
}

/// The deputy the caller is (a DEPUTY account is bound to one).
fn filer(ctx: &Context<'_>) -> Result<i64> {
    match access::scope(ctx) {
        Scope::Deputy(id) => Ok(id),
        _ => Err(access::forbidden()),
    }
}

/// The ids of the list input `name`, every bad one reported.
fn id_list(list: &[ID], kind: Kind, name: &str) -> Result<Vec<i64>, ServiceError> {
    let mut ids = ids::Decoder::new();
    let decoded = ids.list(list, kind, name);
    ids.finish().map(|()| decoded)
}

fn filing_payload(
    ctx: &Context<'_>,
    result: Result<filing::Model, ServiceError>,
) -> Result<FilingPayload> {
    let (filing, user_errors) = for_payload(ctx, result)?;
    Ok(FilingPayload {
        filing: filing.map(Filing),
        user_errors,
    })
}

#[derive(Default)]
pub struct FilingMutation;

#[Object]
impl FilingMutation {
    /// A deputy drafts a suggestion (草稿) and invites co-signers (联名). Only the filer
    /// and the invited see a draft. DEPUTY only.
    #[graphql(guard = "Allow(DEPUTY)")]
    async fn draft_suggestion(
        &self,
        ctx: &Context<'_>,
        input: DraftSuggestionInput,
    ) -> Result<FilingPayload> {
        let st = state(ctx)?;
        let filer = filer(ctx)?;
        let result = async {
            let session_id =
                ids::expect(&input.session_id, Kind::Session, &["input", "sessionId"])?;
            let co_signer_ids = id_list(&input.co_signer_ids, Kind::Deputy, "coSignerIds")?;
            let new = service::filing::NewFiling {
                session_id,
                filer_deputy_id: filer,
                for_delegation: input.for_delegation,
                kind: input.kind.into(),
                period: input.period.into(),
                title: input.title,
                content: input.content,
                topic: input.topic,
                confidential: input.confidential,
                co_signer_ids,
            };
            service::filing::draft(&st.db, new, st.clock.now()).await
        }
        .await;
        filing_payload(ctx, result)
    }

    /// The filer edits a draft, or a filing returned for revision (修改); versioned.
    #[graphql(guard = "Allow(DEPUTY)")]
    async fn update_filing(
        &self,
        ctx: &Context<'_>,
        input: UpdateFilingInput,
    ) -> Result<FilingPayload> {
        let st = state(ctx)?;
        let filer = filer(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::Filing, &["input", "id"])?;
            let co_signer_ids = match &input.co_signer_ids {
                Some(list) => Some(id_list(list, Kind::Deputy, "coSignerIds")?),
                None => None,
            };
            let patch = service::filing::FilingPatch {
                id,
                expected_version: input.expected_version,
                title: input.title,
                content: input.content,
                topic: match input.topic {
                    MaybeUndefined::Undefined => None,
                    MaybeUndefined::Null => Some(None),
                    MaybeUndefined::Value(t) => Some(Some(t)),
                },
                confidential: input.confidential,
                co_signer_ids,
            };
            service::filing::edit(&st.db, filer, patch, st.clock.now()).await
        }
        .await;
        filing_payload(ctx, result)
    }

    /// 提交: the filer submits a draft (or resubmits a revision) for screening.
    #[graphql(guard = "Allow(DEPUTY)")]
    async fn submit_filing(
        &self,
        ctx: &Context<'_>,
        input: FilingStepInput,
    ) -> Result<FilingPayload> {
        self.filer_step(ctx, input, FilingStep::Submit).await
    }

    /// 撤回: the filer withdraws a draft or a submitted filing before it is accepted.
    #[graphql(guard = "Allow(DEPUTY)")]
    async fn withdraw_filing(
        &self,
        ctx: &Context<'_>,
        input: FilingStepInput,
    ) -> Result<FilingPayload> {
        self.filer_step(ctx, input, FilingStep::Withdraw).await
    }

    /// 联名确认: an invited deputy confirms or declines, until the co-signing deadline
    /// (INVALID_STATE after it, or once the filing is settled).
    #[graphql(guard = "Allow(DEPUTY)")]
    async fn answer_co_sign_invitation(
        &self,
        ctx: &Context<'_>,
        input: AnswerCoSignInput,
    ) -> Result<AnswerCoSignPayload> {
        let st = state(ctx)?;
        let deputy = filer(ctx)?;
        let result = async {
            let filing_id = ids::expect(&input.filing_id, Kind::Filing, &["input", "filingId"])?;
            service::filing::answer(
                &st.db,
                deputy,
                filing_id,
                input.confirm,
                st.clock.now(),
                st.clock.today(),
            )
            .await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (filing, answer) = done.map_or((None, None), |(f, i)| {
            (Some(Filing(f)), Some(i.answer.into()))
        });
        Ok(AnswerCoSignPayload {
            filing,
            answer,
            user_errors,
        })
    }

    /// 审查: the office accepts a submitted filing (立案: registered and numbered with the
    /// co-signers who confirmed by the deadline, then assigned as any suggestion),
    /// returns it for revision with comments, or does not accept it (不予立案).
    #[graphql(guard = "Allow(OFFICE)")]
    async fn screen_filing(
        &self,
        ctx: &Context<'_>,
        input: ScreenFilingInput,
    ) -> Result<ScreenFilingPayload> {
        let st = state(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::Filing, &["input", "id"])?;
            let decision = match input.decision {
                ScreeningDecision::Accept => service::filing::Decision::Accept {
                    number: input.number.ok_or_else(|| {
                        UserError::invalid(
                            &["input", "number"],
                            "立案须填写编号 (number is required to accept)",
                        )
                    })?,
                    is_key: input.is_key,
                    supervising_leader: input.supervising_leader,
                },
                ScreeningDecision::Return => service::filing::Decision::Return {
                    comment: input.comment.unwrap_or_default(),
                },
                ScreeningDecision::Reject => service::filing::Decision::Reject {
                    ground: input
                        .ground
                        .ok_or_else(|| {
                            UserError::invalid(
                                &["input", "ground"],
                                "不予立案须选择理由 (ground is required to not accept)",
                            )
                        })?
                        .into(),
                    reason: input.reason,
                    as_letter: input.as_letter,
                },
            };
            let screening = service::filing::Screening {
                id,
                expected_version: input.expected_version,
                decision,
            };
            service::filing::screen(&st.db, screening, st.clock.now(), st.clock.today()).await
        }
        .await;
        let (done, user_errors) = for_payload(ctx, result)?;
        let (filing, suggestion) =
            done.map_or((None, None), |(f, s)| (Some(Filing(f)), s.map(Suggestion)));
        Ok(ScreenFilingPayload {
            filing,
            suggestion,
            user_errors,
        })
    }
}

impl FilingMutation {
    async fn filer_step(
        &self,
        ctx: &Context<'_>,
        input: FilingStepInput,
        step: FilingStep,
    ) -> Result<FilingPayload> {
        let st = state(ctx)?;
        let filer = filer(ctx)?;
        let result = async {
            let id = ids::expect(&input.id, Kind::Filing, &["input", "id"])?;
            service::filing::step(
                &st.db,
                filer,
                id,
                input.expected_version,
                step,
                st.clock.now(),
                st.clock.today(),
            )
            .await
        }
        .await;
        filing_payload(ctx, result)
    }
}
