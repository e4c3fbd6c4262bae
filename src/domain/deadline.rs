//! Deadline rules (DOMAIN.md §4): the periods a session sets, and calendar-month arithmetic.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::error::{Errors, UserError};
use entity::enums::AssignmentRole;

/// The deadline rules in force for a session. Every number is a default an administrator
/// can change per session; the defaults are those of DOMAIN.md §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DeadlineRules {
    /// Reply by the lead / separate / sole unit, in calendar months from assignment.
    pub reply_months: u32,
    /// Hard cap with extensions, in calendar months from assignment.
    pub hard_cap_months: u32,
    /// Co-handler's opinion to the lead unit, in calendar months from assignment.
    pub co_handler_opinion_months: u32,
    /// Request to return a wrong assignment, in working days from assignment.
    pub return_window_working_days: u32,
    /// Reply after an UNSATISFIED rating, in calendar months from the re-handling start.
    pub rehandling_months: u32,
    /// Publication after the reply, in working days from the reply date.
    pub publication_working_days: u32,
    /// Deputy's rating after the reply, in working days.
    pub rating_working_days: u32,
    /// "Due soon" warning window, in calendar days before the due date.
    pub due_soon_days: u32,
    /// Whether a period ending on a non-working day moves to the next working day.
    pub roll_to_next_working_day: bool,
}

impl Default for DeadlineRules {
    fn default() -> Self {
        Self {
            reply_months: 3,
            hard_cap_months: 6,
            co_handler_opinion_months: 1,
            return_window_working_days: 5,
            rehandling_months: 1,
            publication_working_days: 20,
            rating_working_days: 20,
            due_soon_days: 15,
            roll_to_next_working_day: true,
        }
    }
}

impl DeadlineRules {
    /// Checks that the periods make sense together; field names are the API's.
    pub fn validate(&self) -> Result<(), Vec<UserError>> {
        let mut errors = Errors::new();
        let months = [
            ("replyMonths", self.reply_months),
            ("hardCapMonths", self.hard_cap_months),
            ("coHandlerOpinionMonths", self.co_handler_opinion_months),
            ("rehandlingMonths", self.rehandling_months),
        ];
        for (field, value) in months {
            if !(1..=24).contains(&value) {
                errors.push(UserError::invalid(
                    &[field],
                    format!("期限须为 1 至 24 个月 (months must be 1–24), got {value}"),
                ));
            }
        }
        let days = [
            ("returnWindowWorkingDays", self.return_window_working_days),
            ("publicationWorkingDays", self.publication_working_days),
            ("ratingWorkingDays", self.rating_working_days),
        ];
        for (field, value) in days {
            if !(1..=250).contains(&value) {
                errors.push(UserError::invalid(
                    &[field],
                    format!("工作日数须为 1 至 250 (working days must be 1–250), got {value}"),
                ));
            }
        }
        if self.due_soon_days > 90 {
            errors.push(UserError::invalid(
                &["dueSoonDays"],
                "临期提醒不得超过 90 天 (due-soon window must be at most 90 days)",
            ));
        }
        if self.hard_cap_months < self.reply_months {
            errors.push(UserError::invalid(
                &["hardCapMonths"],
                "延期上限不得短于答复期限 (hard cap must not be shorter than the reply period)",
            ));
        }
        errors.finish()
    }

    /// The period, in calendar months, within which a unit with `role` must answer.
    pub fn answer_months(&self, role: AssignmentRole) -> u32 {
        match role {
            AssignmentRole::CoHandler => self.co_handler_opinion_months,
            AssignmentRole::Lead | AssignmentRole::Separate | AssignmentRole::Sole => {
                self.reply_months
            }
        }
    }
}

/// Adds calendar months: the same day of the month, or the last day of the target month
/// where that day does not exist (30 Nov + 3 months → 28/29 Feb). The start day is not
/// counted. Returns `None` only past chrono's date range.
pub fn add_months(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    start.checked_add_months(Months::new(months))
}

/// The last day of the month `date` is in.
pub fn month_end(date: NaiveDate) -> Option<NaiveDate> {
    let first = date.with_day(1)?;
    first.checked_add_months(Months::new(1))?.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn calendar_months_keep_the_day_or_take_the_month_end() {
        let cases = [
            ("2024-03-15", 3, "2024-06-15"),
            ("2023-11-30", 3, "2024-02-29"), // leap year
            ("2024-11-30", 3, "2025-02-28"),
            ("2024-01-31", 1, "2024-02-29"),
            ("2025-01-31", 1, "2025-02-28"),
            ("2024-08-31", 1, "2024-09-30"),
            ("2024-02-29", 12, "2025-02-28"),
            ("2024-02-29", 48, "2028-02-29"),
            ("2024-12-31", 6, "2025-06-30"),
            ("2026-11-22", 3, "2027-02-22"),
            ("2022-06-16", 3, "2022-09-16"),
        ];
        for (start, months, expected) in cases {
            assert_eq!(
                add_months(d(start), months),
                Some(d(expected)),
                "{start} + {months} months"
            );
        }
    }

    #[test]
    fn month_end_of_each_kind_of_month() {
        for (date, expected) in [
            ("2024-02-10", "2024-02-29"),
            ("2023-02-01", "2023-02-28"),
            ("2024-12-31", "2024-12-31"),
            ("2024-04-01", "2024-04-30"),
        ] {
            assert_eq!(month_end(d(date)), Some(d(expected)), "{date}");
        }
    }

    #[test]
    fn answer_period_depends_on_role() {
        let rules = DeadlineRules::default();
        assert_eq!(rules.answer_months(AssignmentRole::Lead), 3);
        assert_eq!(rules.answer_months(AssignmentRole::Sole), 3);
        assert_eq!(rules.answer_months(AssignmentRole::Separate), 3);
        assert_eq!(rules.answer_months(AssignmentRole::CoHandler), 1);
    }

    #[test]
    fn rules_validation_reports_each_bad_field() {
        assert_eq!(DeadlineRules::default().validate(), Ok(()));
        let bad = DeadlineRules {
            reply_months: 0,
            hard_cap_months: 2,
            due_soon_days: 91,
            ..DeadlineRules::default()
        };
        let fields: Vec<String> = bad
            .validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field.join("."))
            .collect();
        assert_eq!(fields, ["replyMonths", "dueSoonDays"]);
        let cap_short = DeadlineRules {
            reply_months: 4,
            hard_cap_months: 3,
            ..DeadlineRules::default()
        };
        assert!(cap_short.validate().is_err());
    }

    #[test]
    fn rules_json_fills_missing_fields_with_defaults() {
        let rules: DeadlineRules =
            serde_json::from_str(r#"{"replyMonths": 2}"#).unwrap_or_default();
        assert_eq!(rules.reply_months, 2);
        assert_eq!(rules.hard_cap_months, 6);
    }
}
