//! A filing online (提交 → 联名 → 审查 → 立案), its co-sign invitations, and the screening
//! outcomes of a session.

use async_graphql::{Context, Enum, Object, Result, SimpleObject, ID};
use entity::{filing, filing_invitation};

use crate::graphql::enums;
use crate::graphql::ids::{encode, Kind};
use crate::graphql::loaders::{children, must, visible};
use crate::graphql::loaders::{DeputyKey, InvitationsOf, SessionKey, SuggestionKey};
use crate::graphql::objects::{Deputy, Session, Suggestion};
use crate::graphql::scalars::Date;
use crate::graphql::state;
use crate::service::{self};

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::FilingState")]
/// Where a filing stands (提交 → 联名 → 审查 → 立案).
pub enum FilingState {
    /// 草稿: only the filer and the invited co-signers see it.
    Draft,
    /// 已提交: waiting for the office's screening (审查).
    Submitted,
    /// 退回修改: the office asked for changes (see `screeningComment`).
    ReturnedForRevision,
    /// 已立案: registered as a numbered suggestion (see `suggestion`).
    Accepted,
    /// 不予立案 (see `notAcceptedGround`, `screeningComment`, `asLetter`).
    NotAccepted,
    /// 已撤回 by the filer.
    Withdrawn,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::InvitationAnswer")]
/// A co-signer's answer (联名确认).
pub enum InvitationAnswer {
    Invited,
    Confirmed,
    Declined,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::NotAcceptedGround")]
/// Why a filing was not accepted as a suggestion (不予立案).
pub enum NotAcceptedGround {
    /// 一事多议: several matters in one.
    SeveralMatters,
    /// 内容空泛: no substance.
    NoSubstance,
    /// 个人诉求: a personal matter (often handled as a letter, 转来信处理).
    PersonalMatter,
    /// 涉及诉讼: before the courts.
    BeforeCourt,
    /// 其他: the reason written out.
    Other,
}

/// A suggestion as a deputy files it online, before and through screening.
pub struct Filing(pub filing::Model);

#[Object]
impl Filing {
    pub async fn id(&self) -> ID {
        encode(Kind::Filing, self.0.id)
    }
    async fn session(&self, ctx: &Context<'_>) -> Result<Session> {
        Ok(Session(
            must(ctx, SessionKey(self.0.session_id), "session").await?,
        ))
    }
    /// The deputy who files (the lead deputy once accepted).
    async fn filer(&self, ctx: &Context<'_>) -> Result<Deputy> {
        Ok(Deputy(
            must(ctx, DeputyKey(self.0.filer_deputy_id), "filer").await?,
        ))
    }
    /// Filed in the name of this delegation (代表团), when it is.
    async fn delegation(&self) -> Option<&str> {
        self.0.delegation.as_deref()
    }
    async fn kind(&self) -> enums::SuggestionKind {
        self.0.kind.into()
    }
    async fn period(&self) -> enums::FilingPeriod {
        self.0.period.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn content(&self) -> &str {
        &self.0.content
    }
    async fn topic(&self) -> Option<&str> {
        self.0.topic.as_deref()
    }
    async fn confidential(&self) -> bool {
        self.0.confidential
    }
    async fn state(&self) -> FilingState {
        self.0.state.into()
    }
    /// The day it was (last) submitted.
    async fn submitted_on(&self) -> Option<Date> {
        self.0.submitted_on.map(Date)
    }
    /// The day the office last screened it.
    async fn screened_on(&self) -> Option<Date> {
        self.0.screened_on.map(Date)
    }
    /// The office's comments (退回修改) or reason (不予立案).
    async fn screening_comment(&self) -> Option<&str> {
        self.0.screening_comment.as_deref()
    }
    async fn not_accepted_ground(&self) -> Option<NotAcceptedGround> {
        self.0.not_accepted_ground.map(Into::into)
    }
    /// Not accepted, and handled as a letter instead (转来信处理).
    async fn as_letter(&self) -> bool {
        self.0.as_letter
    }
    /// The suggestion it became (立案), when the caller may see it.
    async fn suggestion(&self, ctx: &Context<'_>) -> Result<Option<Suggestion>> {
        let Some(id) = self.0.suggestion_id else {
            return Ok(None);
        };
        Ok(visible(ctx, SuggestionKey(id)).await?.map(Suggestion))
    }
    /// The last day co-signers may answer (the session's); null: until it is screened.
    async fn co_sign_deadline(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        let session = must(ctx, SessionKey(self.0.session_id), "session").await?;
        Ok(session.co_sign_deadline.map(Date))
    }
    /// The co-signers invited (联名邀请), in the order invited, with their answers.
    #[graphql(complexity = "crate::graphql::cost::co_signers(child_complexity)")]
    async fn invitations(&self, ctx: &Context<'_>) -> Result<Vec<CoSignInvitation>> {
        let session = must(ctx, SessionKey(self.0.session_id), "session").await?;
        let deadline = service::filing::co_sign_deadline(&session);
        let mut rows: Vec<filing_invitation::Model> =
            children(ctx, InvitationsOf(self.0.id)).await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows
            .into_iter()
            .map(|row| CoSignInvitation { row, deadline })
            .collect())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// An invitation to co-sign a filing, and its answer.
pub struct CoSignInvitation {
    row: filing_invitation::Model,
    deadline: chrono::NaiveDate,
}

#[Object]
impl CoSignInvitation {
    async fn deputy(&self, ctx: &Context<'_>) -> Result<Deputy> {
        Ok(Deputy(
            must(ctx, DeputyKey(self.row.deputy_id), "co-signer").await?,
        ))
    }
    async fn answer(&self) -> InvitationAnswer {
        self.row.answer.into()
    }
    async fn answered_on(&self) -> Option<Date> {
        self.row.answered_on.map(Date)
    }
    /// Whether the co-signer would be on the suggestion if it were accepted today:
    /// confirmed by the deadline.
    async fn counts(&self, ctx: &Context<'_>) -> Result<bool> {
        let today = state(ctx)?.clock.today();
        Ok(service::filing::co_signs(&self.row, self.deadline, today))
    }
}

/// Screening outcomes of a session (审查情况): the filings the office has seen, by
/// outcome.
#[derive(SimpleObject)]
pub struct ScreeningOutcomes {
    /// Submitted, not screened yet.
    pub awaiting_screening: u64,
    pub returned_for_revision: u64,
    /// 立案 (counted as suggestions in the statistics, as registered ones are).
    pub accepted: u64,
    /// 不予立案.
    pub not_accepted: u64,
    /// Of those not accepted, handled as letters (转来信处理).
    pub handled_as_letters: u64,
    /// Withdrawn by the filer after submitting.
    pub withdrawn_after_submission: u64,
}
