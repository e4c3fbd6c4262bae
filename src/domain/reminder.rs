//! Scheduled reminders (提醒, docs/domain.md §10): on a working day, which open cases are told of
//! and why (due soon at a threshold, overdue, not signed for in time), each (case, reason)
//! once ever, overdue once a working day; and the text of the day's digest, one per person.
//! Pure: the service reads the cases and the keys told before, and stores what this decides.

use chrono::NaiveDate;

use super::notice::{days_left, NoticeKind, Text};
use super::templates::{self, Part, Templates};
use super::UserError;

/// When to remind (docs/domain.md §10's defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRules {
    /// Calendar days before the due date at which a unit is told the case is due soon.
    pub due_soon_days: Vec<u32>,
    /// Working days after the assignment by which a unit should have signed for it.
    pub sign_within_working_days: u32,
    /// A deputy who has not rated a reply is told once when this many working days of the
    /// rating window are left.
    pub rating_warning_working_days: u32,
}

impl Default for ReminderRules {
    fn default() -> Self {
        Self {
            due_soon_days: vec![15, 5, 1],
            sign_within_working_days: 3,
            rating_warning_working_days: 5,
        }
    }
}

/// The most due-soon thresholds a session may set, and the farthest.
pub const MAX_THRESHOLDS: usize = 5;
pub const MAX_THRESHOLD_DAYS: i32 = 90;

/// Due-soon thresholds as a session sets them: 1–5 distinct days, each 1–90; kept from the
/// farthest to the nearest.
pub fn parse_days(days: &[i32], field: &[&str]) -> Result<Vec<u32>, UserError> {
    let mut kept: Vec<u32> = Vec::new();
    for day in days {
        match u32::try_from(*day) {
            Ok(d) if (1..=MAX_THRESHOLD_DAYS).contains(day) => kept.push(d),
            _ => {
                return Err(UserError::invalid(
                    field,
                    format!("提醒天数须为 1 至 {MAX_THRESHOLD_DAYS} (each threshold 1–{MAX_THRESHOLD_DAYS} days), got {day}"),
                ))
            }
        }
    }
    kept.sort_unstable_by(|a, b| b.cmp(a));
    kept.dedup();
    if kept.is_empty() || kept.len() > MAX_THRESHOLDS {
        return Err(UserError::invalid(
            field,
            format!("提醒天数须为 1 至 {MAX_THRESHOLDS} 个 (1–{MAX_THRESHOLDS} thresholds; null for the default)"),
        ));
    }
    Ok(kept)
}

impl ReminderRules {
    /// These rules with a session's own due-soon thresholds (stored as a JSON array), if it
    /// set any that still read as valid.
    pub fn for_session(&self, stored: Option<&serde_json::Value>) -> ReminderRules {
        let own = stored
            .and_then(|v| serde_json::from_value::<Vec<i32>>(v.clone()).ok())
            .and_then(|days| parse_days(&days, &[]).ok());
        match own {
            Some(due_soon_days) => ReminderRules {
                due_soon_days,
                ..self.clone()
            },
            None => self.clone(),
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
    /// The key a case is told of this reason under: once per handling round, overdue once
    /// per day. A round after the first (re-handling, with a due date of its own) is told
    /// again, under keys of its own.
    pub fn key(self, day: NaiveDate, round: i32) -> String {
        let key = match self {
            Reason::Overdue => format!("OVERDUE:{day}"),
            Reason::NotSignedFor => "NOT_SIGNED_FOR".to_owned(),
            Reason::DueSoon(days) => format!("DUE_SOON:{days}"),
        };
        round_key(&key, round)
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

/// `key` of a handling round: the first round's keys are plain, later ones prefixed.
fn round_key(key: &str, round: i32) -> String {
    if round <= 1 {
        key.to_owned()
    } else {
        format!("R{round}:{key}")
    }
}

/// An open case as the pass sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenCase {
    /// The handling round (1, then 2… after an UNSATISFIED rating).
    pub round: i32,
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
        tell(Reason::Overdue, vec![Reason::Overdue.key(day, case.round)]);
    } else {
        let passed: Vec<u32> = rules
            .due_soon_days
            .iter()
            .copied()
            .filter(|t| i64::from(*t) >= left)
            .collect();
        if let Some(&nearest) = passed.iter().min() {
            let nearest_key = Reason::DueSoon(nearest).key(day, case.round);
            if !told(&nearest_key) {
                let keys = passed
                    .iter()
                    .map(|t| Reason::DueSoon(*t).key(day, case.round))
                    .collect();
                tell(Reason::DueSoon(nearest), keys);
            }
        }
    }
    if !case.signed_for && day > case.sign_by {
        tell(
            Reason::NotSignedFor,
            vec![Reason::NotSignedFor.key(day, case.round)],
        );
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
    /// A co-handler's case: what is due is its opinion to the lead unit (会办意见).
    pub opinion: bool,
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

/// The day's digest for one person: counts in the title, the most urgent cases listed (in
/// this process's texts).
pub fn digest(day: NaiveDate, items: &mut [DigestItem]) -> Text {
    digest_with(templates::current(), day, items)
}

/// [`digest`] in `texts`.
pub fn digest_with(texts: &Templates, day: NaiveDate, items: &mut [DigestItem]) -> Text {
    const KIND: NoticeKind = NoticeKind::DailyReminder;
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
    let lines = items.iter().take(DIGEST_LINES).map(|i| {
        texts.fill(KIND, Part::Line, |slot| match slot {
            "number" => i.number.clone(),
            "title" => short(&i.title, LINE_TITLE_CHARS),
            "unit" => i.unit.clone(),
            "state" if i.reason == Reason::NotSignedFor => "未签收，".to_owned(),
            "period" if i.opinion => "会办意见期限".to_owned(),
            "period" => "办理期限".to_owned(),
            "due_on" => i.due_on.to_string(),
            "days_left" => days_left(i.due_on, day),
            _ => String::new(),
        })
    });
    let title = texts.fill(KIND, Part::DigestTitle, |slot| match slot {
        "summary" => summary.join("，"),
        "count" => items.len().to_string(),
        _ => String::new(),
    });
    Text {
        title,
        body: with_more(texts, KIND, lines.collect(), items.len()),
    }
}

/// The listed lines, and the kind's `more` line for the cases past [`DIGEST_LINES`].
fn with_more(texts: &Templates, kind: NoticeKind, mut lines: Vec<String>, total: usize) -> String {
    if total > DIGEST_LINES {
        let rest = (total - DIGEST_LINES).to_string();
        lines.push(texts.fill(kind, Part::More, |slot| match slot {
            "rest" => rest.clone(),
            _ => String::new(),
        }));
    }
    lines.join("\n")
}

/// The key a reply's rating reminder is recorded under, per handling round.
pub fn rating_key(round: i32) -> String {
    round_key("RATING_DUE", round)
}

/// Whether a deputy is told on `day` that the rating window of a reply ends soon: it ends
/// on `rating_due` (still open that day), `working_days_left` working days after `day`.
/// The service records [`rating_key`] so it is said once.
pub fn rating_due_soon(
    rules: &ReminderRules,
    day: NaiveDate,
    rating_due: NaiveDate,
    working_days_left: u32,
) -> bool {
    day <= rating_due && working_days_left <= rules.rating_warning_working_days
}

/// A reply waiting for the deputy's rating, in their digest.
#[derive(Debug, Clone)]
pub struct RatingItem {
    pub number: String,
    pub title: String,
    /// The unit that replied.
    pub unit: String,
    pub rating_due: NaiveDate,
    pub working_days_left: u32,
}

/// The day's rating reminder for one deputy: the replies to rate, the nearest end first (in
/// this process's texts).
pub fn rating_digest(items: &mut [RatingItem]) -> Text {
    rating_digest_with(templates::current(), items)
}

/// [`rating_digest`] in `texts`.
pub fn rating_digest_with(texts: &Templates, items: &mut [RatingItem]) -> Text {
    const KIND: NoticeKind = NoticeKind::RatingDue;
    items.sort_by(|a, b| {
        (a.rating_due, &a.number, &a.unit).cmp(&(b.rating_due, &b.number, &b.unit))
    });
    let lines = items.iter().take(DIGEST_LINES).map(|i| {
        texts.fill(KIND, Part::Line, |slot| match slot {
            "number" => i.number.clone(),
            "title" => short(&i.title, LINE_TITLE_CHARS),
            "unit" => i.unit.clone(),
            "rating_due" => i.rating_due.to_string(),
            "left" if i.working_days_left == 0 => "今天截止".to_owned(),
            "left" => format!("还有 {} 个工作日", i.working_days_left),
            _ => String::new(),
        })
    });
    let title = texts.fill(KIND, Part::DigestTitle, |slot| match slot {
        "count" => items.len().to_string(),
        _ => String::new(),
    });
    Text {
        title,
        body: with_more(texts, KIND, lines.collect(), items.len()),
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
            round: 1,
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
            opinion: false,
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

    #[test]
    fn a_new_round_is_told_again_under_its_own_keys() {
        let rules = ReminderRules::default();
        let first = due(&rules, &case(true, day(12, 21)), day(12, 16), |_| false);
        assert_eq!(first.keys, vec!["DUE_SOON:15", "DUE_SOON:5"]);
        let told: HashSet<String> = first.keys.into_iter().collect();
        let second_round = OpenCase {
            round: 2,
            ..case(true, day(12, 21))
        };
        let again = due(&rules, &second_round, day(12, 16), |k| told.contains(k));
        assert_eq!(again.reasons, vec![Reason::DueSoon(5)]);
        assert_eq!(again.keys, vec!["R2:DUE_SOON:15", "R2:DUE_SOON:5"]);
        assert_eq!(rating_key(1), "RATING_DUE");
        assert_eq!(rating_key(3), "R3:RATING_DUE");
    }

    #[test]
    fn a_deputy_is_told_when_five_working_days_of_the_rating_window_are_left() {
        let rules = ReminderRules::default();
        // (today, rating due, working days left, told?)
        let table = [
            (day(12, 1), day(12, 18), 13, false),
            (day(12, 10), day(12, 18), 6, false),
            (day(12, 11), day(12, 18), 5, true),
            (day(12, 18), day(12, 18), 0, true),
            (day(12, 19), day(12, 18), 0, false),
        ];
        for (today, rating_due, left, told) in table {
            assert_eq!(
                rating_due_soon(&rules, today, rating_due, left),
                told,
                "{today} → {rating_due}"
            );
        }
    }

    #[test]
    fn the_rating_digest_lists_the_nearest_end_first() {
        let item = |number: &str, rating_due, working_days_left| RatingItem {
            number: number.to_owned(),
            title: "关于加强基层养老服务体系建设和服务能力提升的建议".to_owned(),
            unit: "淮南市民政局".to_owned(),
            rating_due,
            working_days_left,
        };
        let mut items = vec![item("0007", day(12, 18), 5), item("0003", day(12, 11), 0)];
        let text = rating_digest(&mut items);
        assert_eq!(text.title, "测评提醒：2 件答复待您测评");
        assert_eq!(
            text.body.lines().collect::<Vec<_>>(),
            [
                "· 第0003号《关于加强基层养老服务体系建设和服务能力…》 淮南市民政局的答复：测评期限 2026-12-11（今天截止）",
                "· 第0007号《关于加强基层养老服务体系建设和服务能力…》 淮南市民政局的答复：测评期限 2026-12-18（还有 5 个工作日）",
            ]
        );
    }

    #[test]
    fn a_co_handlers_line_names_its_opinion_due() {
        let mut items = vec![DigestItem {
            reason: Reason::DueSoon(5),
            number: "0009".to_owned(),
            title: "关于公交线路的建议".to_owned(),
            unit: "淮南市交通运输局".to_owned(),
            due_on: day(12, 12),
            opinion: true,
        }];
        let text = digest(day(12, 7), &mut items);
        assert_eq!(
            text.body,
            "· 第0009号《关于公交线路的建议》 淮南市交通运输局：会办意见期限 2026-12-12（还有 5 天）"
        );
    }

    #[test]
    fn a_session_sets_its_own_thresholds() {
        let field = ["input", "reminderDays"];
        // (given, kept or refused)
        let table: [(&[i32], Option<&[u32]>); 7] = [
            (&[15, 5, 1], Some(&[15, 5, 1])),
            (&[1, 30, 7, 7], Some(&[30, 7, 1])),
            (&[90], Some(&[90])),
            (&[], None),
            (&[0, 5], None),
            (&[91], None),
            (&[30, 20, 10, 5, 3, 1], None),
        ];
        for (given, kept) in table {
            let parsed = parse_days(given, &field);
            assert_eq!(parsed.as_deref().ok(), kept, "{given:?}");
            if let Err(e) = parsed {
                assert_eq!(e.field, ["input", "reminderDays"]);
            }
        }
        let rules = ReminderRules::default();
        let own = rules.for_session(Some(&serde_json::json!([30, 10])));
        assert_eq!(own.due_soon_days, [30, 10]);
        assert_eq!(own.sign_within_working_days, 3);
        assert_eq!(rules.for_session(None), rules);
        assert_eq!(rules.for_session(Some(&serde_json::json!("broken"))), rules);
    }
}
