//! 督办: supervision of key suggestions (重点建议). The office records the
//! supervising leader's instructions (领导批示) and asks the handling units for progress
//! reports (办理进展) by set dates; a unit files each report once. An overdue report counts
//! like an overdue deadline.
//!
//! ```text
//!  (office) request ──▶ REQUESTED ──file (the unit)──▶ FILED
//!                          └──cancel (the office)──▶ CANCELLED
//! ```
//!
//! As of a day, a report is PENDING (requested, not due yet), DUE_SOON (within the
//! session's due-soon days of its date), OVERDUE (not filed after its date), FILED_ON_TIME
//! or FILED_LATE (filed on or before / after its date, as of the day it was filed); a
//! cancelled report has no status. The same words as deadlines, so desks read them alike.

use chrono::NaiveDate;

use super::error::UserError;

/// Where a progress report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportState {
    /// 待报送: asked for, not filed yet.
    Requested,
    /// 已报送
    Filed,
    /// 已取消 by the office (e.g. the case was answered meanwhile).
    Cancelled,
}

impl ReportState {
    pub fn name(self) -> &'static str {
        match self {
            Self::Requested => "待报送",
            Self::Filed => "已报送",
            Self::Cancelled => "已取消",
        }
    }
}

/// A step on a progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportStep {
    /// The unit files the report (报送办理进展).
    File,
    /// The office cancels the request.
    Cancel,
}

/// The state `step` leads to from `from`, or INVALID_STATE naming the current state.
pub fn next(from: ReportState, step: ReportStep, field: &[&str]) -> Result<ReportState, UserError> {
    match (from, step) {
        (ReportState::Requested, ReportStep::File) => Ok(ReportState::Filed),
        (ReportState::Requested, ReportStep::Cancel) => Ok(ReportState::Cancelled),
        (from, step) => {
            let (zh, en) = match step {
                ReportStep::File => ("报送", "file it"),
                ReportStep::Cancel => ("取消", "cancel it"),
            };
            Err(UserError::invalid_state(
                field,
                format!(
                    "该办理进展当前为“{}”，不能{zh} (cannot {en} while it is {from:?})",
                    from.name()
                ),
            ))
        }
    }
}

/// A report's status as of a day: the words deadlines use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportStatus {
    Pending,
    DueSoon,
    Overdue,
    FiledOnTime,
    FiledLate,
}

/// The status as of `as_of` of a report due on `due_on`, requested on `requested_on`,
/// filed on `filed_on` (if it was), warned `due_soon_days` before its date. `None` before
/// it was requested and for a cancelled one (`cancelled_on` on or before `as_of`).
pub fn status(
    requested_on: NaiveDate,
    due_on: NaiveDate,
    filed_on: Option<NaiveDate>,
    cancelled_on: Option<NaiveDate>,
    due_soon_days: u32,
    as_of: NaiveDate,
) -> Option<ReportStatus> {
    if as_of < requested_on || cancelled_on.is_some_and(|c| c <= as_of) {
        return None;
    }
    match filed_on.filter(|f| *f <= as_of) {
        Some(filed) if filed <= due_on => Some(ReportStatus::FiledOnTime),
        Some(_) => Some(ReportStatus::FiledLate),
        None if as_of > due_on => Some(ReportStatus::Overdue),
        None if due_on
            .checked_sub_days(chrono::Days::new(u64::from(due_soon_days)))
            .is_some_and(|from| as_of >= from) =>
        {
            Some(ReportStatus::DueSoon)
        }
        None => Some(ReportStatus::Pending),
    }
}

/// Whether a report may be asked for by `due_on`, requested on `today`: not in the past.
pub fn check_due(due_on: NaiveDate, today: NaiveDate, field: &[&str]) -> Result<(), UserError> {
    if due_on < today {
        return Err(UserError::invalid(
            field,
            "报送期限不能早于今天 (the report cannot be due in the past)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ReportState::*;
    use super::ReportStatus::*;
    use super::ReportStep::*;
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn every_step_from_every_state() {
        let table = [
            (Requested, File, Some(Filed)),
            (Requested, Cancel, Some(Cancelled)),
            (Filed, File, None),
            (Filed, Cancel, None),
            (Cancelled, File, None),
            (Cancelled, Cancel, None),
        ];
        for (from, step, expected) in table {
            let got = next(from, step, &["input", "id"]);
            match expected {
                Some(to) => assert_eq!(got.ok(), Some(to), "{from:?} --{step:?}-->"),
                None => {
                    let e = got.expect_err("refused");
                    let (code, message) = (e.code, e.message);
                    assert_eq!(
                        code,
                        crate::domain::ErrorCode::InvalidState,
                        "{from:?} {step:?}"
                    );
                    assert!(message.contains(from.name()), "{message}");
                }
            }
        }
    }

    #[test]
    fn status_as_of_a_day() {
        // Requested 2026-03-01, due 2026-03-31, warned 7 days before.
        let cases = [
            // (as of, filed on, cancelled on, expected)
            ("2026-02-28", None, None, None),
            ("2026-03-01", None, None, Some(Pending)),
            ("2026-03-23", None, None, Some(Pending)),
            ("2026-03-24", None, None, Some(DueSoon)),
            ("2026-03-31", None, None, Some(DueSoon)),
            ("2026-04-01", None, None, Some(Overdue)),
            ("2026-03-31", Some("2026-03-31"), None, Some(FiledOnTime)),
            ("2026-04-10", Some("2026-03-20"), None, Some(FiledOnTime)),
            ("2026-04-10", Some("2026-04-02"), None, Some(FiledLate)),
            // Before it was filed, as of then, it was overdue.
            ("2026-04-01", Some("2026-04-02"), None, Some(Overdue)),
            ("2026-03-10", None, Some("2026-03-10"), None),
            ("2026-03-09", None, Some("2026-03-10"), Some(Pending)),
        ];
        for (as_of, filed, cancelled, expected) in cases {
            assert_eq!(
                status(
                    d("2026-03-01"),
                    d("2026-03-31"),
                    filed.map(d),
                    cancelled.map(d),
                    7,
                    d(as_of)
                ),
                expected,
                "as of {as_of}, filed {filed:?}, cancelled {cancelled:?}"
            );
        }
    }

    #[test]
    fn a_report_is_never_due_in_the_past() {
        assert!(check_due(d("2026-03-01"), d("2026-03-02"), &["input", "dueOn"]).is_err());
        assert!(check_due(d("2026-03-02"), d("2026-03-02"), &["input", "dueOn"]).is_ok());
    }
}
