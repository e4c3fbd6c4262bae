//! Filing online and screening (提交 → 联名 → 审查 → 立案, docs/domain.md §2.2) as an explicit
//! state machine, before a suggestion is registered and numbered.
//!
//! ```text
//!  DRAFT ──submit──▶ SUBMITTED ──accept──▶ ACCEPTED (立案: numbered, then assigned as today)
//!    ▲  │               │  │
//!    │  │               │  └──reject──▶ NOT_ACCEPTED (不予立案, with a reason; may go on as a letter)
//!    │  │               └──return──▶ RETURNED_FOR_REVISION ──resubmit──▶ SUBMITTED
//!    │  └──edit (the filer, while DRAFT or RETURNED_FOR_REVISION)
//!  DRAFT / SUBMITTED / RETURNED_FOR_REVISION ──withdraw (the filer)──▶ WITHDRAWN
//! ```
//!
//! Co-signers (联名) are invited while the filing is a draft or returned for revision and
//! answer before the deadline the office sets; an invitation not confirmed by then lapses,
//! and only confirmed co-signers are on the suggestion when it is accepted.

use chrono::NaiveDate;

use super::error::UserError;

/// Where a filing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilingState {
    /// 草稿: the filer writes it; only the filer (and invited co-signers) see it.
    Draft,
    /// 已提交: waiting for the office's screening (审查).
    Submitted,
    /// 退回修改: the office asked for changes, with comments.
    ReturnedForRevision,
    /// 已立案: accepted and registered as a numbered suggestion.
    Accepted,
    /// 不予立案: not accepted as a suggestion, with a reason.
    NotAccepted,
    /// 已撤回: withdrawn by the filer before it was accepted.
    Withdrawn,
}

impl FilingState {
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::Submitted,
        Self::ReturnedForRevision,
        Self::Accepted,
        Self::NotAccepted,
        Self::Withdrawn,
    ];

    /// The state's name in Chinese, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::Submitted => "已提交",
            Self::ReturnedForRevision => "退回修改",
            Self::Accepted => "已立案",
            Self::NotAccepted => "不予立案",
            Self::Withdrawn => "已撤回",
        }
    }

    /// Whether the office sees the filing: once submitted, never as a draft.
    pub fn visible_to_office(self) -> bool {
        !matches!(self, Self::Draft | Self::Withdrawn)
    }

    /// Whether the filing is settled (no step leads out of it).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Accepted | Self::NotAccepted | Self::Withdrawn)
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filer {
    /// The lead deputy, or the delegation (代表团) that files.
    Filer,
    /// The congress office (代表工作机构) that screens.
    Office,
}

/// A step of filing and screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingStep {
    /// The filer changes the text, title, topic or invitations.
    Edit,
    /// 提交 (also after a revision).
    Submit,
    /// 立案: accepted and numbered.
    Accept,
    /// 退回修改, with comments.
    Return,
    /// 不予立案, with a reason.
    Reject,
    /// 撤回, by the filer before acceptance.
    Withdraw,
}

impl FilingStep {
    fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Edit => ("修改", "edit it"),
            Self::Submit => ("提交", "submit it"),
            Self::Accept => ("立案", "accept it"),
            Self::Return => ("退回修改", "return it for revision"),
            Self::Reject => ("不予立案", "not accept it"),
            Self::Withdraw => ("撤回", "withdraw it"),
        }
    }

    /// Who may take the step.
    pub fn taken_by(self) -> Filer {
        match self {
            Self::Edit | Self::Submit | Self::Withdraw => Filer::Filer,
            Self::Accept | Self::Return | Self::Reject => Filer::Office,
        }
    }
}

/// The state `step` leads to from `from`, or INVALID_STATE naming the current state.
pub fn next(from: FilingState, step: FilingStep, field: &[&str]) -> Result<FilingState, UserError> {
    use FilingState::*;
    use FilingStep::*;
    let to = match (from, step) {
        (Draft | ReturnedForRevision, Edit) => Some(from),
        (Draft | ReturnedForRevision, Submit) => Some(Submitted),
        (Submitted, Accept) => Some(Accepted),
        (Submitted, Return) => Some(ReturnedForRevision),
        (Submitted, Reject) => Some(NotAccepted),
        (Draft | Submitted | ReturnedForRevision, Withdraw) => Some(Withdrawn),
        _ => None,
    };
    to.ok_or_else(|| {
        let (zh, en) = step.label();
        UserError::invalid_state(
            field,
            format!(
                "该建议当前为“{}”，不能{zh} (cannot {en} while it is {:?})",
                from.name(),
                from
            ),
        )
    })
}

/// A co-signer's answer to an invitation (联名邀请).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invitation {
    Invited,
    Confirmed,
    Declined,
}

/// Whether an invitation counts on `day`: confirmed on or before the deadline. One not
/// confirmed by then has lapsed, whatever came later.
pub fn co_signs(
    answer: Invitation,
    answered_on: Option<NaiveDate>,
    deadline: NaiveDate,
    day: NaiveDate,
) -> bool {
    answer == Invitation::Confirmed && answered_on.is_some_and(|on| on <= deadline && on <= day)
}

/// Whether a co-signer may still answer on `day`: while the invitation is open and the
/// deadline has not passed. A co-signer may change a confirmation into a refusal (or the
/// other way) until then.
pub fn may_answer(filing: FilingState, deadline: NaiveDate, day: NaiveDate) -> bool {
    matches!(
        filing,
        FilingState::Draft | FilingState::Submitted | FilingState::ReturnedForRevision
    ) && day <= deadline
}

/// Why the office does not accept a filing as a suggestion (不予立案). The common grounds
/// are listed; OTHER needs the reason written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAcceptedGround {
    /// 一事多议: several matters in one.
    SeveralMatters,
    /// 内容空泛: no substance.
    NoSubstance,
    /// 个人诉求: a personal complaint (handled as a letter, 转来信处理).
    PersonalMatter,
    /// 涉及诉讼: a case before the courts.
    BeforeCourt,
    Other,
}

impl NotAcceptedGround {
    pub fn label(self) -> &'static str {
        match self {
            Self::SeveralMatters => "一事多议",
            Self::NoSubstance => "内容空泛",
            Self::PersonalMatter => "个人诉求",
            Self::BeforeCourt => "涉及诉讼",
            Self::Other => "其他",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FilingState::*;
    use super::FilingStep::*;
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn every_step_from_every_state() {
        // (from, step, to or None for INVALID_STATE): the whole table, every pair.
        let steps = [Edit, Submit, Accept, Return, Reject, Withdraw];
        let table: [(FilingState, [Option<FilingState>; 6]); 6] = [
            (
                Draft,
                [
                    Some(Draft),
                    Some(Submitted),
                    None,
                    None,
                    None,
                    Some(Withdrawn),
                ],
            ),
            (
                Submitted,
                [
                    None,
                    None,
                    Some(Accepted),
                    Some(ReturnedForRevision),
                    Some(NotAccepted),
                    Some(Withdrawn),
                ],
            ),
            (
                ReturnedForRevision,
                [
                    Some(ReturnedForRevision),
                    Some(Submitted),
                    None,
                    None,
                    None,
                    Some(Withdrawn),
                ],
            ),
            (Accepted, [None; 6]),
            (NotAccepted, [None; 6]),
            (Withdrawn, [None; 6]),
        ];
        assert_eq!(table.len(), FilingState::ALL.len());
        for (from, row) in table {
            for (step, expected) in steps.iter().zip(row) {
                let got = next(from, *step, &["input", "id"]);
                match expected {
                    Some(to) => assert_eq!(got.ok(), Some(to), "{from:?} --{step:?}-->"),
                    None => {
                        let e = got
                            .err()
                            .unwrap_or_else(|| panic!("{from:?} --{step:?}--> allowed"));
                        assert_eq!(e.code, crate::domain::ErrorCode::InvalidState);
                        assert!(e.message.contains(from.name()), "{}", e.message);
                    }
                }
            }
            assert_eq!(
                from.is_final(),
                row.iter().all(Option::is_none),
                "{from:?} is final exactly when nothing leads out"
            );
        }
    }

    #[test]
    fn who_takes_each_step_and_who_sees_what() {
        for (step, by) in [
            (Edit, Filer::Filer),
            (Submit, Filer::Filer),
            (Withdraw, Filer::Filer),
            (Accept, Filer::Office),
            (Return, Filer::Office),
            (Reject, Filer::Office),
        ] {
            assert_eq!(step.taken_by(), by, "{step:?}");
        }
        let seen: Vec<FilingState> = FilingState::ALL
            .into_iter()
            .filter(|s| s.visible_to_office())
            .collect();
        assert_eq!(
            seen,
            [Submitted, ReturnedForRevision, Accepted, NotAccepted]
        );
    }

    #[test]
    fn a_co_signer_counts_only_if_confirmed_by_the_deadline() {
        let deadline = d("2027-01-10");
        // (answer, answered on, day looked at, counts)
        let rows = [
            (
                Invitation::Confirmed,
                Some("2027-01-05"),
                "2027-01-20",
                true,
            ),
            (
                Invitation::Confirmed,
                Some("2027-01-10"),
                "2027-01-20",
                true,
            ),
            (
                Invitation::Confirmed,
                Some("2027-01-11"),
                "2027-01-20",
                false,
            ),
            (
                Invitation::Confirmed,
                Some("2027-01-05"),
                "2027-01-04",
                false,
            ),
            (
                Invitation::Declined,
                Some("2027-01-05"),
                "2027-01-20",
                false,
            ),
            (Invitation::Invited, None, "2027-01-20", false),
            (Invitation::Confirmed, None, "2027-01-20", false),
        ];
        for (answer, on, day, counts) in rows {
            assert_eq!(
                co_signs(answer, on.map(d), deadline, d(day)),
                counts,
                "{answer:?} on {on:?} as of {day}"
            );
        }
        assert!(may_answer(Draft, deadline, d("2027-01-10")));
        assert!(!may_answer(Draft, deadline, d("2027-01-11")));
        assert!(!may_answer(Accepted, deadline, d("2027-01-01")));
        assert!(!may_answer(Withdrawn, deadline, d("2027-01-01")));
    }

    #[test]
    fn grounds_have_their_names() {
        let labels: Vec<&str> = [
            NotAcceptedGround::SeveralMatters,
            NotAcceptedGround::NoSubstance,
            NotAcceptedGround::PersonalMatter,
            NotAcceptedGround::BeforeCourt,
            NotAcceptedGround::Other,
        ]
        .into_iter()
        .map(NotAcceptedGround::label)
        .collect();
        assert_eq!(
            labels,
            ["一事多议", "内容空泛", "个人诉求", "涉及诉讼", "其他"]
        );
    }
}
