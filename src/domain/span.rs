//! Deadline history (docs/domain.md §4): which round, due date and answer were in force on a
//! given day. An assignment's deadline changes over time — a re-handling round after an
//! UNSATISFIED rating brings a new due date and clears the answer, an approved extension
//! replaces the due date from the day it is decided — so "the status as of a past date" is
//! the status of the span in force on that date, not of the current one.

use chrono::NaiveDate;

use super::deadline::{days_late, days_remaining, due_soon_from, DeadlineStatus};

/// One stretch of days with one deadline in force: from `from_on` until the day before
/// `until_on` (`None`: still in force).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub round: i32,
    pub from_on: NaiveDate,
    pub until_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    /// The first day the unanswered deadline counts as DUE_SOON.
    pub due_soon_from: NaiveDate,
    /// The round's answer; it counts on and after its date.
    pub answered_on: Option<NaiveDate>,
}

impl Span {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from_on <= day && self.until_on.is_none_or(|until| day < until)
    }

    /// The deadline status as of `as_of` under this span's due date and answer; the same
    /// rule as `deadline::deadline_status`, with the warning window as stored.
    pub fn status(&self, as_of: NaiveDate) -> DeadlineStatus {
        match self.answered_on.filter(|answered| *answered <= as_of) {
            Some(answered) if answered <= self.due_on => DeadlineStatus::AnsweredOnTime,
            Some(_) => DeadlineStatus::AnsweredLate,
            None if as_of > self.due_on => DeadlineStatus::Overdue,
            None if as_of >= self.due_soon_from => DeadlineStatus::DueSoon,
            None => DeadlineStatus::NotDue,
        }
    }

    pub fn days_remaining(&self, as_of: NaiveDate) -> i64 {
        days_remaining(self.due_on, as_of)
    }

    pub fn days_late(&self, as_of: NaiveDate) -> i64 {
        days_late(self.due_on, self.answered_on, as_of)
    }
}

/// The span in force on `day`: the current one from its start on, before that the earlier
/// span that contains the day; `None` before the first span (not yet assigned).
pub fn in_force_on<'a>(current: &'a Span, earlier: &'a [Span], day: NaiveDate) -> Option<&'a Span> {
    if day >= current.from_on {
        return Some(current);
    }
    earlier.iter().find(|span| span.contains(day))
}

/// The deadline status of an assignment on `as_of` (docs/domain.md §4): none when it does not
/// run against a deadline then — returned to the office or withdrawn (`withdrawn`), or
/// not yet assigned — else the status under the span in force that day.
pub fn assignment_status(
    withdrawn: bool,
    assigned_on: NaiveDate,
    span: Option<&Span>,
    as_of: NaiveDate,
) -> Option<DeadlineStatus> {
    if withdrawn || assigned_on > as_of {
        return None;
    }
    span.map(|span| span.status(as_of))
}

/// A handling round as recorded: when it started, its due date before and after any
/// extension, and when it was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundRecord {
    pub round: i32,
    pub started_on: NaiveDate,
    pub original_due_on: NaiveDate,
    pub due_on: NaiveDate,
    pub answered_on: Option<NaiveDate>,
}

/// An approved extension (延期): from `decided_on` the round's due date is `due_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovedExtension {
    pub round: i32,
    pub decided_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// An assignment's spans, oldest first, from its rounds and approved extensions; the
/// last one is in force now. Within a round the due date is the original one until the
/// first extension is decided, then each extension's from its decision day; the round's
/// latest due date (which a calendar correction may have moved) holds in its last span.
/// A span that would last no day at all (a round or an extension beginning the day the
/// previous one did) is left out.
pub fn spans(
    rounds: &[RoundRecord],
    extensions: &[ApprovedExtension],
    due_soon_days: u32,
) -> Vec<Span> {
    let mut rounds = rounds.to_vec();
    rounds.sort_by_key(|r| r.round);
    let mut out: Vec<Span> = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        let next_start = rounds.get(i + 1).map(|next| next.started_on);
        let mut changes: Vec<&ApprovedExtension> = extensions
            .iter()
            .filter(|e| e.round == round.round)
            .filter(|e| next_start.is_none_or(|next| e.decided_on <= next))
            .collect();
        changes.sort_by_key(|e| e.decided_on);
        // (first day, due date) of each change within the round.
        let mut steps = vec![(
            round.started_on,
            if changes.is_empty() {
                round.due_on
            } else {
                round.original_due_on
            },
        )];
        for (j, change) in changes.iter().enumerate() {
            let due = if j + 1 == changes.len() {
                round.due_on
            } else {
                change.due_on
            };
            steps.push((change.decided_on.max(round.started_on), due));
        }
        for (j, (from_on, due_on)) in steps.iter().enumerate() {
            let until_on = steps.get(j + 1).map(|s| s.0).or(next_start);
            out.retain(|earlier| earlier.from_on < *from_on);
            if let Some(previous) = out.last_mut() {
                previous.until_on = Some(*from_on);
            }
            if until_on.is_some_and(|until| until <= *from_on) {
                continue;
            }
            // The answer belongs to the span it was given in, and to none that ended
            // before it.
            let answered_on = round
                .answered_on
                .filter(|answered| until_on.is_none_or(|until| *answered < until));
            out.push(Span {
                round: round.round,
                from_on: *from_on,
                until_on,
                due_on: *due_on,
                due_soon_from: due_soon_from(*due_on, due_soon_days),
                answered_on,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use DeadlineStatus::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    fn round(
        n: i32,
        started: &str,
        original: &str,
        due: &str,
        answered: Option<&str>,
    ) -> RoundRecord {
        RoundRecord {
            round: n,
            started_on: d(started),
            original_due_on: d(original),
            due_on: d(due),
            answered_on: answered.map(d),
        }
    }

    fn extension(n: i32, decided: &str, due: &str) -> ApprovedExtension {
        ApprovedExtension {
            round: n,
            decided_on: d(decided),
            due_on: d(due),
        }
    }

    /// (from, until, due, answered) of each span.
    fn shape(spans: &[Span]) -> Vec<(String, Option<String>, String, Option<String>)> {
        spans
            .iter()
            .map(|s| {
                (
                    s.from_on.to_string(),
                    s.until_on.map(|u| u.to_string()),
                    s.due_on.to_string(),
                    s.answered_on.map(|a| a.to_string()),
                )
            })
            .collect()
    }

    fn row(
        from: &str,
        until: Option<&str>,
        due: &str,
        answered: Option<&str>,
    ) -> (String, Option<String>, String, Option<String>) {
        (
            from.to_owned(),
            until.map(str::to_owned),
            due.to_owned(),
            answered.map(str::to_owned),
        )
    }

    #[test]
    fn spans_follow_rounds_and_extensions() {
        type Row = (String, Option<String>, String, Option<String>);
        type Case = (
            &'static str,
            Vec<RoundRecord>,
            Vec<ApprovedExtension>,
            Vec<Row>,
        );
        let cases: Vec<Case> = vec![
            (
                "one round, nothing changed",
                vec![round(1, "2025-09-16", "2025-12-16", "2025-12-16", None)],
                vec![],
                vec![row("2025-09-16", None, "2025-12-16", None)],
            ),
            (
                "the issue's case: answered in round 1, round 2 from the rating",
                vec![
                    round(
                        1,
                        "2025-09-16",
                        "2025-12-16",
                        "2025-12-16",
                        Some("2025-12-01"),
                    ),
                    round(2, "2025-12-25", "2026-01-26", "2026-01-26", None),
                ],
                vec![],
                vec![
                    row(
                        "2025-09-16",
                        Some("2025-12-25"),
                        "2025-12-16",
                        Some("2025-12-01"),
                    ),
                    row("2025-12-25", None, "2026-01-26", None),
                ],
            ),
            (
                "an extension replaces the due date from its decision",
                vec![round(1, "2025-09-16", "2025-12-16", "2026-02-16", None)],
                vec![extension(1, "2025-12-10", "2026-02-16")],
                vec![
                    row("2025-09-16", Some("2025-12-10"), "2025-12-16", None),
                    row("2025-12-10", None, "2026-02-16", None),
                ],
            ),
            (
                "two extensions, then a second round",
                vec![
                    round(
                        1,
                        "2025-09-16",
                        "2025-12-16",
                        "2026-03-02",
                        Some("2026-02-20"),
                    ),
                    round(2, "2026-03-05", "2026-04-07", "2026-04-07", None),
                ],
                vec![
                    extension(1, "2026-01-20", "2026-02-16"),
                    extension(1, "2025-12-01", "2026-01-16"),
                ],
                vec![
                    row("2025-09-16", Some("2025-12-01"), "2025-12-16", None),
                    row("2025-12-01", Some("2026-01-20"), "2026-01-16", None),
                    row(
                        "2026-01-20",
                        Some("2026-03-05"),
                        "2026-03-02",
                        Some("2026-02-20"),
                    ),
                    row("2026-03-05", None, "2026-04-07", None),
                ],
            ),
            (
                "an extension decided the day of assignment leaves no empty span",
                vec![round(1, "2025-09-16", "2025-12-16", "2026-01-16", None)],
                vec![extension(1, "2025-09-16", "2026-01-16")],
                vec![row("2025-09-16", None, "2026-01-16", None)],
            ),
            (
                "a round rated the day it was answered and re-opened at once",
                vec![
                    round(
                        1,
                        "2025-09-16",
                        "2025-12-16",
                        "2025-12-16",
                        Some("2025-09-16"),
                    ),
                    round(2, "2025-09-16", "2025-10-16", "2025-10-16", None),
                ],
                vec![],
                vec![row("2025-09-16", None, "2025-10-16", None)],
            ),
            (
                "extended, then answered and re-opened on the day of the extension",
                vec![
                    round(
                        1,
                        "2026-09-01",
                        "2026-11-25",
                        "2026-12-31",
                        Some("2026-11-22"),
                    ),
                    round(2, "2026-11-22", "2026-12-22", "2026-12-22", None),
                ],
                vec![extension(1, "2026-11-22", "2026-12-31")],
                vec![
                    row("2026-09-01", Some("2026-11-22"), "2026-11-25", None),
                    row("2026-11-22", None, "2026-12-22", None),
                ],
            ),
            (
                "rounds given out of order",
                vec![
                    round(2, "2025-12-25", "2026-01-26", "2026-01-26", None),
                    round(
                        1,
                        "2025-09-16",
                        "2025-12-16",
                        "2025-12-16",
                        Some("2025-12-01"),
                    ),
                ],
                vec![],
                vec![
                    row(
                        "2025-09-16",
                        Some("2025-12-25"),
                        "2025-12-16",
                        Some("2025-12-01"),
                    ),
                    row("2025-12-25", None, "2026-01-26", None),
                ],
            ),
            ("no rounds", vec![], vec![], vec![]),
        ];
        for (name, rounds, extensions, expected) in cases {
            let got = spans(&rounds, &extensions, 15);
            assert_eq!(shape(&got), expected, "{name}");
            for pair in got.windows(2) {
                assert_eq!(
                    pair[0].until_on,
                    Some(pair[1].from_on),
                    "{name}: contiguous"
                );
            }
        }
    }

    #[test]
    fn the_span_in_force_decides_the_status() {
        let history = spans(
            &[
                round(
                    1,
                    "2025-09-16",
                    "2025-12-16",
                    "2026-01-16",
                    Some("2025-12-01"),
                ),
                round(2, "2025-12-25", "2026-01-26", "2026-01-26", None),
            ],
            &[extension(1, "2025-11-20", "2026-01-16")],
            15,
        );
        let Some((current, earlier)) = history.split_last() else {
            panic!("no spans");
        };
        // (as of, status, days remaining, days late)
        let rows: [(&str, Option<DeadlineStatus>, i64, i64); 9] = [
            ("2025-09-15", None, 0, 0),
            ("2025-09-16", Some(NotDue), 91, 0),
            ("2025-12-01", Some(AnsweredOnTime), 46, 0),
            ("2025-11-19", Some(NotDue), 27, 0),
            ("2025-11-20", Some(NotDue), 57, 0),
            ("2025-12-10", Some(AnsweredOnTime), 37, 0),
            ("2025-12-24", Some(AnsweredOnTime), 23, 0),
            ("2025-12-25", Some(NotDue), 32, 0),
            ("2026-01-30", Some(Overdue), -4, 4),
        ];
        for (day, status, remaining, late) in rows {
            let span = in_force_on(current, earlier, d(day));
            assert_eq!(span.map(|s| s.status(d(day))), status, "{day}");
            assert_eq!(
                assignment_status(false, d("2025-09-16"), span, d(day)),
                status,
                "{day}"
            );
            assert_eq!(assignment_status(true, d("2025-09-16"), span, d(day)), None);
            if let Some(span) = span {
                assert_eq!(span.days_remaining(d(day)), remaining, "{day}");
                assert_eq!(span.days_late(d(day)), late, "{day}");
            }
        }
    }

    #[test]
    fn span_status_is_the_deadline_rule() {
        let start = d("2025-01-01");
        for due_offset in 0..40 {
            let due_on = start + chrono::Days::new(due_offset);
            for answered in [None, Some(d("2025-01-10")), Some(d("2025-01-30"))] {
                let span = Span {
                    round: 1,
                    from_on: start,
                    until_on: None,
                    due_on,
                    due_soon_from: due_soon_from(due_on, 15),
                    answered_on: answered,
                };
                for day in 0..60 {
                    let as_of = start + chrono::Days::new(day);
                    assert_eq!(
                        span.status(as_of),
                        super::super::deadline::deadline_status(due_on, answered, as_of, 15),
                        "due {due_on} answered {answered:?} as of {as_of}"
                    );
                }
            }
        }
    }
}
