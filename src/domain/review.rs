//! Review before release (答复审核): a session may require that a unit's reply
//! goes to the office before the deputy sees it.
//!
//! ```text
//!  DRAFT ──submit──▶ SUBMITTED_FOR_REVIEW ──approve──▶ APPROVED ──send──▶ SENT
//!    ▲                    │
//!    └──────return────────┘ (RETURNED_FOR_REVISION, with comments; the unit edits and submits again)
//!  Without review: DRAFT ──send──▶ SENT
//! ```
//!
//! Only a SENT reply counts: the deputy sees it, the rating window opens on the day it is
//! sent, and the statistics count it.

use super::error::UserError;

/// Where a reply stands on its way to the deputy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseState {
    /// 草稿: the unit writes it.
    Draft,
    /// 待审核: with the office.
    SubmittedForReview,
    /// 退回修改: the office asked for changes, with comments.
    ReturnedForRevision,
    /// 审核通过: ready to send.
    Approved,
    /// 已答复: sent to the deputy.
    Sent,
}

impl ReleaseState {
    pub const ALL: [Self; 5] = [
        Self::Draft,
        Self::SubmittedForReview,
        Self::ReturnedForRevision,
        Self::Approved,
        Self::Sent,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::SubmittedForReview => "待审核",
            Self::ReturnedForRevision => "退回修改",
            Self::Approved => "审核通过",
            Self::Sent => "已答复",
        }
    }

    /// Whether the reply counts for the deputy, the rating window and the statistics.
    pub fn released(self) -> bool {
        self == Self::Sent
    }
}

/// A step on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseStep {
    /// The unit changes the draft.
    Edit,
    /// The unit submits it for review.
    Submit,
    /// The office approves it.
    Approve,
    /// The office returns it with comments.
    Return,
    /// The reply goes to the deputy.
    Send,
}

impl ReleaseStep {
    fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Edit => ("修改", "edit it"),
            Self::Submit => ("提交审核", "submit it for review"),
            Self::Approve => ("审核通过", "approve it"),
            Self::Return => ("退回修改", "return it"),
            Self::Send => ("发送答复", "send it"),
        }
    }
}

/// The state `step` leads to from `from` when the session does (`review_required`) or
/// does not require review, or INVALID_STATE naming the current state.
pub fn next(
    from: ReleaseState,
    step: ReleaseStep,
    review_required: bool,
    field: &[&str],
) -> Result<ReleaseState, UserError> {
    use ReleaseState::*;
    use ReleaseStep::*;
    let to = match (from, step, review_required) {
        (Draft | ReturnedForRevision, Edit, _) => Some(from),
        (Draft | ReturnedForRevision, Submit, true) => Some(SubmittedForReview),
        (SubmittedForReview, Approve, true) => Some(Approved),
        (SubmittedForReview, Return, true) => Some(ReturnedForRevision),
        (Approved, Send, true) => Some(Sent),
        (Draft, Send, false) => Some(Sent),
        _ => None,
    };
    to.ok_or_else(|| {
        let (zh, en) = step.label();
        let why = if review_required {
            "本次会议的答复须先经审核"
        } else {
            "本次会议的答复无需审核"
        };
        UserError::invalid_state(
            field,
            format!(
                "答复当前为“{}”，不能{zh}（{why}）(cannot {en} while it is {:?})",
                from.name(),
                from
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::ReleaseState::*;
    use super::ReleaseStep::*;
    use super::*;

    #[test]
    fn every_step_from_every_state_with_and_without_review() {
        let steps = [Edit, Submit, Approve, Return, Send];
        // (from, with review, without review), one entry per step.
        type Row = (
            ReleaseState,
            [Option<ReleaseState>; 5],
            [Option<ReleaseState>; 5],
        );
        let table: [Row; 5] = [
            (
                Draft,
                [Some(Draft), Some(SubmittedForReview), None, None, None],
                [Some(Draft), None, None, None, Some(Sent)],
            ),
            (
                SubmittedForReview,
                [None, None, Some(Approved), Some(ReturnedForRevision), None],
                [None; 5],
            ),
            (
                ReturnedForRevision,
                [
                    Some(ReturnedForRevision),
                    Some(SubmittedForReview),
                    None,
                    None,
                    None,
                ],
                [Some(ReturnedForRevision), None, None, None, None],
            ),
            (Approved, [None, None, None, None, Some(Sent)], [None; 5]),
            (Sent, [None; 5], [None; 5]),
        ];
        assert_eq!(table.len(), ReleaseState::ALL.len());
        for (from, with_review, without) in table {
            for (required, row) in [(true, with_review), (false, without)] {
                for (step, expected) in steps.iter().zip(row) {
                    let got = next(from, *step, required, &["input", "replyId"]);
                    match expected {
                        Some(to) => {
                            assert_eq!(got.ok(), Some(to), "{from:?} --{step:?}--> ({required})")
                        }
                        None => {
                            let e = got.err().unwrap_or_else(|| {
                                panic!("{from:?} --{step:?}--> allowed ({required})")
                            });
                            assert_eq!(e.code, crate::domain::ErrorCode::InvalidState);
                            assert!(e.message.contains(from.name()), "{}", e.message);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn only_a_sent_reply_counts() {
        let released: Vec<ReleaseState> = ReleaseState::ALL
            .into_iter()
            .filter(|s| s.released())
            .collect();
        assert_eq!(released, [Sent]);
    }
}
