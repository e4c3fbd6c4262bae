//! Enumerations shared by the entities, stored as strings.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Level of the congress that holds a session.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SessionLevel {
    #[sea_orm(string_value = "NATIONAL")]
    National,
    #[sea_orm(string_value = "PROVINCIAL")]
    Provincial,
    #[sea_orm(string_value = "CITY")]
    City,
    #[sea_orm(string_value = "COUNTY")]
    County,
}

/// NPC suggestion (人大代表建议) or CPPCC proposal (政协提案).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SuggestionKind {
    #[sea_orm(string_value = "NPC_SUGGESTION")]
    NpcSuggestion,
    #[sea_orm(string_value = "CPPCC_PROPOSAL")]
    CppccProposal,
}

/// Filed during the session (大会期间) or between sessions (闭会期间).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FilingPeriod {
    #[sea_orm(string_value = "DURING_SESSION")]
    DuringSession,
    #[sea_orm(string_value = "INTER_SESSION")]
    InterSession,
}

/// Where a suggestion stands as a whole.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SuggestionStatus {
    #[sea_orm(string_value = "REGISTERED")]
    Registered,
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    #[sea_orm(string_value = "REPLIED")]
    Replied,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// A handling unit's role on one suggestion.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AssignmentRole {
    /// 主办 / 牵头: handles it, gathers co-handlers' opinions, sends the one reply.
    #[sea_orm(string_value = "LEAD")]
    Lead,
    /// 协办 / 会办: sends an opinion to the lead unit, never a reply.
    #[sea_orm(string_value = "CO_HANDLER")]
    CoHandler,
    /// 分办: handles and replies on its own.
    #[sea_orm(string_value = "SEPARATE")]
    Separate,
    /// 独办: the only unit.
    #[sea_orm(string_value = "SOLE")]
    Sole,
}

/// Where one assignment stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AssignmentStatus {
    /// 已交办: waiting for the unit to sign for it.
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    /// 已签收: the unit is handling it.
    #[sea_orm(string_value = "SIGNED_FOR")]
    SignedFor,
    /// 申请退回: the unit asked to return it; the office decides.
    #[sea_orm(string_value = "RETURN_REQUESTED")]
    ReturnRequested,
    /// 已退回: the office approved the return (terminal).
    #[sea_orm(string_value = "RETURNED")]
    Returned,
    /// 已提交会办意见: a co-handler sent its opinion to the lead unit.
    #[sea_orm(string_value = "OPINION_SENT")]
    OpinionSent,
    /// 已答复: the reply of the current round is sent.
    #[sea_orm(string_value = "REPLIED")]
    Replied,
    /// 重新办理: an UNSATISFIED rating opened a new round.
    #[sea_orm(string_value = "REHANDLING")]
    Rehandling,
    /// 已办结
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// The suggestion was withdrawn (撤回).
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// Reply category (答复类别). Which codes a session allows is its category scheme.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(1))")]
pub enum ReplyCategory {
    #[sea_orm(string_value = "A")]
    A,
    #[sea_orm(string_value = "B")]
    B,
    #[sea_orm(string_value = "C")]
    C,
    #[sea_orm(string_value = "D")]
    D,
}

/// Whether and how a reply is published (公开).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Publication {
    #[sea_orm(string_value = "NONE")]
    None,
    #[sea_orm(string_value = "FULL")]
    Full,
    #[sea_orm(string_value = "SUMMARY")]
    Summary,
}

/// What staff made of a piece of public feedback.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FeedbackStatus {
    #[sea_orm(string_value = "NEW")]
    New,
    #[sea_orm(string_value = "READ")]
    Read,
    #[sea_orm(string_value = "HANDLED")]
    Handled,
    #[sea_orm(string_value = "SPAM")]
    Spam,
}

/// When a contact with the deputy took place (办前/办中/办后).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ContactStage {
    #[sea_orm(string_value = "BEFORE")]
    Before,
    #[sea_orm(string_value = "DURING")]
    During,
    #[sea_orm(string_value = "AFTER")]
    After,
}

/// How the unit contacted the deputy.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ContactMethod {
    /// 面商
    #[sea_orm(string_value = "FACE_TO_FACE")]
    FaceToFace,
    /// 走访
    #[sea_orm(string_value = "VISIT")]
    Visit,
    /// 电话
    #[sea_orm(string_value = "PHONE")]
    Phone,
    /// 座谈
    #[sea_orm(string_value = "FORUM")]
    Forum,
    /// 现场
    #[sea_orm(string_value = "SITE_VISIT")]
    SiteVisit,
}

/// A deputy's rating of a reply (满意度).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Satisfaction {
    #[sea_orm(string_value = "SATISFIED")]
    Satisfied,
    #[sea_orm(string_value = "BASICALLY_SATISFIED")]
    BasicallySatisfied,
    #[sea_orm(string_value = "UNSATISFIED")]
    Unsatisfied,
}

/// The office's decision on a unit's request (return or extension).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RequestStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

/// A day of the official calendar that differs from the plain Monday–Friday week.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CalendarDayKind {
    /// A day off for a public holiday.
    #[sea_orm(string_value = "HOLIDAY")]
    Holiday,
    /// A weekend day made a working day (调休).
    #[sea_orm(string_value = "WORKDAY")]
    Workday,
}

/// Where a filing (a suggestion a deputy files online) stands: `domain::filing`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum FilingState {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    #[sea_orm(string_value = "RETURNED_FOR_REVISION")]
    ReturnedForRevision,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "NOT_ACCEPTED")]
    NotAccepted,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// A co-signer's answer to an invitation (联名邀请).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum InvitationAnswer {
    #[sea_orm(string_value = "INVITED")]
    Invited,
    #[sea_orm(string_value = "CONFIRMED")]
    Confirmed,
    #[sea_orm(string_value = "DECLINED")]
    Declined,
}

/// Why the office did not accept a filing as a suggestion (不予立案).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum NotAcceptedGround {
    /// 一事多议
    #[sea_orm(string_value = "SEVERAL_MATTERS")]
    SeveralMatters,
    /// 内容空泛
    #[sea_orm(string_value = "NO_SUBSTANCE")]
    NoSubstance,
    /// 个人诉求
    #[sea_orm(string_value = "PERSONAL_MATTER")]
    PersonalMatter,
    /// 涉及诉讼
    #[sea_orm(string_value = "BEFORE_COURT")]
    BeforeCourt,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// Where a progress report (办理进展) stands: `domain::supervision`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ReportState {
    #[sea_orm(string_value = "REQUESTED")]
    Requested,
    #[sea_orm(string_value = "FILED")]
    Filed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// Where a reply stands on its way to the deputy (`domain::review`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ReleaseState {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "SUBMITTED_FOR_REVIEW")]
    SubmittedForReview,
    #[sea_orm(string_value = "RETURNED_FOR_REVISION")]
    ReturnedForRevision,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "SENT")]
    Sent,
}

/// What an attachment (附件) is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum AttachmentKind {
    /// 建议原件: the deputy's original.
    #[sea_orm(string_value = "SUGGESTION_ORIGINAL")]
    SuggestionOriginal,
    /// 相关材料: supporting material.
    #[sea_orm(string_value = "SUPPORTING")]
    Supporting,
    /// 答复函盖章件: the signed, sealed reply letter (never public).
    #[sea_orm(string_value = "REPLY_LETTER")]
    ReplyLetter,
    /// 答复函公开件: the redacted copy the office may publish.
    #[sea_orm(string_value = "REPLY_LETTER_FOR_PUBLICATION")]
    ReplyLetterForPublication,
    /// 沟通佐证: photos or minutes of a meeting with the deputy.
    #[sea_orm(string_value = "CONTACT_EVIDENCE")]
    ContactEvidence,
    /// 会办意见函: a co-handler's signed opinion letter.
    #[sea_orm(string_value = "CO_OPINION_LETTER")]
    CoOpinionLetter,
}

/// The record an attachment belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AttachmentOwner {
    #[sea_orm(string_value = "SUGGESTION")]
    Suggestion,
    #[sea_orm(string_value = "REPLY")]
    Reply,
    #[sea_orm(string_value = "CONTACT_RECORD")]
    ContactRecord,
    #[sea_orm(string_value = "CO_OPINION")]
    CoOpinion,
    /// A case: the letter prepared for its next reply, which `submitReply` moves onto the
    /// reply it makes.
    #[sea_orm(string_value = "ASSIGNMENT")]
    Assignment,
}
