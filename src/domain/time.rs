//! China local time. Every date in banli is a date in Asia/Shanghai, whatever the
//! server's own time zone (`TZ`), so a deadline never shifts with the machine.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

/// The time zone of every date in banli.
pub const ZONE: chrono_tz::Tz = Shanghai;

/// The China local date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&ZONE).date_naive()
}

/// A source of "now", so tests can pin the clock.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Today in Shanghai.
    fn today(&self) -> NaiveDate {
        local_date(self.now())
    }
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn local_date_is_shanghai_date_whatever_the_utc_date() {
        let cases = [
            // (UTC instant, Shanghai date)
            ((2024, 9, 27, 15, 59, 59), (2024, 9, 27)),
            ((2024, 9, 27, 16, 0, 0), (2024, 9, 28)),
            ((2026, 12, 31, 16, 0, 0), (2027, 1, 1)),
            ((2022, 9, 19, 6, 52, 0), (2022, 9, 19)),
        ];
        for ((y, mo, d, h, mi, s), (ey, em, ed)) in cases {
            let at = Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single();
            let expected = NaiveDate::from_ymd_opt(ey, em, ed);
            assert_eq!(at.map(local_date), expected, "{y}-{mo}-{d} {h}:{mi}:{s}Z");
        }
    }
}
