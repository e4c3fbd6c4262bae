//! Delivering a notice beyond the app (docs/domain.md §10): when a failed attempt is tried again,
//! when to give up, and how a notice becomes an SMS. Pure: the services store deliveries and
//! their attempts, the worker sends them.

use chrono::Duration;

/// Where a delivery stands. Stored as SCREAMING_SNAKE_CASE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// The channel accepted it.
    Sent,
    /// Every attempt failed; nobody tries again.
    Failed,
    /// Not sent: this deployment has no sender for the channel (no SMS gateway, no SMTP).
    Skipped,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(name: &str) -> Option<Self> {
        use strum::IntoEnumIterator as _;
        Self::iter().find(|s| s.as_str() == name)
    }
}

/// How often and how soon a failed delivery is tried again: the wait doubles from `first`
/// after each failure, up to `longest`, and after `attempts` failures the delivery fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub attempts: u32,
    pub first: Duration,
    pub longest: Duration,
}

impl Default for Backoff {
    /// Five attempts over about a quarter of an hour: 1, 2, 4 and 8 minutes apart.
    fn default() -> Self {
        Self {
            attempts: 5,
            first: Duration::minutes(1),
            longest: Duration::hours(1),
        }
    }
}

impl Backoff {
    /// The wait before the next attempt after `failed` failed attempts, or `None` when the
    /// delivery has had all its attempts.
    pub fn after(&self, failed: u32) -> Option<Duration> {
        if failed == 0 {
            return Some(Duration::zero());
        }
        if failed >= self.attempts {
            return None;
        }
        let factor = 2i64.checked_pow(failed - 1).unwrap_or(i64::MAX);
        let wait = self
            .first
            .num_milliseconds()
            .saturating_mul(factor)
            .min(self.longest.num_milliseconds());
        Some(Duration::milliseconds(wait))
    }
}

/// Characters in one SMS segment of Chinese text (UCS-2), and in each part of a longer
/// message (the rest carries the header that joins the parts).
pub const SMS_SEGMENT: usize = 70;
pub const SMS_PART: usize = 67;

/// The segments a text takes as an SMS.
pub fn sms_segments(text: &str) -> usize {
    let chars = text.chars().count();
    match chars {
        0 => 0,
        n if n <= SMS_SEGMENT => 1,
        n => n.div_ceil(SMS_PART),
    }
}

/// A notice as an SMS of at most `max_segments` segments: the signature (【…】, which the
/// provider registers), the title and as much of the text as fits, cut with "…".
pub fn sms_text(signature: &str, title: &str, body: &str, max_segments: usize) -> String {
    let limit = if max_segments <= 1 {
        SMS_SEGMENT
    } else {
        SMS_PART * max_segments
    };
    let full = format!("【{signature}】{title}：{body}");
    if full.chars().count() <= limit {
        return full;
    }
    let mut cut: String = full.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_the_longest_and_then_the_delivery_fails() {
        let backoff = Backoff {
            attempts: 6,
            first: Duration::seconds(10),
            longest: Duration::seconds(60),
        };
        let table = [
            (0, Some(0)),
            (1, Some(10)),
            (2, Some(20)),
            (3, Some(40)),
            (4, Some(60)),
            (5, Some(60)),
            (6, None),
            (60, None),
        ];
        for (failed, wait) in table {
            assert_eq!(
                backoff.after(failed).map(|d| d.num_seconds()),
                wait,
                "after {failed} failures"
            );
        }
        let huge = Backoff {
            attempts: u32::MAX,
            ..backoff
        };
        assert_eq!(huge.after(200), Some(Duration::seconds(60)));
    }

    #[test]
    fn sms_segments_count_chinese_characters() {
        let table = [
            ("", 0),
            ("办", 1),
            (&"办".repeat(70), 1),
            (&"办".repeat(71), 2),
            (&"办".repeat(134), 2),
            (&"办".repeat(135), 3),
        ];
        for (text, segments) in table {
            assert_eq!(
                sms_segments(text),
                segments,
                "{} chars",
                text.chars().count()
            );
        }
    }

    #[test]
    fn an_sms_carries_the_signature_and_stays_within_its_segments() {
        let short = sms_text("某市人大", "新交办", "第0255号建议已交办", 1);
        assert_eq!(short, "【某市人大】新交办：第0255号建议已交办");
        let long_body = "请于2027年6月30日前答复。".repeat(20);
        for max in [1, 2, 3] {
            let text = sms_text("某市人大", "催办", &long_body, max);
            assert!(sms_segments(&text) <= max, "{max}: {text}");
            assert!(text.starts_with("【某市人大】催办："));
            assert!(text.ends_with('…'));
        }
    }

    #[test]
    fn statuses_round_trip() {
        use strum::IntoEnumIterator as _;
        for status in DeliveryStatus::iter() {
            assert_eq!(DeliveryStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(DeliveryStatus::parse("sent"), None);
    }
}
