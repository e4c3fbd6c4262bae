//! Deadline rules (docs/domain.md §4): the periods a session sets, calendar-month arithmetic,
//! due dates on China's working calendar, and the deadline status as of a date.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::calendar::{DayKind, WorkCalendar};
use super::error::{Errors, UserError};

/// The deadline rules in force for a session. Every number is a default an administrator
/// can change per session; the defaults are those of docs/domain.md §4.
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

/// Changes to deadline rules: each given number replaces the one in force, the rest stay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RulesPatch {
    pub reply_months: Option<u32>,
    pub hard_cap_months: Option<u32>,
    pub co_handler_opinion_months: Option<u32>,
    pub return_window_working_days: Option<u32>,
    pub rehandling_months: Option<u32>,
    pub publication_working_days: Option<u32>,
    pub rating_working_days: Option<u32>,
    pub due_soon_days: Option<u32>,
    pub roll_to_next_working_day: Option<bool>,
}

impl RulesPatch {
    /// The rules `base` becomes with this patch.
    pub fn apply(self, base: DeadlineRules) -> DeadlineRules {
        DeadlineRules {
            reply_months: self.reply_months.unwrap_or(base.reply_months),
            hard_cap_months: self.hard_cap_months.unwrap_or(base.hard_cap_months),
            co_handler_opinion_months: self
                .co_handler_opinion_months
                .unwrap_or(base.co_handler_opinion_months),
            return_window_working_days: self
                .return_window_working_days
                .unwrap_or(base.return_window_working_days),
            rehandling_months: self.rehandling_months.unwrap_or(base.rehandling_months),
            publication_working_days: self
                .publication_working_days
                .unwrap_or(base.publication_working_days),
            rating_working_days: self.rating_working_days.unwrap_or(base.rating_working_days),
            due_soon_days: self.due_soon_days.unwrap_or(base.due_soon_days),
            roll_to_next_working_day: self
                .roll_to_next_working_day
                .unwrap_or(base.roll_to_next_working_day),
        }
    }
}

impl DeadlineRules {
    /// The rules as a session stores them (JSON); defaults for anything missing or unreadable.
    pub fn stored(value: &serde_json::Value) -> Self {
        Self::deserialize(value).unwrap_or_default()
    }

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
}

/// Adds calendar months: the same day of the month, or the last day of the target month
/// where that day does not exist (30 Nov + 3 months → 28/29 Feb). The start day is not
/// counted. Returns `None` only past chrono's date range.
pub fn add_months(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    start.checked_add_months(Months::new(months))
}

/// Which deadline a due date is for (docs/domain.md §4 table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeadlinePeriod {
    /// Reply by the lead / separate / sole unit, from assignment.
    Reply,
    /// Hard cap with extensions, from assignment.
    HardCap,
    /// Co-handler's opinion to the lead unit, from assignment.
    CoHandlerOpinion,
    /// Request to return a wrong assignment, from assignment.
    ReturnWindow,
    /// Reply after an UNSATISFIED rating, from the re-handling start.
    Rehandling,
    /// Publication after the reply, from the reply date.
    Publication,
    /// Deputy's rating after the reply, from the reply date.
    Rating,
}

/// How a period is counted: calendar months or working days after the start day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodRule {
    Months(u32),
    WorkingDays(u32),
}

impl DeadlineRules {
    /// The length and unit of `period` under these rules.
    pub fn rule(&self, period: DeadlinePeriod) -> PeriodRule {
        match period {
            DeadlinePeriod::Reply => PeriodRule::Months(self.reply_months),
            DeadlinePeriod::HardCap => PeriodRule::Months(self.hard_cap_months),
            DeadlinePeriod::CoHandlerOpinion => PeriodRule::Months(self.co_handler_opinion_months),
            DeadlinePeriod::ReturnWindow => {
                PeriodRule::WorkingDays(self.return_window_working_days)
            }
            DeadlinePeriod::Rehandling => PeriodRule::Months(self.rehandling_months),
            DeadlinePeriod::Publication => PeriodRule::WorkingDays(self.publication_working_days),
            DeadlinePeriod::Rating => PeriodRule::WorkingDays(self.rating_working_days),
        }
    }
}

/// A due date and how it was reached, for `deadlineExplanation` in the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDate {
    /// The start day (not counted).
    pub start: NaiveDate,
    pub period: DeadlinePeriod,
    pub rule: PeriodRule,
    /// The end before rolling to a working day.
    pub raw_end: NaiveDate,
    pub due_on: NaiveDate,
    /// Whether the end moved to the next working day.
    pub rolled: bool,
    /// Listed holidays after `start` up to and including `due_on`, by date.
    pub holidays_crossed: Vec<(NaiveDate, String)>,
    /// Make-up working days (调休) after `start` up to and including `due_on`, by date.
    pub make_up_days_crossed: Vec<(NaiveDate, String)>,
    /// Whether a day that decided the result lies in a year whose official calendar is
    /// not loaded (so it was counted with weekends only, and will be re-dated).
    pub provisional: bool,
    /// Those years, ascending.
    pub provisional_years: Vec<i32>,
}

impl DueDate {
    /// A readable explanation in Chinese with the English gist, e.g.
    /// `自2024-09-27起5个工作日（跳过国庆节假日7天，含调休上班日1天），截止2024-10-10
    /// (5 working days after 2024-09-27, skipping 7 holiday days (国庆节) and counting
    /// 1 make-up working day: due 2024-10-10)`.
    pub fn sentence(&self) -> String {
        let (mut zh, mut en) = match self.rule {
            PeriodRule::WorkingDays(n) => self.working_days_sentence(n),
            PeriodRule::Months(n) => self.months_sentence(n),
        };
        if self.provisional {
            let years_zh = self
                .provisional_years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join("、");
            let years_en = self
                .provisional_years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            zh.push_str(&format!(
                "；暂按周末推算，待{years_zh}年节假日安排公布后重新计算"
            ));
            en.push_str(&format!(
                "; provisional: the {years_en} holiday arrangement is not loaded yet, so only weekends were skipped; it will be re-dated once loaded"
            ));
        }
        format!("{zh} ({en})")
    }

    fn working_days_sentence(&self, n: u32) -> (String, String) {
        let (start, due) = (self.start, self.due_on);
        let holidays = count_by_festival(&self.holidays_crossed);
        let make_up = self.make_up_days_crossed.len();
        let mut notes_zh = Vec::new();
        let mut notes_en = Vec::new();
        if !holidays.is_empty() {
            let parts: Vec<String> = holidays
                .iter()
                .map(|(festival, k)| format!("{festival}假日{k}天"))
                .collect();
            notes_zh.push(format!("跳过{}", parts.join("、")));
            let festivals: Vec<&str> = holidays.iter().map(|(f, _)| *f).collect();
            let total = self.holidays_crossed.len();
            notes_en.push(format!(
                "skipping {total} holiday day{} ({})",
                plural(total),
                festivals.join("、")
            ));
        }
        if make_up > 0 {
            notes_zh.push(format!("含调休上班日{make_up}天"));
            notes_en.push(format!(
                "counting {make_up} make-up working day{}",
                plural(make_up)
            ));
        }
        let notes_zh = if notes_zh.is_empty() {
            String::new()
        } else {
            format!("（{}）", notes_zh.join("，"))
        };
        let notes_en = if notes_en.is_empty() {
            String::new()
        } else {
            format!(", {}", notes_en.join(" and "))
        };
        let mut zh = format!("自{start}起{n}个工作日{notes_zh}，截止{due}");
        let mut en = format!(
            "{n} working day{} after {start}{notes_en}: due {due}",
            plural(n as usize)
        );
        if self.rolled {
            // Only a zero-day period starting on a day off.
            zh.push_str(&format!("（{start}非工作日，顺延）"));
            en.push_str(&format!(", {start} not being a working day"));
        }
        (zh, en)
    }

    fn months_sentence(&self, n: u32) -> (String, String) {
        let (start, raw, due) = (self.start, self.raw_end, self.due_on);
        let mut zh = format!("自{start}起{n}个月");
        let mut en = format!("{n} month{} after {start}", plural(n as usize));
        if raw.day() < start.day() {
            zh.push_str(&format!("（当月无{}日，取月末）", start.day()));
            en.push_str(&format!(
                " (that month has no day {}, so its last day)",
                start.day()
            ));
        }
        if self.rolled {
            let (why_zh, why_en) = self.day_off_reason(raw);
            zh.push_str(&format!(
                "至{raw}，该日为{why_zh}，顺延至下一工作日，截止{due}"
            ));
            en.push_str(&format!(
                " is {raw}, {why_en}; moved to the next working day: due {due}"
            ));
        } else {
            zh.push_str(&format!("，截止{due}"));
            en.push_str(&format!(": due {due}"));
            if !self.due_is_working_day() {
                let (why_zh, why_en) = self.day_off_reason(due);
                zh.push_str(&format!("（该日为{why_zh}，按规则不顺延）"));
                en.push_str(&format!(", {why_en}, not moved under the rules in force"));
            }
        }
        (zh, en)
    }

    /// Whether `due_on` is a working day, as far as the recorded crossings tell.
    fn due_is_working_day(&self) -> bool {
        let due = self.due_on;
        if self.holidays_crossed.iter().any(|(d, _)| *d == due) {
            return false;
        }
        if self.make_up_days_crossed.iter().any(|(d, _)| *d == due) {
            return true;
        }
        !matches!(due.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// Why `date`, a day off, is one: its festival or its weekday.
    fn day_off_reason(&self, date: NaiveDate) -> (String, String) {
        if let Some((_, festival)) = self.holidays_crossed.iter().find(|(d, _)| *d == date) {
            return (
                format!("{festival}假日"),
                format!("a public holiday ({festival})"),
            );
        }
        match date.weekday() {
            Weekday::Sat => ("周六".into(), "a Saturday".into()),
            Weekday::Sun => ("周日".into(), "a Sunday".into()),
            _ => ("非工作日".into(), "not a working day".into()),
        }
    }
}

/// Festivals in order of first appearance, with their number of days.
fn count_by_festival(days: &[(NaiveDate, String)]) -> Vec<(&str, usize)> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for (_, festival) in days {
        match counts.iter_mut().find(|(f, _)| *f == festival.as_str()) {
            Some((_, k)) => *k += 1,
            None => counts.push((festival.as_str(), 1)),
        }
    }
    counts
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The due date of `period` started on `start` (the start day is not counted).
///
/// Months add to the same day of the month, else the month end; a months period ending on
/// a non-working day moves to the next working day if `rules.roll_to_next_working_day`.
/// Working-day periods count only working days after the start day, so always end on a
/// working day. Days in a year whose calendar is not loaded count weekends only and make
/// the result provisional. `None` when the due date would fall after
/// [`LAST_DATE`](crate::domain::time::LAST_DATE).
pub fn compute_due(
    rules: &DeadlineRules,
    calendar: &WorkCalendar,
    start: NaiveDate,
    period: DeadlinePeriod,
) -> Option<DueDate> {
    let rule = rules.rule(period);
    let mut unloaded: BTreeSet<i32> = BTreeSet::new();
    let mut examine = |day: NaiveDate| {
        if !calendar.is_loaded(day.year()) {
            unloaded.insert(day.year());
        }
    };
    let (raw_end, roll) = match rule {
        PeriodRule::Months(n) => (add_months(start, n)?, rules.roll_to_next_working_day),
        PeriodRule::WorkingDays(n) => {
            let mut day = start;
            let mut counted = 0;
            while counted < n {
                day = day.succ_opt()?;
                examine(day);
                if calendar.is_working_day(day) {
                    counted += 1;
                }
            }
            (day, true)
        }
    };
    let mut due_on = raw_end;
    if roll {
        examine(raw_end);
        while !calendar.is_working_day(due_on) {
            due_on = due_on.succ_opt()?;
            examine(due_on);
        }
    }
    if !crate::domain::time::in_range(due_on) {
        return None;
    }
    let mut holidays_crossed = Vec::new();
    let mut make_up_days_crossed = Vec::new();
    for day in calendar.special_days_between(start, due_on) {
        let entry = (day.date, day.festival.clone());
        match day.kind {
            DayKind::Holiday => holidays_crossed.push(entry),
            DayKind::Workday => make_up_days_crossed.push(entry),
        }
    }
    Some(DueDate {
        start,
        period,
        rule,
        raw_end,
        due_on,
        rolled: due_on != raw_end,
        holidays_crossed,
        make_up_days_crossed,
        provisional: !unloaded.is_empty(),
        provisional_years: unloaded.into_iter().collect(),
    })
}

/// Deadline status as of a date (docs/domain.md §4 "Deadline status").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeadlineStatus {
    /// Not answered, and more than the warning window before the due date.
    NotDue,
    /// Not answered, and within the warning window (the due day itself included).
    DueSoon,
    /// Not answered, and past the due date.
    Overdue,
    /// Answered on or before the due date.
    AnsweredOnTime,
    /// Answered after the due date.
    AnsweredLate,
}

impl DeadlineStatus {
    /// Every status, in the order of the enum.
    pub const ALL: [Self; 5] = [
        Self::NotDue,
        Self::DueSoon,
        Self::Overdue,
        Self::AnsweredOnTime,
        Self::AnsweredLate,
    ];
}

/// The answer date if it counts as of `as_of` (a reply sent after `as_of` does not).
fn answered_by(answered_on: Option<NaiveDate>, as_of: NaiveDate) -> Option<NaiveDate> {
    answered_on.filter(|answered| *answered <= as_of)
}

/// The status of a deadline due on `due_on` as of `as_of`; `answered_on` counts only if
/// on or before `as_of`.
pub fn deadline_status(
    due_on: NaiveDate,
    answered_on: Option<NaiveDate>,
    as_of: NaiveDate,
    due_soon_days: u32,
) -> DeadlineStatus {
    match answered_by(answered_on, as_of) {
        Some(answered) if answered <= due_on => DeadlineStatus::AnsweredOnTime,
        Some(_) => DeadlineStatus::AnsweredLate,
        None => {
            let remaining = days_remaining(due_on, as_of);
            if remaining < 0 {
                DeadlineStatus::Overdue
            } else if remaining <= i64::from(due_soon_days) {
                DeadlineStatus::DueSoon
            } else {
                DeadlineStatus::NotDue
            }
        }
    }
}

/// How bad a status is, for "a suggestion's status is the worst of its assignments":
/// OVERDUE > DUE_SOON > NOT_DUE > ANSWERED_LATE > ANSWERED_ON_TIME. Anything still open
/// outranks anything answered, so one late unit cannot hide an overdue one.
pub fn severity(status: DeadlineStatus) -> u8 {
    match status {
        DeadlineStatus::AnsweredOnTime => 0,
        DeadlineStatus::AnsweredLate => 1,
        DeadlineStatus::NotDue => 2,
        DeadlineStatus::DueSoon => 3,
        DeadlineStatus::Overdue => 4,
    }
}

/// Calendar days from `as_of` to `due_on`: 0 on the due day, negative when overdue.
pub fn days_remaining(due_on: NaiveDate, as_of: NaiveDate) -> i64 {
    (due_on - as_of).num_days()
}

/// Calendar days late: answered late, answered − due; not answered (as of `as_of`) and
/// overdue, as_of − due; otherwise 0.
pub fn days_late(due_on: NaiveDate, answered_on: Option<NaiveDate>, as_of: NaiveDate) -> i64 {
    let end = answered_by(answered_on, as_of).unwrap_or(as_of);
    (end - due_on).num_days().max(0)
}

/// The earliest date on which an unanswered deadline is DUE_SOON: `due_on` −
/// `due_soon_days` (chrono's first date if that underflows).
pub fn due_soon_from(due_on: NaiveDate, due_soon_days: u32) -> NaiveDate {
    due_on
        .checked_sub_days(Days::new(u64::from(due_soon_days)))
        .unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn no_due_date_falls_after_the_last_date() {
        let calendar = WorkCalendar::official();
        let rules = DeadlineRules::default();
        // (start, period, the due date, or None past 9999-12-31)
        let rows = [
            ("9999-12-31", DeadlinePeriod::HardCap, None),
            ("9999-12-31", DeadlinePeriod::ReturnWindow, None),
            ("9999-06-30", DeadlinePeriod::Reply, Some("9999-09-30")),
            ("9999-09-30", DeadlinePeriod::Reply, Some("9999-12-30")),
            ("9999-10-01", DeadlinePeriod::Reply, None),
        ];
        for (start, period, expected) in rows {
            let due = compute_due(&rules, &calendar, d(start), period).map(|due| due.due_on);
            assert_eq!(due, expected.map(d), "{start} {period:?}");
        }
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

    // ---- Due dates on the official calendar -------------------------------------------
    // Every expected date below was checked against
    // migration/data/cn-official-calendar-2020-2026.csv (an independent script walked the
    // listed days), not guessed.

    use super::super::calendar::{DayKind, SpecialDay, WorkCalendar};
    use DeadlinePeriod::*;

    fn no_roll() -> DeadlineRules {
        DeadlineRules {
            roll_to_next_working_day: false,
            ..DeadlineRules::default()
        }
    }

    struct DueCase {
        start: &'static str,
        period: DeadlinePeriod,
        roll: bool,
        raw_end: &'static str,
        due_on: &'static str,
        provisional_years: &'static [i32],
        /// (listed holidays, make-up working days) in (start, due_on].
        crossed: (usize, usize),
        note: &'static str,
    }

    #[rustfmt::skip]
    const DUE_CASES: &[DueCase] = &[
        // Return window, 5 working days.
        DueCase { start: "2024-09-27", period: ReturnWindow, roll: true, raw_end: "2024-10-10", due_on: "2024-10-10", provisional_years: &[], crossed: (7, 1), note: "docs/domain.md §4 example: Fri before 国庆, Sun 29 Sep works, 1-7 Oct off" },
        DueCase { start: "2024-09-30", period: ReturnWindow, roll: true, raw_end: "2024-10-12", due_on: "2024-10-12", provisional_years: &[], crossed: (7, 1), note: "ends on the 调休 Saturday 12 Oct" },
        DueCase { start: "2024-09-26", period: ReturnWindow, roll: true, raw_end: "2024-10-09", due_on: "2024-10-09", provisional_years: &[], crossed: (7, 1), note: "27 Sep, Sun 29 Sep, 30 Sep, 8 Oct, 9 Oct" },
        DueCase { start: "2024-02-08", period: ReturnWindow, roll: true, raw_end: "2024-02-21", due_on: "2024-02-21", provisional_years: &[], crossed: (8, 1), note: "春节 2024: 10-17 Feb off, Sun 18 Feb works" },
        DueCase { start: "2024-02-02", period: ReturnWindow, roll: true, raw_end: "2024-02-08", due_on: "2024-02-08", provisional_years: &[], crossed: (0, 1), note: "Fri before the 调休 Sunday 4 Feb" },
        DueCase { start: "2025-01-24", period: ReturnWindow, roll: true, raw_end: "2025-02-07", due_on: "2025-02-07", provisional_years: &[], crossed: (8, 1), note: "春节 2025: Sun 26 Jan works, 28 Jan-4 Feb off" },
        DueCase { start: "2025-09-26", period: ReturnWindow, roll: true, raw_end: "2025-10-10", due_on: "2025-10-10", provisional_years: &[], crossed: (8, 1), note: "国庆+中秋 2025: Sun 28 Sep works, 1-8 Oct off" },
        DueCase { start: "2026-02-13", period: ReturnWindow, roll: true, raw_end: "2026-02-27", due_on: "2026-02-27", provisional_years: &[], crossed: (9, 1), note: "春节 2026: Sat 14 Feb works, 15-23 Feb off" },
        DueCase { start: "2026-09-18", period: ReturnWindow, roll: true, raw_end: "2026-09-24", due_on: "2026-09-24", provisional_years: &[], crossed: (0, 1), note: "Sun 20 Sep 2026 works" },
        DueCase { start: "2026-09-24", period: ReturnWindow, roll: true, raw_end: "2026-10-09", due_on: "2026-10-09", provisional_years: &[], crossed: (10, 0), note: "中秋 25-27 Sep then 国庆 1-7 Oct 2026" },
        DueCase { start: "2025-12-31", period: ReturnWindow, roll: true, raw_end: "2026-01-08", due_on: "2026-01-08", provisional_years: &[], crossed: (3, 1), note: "元旦 2026: 1-3 Jan off, Sun 4 Jan works" },
        DueCase { start: "2025-04-30", period: ReturnWindow, roll: true, raw_end: "2025-05-12", due_on: "2025-05-12", provisional_years: &[], crossed: (5, 0), note: "劳动节 2025: 1-5 May off" },
        DueCase { start: "2020-01-23", period: ReturnWindow, roll: true, raw_end: "2020-02-07", due_on: "2020-02-07", provisional_years: &[], crossed: (10, 0), note: "春节 2020, extended to 2 Feb" },
        DueCase { start: "2026-12-24", period: ReturnWindow, roll: true, raw_end: "2026-12-31", due_on: "2026-12-31", provisional_years: &[], crossed: (0, 0), note: "stays in 2026: not provisional" },
        DueCase { start: "2026-12-28", period: ReturnWindow, roll: true, raw_end: "2027-01-04", due_on: "2027-01-04", provisional_years: &[2027], crossed: (0, 0), note: "Fri 1 Jan 2027 counted as working: provisional" },
        DueCase { start: "2024-09-27", period: ReturnWindow, roll: false, raw_end: "2024-10-10", due_on: "2024-10-10", provisional_years: &[], crossed: (7, 1), note: "the roll rule does not affect working days" },
        // Publication and rating, 20 working days.
        DueCase { start: "2024-09-20", period: Publication, roll: true, raw_end: "2024-10-23", due_on: "2024-10-23", provisional_years: &[], crossed: (7, 2), note: "across 国庆 2024 with both 调休 days" },
        DueCase { start: "2024-04-26", period: Publication, roll: true, raw_end: "2024-05-27", due_on: "2024-05-27", provisional_years: &[], crossed: (5, 2), note: "劳动节 2024: Sun 28 Apr and Sat 11 May work" },
        DueCase { start: "2026-02-06", period: Publication, roll: true, raw_end: "2026-03-12", due_on: "2026-03-12", provisional_years: &[], crossed: (9, 2), note: "春节 2026 with Sat 14 and Sat 28 Feb" },
        DueCase { start: "2026-12-15", period: Publication, roll: true, raw_end: "2027-01-12", due_on: "2027-01-12", provisional_years: &[2027], crossed: (0, 0), note: "into 2027: provisional" },
        DueCase { start: "2025-01-20", period: Rating, roll: true, raw_end: "2025-02-21", due_on: "2025-02-21", provisional_years: &[], crossed: (8, 2), note: "春节 2025 with Sun 26 Jan and Sat 8 Feb" },
        DueCase { start: "2026-09-15", period: Rating, roll: true, raw_end: "2026-10-19", due_on: "2026-10-19", provisional_years: &[], crossed: (10, 2), note: "中秋+国庆 2026 with Sun 20 Sep and Sat 10 Oct" },
        // Reply, 3 months.
        DueCase { start: "2024-07-01", period: Reply, roll: true, raw_end: "2024-10-01", due_on: "2024-10-08", provisional_years: &[], crossed: (10, 2), note: "ends on 国庆节, rolls past the golden week" },
        DueCase { start: "2024-07-01", period: Reply, roll: false, raw_end: "2024-10-01", due_on: "2024-10-01", provisional_years: &[], crossed: (4, 2), note: "roll disabled: stays on the holiday" },
        DueCase { start: "2025-07-01", period: Reply, roll: true, raw_end: "2025-10-01", due_on: "2025-10-09", provisional_years: &[], crossed: (8, 1), note: "国庆+中秋 2025: 8 days off" },
        DueCase { start: "2025-07-04", period: Reply, roll: true, raw_end: "2025-10-04", due_on: "2025-10-09", provisional_years: &[], crossed: (8, 1), note: "ends on a holiday Saturday" },
        DueCase { start: "2025-07-04", period: Reply, roll: false, raw_end: "2025-10-04", due_on: "2025-10-04", provisional_years: &[], crossed: (4, 1), note: "roll disabled" },
        DueCase { start: "2024-11-30", period: Reply, roll: true, raw_end: "2025-02-28", due_on: "2025-02-28", provisional_years: &[], crossed: (9, 2), note: "30 Nov + 3 months = 28 Feb (a Friday)" },
        DueCase { start: "2023-11-30", period: Reply, roll: true, raw_end: "2024-02-29", due_on: "2024-02-29", provisional_years: &[], crossed: (11, 2), note: "30 Nov + 3 months = 29 Feb in a leap year" },
        DueCase { start: "2025-11-30", period: Reply, roll: true, raw_end: "2026-02-28", due_on: "2026-02-28", provisional_years: &[], crossed: (12, 3), note: "month end is the 调休 Saturday 28 Feb 2026: no roll" },
        DueCase { start: "2024-02-29", period: Reply, roll: true, raw_end: "2024-05-29", due_on: "2024-05-29", provisional_years: &[], crossed: (8, 3), note: "from 29 Feb" },
        DueCase { start: "2024-03-10", period: Reply, roll: true, raw_end: "2024-06-10", due_on: "2024-06-11", provisional_years: &[], crossed: (9, 3), note: "ends on 端午节 Monday" },
        DueCase { start: "2024-03-15", period: Reply, roll: true, raw_end: "2024-06-15", due_on: "2024-06-17", provisional_years: &[], crossed: (9, 3), note: "ends on a plain Saturday; Sun also off, Mon not a holiday" },
        DueCase { start: "2024-03-15", period: Reply, roll: false, raw_end: "2024-06-15", due_on: "2024-06-15", provisional_years: &[], crossed: (9, 3), note: "plain Saturday, roll disabled" },
        DueCase { start: "2024-06-29", period: Reply, roll: true, raw_end: "2024-09-29", due_on: "2024-09-29", provisional_years: &[], crossed: (3, 2), note: "ends on the 调休 Sunday 29 Sep: no roll" },
        DueCase { start: "2023-11-10", period: Reply, roll: true, raw_end: "2024-02-10", due_on: "2024-02-18", provisional_years: &[], crossed: (11, 2), note: "春节 2024: rolls onto the 调休 Sunday 18 Feb" },
        DueCase { start: "2024-01-04", period: Reply, roll: true, raw_end: "2024-04-04", due_on: "2024-04-07", provisional_years: &[], crossed: (11, 3), note: "清明 2024: rolls onto the 调休 Sunday 7 Apr" },
        DueCase { start: "2024-11-01", period: Reply, roll: true, raw_end: "2025-02-01", due_on: "2025-02-05", provisional_years: &[], crossed: (9, 1), note: "春节 2025 holiday Saturday" },
        DueCase { start: "2025-10-31", period: Reply, roll: true, raw_end: "2026-01-31", due_on: "2026-02-02", provisional_years: &[], crossed: (3, 1), note: "31 Oct + 3 months, a plain Saturday" },
        DueCase { start: "2026-09-30", period: Reply, roll: true, raw_end: "2026-12-30", due_on: "2026-12-30", provisional_years: &[], crossed: (7, 1), note: "last loaded weeks: not provisional" },
        DueCase { start: "2026-11-22", period: Reply, roll: true, raw_end: "2027-02-22", due_on: "2027-02-22", provisional_years: &[2027], crossed: (0, 0), note: "brief's example: a Monday in 2027, provisional" },
        DueCase { start: "2026-10-02", period: Reply, roll: true, raw_end: "2027-01-02", due_on: "2027-01-04", provisional_years: &[2027], crossed: (5, 1), note: "Sat 2 Jan 2027 rolls by weekends only: provisional" },
        DueCase { start: "2026-10-02", period: Reply, roll: false, raw_end: "2027-01-02", due_on: "2027-01-02", provisional_years: &[], crossed: (5, 1), note: "roll disabled: no calendar day decides, not provisional" },
        // Co-handler's opinion and re-handling, 1 month.
        DueCase { start: "2024-01-31", period: CoHandlerOpinion, roll: true, raw_end: "2024-02-29", due_on: "2024-02-29", provisional_years: &[], crossed: (8, 2), note: "31 Jan + 1 month = 29 Feb 2024" },
        DueCase { start: "2025-01-31", period: CoHandlerOpinion, roll: true, raw_end: "2025-02-28", due_on: "2025-02-28", provisional_years: &[], crossed: (4, 1), note: "31 Jan + 1 month = 28 Feb 2025" },
        DueCase { start: "2026-12-31", period: CoHandlerOpinion, roll: true, raw_end: "2027-01-31", due_on: "2027-02-01", provisional_years: &[2027], crossed: (0, 0), note: "Sun 31 Jan 2027: provisional roll" },
        DueCase { start: "2024-12-31", period: Rehandling, roll: true, raw_end: "2025-01-31", due_on: "2025-02-05", provisional_years: &[], crossed: (9, 1), note: "ends in 春节 2025" },
        DueCase { start: "2026-01-14", period: Rehandling, roll: true, raw_end: "2026-02-14", due_on: "2026-02-14", provisional_years: &[], crossed: (0, 1), note: "ends on the 调休 Saturday 14 Feb 2026" },
        DueCase { start: "2026-09-01", period: Rehandling, roll: true, raw_end: "2026-10-01", due_on: "2026-10-08", provisional_years: &[], crossed: (10, 1), note: "国庆 2026" },
        // Hard cap, 6 months.
        DueCase { start: "2024-02-29", period: HardCap, roll: true, raw_end: "2024-08-29", due_on: "2024-08-29", provisional_years: &[], crossed: (9, 3), note: "from 29 Feb" },
        DueCase { start: "2025-08-19", period: HardCap, roll: true, raw_end: "2026-02-19", due_on: "2026-02-24", provisional_years: &[], crossed: (20, 4), note: "ends inside 春节 2026" },
        DueCase { start: "2026-08-31", period: HardCap, roll: true, raw_end: "2027-02-28", due_on: "2027-03-01", provisional_years: &[2027], crossed: (10, 2), note: "31 Aug + 6 months = Sun 28 Feb 2027" },
    ];

    #[test]
    fn due_dates_on_the_official_calendar() {
        assert!(DUE_CASES.len() >= 35);
        let calendar = WorkCalendar::official();
        for case in DUE_CASES {
            let rules = if case.roll {
                DeadlineRules::default()
            } else {
                no_roll()
            };
            let label = format!("{} {:?} ({})", case.start, case.period, case.note);
            let due = compute_due(&rules, &calendar, d(case.start), case.period).unwrap();
            assert_eq!(due.start, d(case.start), "{label}");
            assert_eq!(due.period, case.period, "{label}");
            assert_eq!(due.rule, rules.rule(case.period), "{label}");
            assert_eq!(due.raw_end, d(case.raw_end), "{label}: raw end");
            assert_eq!(due.due_on, d(case.due_on), "{label}: due");
            assert_eq!(due.rolled, case.raw_end != case.due_on, "{label}: rolled");
            assert_eq!(
                due.provisional_years, case.provisional_years,
                "{label}: provisional years"
            );
            assert_eq!(
                due.provisional,
                !case.provisional_years.is_empty(),
                "{label}: provisional"
            );
            assert_eq!(
                (due.holidays_crossed.len(), due.make_up_days_crossed.len()),
                case.crossed,
                "{label}: crossed"
            );
            if matches!(due.rule, PeriodRule::WorkingDays(_)) {
                assert!(calendar.is_working_day(due.due_on), "{label}");
            }
        }
    }

    #[test]
    fn domain_example_lists_the_days_crossed() {
        let calendar = WorkCalendar::official();
        let due = compute_due(
            &DeadlineRules::default(),
            &calendar,
            d("2024-09-27"),
            ReturnWindow,
        )
        .unwrap();
        let holidays: Vec<(NaiveDate, String)> = (1..=7)
            .map(|day| (d(&format!("2024-10-{day:02}")), "国庆节".to_owned()))
            .collect();
        assert_eq!(due.holidays_crossed, holidays);
        assert_eq!(
            due.make_up_days_crossed,
            vec![(d("2024-09-29"), "国庆节".to_owned())]
        );
        assert_eq!(
            due.sentence(),
            "自2024-09-27起5个工作日（跳过国庆节假日7天，含调休上班日1天），截止2024-10-10 \
             (5 working days after 2024-09-27, skipping 7 holiday days (国庆节) and counting \
             1 make-up working day: due 2024-10-10)"
        );
    }

    #[test]
    fn rule_maps_each_period_to_its_field() {
        let rules = DeadlineRules {
            reply_months: 2,
            hard_cap_months: 7,
            co_handler_opinion_months: 3,
            return_window_working_days: 4,
            rehandling_months: 5,
            publication_working_days: 11,
            rating_working_days: 12,
            ..DeadlineRules::default()
        };
        let cases = [
            (Reply, PeriodRule::Months(2)),
            (HardCap, PeriodRule::Months(7)),
            (CoHandlerOpinion, PeriodRule::Months(3)),
            (ReturnWindow, PeriodRule::WorkingDays(4)),
            (Rehandling, PeriodRule::Months(5)),
            (Publication, PeriodRule::WorkingDays(11)),
            (Rating, PeriodRule::WorkingDays(12)),
        ];
        for (period, rule) in cases {
            assert_eq!(rules.rule(period), rule, "{period:?}");
        }
        // Custom lengths are used: 2024-09-27 + 4 working days = 2024-10-09.
        let due = compute_due(
            &rules,
            &WorkCalendar::official(),
            d("2024-09-27"),
            ReturnWindow,
        )
        .unwrap();
        assert_eq!(due.due_on, d("2024-10-09"));
    }

    #[test]
    fn rolling_from_a_loaded_year_into_one_not_loaded_is_provisional() {
        // Only 2026 loaded, with 30-31 Dec as (made-up) holidays: 30 Jun + 6 months ends on
        // 30 Dec, rolls over 31 Dec into Fri 1 Jan 2027, which counts by weekends only.
        let days = ["2026-12-30", "2026-12-31"].map(|date| SpecialDay {
            date: d(date),
            kind: DayKind::Holiday,
            festival: "测试".to_owned(),
        });
        let calendar = WorkCalendar::new(days, [2026]);
        let due = compute_due(
            &DeadlineRules::default(),
            &calendar,
            d("2026-06-30"),
            HardCap,
        )
        .unwrap();
        assert_eq!(due.raw_end, d("2026-12-30"));
        assert_eq!(due.due_on, d("2027-01-01"));
        assert!(due.rolled && due.provisional);
        assert_eq!(due.provisional_years, vec![2027]);
        // Once 2027 is loaded with 1 Jan off, the date moves and is no longer provisional.
        let mut days: Vec<SpecialDay> = calendar
            .special_days_between(d("2026-12-01"), d("2026-12-31"))
            .cloned()
            .collect();
        days.push(SpecialDay {
            date: d("2027-01-01"),
            kind: DayKind::Holiday,
            festival: "元旦".to_owned(),
        });
        let loaded = WorkCalendar::new(days, [2026, 2027]);
        let due =
            compute_due(&DeadlineRules::default(), &loaded, d("2026-06-30"), HardCap).unwrap();
        assert_eq!(due.due_on, d("2027-01-04"));
        assert!(!due.provisional && due.provisional_years.is_empty());
        // A years-before-loaded start is provisional too.
        let due = compute_due(
            &DeadlineRules::default(),
            &WorkCalendar::official(),
            d("2019-12-27"),
            ReturnWindow,
        )
        .unwrap();
        assert_eq!(due.due_on, d("2020-01-06")); // 30, 31 Dec 2019, 1 Jan off, 2, 3, 6 Jan
        assert_eq!(due.provisional_years, vec![2019]);
    }

    #[test]
    fn zero_length_periods_end_on_the_start_or_the_next_working_day() {
        let calendar = WorkCalendar::official();
        let rules = DeadlineRules {
            return_window_working_days: 0,
            reply_months: 0,
            ..DeadlineRules::default()
        };
        for (start, period, due_on) in [
            ("2024-10-08", ReturnWindow, "2024-10-08"),
            ("2024-10-01", ReturnWindow, "2024-10-08"),
            ("2024-10-01", Reply, "2024-10-08"),
        ] {
            let due = compute_due(&rules, &calendar, d(start), period).unwrap();
            assert_eq!(due.due_on, d(due_on), "{start} {period:?}");
        }
    }

    #[test]
    fn sentences_explain_holidays_rolling_and_provisional_dates() {
        let calendar = WorkCalendar::official();
        let sentence = |rules: &DeadlineRules, start: &str, period| {
            compute_due(rules, &calendar, d(start), period)
                .unwrap()
                .sentence()
        };
        let defaults = DeadlineRules::default();
        let cases: Vec<(String, Vec<&str>, Vec<&str>)> = vec![
            (
                sentence(&defaults, "2026-09-24", ReturnWindow),
                vec![
                    "自2026-09-24起5个工作日（跳过中秋节假日3天、国庆节假日7天），截止2026-10-09",
                    "skipping 10 holiday days (中秋节、国庆节): due 2026-10-09",
                ],
                vec!["调休", "make-up", "provisional", "顺延"],
            ),
            (
                sentence(&defaults, "2024-02-02", ReturnWindow),
                vec!["自2024-02-02起5个工作日（含调休上班日1天），截止2024-02-08"],
                vec!["跳过"],
            ),
            (
                sentence(&defaults, "2024-03-05", ReturnWindow),
                vec!["自2024-03-05起5个工作日，截止2024-03-12 (5 working days after 2024-03-05: due 2024-03-12)"],
                vec!["（"],
            ),
            (
                sentence(&defaults, "2024-07-01", Reply),
                vec![
                    "自2024-07-01起3个月至2024-10-01，该日为国庆节假日，顺延至下一工作日，截止2024-10-08",
                    "a public holiday (国庆节); moved to the next working day: due 2024-10-08",
                ],
                vec!["provisional", "跳过"],
            ),
            (
                sentence(&defaults, "2024-03-15", Reply),
                vec!["该日为周六，顺延", "a Saturday; moved"],
                vec![],
            ),
            (
                sentence(&no_roll(), "2024-07-01", Reply),
                vec!["截止2024-10-01（该日为国庆节假日，按规则不顺延）", "not moved"],
                vec!["顺延至"],
            ),
            (
                sentence(&defaults, "2024-06-29", Reply),
                vec!["自2024-06-29起3个月，截止2024-09-29 (3 months after 2024-06-29: due 2024-09-29)"],
                vec!["顺延"],
            ),
            (
                sentence(&defaults, "2024-11-30", Reply),
                vec!["（当月无30日，取月末），截止2025-02-28", "no day 30"],
                vec!["顺延"],
            ),
            (
                sentence(&defaults, "2026-11-22", Reply),
                vec![
                    "自2026-11-22起3个月，截止2027-02-22；暂按周末推算，待2027年节假日安排公布后重新计算",
                    "provisional: the 2027 holiday arrangement is not loaded",
                ],
                vec!["顺延"],
            ),
            (
                sentence(&defaults, "2026-10-02", Reply),
                vec!["该日为周六，顺延至下一工作日，截止2027-01-04；暂按周末推算", "provisional"],
                vec![],
            ),
            (
                sentence(&defaults, "2026-12-28", ReturnWindow),
                vec!["截止2027-01-04；暂按周末推算，待2027年", "provisional"],
                vec![],
            ),
            (
                sentence(&defaults, "2024-09-27", CoHandlerOpinion),
                vec!["自2024-09-27起1个月至2024-10-27，该日为周日，顺延至下一工作日，截止2024-10-28 (1 month after 2024-09-27 is 2024-10-27, a Sunday;"],
                vec![],
            ),
        ];
        for (text, present, absent) in cases {
            for fragment in present {
                assert!(text.contains(fragment), "{text}\n  lacks {fragment}");
            }
            for fragment in absent {
                assert!(!text.contains(fragment), "{text}\n  has {fragment}");
            }
        }
    }

    // ---- Deadline status ----------------------------------------------------------------

    #[test]
    fn deadline_status_around_the_due_date() {
        use DeadlineStatus::*;
        let due = "2024-10-10";
        // (answered_on, as_of, window, status, days_remaining, days_late, note)
        type Case = (
            Option<&'static str>,
            &'static str,
            u32,
            DeadlineStatus,
            i64,
            i64,
            &'static str,
        );
        #[rustfmt::skip]
        let cases: &[Case] = &[
            (None, "2024-10-10", 15, DueSoon, 0, 0, "exactly on the due date"),
            (None, "2024-09-24", 15, NotDue, 16, 0, "the day before the warning window"),
            (None, "2024-09-25", 15, DueSoon, 15, 0, "first day of the window"),
            (None, "2024-10-09", 15, DueSoon, 1, 0, "the day before due"),
            (None, "2024-10-11", 15, Overdue, -1, 1, "the day after due"),
            (None, "2024-12-31", 15, Overdue, -82, 82, "long overdue"),
            (None, "2024-07-01", 15, NotDue, 101, 0, "far ahead"),
            (Some("2024-10-10"), "2024-10-10", 15, AnsweredOnTime, 0, 0, "answered on the due date"),
            (Some("2024-10-10"), "2024-12-01", 15, AnsweredOnTime, -52, 0, "answered on the due date, seen later"),
            (Some("2024-09-01"), "2024-09-02", 15, AnsweredOnTime, 38, 0, "answered early"),
            (Some("2024-10-11"), "2024-10-11", 15, AnsweredLate, -1, 1, "answered the day after"),
            (Some("2025-01-10"), "2025-02-01", 15, AnsweredLate, -114, 92, "answered long after"),
            (Some("2024-10-20"), "2024-10-15", 15, Overdue, -5, 5, "answered after asOf: unanswered then"),
            (Some("2024-10-09"), "2024-10-01", 15, DueSoon, 9, 0, "answered after asOf, in the window"),
            (Some("2024-10-09"), "2024-09-01", 15, NotDue, 39, 0, "answered after asOf, before the window"),
            (None, "2024-10-10", 0, DueSoon, 0, 0, "window 0: the due day is still due soon"),
            (None, "2024-10-09", 0, NotDue, 1, 0, "window 0: the day before is not"),
        ];
        for &(answered, as_of, window, status, remaining, late, note) in cases {
            let answered = answered.map(d);
            assert_eq!(
                deadline_status(d(due), answered, d(as_of), window),
                status,
                "{note}"
            );
            assert_eq!(days_remaining(d(due), d(as_of)), remaining, "{note}");
            assert_eq!(days_late(d(due), answered, d(as_of)), late, "{note}");
        }
    }

    #[test]
    fn due_soon_window_starts_window_days_before() {
        for (due, window, from) in [
            ("2024-10-10", 15, "2024-09-25"),
            ("2024-10-10", 0, "2024-10-10"),
            ("2024-03-01", 1, "2024-02-29"),
            ("2025-01-05", 15, "2024-12-21"),
        ] {
            assert_eq!(due_soon_from(d(due), window), d(from), "{due} - {window}");
            // The window's first day is DUE_SOON, the day before is NOT_DUE.
            assert_eq!(
                deadline_status(d(due), None, d(from), window),
                DeadlineStatus::DueSoon
            );
            let before = d(from).pred_opt().unwrap();
            assert_eq!(
                deadline_status(d(due), None, before, window),
                DeadlineStatus::NotDue
            );
        }
        assert_eq!(due_soon_from(NaiveDate::MIN, 1), NaiveDate::MIN);
    }

    #[test]
    fn enums_serialize_in_screaming_snake_case() {
        for (status, json) in [
            (DeadlineStatus::NotDue, "\"NOT_DUE\""),
            (DeadlineStatus::DueSoon, "\"DUE_SOON\""),
            (DeadlineStatus::Overdue, "\"OVERDUE\""),
            (DeadlineStatus::AnsweredOnTime, "\"ANSWERED_ON_TIME\""),
            (DeadlineStatus::AnsweredLate, "\"ANSWERED_LATE\""),
        ] {
            assert_eq!(serde_json::to_string(&status).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<DeadlineStatus>(json).unwrap(),
                status
            );
        }
        for (period, json) in [
            (Reply, "\"REPLY\""),
            (HardCap, "\"HARD_CAP\""),
            (CoHandlerOpinion, "\"CO_HANDLER_OPINION\""),
            (ReturnWindow, "\"RETURN_WINDOW\""),
            (Rehandling, "\"REHANDLING\""),
            (Publication, "\"PUBLICATION\""),
            (Rating, "\"RATING\""),
        ] {
            assert_eq!(serde_json::to_string(&period).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<DeadlinePeriod>(json).unwrap(),
                period
            );
        }
    }

    #[test]
    fn worst_status_ranks_open_before_answered() {
        use DeadlineStatus::*;
        let cases = [
            (vec![AnsweredOnTime, Overdue, DueSoon], Overdue),
            (vec![AnsweredLate, NotDue], NotDue),
            (vec![AnsweredOnTime, AnsweredLate], AnsweredLate),
            (vec![DueSoon, NotDue, AnsweredLate], DueSoon),
            (vec![AnsweredOnTime], AnsweredOnTime),
        ];
        for (statuses, worst) in cases {
            assert_eq!(
                statuses.iter().copied().max_by_key(|s| severity(*s)),
                Some(worst),
                "{statuses:?}"
            );
        }
    }
}
