//! Property tests of the domain rules, over random inputs (proptest shrinks a failure to
//! a minimal case): the deadline calculator and the workflow state machine.

use chrono::{Datelike, NaiveDate};
use entity::enums::{AssignmentRole, AssignmentStatus, SuggestionStatus};
use proptest::prelude::*;

use super::calendar::WorkCalendar;
use super::deadline::{add_months, compute_due, DeadlinePeriod, DeadlineRules};
use super::workflow::{self, Transition};

const PERIODS: [DeadlinePeriod; 7] = [
    DeadlinePeriod::Reply,
    DeadlinePeriod::HardCap,
    DeadlinePeriod::CoHandlerOpinion,
    DeadlinePeriod::ReturnWindow,
    DeadlinePeriod::Rehandling,
    DeadlinePeriod::Publication,
    DeadlinePeriod::Rating,
];

/// A day from 2018 to 2029: years with the official calendar loaded (2020–2026) and
/// years without (weekends only, provisional).
fn day() -> impl Strategy<Value = NaiveDate> {
    (0i64..(12 * 366)).prop_map(|offset| {
        NaiveDate::from_ymd_opt(2018, 1, 1).unwrap() + chrono::Duration::days(offset)
    })
}

fn rules() -> impl Strategy<Value = DeadlineRules> {
    (1u32..=12, 1u32..=60, any::<bool>()).prop_map(|(months, working_days, roll)| DeadlineRules {
        reply_months: months,
        hard_cap_months: months * 2,
        co_handler_opinion_months: months.div_ceil(3),
        return_window_working_days: working_days,
        rehandling_months: months,
        publication_working_days: working_days,
        rating_working_days: working_days,
        due_soon_days: 15,
        roll_to_next_working_day: roll,
    })
}

fn period() -> impl Strategy<Value = DeadlinePeriod> {
    (0..PERIODS.len()).prop_map(|i| PERIODS[i])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// A due date never precedes its start: the start day is not counted, so every period
    /// of at least one month or working day ends after it.
    #[test]
    fn a_due_date_never_precedes_its_start(start in day(), rules in rules(), period in period()) {
        let calendar = WorkCalendar::official();
        let due = compute_due(&rules, &calendar, start, period).unwrap();
        prop_assert!(due.due_on > start, "{start} → {}", due.due_on);
        prop_assert!(due.due_on >= due.raw_end);
    }

    /// Working-day periods, and month periods that roll, never end on a non-working day;
    /// a month period that does not roll ends exactly on its calendar date.
    #[test]
    fn rolled_and_working_day_periods_end_on_working_days(
        start in day(), rules in rules(), period in period()
    ) {
        let calendar = WorkCalendar::official();
        let due = compute_due(&rules, &calendar, start, period).unwrap();
        match rules.rule(period) {
            super::deadline::PeriodRule::WorkingDays(_) => {
                prop_assert!(calendar.is_working_day(due.due_on), "{}", due.due_on);
            }
            super::deadline::PeriodRule::Months(n) => {
                prop_assert_eq!(due.raw_end, add_months(start, n).unwrap());
                if rules.roll_to_next_working_day {
                    prop_assert!(calendar.is_working_day(due.due_on), "{}", due.due_on);
                } else {
                    prop_assert_eq!(due.due_on, due.raw_end);
                }
            }
        }
        // Only years without an official calendar make a due date provisional.
        let years: Vec<i32> = (start.year()..=due.due_on.year())
            .filter(|y| !calendar.is_loaded(*y))
            .collect();
        prop_assert_eq!(due.provisional, !due.provisional_years.is_empty());
        for year in &due.provisional_years {
            prop_assert!(years.contains(year));
        }
    }

    /// Later starts never give earlier due dates, and longer periods never end sooner.
    #[test]
    fn due_dates_are_monotonic(
        a in day(), b in day(), rules in rules(), period in period(), extra in 0u32..24
    ) {
        let calendar = WorkCalendar::official();
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let due_early = compute_due(&rules, &calendar, early, period).unwrap();
        let due_late = compute_due(&rules, &calendar, late, period).unwrap();
        prop_assert!(due_early.due_on <= due_late.due_on);
        let months = rules.reply_months;
        prop_assert!(add_months(early, months).unwrap() <= add_months(early, months + extra).unwrap());
        prop_assert!(add_months(early, months).unwrap() <= add_months(late, months).unwrap());
    }
}

const TRANSITIONS: &[Transition] = &Transition::ALL;

const ROLES: [AssignmentRole; 4] = [
    AssignmentRole::Lead,
    AssignmentRole::CoHandler,
    AssignmentRole::Separate,
    AssignmentRole::Sole,
];

fn transitions() -> impl Strategy<Value = Vec<Transition>> {
    prop::collection::vec((0..TRANSITIONS.len()).prop_map(|i| TRANSITIONS[i]), 0..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any sequence of steps on one assignment: refused steps change nothing, the timeline
    /// of accepted steps replays to the same state, replies and unsatisfied ratings
    /// alternate (one reply per handling round), a co-handler never replies, and nothing
    /// moves an assignment out of RETURNED or WITHDRAWN.
    #[test]
    fn any_sequence_of_steps_keeps_an_assignment_valid(
        role in (0..ROLES.len()).prop_map(|i| ROLES[i]), steps in transitions()
    ) {
        let mut state = AssignmentStatus::Assigned;
        let mut timeline: Vec<Transition> = Vec::new();
        for step in steps {
            match workflow::next(role, state, step, &["input"]) {
                Ok(to) => {
                    prop_assert!(
                        !matches!(state, AssignmentStatus::Returned | AssignmentStatus::Withdrawn),
                        "{step:?} left the final state {state:?}"
                    );
                    state = to;
                    timeline.push(step);
                }
                Err(error) => {
                    prop_assert_eq!(error.code, super::ErrorCode::InvalidState);
                }
            }
            if role == AssignmentRole::CoHandler {
                prop_assert!(!matches!(state, AssignmentStatus::Replied | AssignmentStatus::Rehandling));
            }
        }
        // The timeline replays to the same state.
        let mut replayed = AssignmentStatus::Assigned;
        for step in &timeline {
            replayed = workflow::next(role, replayed, *step, &["input"]).unwrap();
        }
        prop_assert_eq!(replayed, state);
        // Reply, unsatisfied rating, reply, … strictly alternating.
        let rounds: Vec<bool> = timeline
            .iter()
            .filter_map(|t| match t {
                Transition::Reply => Some(true),
                Transition::Rate { unsatisfied: true } => Some(false),
                _ => None,
            })
            .collect();
        for (i, is_reply) in rounds.iter().enumerate() {
            prop_assert_eq!(*is_reply, i % 2 == 0, "{:?}", timeline);
        }
        // Re-handling is where an unsatisfied rating leads, and only there.
        if state == AssignmentStatus::Rehandling {
            prop_assert_eq!(rounds.last(), Some(&false));
        }
        if state == AssignmentStatus::Replied {
            prop_assert_eq!(rounds.last(), Some(&true));
        }
    }

    /// The suggestion's state follows its assignments: REPLIED exactly when every active
    /// answering unit has replied (or closed), and a closed or withdrawn suggestion stays so.
    #[test]
    fn the_suggestion_state_follows_its_assignments(
        assignments in prop::collection::vec(
            ((0..ROLES.len()).prop_map(|i| ROLES[i]), 0usize..9), 0..6
        )
    ) {
        const STATES: [AssignmentStatus; 9] = [
            AssignmentStatus::Assigned,
            AssignmentStatus::SignedFor,
            AssignmentStatus::ReturnRequested,
            AssignmentStatus::Returned,
            AssignmentStatus::OpinionSent,
            AssignmentStatus::Replied,
            AssignmentStatus::Rehandling,
            AssignmentStatus::Closed,
            AssignmentStatus::Withdrawn,
        ];
        let assignments: Vec<(AssignmentRole, AssignmentStatus)> =
            assignments.into_iter().map(|(r, s)| (r, STATES[s])).collect();
        for done in [SuggestionStatus::Closed, SuggestionStatus::Withdrawn] {
            prop_assert_eq!(workflow::suggestion_status(done, &assignments), done);
        }
        let status = workflow::suggestion_status(SuggestionStatus::Assigned, &assignments);
        let answering: Vec<AssignmentStatus> = assignments
            .iter()
            .filter(|(r, s)| workflow::answers_deputy(*r) && workflow::is_active(*s))
            .map(|(_, s)| *s)
            .collect();
        let replied = !answering.is_empty()
            && answering.iter().all(|s| matches!(s, AssignmentStatus::Replied | AssignmentStatus::Closed));
        prop_assert_eq!(status == SuggestionStatus::Replied, replied);
        if assignments.iter().all(|(_, s)| !workflow::is_active(*s)) {
            prop_assert_eq!(status, SuggestionStatus::Registered);
        }
    }
}
