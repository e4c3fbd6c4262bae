//! China's official working calendar (docs/domain.md §4): Monday–Friday, minus the public
//! holidays, plus the weekend days made working days (调休) that the State Council
//! announces each year (国务院办公厅关于部分节假日安排的通知).
//!
//! Pure data and rules: no I/O, no database. The official calendar 2020–2026 is embedded
//! from `migration/data/cn-official-calendar-2020-2026.csv`; an administrator adds a year
//! from the same CSV format ([`parse_csv`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The official calendar shipped with banli, one row per day that differs from the plain
/// Monday–Friday week.
const OFFICIAL_CSV: &str = include_str!("../../migration/data/cn-official-calendar-2020-2026.csv");

/// The years [`OFFICIAL_CSV`] covers completely.
const OFFICIAL_YEARS: std::ops::RangeInclusive<i32> = 2020..=2026;

/// The header line of the calendar CSV.
pub const CSV_HEADER: &str = "date,kind,festival";

/// How a listed day differs from the plain Monday–Friday week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DayKind {
    /// A day off for a public holiday (any day of the holiday period, weekends included).
    Holiday,
    /// A weekend day made a working day (调休 make-up working day).
    Workday,
}

impl DayKind {
    /// The spelling in the CSV: `holiday` or `workday`.
    pub fn as_csv(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
        }
    }

    /// Parses the CSV spelling (exact, lower case).
    pub fn from_csv(value: &str) -> Option<Self> {
        match value {
            "holiday" => Some(Self::Holiday),
            "workday" => Some(Self::Workday),
            _ => None,
        }
    }
}

/// One day that differs from the plain Monday–Friday week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// The festival the day belongs to (`国庆节`); for a make-up working day, the holiday
    /// it makes up for.
    pub festival: String,
}

/// The working calendar: the listed special days by date, and the years whose official
/// arrangement is loaded. A year not loaded counts weekends only (and deadlines reaching
/// into it are provisional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, SpecialDay>,
    loaded: BTreeSet<i32>,
}

impl WorkCalendar {
    /// A calendar of `days` with the arrangements of `loaded_years` in force. Listed days of
    /// a year not in `loaded_years` are kept but not applied. Where a date is listed twice,
    /// the last listing wins ([`parse_csv`] rejects duplicates before this).
    pub fn new(
        days: impl IntoIterator<Item = SpecialDay>,
        loaded_years: impl IntoIterator<Item = i32>,
    ) -> Self {
        Self {
            days: days.into_iter().map(|day| (day.date, day)).collect(),
            loaded: loaded_years.into_iter().collect(),
        }
    }

    /// The official calendar 2020–2026 embedded in banli, years 2020 through 2026 loaded.
    ///
    /// The embedded data is checked by the tests; should it ever fail to parse, the result
    /// is an empty calendar with no year loaded, so every deadline shows as provisional
    /// rather than silently wrong.
    pub fn official() -> Self {
        match parse_csv(OFFICIAL_CSV) {
            Ok(days) => Self::new(days, OFFICIAL_YEARS),
            Err(_) => Self::default(),
        }
    }

    /// Whether the official arrangement of `year` is loaded.
    pub fn is_loaded(&self, year: i32) -> bool {
        self.loaded.contains(&year)
    }

    /// The loaded years, ascending.
    pub fn loaded_years(&self) -> Vec<i32> {
        self.loaded.iter().copied().collect()
    }

    /// Whether `date` is a working day: Monday–Friday unless a listed holiday, and a
    /// weekend day if a listed make-up working day. In a year not loaded: Monday–Friday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.special(date).map(|day| day.kind) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !is_weekend(date),
        }
    }

    /// The listed special day on `date`, if its year is loaded.
    pub fn special(&self, date: NaiveDate) -> Option<&SpecialDay> {
        if !self.is_loaded(date.year()) {
            return None;
        }
        self.days.get(&date)
    }

    /// The listed special days in force after `after` up to and including `through`,
    /// by date.
    pub fn special_days_between(
        &self,
        after: NaiveDate,
        through: NaiveDate,
    ) -> impl Iterator<Item = &SpecialDay> + '_ {
        let days = if after < through {
            Some(
                self.days
                    .range(after..=through)
                    .filter(move |(date, _)| **date != after && self.is_loaded(date.year()))
                    .map(|(_, day)| day),
            )
        } else {
            None
        };
        days.into_iter().flatten()
    }

    /// `date` itself if it is a working day, else the first working day after it.
    /// (At the very end of chrono's date range, where no later date exists, the last
    /// date reached.)
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        while !self.is_working_day(day) {
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        day
    }

    /// The working days after `from` up to and including `to` (0 when `to` is not after
    /// `from`): how many working days are left until `to`, seen on `from`.
    pub fn working_days_after(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .fold(0, |n, _| n.saturating_add(1))
    }
}

/// Saturday or Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A line of a calendar CSV that cannot be loaded. `line` is 1-based, the header being
/// line 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "第{line}行应为表头 date,kind,festival (line {line}: expected the header `date,kind,festival`)"
    )]
    BadHeader { line: usize },
    #[error(
        "第{line}行应有3列，实有{found}列 (line {line}: expected 3 columns date,kind,festival, found {found})"
    )]
    WrongColumnCount { line: usize, found: usize },
    #[error(
        "第{line}行日期无效：{value} (line {line}: invalid date `{value}`, expected YYYY-MM-DD)"
    )]
    InvalidDate { line: usize, value: String },
    #[error(
        "第{line}行类型无效：{value}，应为 holiday 或 workday (line {line}: unknown kind `{value}`, expected `holiday` or `workday`)"
    )]
    UnknownKind { line: usize, value: String },
    #[error("第{line}行缺少节日名称 (line {line}: missing festival name)")]
    MissingFestival { line: usize },
    #[error(
        "第{line}行日期{date}重复，已见于第{first_line}行 (line {line}: duplicate date {date}, already on line {first_line})"
    )]
    DuplicateDate {
        line: usize,
        date: NaiveDate,
        first_line: usize,
    },
    #[error(
        "第{line}行调休上班日{date}不是周六或周日 (line {line}: make-up workday {date} is a {weekday}, not a Saturday or Sunday)"
    )]
    WorkdayOnWeekday {
        line: usize,
        date: NaiveDate,
        weekday: Weekday,
    },
}

impl CalendarError {
    /// The 1-based line the error is on.
    pub fn line(&self) -> usize {
        match self {
            Self::BadHeader { line }
            | Self::WrongColumnCount { line, .. }
            | Self::InvalidDate { line, .. }
            | Self::UnknownKind { line, .. }
            | Self::MissingFestival { line }
            | Self::DuplicateDate { line, .. }
            | Self::WorkdayOnWeekday { line, .. } => *line,
        }
    }
}

/// Parses a calendar CSV: the header `date,kind,festival`, then one row per special day,
/// `YYYY-MM-DD,holiday|workday,节日名`. A UTF-8 byte-order mark, `\r\n` line ends, spaces
/// around fields and blank lines are accepted. Fields are not quoted (festival names have
/// no commas). A `workday` must be a Saturday or Sunday; a `holiday` may be any day.
/// Stops at the first bad line.
pub fn parse_csv(text: &str) -> Result<Vec<SpecialDay>, CalendarError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split('\n').map(|line| line.trim_end_matches('\r'));
    let header_ok = lines
        .next()
        .map(|header| header.split(',').map(str::trim).eq(CSV_HEADER.split(',')))
        .unwrap_or(false);
    if !header_ok {
        return Err(CalendarError::BadHeader { line: 1 });
    }
    let mut days = Vec::new();
    let mut first_seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for (index, raw) in lines.enumerate() {
        let line = index + 2;
        if raw.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = raw.split(',').map(str::trim).collect();
        let [date, kind, festival] = fields.as_slice() else {
            return Err(CalendarError::WrongColumnCount {
                line,
                found: fields.len(),
            });
        };
        let date = parse_date(date).ok_or_else(|| CalendarError::InvalidDate {
            line,
            value: (*date).to_owned(),
        })?;
        let kind = DayKind::from_csv(kind).ok_or_else(|| CalendarError::UnknownKind {
            line,
            value: (*kind).to_owned(),
        })?;
        if festival.is_empty() {
            return Err(CalendarError::MissingFestival { line });
        }
        if let Some(first_line) = first_seen.insert(date, line) {
            return Err(CalendarError::DuplicateDate {
                line,
                date,
                first_line,
            });
        }
        if kind == DayKind::Workday && !is_weekend(date) {
            return Err(CalendarError::WorkdayOnWeekday {
                line,
                date,
                weekday: date.weekday(),
            });
        }
        days.push(SpecialDay {
            date,
            kind,
            festival: (*festival).to_owned(),
        });
    }
    Ok(days)
}

/// A strict `YYYY-MM-DD` date.
fn parse_date(value: &str) -> Option<NaiveDate> {
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn working_days_after_counts_the_days_off_out() {
        let calendar = WorkCalendar::official();
        // (from, to, working days in (from, to]): 2024-09-29 is a make-up Sunday, 1–7 Oct
        // the National Day holidays, 12 Oct a make-up Saturday.
        let table = [
            ("2024-09-27", "2024-09-27", 0),
            ("2024-09-27", "2024-09-26", 0),
            ("2024-09-27", "2024-09-30", 2),
            ("2024-09-27", "2024-10-08", 3),
            ("2024-09-27", "2024-10-12", 7),
            ("2026-12-04", "2026-12-07", 1),
        ];
        for (from, to, n) in table {
            assert_eq!(
                calendar.working_days_after(d(from), d(to)),
                n,
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn the_official_csv_parses_completely() {
        let days = parse_csv(OFFICIAL_CSV).unwrap();
        assert_eq!(days.len(), 256);
        let holidays = days.iter().filter(|d| d.kind == DayKind::Holiday).count();
        let workdays = days.iter().filter(|d| d.kind == DayKind::Workday).count();
        assert_eq!((holidays, workdays), (210, 46));
        assert_eq!(days.first().map(|d| d.date), Some(d("2020-01-01")));
        assert_eq!(days.last().map(|d| d.date), Some(d("2026-10-10")));
        // Rows per year, (holidays, make-up workdays).
        let per_year = [
            (2020, 30, 6),
            (2021, 31, 7),
            (2022, 32, 7),
            (2023, 28, 7),
            (2024, 28, 8),
            (2025, 28, 5),
            (2026, 33, 6),
        ];
        for (year, h, w) in per_year {
            let of = |kind| {
                days.iter()
                    .filter(|d| d.date.year() == year && d.kind == kind)
                    .count()
            };
            assert_eq!(
                (of(DayKind::Holiday), of(DayKind::Workday)),
                (h, w),
                "{year}"
            );
        }
        let calendar = WorkCalendar::official();
        assert_eq!(calendar.loaded_years(), (2020..=2026).collect::<Vec<_>>());
        assert!(calendar.is_loaded(2020) && calendar.is_loaded(2026));
        assert!(!calendar.is_loaded(2019) && !calendar.is_loaded(2027));
    }

    #[test]
    fn parse_accepts_bom_crlf_spaces_and_blank_lines() {
        let text = "\u{feff}date,kind,festival\r\n2024-10-01, holiday ,国庆节\r\n\r\n2024-09-29,workday,国庆节\r\n\r\n\n";
        let days = parse_csv(text).unwrap();
        assert_eq!(
            days,
            vec![
                SpecialDay {
                    date: d("2024-10-01"),
                    kind: DayKind::Holiday,
                    festival: "国庆节".into(),
                },
                SpecialDay {
                    date: d("2024-09-29"),
                    kind: DayKind::Workday,
                    festival: "国庆节".into(),
                },
            ]
        );
        assert_eq!(parse_csv("date,kind,festival"), Ok(vec![]));
        assert_eq!(parse_csv("date,kind,festival\n"), Ok(vec![]));
    }

    #[test]
    fn parse_errors_name_the_line_and_the_fault() {
        type Check = fn(&CalendarError) -> bool;
        let h = "date,kind,festival\n";
        let ok = "2024-10-01,holiday,国庆节\n";
        let cases: Vec<(String, usize, Check, &str)> = vec![
            (
                "".into(),
                1,
                |e| matches!(e, CalendarError::BadHeader { .. }),
                "第1行",
            ),
            (
                "day,kind,festival\n2024-10-01,holiday,国庆节".into(),
                1,
                |e| matches!(e, CalendarError::BadHeader { .. }),
                "header",
            ),
            (
                format!("{h}{ok}2024-10-02,holiday"),
                3,
                |e| matches!(e, CalendarError::WrongColumnCount { found: 2, .. }),
                "found 2",
            ),
            (
                format!("{h}{ok}2024-10-02,holiday,国庆节,x"),
                3,
                |e| matches!(e, CalendarError::WrongColumnCount { found: 4, .. }),
                "3列",
            ),
            (
                format!("{h}{ok}2024-02-30,holiday,春节"),
                3,
                |e| matches!(e, CalendarError::InvalidDate { .. }),
                "第3行日期无效",
            ),
            (
                format!("{h}2024/10/01,holiday,国庆节"),
                2,
                |e| matches!(e, CalendarError::InvalidDate { .. }),
                "invalid date `2024/10/01`",
            ),
            (
                format!("{h}2024-1-01,holiday,国庆节"),
                2,
                |e| matches!(e, CalendarError::InvalidDate { .. }),
                "YYYY-MM-DD",
            ),
            (
                format!("{h}{ok}\n2024-10-02,Holiday,国庆节"),
                4,
                |e| matches!(e, CalendarError::UnknownKind { .. }),
                "unknown kind `Holiday`",
            ),
            (
                format!("{h}2024-10-02,off,国庆节"),
                2,
                |e| matches!(e, CalendarError::UnknownKind { .. }),
                "类型无效",
            ),
            (
                format!("{h}2024-10-02,holiday, "),
                2,
                |e| matches!(e, CalendarError::MissingFestival { .. }),
                "festival",
            ),
            (
                format!("{h}{ok}2024-10-02,holiday,国庆节\n2024-10-01,holiday,国庆节"),
                4,
                |e| matches!(e, CalendarError::DuplicateDate { first_line: 2, .. }),
                "already on line 2",
            ),
            (
                // 2024-10-08 is a Tuesday.
                format!("{h}{ok}2024-10-08,workday,国庆节"),
                3,
                |e| {
                    matches!(
                        e,
                        CalendarError::WorkdayOnWeekday {
                            weekday: Weekday::Tue,
                            ..
                        }
                    )
                },
                "不是周六或周日",
            ),
        ];
        for (text, line, check, fragment) in cases {
            let err = parse_csv(&text).unwrap_err();
            assert_eq!(err.line(), line, "{text:?}: {err}");
            assert!(check(&err), "{text:?}: {err:?}");
            let message = err.to_string();
            assert!(message.contains(&format!("第{line}行")), "{message}");
            assert!(message.contains(&format!("line {line}")), "{message}");
            assert!(message.contains(fragment), "{message} lacks {fragment}");
        }
        // A holiday may be on any day of the week, weekends included.
        assert!(
            parse_csv("date,kind,festival\n2024-10-05,holiday,国庆节\n2024-10-08,holiday,x")
                .is_ok()
        );
    }

    #[test]
    fn working_days_of_the_official_calendar() {
        let calendar = WorkCalendar::official();
        let cases = [
            // Listed holidays on weekdays and on weekends.
            ("2024-10-01", false, Some(DayKind::Holiday)), // Tue, 国庆节
            ("2024-10-07", false, Some(DayKind::Holiday)), // Mon, 国庆节
            ("2024-10-05", false, Some(DayKind::Holiday)), // Sat, 国庆节
            ("2025-01-28", false, Some(DayKind::Holiday)), // Tue, 春节 (除夕)
            ("2026-02-23", false, Some(DayKind::Holiday)), // Mon, last day of 春节
            ("2024-06-10", false, Some(DayKind::Holiday)), // Mon, 端午节
            ("2025-10-06", false, Some(DayKind::Holiday)), // Mon, 中秋节 inside 国庆
            ("2022-12-31", false, Some(DayKind::Holiday)), // Sat, 2023 元旦
            // Make-up working days (调休) on weekends.
            ("2024-09-29", true, Some(DayKind::Workday)), // Sun
            ("2024-10-12", true, Some(DayKind::Workday)), // Sat
            ("2024-02-04", true, Some(DayKind::Workday)), // Sun
            ("2024-02-18", true, Some(DayKind::Workday)), // Sun
            ("2026-01-04", true, Some(DayKind::Workday)), // Sun
            ("2026-02-14", true, Some(DayKind::Workday)), // Sat
            // Plain days.
            ("2024-10-08", true, None),  // Tue
            ("2024-10-11", true, None),  // Fri
            ("2024-10-13", false, None), // Sun
            ("2024-09-28", false, None), // Sat
            ("2025-02-28", true, None),  // Fri
            ("2026-12-31", true, None),  // Thu
        ];
        for (date, working, kind) in cases {
            assert_eq!(calendar.is_working_day(d(date)), working, "{date}");
            assert_eq!(calendar.special(d(date)).map(|s| s.kind), kind, "{date}");
        }
        assert_eq!(
            calendar
                .special(d("2024-10-01"))
                .map(|s| s.festival.as_str()),
            Some("国庆节")
        );
    }

    #[test]
    fn next_working_day_skips_holidays_and_weekends() {
        let calendar = WorkCalendar::official();
        let cases = [
            ("2024-10-08", "2024-10-08"), // already working
            ("2024-10-01", "2024-10-08"),
            ("2024-09-28", "2024-09-29"), // Sat → 调休 Sunday
            ("2024-02-10", "2024-02-18"), // 春节 → 调休 Sunday
            ("2025-01-31", "2025-02-05"),
            ("2024-06-08", "2024-06-11"), // Sat, Sun, 端午 Mon
            ("2024-10-13", "2024-10-14"),
            ("2026-12-26", "2026-12-28"),
            ("2027-01-01", "2027-01-01"), // not loaded: a Friday works
            ("2027-01-02", "2027-01-04"),
        ];
        for (date, expected) in cases {
            assert_eq!(calendar.next_working_day(d(date)), d(expected), "{date}");
        }
    }

    #[test]
    fn a_year_not_loaded_counts_weekends_only() {
        let calendar = WorkCalendar::official();
        // 2019 and 2027 are not loaded: 1 Jan on a weekday works, weekends do not.
        assert!(calendar.is_working_day(d("2019-10-01"))); // Tue
        assert!(calendar.is_working_day(d("2027-01-01"))); // Fri
        assert!(!calendar.is_working_day(d("2027-01-02"))); // Sat
        assert!(calendar.special(d("2027-01-01")).is_none());

        // Days listed for a year that is not loaded are not applied until it is.
        let days = vec![
            SpecialDay {
                date: d("2027-01-01"),
                kind: DayKind::Holiday,
                festival: "元旦".into(),
            },
            SpecialDay {
                date: d("2027-01-09"),
                kind: DayKind::Workday,
                festival: "元旦".into(),
            },
        ];
        let pending = WorkCalendar::new(days.clone(), [2026]);
        assert!(pending.is_working_day(d("2027-01-01")));
        assert!(!pending.is_working_day(d("2027-01-09")));
        assert!(pending.special(d("2027-01-01")).is_none());
        let loaded = WorkCalendar::new(days, [2026, 2027]);
        assert!(!loaded.is_working_day(d("2027-01-01")));
        assert!(loaded.is_working_day(d("2027-01-09")));
        assert_eq!(loaded.loaded_years(), vec![2026, 2027]);
        assert_eq!(loaded.next_working_day(d("2027-01-01")), d("2027-01-04"));

        let empty = WorkCalendar::default();
        assert!(empty.loaded_years().is_empty());
        assert!(empty.is_working_day(d("2024-10-01")));
    }

    #[test]
    fn special_days_between_excludes_the_start() {
        let calendar = WorkCalendar::official();
        let listed: Vec<NaiveDate> = calendar
            .special_days_between(d("2024-09-29"), d("2024-10-12"))
            .map(|s| s.date)
            .collect();
        let expected: Vec<NaiveDate> = [
            "2024-10-01",
            "2024-10-02",
            "2024-10-03",
            "2024-10-04",
            "2024-10-05",
            "2024-10-06",
            "2024-10-07",
            "2024-10-12",
        ]
        .into_iter()
        .map(d)
        .collect();
        assert_eq!(listed, expected);
        assert_eq!(
            calendar
                .special_days_between(d("2024-10-12"), d("2024-10-12"))
                .count(),
            0
        );
        assert_eq!(
            calendar
                .special_days_between(d("2024-10-12"), d("2024-10-01"))
                .count(),
            0
        );
    }
}
