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
    Assigned,
    Replied,
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
