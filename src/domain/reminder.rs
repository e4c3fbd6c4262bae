//! Scheduled reminders (提醒, DOMAIN.md §10): on a working day, which open cases are told of
//! and why (due soon at a threshold, overdue, not signed for in time), each (case, reason)
//! once ever, overdue once a working day; and the text of the day's digest, one per person.
//! Pure: the service reads the cases and the keys told before, and stores what this decides.

use chrono::NaiveDate;

use super::notice::{days_left, Text};

/// When to remind (DOMAIN.md §10's defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRules {
    /// Calendar days before the due date at which a unit is told the case is due soon.
    pub due_soon_days: Vec<u32>,
    /// Working days after the assignment by which a unit should have signed for it.
    pub sign_within_working_days: u32,
}

impl Default for ReminderRules {
    fn default() -> Self {
        Self {
            due_soon_days: vec![15, 5, 1],
            sign_within_working_days: 3,
        }
    }
}

/// Why a case is in a digest, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    Overdue,
    NotSignedFor,
    /// Due within this many days (a threshold of the rules).
    DueSoon(u32),
}

impl Reason {
    /// The key a case is told of this reason under: once ever, overdue once per day.
    pub fn key(self, day: NaiveDate) -> String {
        match self {
            Reason::Overdue => format!("OVERDUE:{day}"),
            Reason::NotSignedFor => "NOT_SIGNED_FOR".to_owned(),
            Reason::DueSoon(days) => format!("DUE_SOON:{days}"),
        }
    }

    /// The reason's name in reports (`banli reminders run`).
    pub fn name(self) -> &'static str {
        match self {
            Reason::Overdue => "OVERDUE",
            Reason::NotSignedFor => "NOT_SIGNED_FOR",
            Reason::DueSoon(_) => "DUE_SOON",
        }
    }
}

/// An open case as the pass sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCase {
    pub signed_for: bool,
    /// The last day to sign for it (the assignment date plus the working days allowed).
    pub sign_by: NaiveDate,
    pub due_on: NaiveDate,
}

/// What one working day's pass tells of a case: the reasons, and every key to record as
/// told (a due-soon notice at 5 days also settles the 15-day one a missed pass skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Told {
    pub reasons: Vec<Reason>,
    pub keys: Vec<String>,
}

/// Decides what `day`'s pass tells of `case`; `told` says whether a key was recorded before.
pub fn due(
    rules: &ReminderRules,
    case: &OpenCase,
    day: NaiveDate,
    told: impl Fn(&str) -> bool,
) -> Told {
    let mut out = Told::default();
    let mut tell = |reason: Reason, keys: Vec<String>| {
        if !keys.iter().all(|k| told(k)) {
            out.reasons.push(reason);
            out.keys.extend(keys.into_iter().filter(|k| !told(k)));
        }
    };
    let left = (case.due_on - day).num_days();
    if left < 0 {
        tell(Reason::Overdue, vec![Reason::Overdue.key(day)]);
    } else {
        let passed: Vec<u32> = rules
            .due_soon_days
            .iter()
            .copied()
            .filter(|t| i64::from(*t) >= left)
            .collect();
        if let Some(&nearest) = passed.iter().min() {
            let nearest_key = Reason::DueSoon(nearest).key(day);
            if !told(&nearest_key) {
                let keys = passed
                    .iter()
                    .map(|t| Reason::DueSoon(*t).key(day))
                    .collect();
                tell(Reason::DueSoon(nearest), keys);
            }
        }
    }
    if !case.signed_for && day > case.sign_by {
        tell(Reason::NotSignedFor, vec![Reason::NotSignedFor.key(day)]);
    }
    out
}

/// One case in a digest.
#[derive(Debug, Clone)]
pub struct DigestItem {
    pub reason: Reason,
    pub number: String,
    pub title: String,
    pub unit: String,
    pub due_on: NaiveDate,
}

/// The most cases a digest lists; the rest are counted.
pub const DIGEST_LINES: usize = 20;
const LINE_TITLE_CHARS: usize = 20;

fn short(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(chars - 1).collect();
    cut.push('…');
    cut
}

/// The day's digest for one person: counts in the title, the most urgent cases listed.
pub fn digest(day: NaiveDate, items: &mut [DigestItem]) -> Text {
    items.sort_by(|a, b| {
        (a.reason, a.due_on, &a.number, &a.unit).cmp(&(b.reason, b.due_on, &b.number, &b.unit))
    });
    let count = |f: fn(Reason) -> bool| items.iter().filter(|i| f(i.reason)).count();
    let parts = [
        ("已逾期", count(|r| r == Reason::Overdue)),
        ("未签收", count(|r| r == Reason::NotSignedFor)),
        ("即将到期", count(|r| matches!(r, Reason::DueSoon(_)))),
    ];
    let summary: Vec<String> = parts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{what} {n} 件"))
        .collect();
    let mut lines: Vec<String> = items
        .iter()
        .take(DIGEST_LINES)
        .map(|i| {
            let state = match i.reason {
                Reason::NotSignedFor => "未签收，".to_owned(),
                _ => String::new(),
            };
            format!(
                "· 第{}号《{}》 {}：{}办理期限 {}（{}）",
                i.number,
                short(&i.title, LINE_TITLE_CHARS),
                i.unit,
                state,
                i.due_on,
                days_left(i.due_on, day)
            )
        })
        .collect();
    if items.len() > DIGEST_LINES {
        lines.push(format!(
            "另有 {} 件，请登录系统查看。",
            items.len() - DIGEST_LINES
        ));
    }
    Text {
        title: format!("办理提醒：{}", summary.join("，")),
        body: lines.join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn case(signed_for: bool, due_on: NaiveDate) -> OpenCase {
        OpenCase {
            signed_for,
            sign_by: day(12, 3),
            due_on,
        }
    }

    #[test]
    fn each_threshold_once_and_overdue_every_day() {
        let rules = ReminderRules::default();
        let mut told: HashSet<String> = HashSet::new();
        let mut said = Vec::new();
        // A signed-for case due on 12-21, passes from 12-01 to 12-23 (every day here; the
        // service runs on working days only).
        for d in 1..=23 {
            let t = due(&rules, &case(true, day(12, 21)), day(12, d), |k| {
                told.contains(k)
            });
            told.extend(t.keys);
            if let Some(r) = t.reasons.first() {
                said.push((d, *r));
            }
        }
        assert_eq!(
            said,
            vec![
                (6, Reason::DueSoon(15)),
                (16, Reason::DueSoon(5)),
                (20, Reason::DueSoon(1)),
                (22, Reason::Overdue),
                (23, Reason::Overdue),
            ]
        );
    }

    #[test]
    fn a_missed_pass_tells_the_nearest_threshold_once() {
        let rules = ReminderRules::default();
        // First pass 3 days before the due date: 15 and 5 have passed; one notice, at 5.
        let t = due(&rules, &case(true, day(12, 21)), day(12, 18), |_| false);
        assert_eq!(t.reasons, vec![Reason::DueSoon(5)]);
        assert_eq!(t.keys, vec!["DUE_SOON:15", "DUE_SOON:5"]);
        let told: HashSet<String> = t.keys.into_iter().collect();
        let again = due(&rules, &case(true, day(12, 21)), day(12, 19), |k| {
            told.contains(k)
        });
        assert_eq!(again, Told::default());
    }

    #[test]
    fn not_signed_for_after_the_allowed_working_days_once() {
        let rules = ReminderRules::default();
        let early = due(&rules, &case(false, day(12, 31)), day(12, 3), |_| false);
        assert_eq!(
            early,
            Told::default(),
            "the last day to sign is not late yet"
        );
        let late = due(&rules, &case(false, day(12, 31)), day(12, 4), |_| false);
        assert_eq!(late.reasons, vec![Reason::NotSignedFor]);
        let told: HashSet<String> = late.keys.into_iter().collect();
        let later = due(&rules, &case(false, day(12, 31)), day(12, 7), |k| {
            told.contains(k)
        });
        assert_eq!(later, Told::default());
    }

    #[test]
    fn the_digest_counts_and_lists_the_most_urgent_first() {
        let item = |reason, number: &str, due_on| DigestItem {
            reason,
            number: number.to_owned(),
            title: "关于加强基层养老服务体系建设和服务能力提升的建议".to_owned(),
            unit: "淮南市民政局".to_owned(),
            due_on,
        };
        let mut items = vec![
            item(Reason::DueSoon(5), "0003", day(12, 12)),
            item(Reason::Overdue, "0001", day(12, 1)),
            item(Reason::NotSignedFor, "0002", day(12, 30)),
        ];
        let text = digest(day(12, 7), &mut items);
        assert_eq!(
            text.title,
            "办理提醒：已逾期 1 件，未签收 1 件，即将到期 1 件"
        );
        let lines: Vec<&str> = text.body.lines().collect();
        assert_eq!(
            lines,
            [
                "· 第0001号《关于加强基层养老服务体系建设和服务能力…》 淮南市民政局：办理期限 2026-12-01（已逾期 6 天）",
                "· 第0002号《关于加强基层养老服务体系建设和服务能力…》 淮南市民政局：未签收，办理期限 2026-12-30（还有 23 天）",
                "· 第0003号《关于加强基层养老服务体系建设和服务能力…》 淮南市民政局：办理期限 2026-12-12（还有 5 天）",
            ]
        );
        let mut many: Vec<DigestItem> = (0..25)
            .map(|i| item(Reason::Overdue, &format!("{i:04}"), day(12, 1)))
            .collect();
        let text = digest(day(12, 7), &mut many);
        assert_eq!(text.body.lines().count(), DIGEST_LINES + 1);
        assert!(text.body.ends_with("另有 5 件，请登录系统查看。"));
    }
}
