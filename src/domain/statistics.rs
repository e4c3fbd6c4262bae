//! The figures offices report (docs/domain.md §5), as formulas over counted facts.
//!
//! The database counts (one aggregate per group, `service::statistics`); this module
//! says what each rate divides by what, so the definitions live in one place, with
//! table-driven tests, whatever the database.
//!
//! Definitions, per group of assignments in force on `asOf` (assigned by then, neither
//! returned nor withdrawn):
//! - 办复率 = answered / assignments, where answered means the current round's reply
//!   (for a co-handler: its opinion) was sent on or before `asOf`;
//! - 按期办结率 = answered on or before the due date in force / answered;
//! - days late: for each assignment answered late, answer − due; for each overdue one,
//!   `asOf` − due; the average is over those late assignments;
//! - category shares = each category / assignments with a reply (the latest reply's
//!   category, after the office's review); 解决率 = (A + B) / the same;
//! - 满意率 = SATISFIED + BASICALLY_SATISFIED / rated, over the lead deputy's rating of
//!   the first rated round ("first") and of the latest round ("final"); co-signers'
//!   ratings are recorded but do not count;
//! - 见面率 = assignments with a face-to-face contact (面商) / assignments;
//! - public feedback received = open (NEW, READ) + handled; spam counts in neither.

use entity::enums::ReplyCategory;

/// A rate shown as "37/40": numerator, denominator and their ratio (none when nothing
/// was counted, which is not the same as 0%).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
}

impl Rate {
    pub fn new(numerator: i64, denominator: i64) -> Self {
        Self {
            numerator,
            denominator,
        }
    }

    /// numerator / denominator, or `None` when the denominator is 0.
    pub fn ratio(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    /// The ratio as a percentage rounded to one decimal, e.g. 92.5 for 37/40, the way
    /// report tables print it.
    pub fn percent(self) -> Option<f64> {
        self.ratio().map(|r| (r * 1000.0).round() / 10.0)
    }
}

/// What the database counts for one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Distinct suggestions among the group's assignments.
    pub suggestions: i64,
    pub assignments: i64,
    pub answered: i64,
    pub answered_on_time: i64,
    pub overdue: i64,
    /// Assignments answered late or overdue, and their days late summed and at most.
    pub late: i64,
    pub days_late_total: i64,
    pub max_days_late: Option<i64>,
    /// Assignments whose latest reply has category A, B, C, D.
    pub category: [i64; 4],
    pub rated: i64,
    pub satisfied_first: i64,
    pub satisfied_final: i64,
    pub met_face_to_face: i64,
    pub feedback_open: i64,
    pub feedback_handled: i64,
    /// Assignments urged (催办) at least once, and the urges summed.
    pub urged: i64,
    pub urges: i64,
}

pub const CATEGORIES: [ReplyCategory; 4] = [
    ReplyCategory::A,
    ReplyCategory::B,
    ReplyCategory::C,
    ReplyCategory::D,
];

fn slot(category: ReplyCategory) -> usize {
    match category {
        ReplyCategory::A => 0,
        ReplyCategory::B => 1,
        ReplyCategory::C => 2,
        ReplyCategory::D => 3,
    }
}

impl Counts {
    /// 办复率
    pub fn reply_rate(&self) -> Rate {
        Rate::new(self.answered, self.assignments)
    }

    /// 按期办结率
    pub fn on_time_rate(&self) -> Rate {
        Rate::new(self.answered_on_time, self.answered)
    }

    /// Assignments with a reply, whose categories are counted.
    pub fn categorized(&self) -> i64 {
        self.category.iter().sum()
    }

    pub fn category_count(&self, category: ReplyCategory) -> i64 {
        self.category[slot(category)]
    }

    /// The share of one category among replied assignments.
    pub fn category_share(&self, category: ReplyCategory) -> Rate {
        Rate::new(self.category_count(category), self.categorized())
    }

    /// 解决率: (A + B) / replied.
    pub fn solved_rate(&self) -> Rate {
        Rate::new(
            self.category_count(ReplyCategory::A) + self.category_count(ReplyCategory::B),
            self.categorized(),
        )
    }

    /// 满意率 at the first rating.
    pub fn satisfaction_first(&self) -> Rate {
        Rate::new(self.satisfied_first, self.rated)
    }

    /// 满意率 at the final rating.
    pub fn satisfaction_final(&self) -> Rate {
        Rate::new(self.satisfied_final, self.rated)
    }

    /// 见面率
    pub fn meeting_rate(&self) -> Rate {
        Rate::new(self.met_face_to_face, self.assignments)
    }

    /// Average days late over the late assignments, to one decimal; `None` when none
    /// was late.
    pub fn average_days_late(&self) -> Option<f64> {
        (self.late > 0)
            .then(|| (self.days_late_total as f64 / self.late as f64 * 10.0).round() / 10.0)
    }

    pub fn feedback_received(&self) -> i64 {
        self.feedback_open + self.feedback_handled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_divide_and_say_when_nothing_was_counted() {
        let cases: [(i64, i64, Option<f64>, Option<f64>); 6] = [
            (37, 40, Some(0.925), Some(92.5)),
            (0, 40, Some(0.0), Some(0.0)),
            (40, 40, Some(1.0), Some(100.0)),
            (0, 0, None, None),
            (1, 3, Some(1.0 / 3.0), Some(33.3)),
            (2, 3, Some(2.0 / 3.0), Some(66.7)),
        ];
        for (n, d, ratio, percent) in cases {
            let rate = Rate::new(n, d);
            assert_eq!(rate.ratio(), ratio, "{n}/{d}");
            assert_eq!(rate.percent(), percent, "{n}/{d}");
        }
    }

    #[test]
    fn each_figure_divides_what_domain_section_5_says() {
        let counts = Counts {
            suggestions: 4,
            assignments: 6,
            answered: 4,
            answered_on_time: 3,
            overdue: 1,
            late: 2,
            days_late_total: 15,
            max_days_late: Some(10),
            category: [2, 1, 1, 0],
            rated: 3,
            satisfied_first: 2,
            satisfied_final: 3,
            met_face_to_face: 2,
            feedback_open: 2,
            feedback_handled: 1,
            urged: 2,
            urges: 3,
        };
        let rates: [(&str, Rate, (i64, i64)); 9] = [
            ("办复率", counts.reply_rate(), (4, 6)),
            ("按期办结率", counts.on_time_rate(), (3, 4)),
            ("A", counts.category_share(ReplyCategory::A), (2, 4)),
            ("B", counts.category_share(ReplyCategory::B), (1, 4)),
            ("D", counts.category_share(ReplyCategory::D), (0, 4)),
            ("解决率", counts.solved_rate(), (3, 4)),
            ("满意率 first", counts.satisfaction_first(), (2, 3)),
            ("满意率 final", counts.satisfaction_final(), (3, 3)),
            ("见面率", counts.meeting_rate(), (2, 6)),
        ];
        for (name, rate, (n, d)) in rates {
            assert_eq!((rate.numerator, rate.denominator), (n, d), "{name}");
        }
        assert_eq!(counts.average_days_late(), Some(7.5));
        assert_eq!(counts.feedback_received(), 3);
        assert_eq!(counts.categorized(), 4);
    }

    #[test]
    fn an_empty_group_has_no_rates_and_no_average() {
        let counts = Counts::default();
        for rate in [
            counts.reply_rate(),
            counts.on_time_rate(),
            counts.solved_rate(),
            counts.satisfaction_first(),
            counts.meeting_rate(),
        ] {
            assert_eq!(rate.ratio(), None);
        }
        assert_eq!(counts.average_days_late(), None);
    }
}
