//! GraphQL enums, mirrored from the entities' enums (`remote` derives the conversions).

use async_graphql::Enum;

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SessionLevel")]
/// Level of the congress (全国 / 省 / 市 / 县).
pub enum SessionLevel {
    National,
    Provincial,
    City,
    County,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SuggestionKind")]
/// 人大代表建议 or 政协提案.
pub enum SuggestionKind {
    NpcSuggestion,
    CppccProposal,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::FilingPeriod")]
/// Filed during the session (大会期间) or between sessions (闭会期间).
pub enum FilingPeriod {
    DuringSession,
    InterSession,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::SuggestionStatus")]
/// Where a suggestion stands.
pub enum SuggestionStatus {
    /// 已登记: numbered, not yet assigned.
    Registered,
    /// 已交办: with one or more units.
    Assigned,
    /// 已答复: every unit that answers the deputy has replied.
    Replied,
    /// 已办结
    Closed,
    /// 已撤回
    Withdrawn,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AssignmentRole")]
/// A unit's role on one suggestion.
pub enum AssignmentRole {
    /// 主办/牵头: handles it and sends the one reply.
    Lead,
    /// 协办/会办: sends an opinion to the lead unit.
    CoHandler,
    /// 分办: handles and replies on its own.
    Separate,
    /// 独办: the only unit.
    Sole,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AssignmentStatus")]
/// Where one assignment stands.
pub enum AssignmentStatus {
    /// 已交办: waiting for the unit to sign for it.
    Assigned,
    /// 已签收: the unit is handling it.
    SignedFor,
    /// 申请退回: the office decides on the unit's return request.
    ReturnRequested,
    /// 已退回 (the office reassigned the case).
    Returned,
    /// 已提交会办意见 (co-handlers).
    OpinionSent,
    /// 已答复 in the current round.
    Replied,
    /// 重新办理 after an UNSATISFIED rating.
    Rehandling,
    /// 已办结
    Closed,
    /// The suggestion was withdrawn.
    Withdrawn,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ReplyCategory")]
/// Reply category (答复类别); which ones a session allows is its category scheme.
pub enum ReplyCategory {
    A,
    B,
    C,
    D,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Publication")]
/// Whether and how a reply is published (公开).
pub enum Publication {
    None,
    Full,
    Summary,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::category::SchemePreset")]
/// The category scheme of a new session.
pub enum CategorySchemePreset {
    /// A/B/C, as many provinces use.
    ThreeClass,
    /// A/B/C/D, the national scheme.
    FourClass,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::suggestion::SuggestionOrder")]
/// Orderings of the suggestion list.
pub enum SuggestionOrder {
    RegisteredDesc,
    RegisteredAsc,
    NumberAsc,
    NumberDesc,
    SubmittedOnDesc,
    SubmittedOnAsc,
    /// Best match of `filter.keyword` first (BM25 on SQLite, `ts_rank` on PostgreSQL; a
    /// word in the title counts more than one in the text; suggestions found only through
    /// a reply come after). A keyword in more than 1,000 suggestions or replies is too
    /// common to rank: its matches, like a list without keyword, come newest first.
    Relevance,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::assignment::AssignmentOrder")]
/// Orderings of the assignment list.
pub enum AssignmentOrder {
    DueOnAsc,
    DueOnDesc,
    AssignedOnDesc,
    AssignedOnAsc,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::deadline::DeadlineStatus")]
/// 办理期限状态 as of a date (docs/domain.md §4).
pub enum DeadlineStatus {
    /// Not answered; more than the warning window (15 days by default) to go.
    NotDue,
    /// Not answered; due within the warning window (the due day itself included).
    DueSoon,
    /// Not answered and past the due date.
    Overdue,
    /// Answered on or before the due date in force.
    AnsweredOnTime,
    /// Answered after it.
    AnsweredLate,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::domain::deadline::DeadlinePeriod")]
/// The deadlines a session's rules define (docs/domain.md §4).
pub enum DeadlinePeriod {
    /// Reply by the lead / separate / sole unit.
    Reply,
    /// The hard cap with extensions.
    HardCap,
    /// A co-handler's opinion to the lead unit.
    CoHandlerOpinion,
    /// A request to return a wrong assignment.
    ReturnWindow,
    /// A reply after an UNSATISFIED rating.
    Rehandling,
    /// Publication after the reply.
    Publication,
    /// The deputy's rating after the reply.
    Rating,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ContactStage")]
/// 办前 / 办中 / 办后
pub enum ContactStage {
    Before,
    During,
    After,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ContactMethod")]
/// How the unit contacted the deputy.
pub enum ContactMethod {
    /// 面商
    FaceToFace,
    /// 走访
    Visit,
    /// 电话
    Phone,
    /// 座谈
    Forum,
    /// 现场
    SiteVisit,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Satisfaction")]
/// 满意 / 基本满意 / 不满意
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Unsatisfied,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RequestStatus")]
/// The office's decision on a unit's request.
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::CalendarDayKind")]
/// A day that differs from the plain Monday–Friday week.
pub enum CalendarDayKind {
    /// A day off for a public holiday.
    Holiday,
    /// A weekend day made a working day (调休).
    Workday,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::FeedbackStatus")]
/// Where a public feedback stands.
pub enum FeedbackStatus {
    /// 未读: received, not yet read.
    New,
    /// 已阅
    Read,
    /// 已办理
    Handled,
    /// 不予处理: spam or abuse.
    Spam,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::service::public::PublishedOrder")]
/// Orderings of the published replies.
pub enum PublishedReplyOrder {
    /// Newest publication first (the default).
    PublishedAtDesc,
    PublishedAtAsc,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::AttachmentKind")]
/// What an attachment (附件) is.
pub enum AttachmentKind {
    /// 建议原件: the deputy's original (on a suggestion).
    SuggestionOriginal,
    /// 相关材料: supporting material (on any record).
    Supporting,
    /// 答复函盖章件: the signed, sealed reply letter (on a reply). Never public.
    ReplyLetter,
    /// 答复函公开件: the redacted copy of the letter that publishing the reply may publish
    /// (on a reply).
    ReplyLetterForPublication,
    /// 沟通佐证: photos or minutes of a meeting with the deputy (on a contact record).
    ContactEvidence,
    /// 会办意见函: a co-handler's signed opinion letter (on a co-handler opinion).
    CoOpinionLetter,
}
