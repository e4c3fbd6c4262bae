//! The handling workflow as an explicit state machine (docs/domain.md §2). Every mutation asks
//! this module whether its transition is allowed from the current state; a refusal is an
//! INVALID_STATE user error naming that state.
//!
//! ```text
//!  ASSIGNED ──signFor──▶ SIGNED_FOR ──reply──▶ REPLIED ──rate(UNSATISFIED)──▶ REHANDLING
//!     │                    │  │                  │   ▲                          │
//!     └─requestReturn──────┘  │ (co-handler)     │   └────────────reply─────────┘
//!            ▼                └─sendOpinion──▶ OPINION_SENT
//!   RETURN_REQUESTED ─approve─▶ RETURNED (office reassigns)
//!            └──────reject────▶ SIGNED_FOR
//!  REPLIED / OPINION_SENT ──close──▶ CLOSED;  any open state ──withdraw──▶ WITHDRAWN
//! ```

use entity::enums::AssignmentRole::{self, CoHandler};
use entity::enums::AssignmentStatus::{self, *};
use entity::enums::{ReplyCategory, SuggestionStatus};
use serde::Serialize;

use super::error::UserError;

/// A step of the workflow on one assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// 签收
    SignFor,
    /// 申请退回
    RequestReturn,
    ApproveReturn,
    RejectReturn,
    /// 会办意见 (co-handlers only)
    SendCoOpinion,
    /// 延期申请
    RequestExtension,
    DecideExtension,
    /// 沟通记录
    LogContact,
    /// 答复 (lead, separate and sole units)
    Reply,
    /// The office reviews a reply and may change its category.
    ReviewReply,
    /// 满意度测评; `unsatisfied` opens a re-handling round.
    Rate {
        unsatisfied: bool,
    },
    /// 跟踪办理 (B and C replies)
    FollowUp,
    /// 催办: the office presses the unit on a case it has not answered yet.
    Urge,
    /// 办结
    Close,
    /// 撤回
    Withdraw,
}

impl Transition {
    /// Every transition (both ratings), for the property tests.
    pub const ALL: [Transition; 16] = [
        Self::SignFor,
        Self::RequestReturn,
        Self::ApproveReturn,
        Self::RejectReturn,
        Self::SendCoOpinion,
        Self::RequestExtension,
        Self::DecideExtension,
        Self::LogContact,
        Self::Reply,
        Self::ReviewReply,
        Self::Rate { unsatisfied: false },
        Self::Rate { unsatisfied: true },
        Self::FollowUp,
        Self::Urge,
        Self::Close,
        Self::Withdraw,
    ];

    /// The step's name in Chinese and in English, for messages.
    fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::SignFor => ("签收", "sign for it"),
            Self::RequestReturn => ("申请退回", "request a return"),
            Self::ApproveReturn | Self::RejectReturn => ("审批退回", "decide a return"),
            Self::SendCoOpinion => ("提交会办意见", "send an opinion"),
            Self::RequestExtension => ("申请延期", "request an extension"),
            Self::DecideExtension => ("审批延期", "decide an extension"),
            Self::LogContact => ("记录沟通", "log a contact"),
            Self::Reply => ("答复", "reply"),
            Self::ReviewReply => ("审核答复", "review the reply"),
            Self::Rate { .. } => ("测评", "rate"),
            Self::FollowUp => ("跟踪办理", "follow up"),
            Self::Urge => ("催办", "urge the unit"),
            Self::Close => ("办结", "close"),
            Self::Withdraw => ("撤回", "withdraw"),
        }
    }
}

/// The API name of an assignment state.
pub fn state_name(status: AssignmentStatus) -> String {
    sea_orm::ActiveEnum::to_value(&status)
}

/// The API name of a suggestion state.
pub fn suggestion_state_name(status: SuggestionStatus) -> String {
    sea_orm::ActiveEnum::to_value(&status)
}

/// True for roles that answer the deputy with a reply.
pub fn answers_deputy(role: AssignmentRole) -> bool {
    role != CoHandler
}

/// True while an assignment still takes part in the handling.
pub fn is_active(status: AssignmentStatus) -> bool {
    !matches!(status, Returned | Withdrawn)
}

/// The state after `transition` from `from` for a unit in `role`, or the INVALID_STATE
/// error (at `field`) that names the current state.
pub fn next(
    role: AssignmentRole,
    from: AssignmentStatus,
    transition: Transition,
    field: &[&str],
) -> Result<AssignmentStatus, UserError> {
    use Transition as T;
    let to = match (transition, from) {
        (T::SignFor, Assigned) => Some(SignedFor),
        (T::RequestReturn, Assigned | SignedFor) => Some(ReturnRequested),
        (T::ApproveReturn, ReturnRequested) => Some(Returned),
        (T::RejectReturn, ReturnRequested) => Some(SignedFor),
        (T::SendCoOpinion, SignedFor) if role == CoHandler => Some(OpinionSent),
        (T::RequestExtension | T::DecideExtension, SignedFor | Rehandling) => Some(from),
        (T::LogContact, SignedFor | Rehandling | Replied | OpinionSent | Closed) => Some(from),
        (T::Reply, SignedFor | Rehandling) if answers_deputy(role) => Some(Replied),
        (T::ReviewReply, Replied | Closed) => Some(from),
        (T::Rate { unsatisfied: false }, Replied) => Some(Replied),
        (T::Rate { unsatisfied: true }, Replied) => Some(Rehandling),
        (T::FollowUp, Replied | Closed) => Some(from),
        (T::Urge, Assigned | SignedFor | Rehandling) => Some(from),
        (T::Close, Replied | OpinionSent) => Some(Closed),
        (
            T::Withdraw,
            Assigned | SignedFor | ReturnRequested | OpinionSent | Replied | Rehandling,
        ) => Some(Withdrawn),
        _ => None,
    };
    to.ok_or_else(|| refusal(role, from, transition, field))
}

fn refusal(
    role: AssignmentRole,
    from: AssignmentStatus,
    transition: Transition,
    field: &[&str],
) -> UserError {
    let why = match (transition, role) {
        (Transition::SendCoOpinion, r) if r != CoHandler => "只有协办单位提交会办意见 (only a CO_HANDLER sends an opinion)".to_owned(),
        (Transition::Reply, CoHandler) => {
            "协办单位向主办单位提交会办意见，不直接答复代表 (a CO_HANDLER sends an opinion to the lead unit, not a reply)".to_owned()
        }
        _ => {
            let (zh, en) = transition.label();
            format!("当前状态为 {0}，不能{zh} (cannot {en} in state {0})", state_name(from))
        }
    };
    UserError::invalid_state(field, why)
}

/// A check on the whole suggestion before a unit replies: the lead unit cannot reply while
/// a co-handler's opinion is missing.
pub fn co_opinions_missing(
    role: AssignmentRole,
    others: &[(AssignmentRole, AssignmentStatus)],
) -> bool {
    role == AssignmentRole::Lead
        && others.iter().any(|(r, s)| {
            *r == CoHandler && !matches!(s, OpinionSent | Returned | Withdrawn | Closed)
        })
}

/// The suggestion's state derived from its assignments, once it has been assigned.
pub fn suggestion_status(
    current: SuggestionStatus,
    assignments: &[(AssignmentRole, AssignmentStatus)],
) -> SuggestionStatus {
    if matches!(
        current,
        SuggestionStatus::Closed | SuggestionStatus::Withdrawn
    ) {
        return current;
    }
    let answering: Vec<AssignmentStatus> = assignments
        .iter()
        .filter(|(role, status)| answers_deputy(*role) && is_active(*status))
        .map(|(_, status)| *status)
        .collect();
    if answering.is_empty() {
        return if assignments.iter().any(|(_, s)| is_active(*s)) {
            SuggestionStatus::Assigned
        } else {
            SuggestionStatus::Registered
        };
    }
    if answering.iter().all(|s| matches!(s, Replied | Closed)) {
        SuggestionStatus::Replied
    } else {
        SuggestionStatus::Assigned
    }
}

/// Follow-up replies are for matters still moving: B and C (and D) replies.
pub fn follow_up_allowed(category: ReplyCategory) -> bool {
    category != ReplyCategory::A
}

/// What happened, as recorded in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::EnumIter)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    Registered,
    Updated,
    Assigned,
    ContactPersonSet,
    SignedFor,
    ReturnRequested,
    ReturnApproved,
    ReturnRejected,
    OpinionSent,
    ExtensionRequested,
    ExtensionApproved,
    ExtensionRejected,
    ContactLogged,
    ReplySubmitted,
    ReplyReviewed,
    ReplyPublished,
    /// A publication withdrawn because the case was marked confidential (保密).
    PublicationWithdrawn,
    /// 催办: the office pressed the unit, with a message.
    Urged,
    Rated,
    RehandlingStarted,
    FollowUpSent,
    Closed,
    Withdrawn,
    Redated,
    /// Moved to another unit (机构改革).
    UnitTransferred,
    /// 督办: a leader's instruction (批示) recorded.
    InstructionRecorded,
    /// 督办: a progress report asked of a unit.
    ProgressReportRequested,
    ProgressReportFiled,
    ProgressReportCancelled,
    /// Review before release: the unit's reply went to the office.
    ReplySubmittedForReview,
    ReleaseApproved,
    ReleaseReturned,
    /// A returned reply revised and submitted again.
    ReplyRevised,
    /// A file attached to the suggestion or one of its records (附件).
    AttachmentAdded,
    /// An attachment deleted by its uploader while its record was open.
    AttachmentRemoved,
}

impl EventKind {
    /// The stored and API name (SCREAMING_SNAKE_CASE of the variant).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The role someone acted in; accounts (and so the acting user) come with access control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum ActorRole {
    Office,
    /// The coordinating office (督查室), which urges units.
    Coordinator,
    Unit,
    Deputy,
    System,
}

impl ActorRole {
    /// The stored and API name (SCREAMING_SNAKE_CASE of the variant).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::AssignmentRole::{Lead, Separate, Sole};
    use Transition as T;

    #[test]
    fn names_come_from_the_variants() {
        use strum::IntoEnumIterator as _;
        for kind in EventKind::iter() {
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::from(kind.as_str())),
                "{kind:?}"
            );
        }
        assert_eq!(EventKind::ContactPersonSet.as_str(), "CONTACT_PERSON_SET");
        assert_eq!(
            EventKind::ReplySubmittedForReview.as_str(),
            "REPLY_SUBMITTED_FOR_REVIEW"
        );
        assert_eq!(ActorRole::System.as_str(), "SYSTEM");
        assert_eq!(state_name(ReturnRequested), "RETURN_REQUESTED");
        assert_eq!(
            suggestion_state_name(SuggestionStatus::Withdrawn),
            "WITHDRAWN"
        );
    }

    #[test]
    fn transitions_table() {
        // (role, from, transition, expected next state or None for a refusal)
        let cases = [
            (Lead, Assigned, T::SignFor, Some(SignedFor)),
            (Lead, SignedFor, T::SignFor, None),
            (Lead, Assigned, T::RequestReturn, Some(ReturnRequested)),
            (
                CoHandler,
                SignedFor,
                T::RequestReturn,
                Some(ReturnRequested),
            ),
            (Lead, Replied, T::RequestReturn, None),
            (Lead, ReturnRequested, T::ApproveReturn, Some(Returned)),
            (Lead, ReturnRequested, T::RejectReturn, Some(SignedFor)),
            (Lead, SignedFor, T::ApproveReturn, None),
            (CoHandler, SignedFor, T::SendCoOpinion, Some(OpinionSent)),
            (CoHandler, Assigned, T::SendCoOpinion, None),
            (Lead, SignedFor, T::SendCoOpinion, None),
            (CoHandler, OpinionSent, T::SendCoOpinion, None),
            (Lead, SignedFor, T::RequestExtension, Some(SignedFor)),
            (Lead, Rehandling, T::RequestExtension, Some(Rehandling)),
            (Lead, Replied, T::RequestExtension, None),
            (Lead, Assigned, T::LogContact, None),
            (Lead, Replied, T::LogContact, Some(Replied)),
            (Lead, Closed, T::LogContact, Some(Closed)),
            (Lead, Assigned, T::Reply, None),
            (Lead, SignedFor, T::Reply, Some(Replied)),
            (Sole, Rehandling, T::Reply, Some(Replied)),
            (Separate, SignedFor, T::Reply, Some(Replied)),
            (CoHandler, SignedFor, T::Reply, None),
            (Lead, Replied, T::Reply, None),
            (Lead, Replied, T::Rate { unsatisfied: false }, Some(Replied)),
            (
                Lead,
                Replied,
                T::Rate { unsatisfied: true },
                Some(Rehandling),
            ),
            (Lead, SignedFor, T::Rate { unsatisfied: false }, None),
            (Lead, Replied, T::ReviewReply, Some(Replied)),
            (Lead, Replied, T::FollowUp, Some(Replied)),
            (Lead, SignedFor, T::FollowUp, None),
            (Lead, Assigned, T::Urge, Some(Assigned)),
            (CoHandler, SignedFor, T::Urge, Some(SignedFor)),
            (Sole, Rehandling, T::Urge, Some(Rehandling)),
            (Sole, Replied, T::Urge, None),
            (Lead, ReturnRequested, T::Urge, None),
            (Separate, Closed, T::Urge, None),
            (Lead, Replied, T::Close, Some(Closed)),
            (CoHandler, OpinionSent, T::Close, Some(Closed)),
            (Lead, Rehandling, T::Close, None),
            (Lead, Closed, T::Close, None),
            (Lead, SignedFor, T::Withdraw, Some(Withdrawn)),
            (Lead, Closed, T::Withdraw, None),
            (Lead, Returned, T::Withdraw, None),
            (Lead, Returned, T::SignFor, None),
            (Lead, Withdrawn, T::Reply, None),
        ];
        for (role, from, transition, expected) in cases {
            let got = next(role, from, transition, &["input", "id"]).ok();
            assert_eq!(got, expected, "{role:?} {from:?} {transition:?}");
        }
    }

    #[test]
    fn refusals_name_the_current_state() {
        let error = next(Lead, Replied, T::SignFor, &["input", "assignmentId"]).unwrap_err();
        assert_eq!(error.code, crate::domain::ErrorCode::InvalidState);
        assert_eq!(error.field, ["input", "assignmentId"]);
        assert!(error.message.contains("REPLIED"), "{}", error.message);
        let co = next(CoHandler, SignedFor, T::Reply, &["x"]).unwrap_err();
        assert!(co.message.contains("CO_HANDLER"), "{}", co.message);
    }

    #[test]
    fn lead_waits_for_co_handler_opinions() {
        let cases = [
            (Lead, vec![(CoHandler, SignedFor)], true),
            (Lead, vec![(CoHandler, Assigned)], true),
            (Lead, vec![(CoHandler, OpinionSent)], false),
            (
                Lead,
                vec![(CoHandler, Returned), (CoHandler, OpinionSent)],
                false,
            ),
            (
                Lead,
                vec![(CoHandler, OpinionSent), (CoHandler, ReturnRequested)],
                true,
            ),
            (Lead, vec![], false),
            (Sole, vec![(CoHandler, SignedFor)], false),
        ];
        for (role, others, missing) in cases {
            assert_eq!(
                co_opinions_missing(role, &others),
                missing,
                "{role:?} {others:?}"
            );
        }
    }

    #[test]
    fn suggestion_status_follows_answering_units() {
        use SuggestionStatus as S;
        let cases = [
            (
                S::Assigned,
                vec![(Lead, SignedFor), (CoHandler, OpinionSent)],
                S::Assigned,
            ),
            (
                S::Assigned,
                vec![(Lead, Replied), (CoHandler, OpinionSent)],
                S::Replied,
            ),
            (
                S::Assigned,
                vec![(Lead, Replied), (CoHandler, SignedFor)],
                S::Replied,
            ),
            (S::Replied, vec![(Lead, Rehandling)], S::Assigned),
            (
                S::Assigned,
                vec![(Separate, Replied), (Separate, SignedFor)],
                S::Assigned,
            ),
            (
                S::Assigned,
                vec![
                    (Separate, Replied),
                    (Separate, Returned),
                    (Separate, Replied),
                ],
                S::Replied,
            ),
            (S::Assigned, vec![(Sole, Returned)], S::Registered),
            (S::Closed, vec![(Lead, Replied)], S::Closed),
            (S::Withdrawn, vec![(Lead, SignedFor)], S::Withdrawn),
        ];
        for (current, assignments, expected) in cases {
            assert_eq!(
                suggestion_status(current, &assignments),
                expected,
                "{assignments:?}"
            );
        }
    }

    #[test]
    fn follow_ups_are_for_unfinished_matters() {
        assert!(!follow_up_allowed(ReplyCategory::A));
        assert!(follow_up_allowed(ReplyCategory::B));
        assert!(follow_up_allowed(ReplyCategory::C));
        assert!(follow_up_allowed(ReplyCategory::D));
    }
}
