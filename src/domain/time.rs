//! China local time. Every date in banli is a date in Asia/Shanghai, whatever the
//! server's own time zone (`TZ`), so a deadline never shifts with the machine.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone as _, Utc};
use chrono_tz::Asia::Shanghai;

/// The time zone of every date in banli.
pub const ZONE: chrono_tz::Tz = Shanghai;

/// The first date banli accepts or produces (the `Date` scalar's range, documented in the
/// schema): four-digit years, nothing a register of congress business could need before.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};
/// The last date banli accepts or produces: a due date that would fall later is refused.
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(date) => date,
    None => NaiveDate::MAX,
};

/// Whether `date` lies within [`FIRST_DATE`]..=[`LAST_DATE`].
pub fn in_range(date: NaiveDate) -> bool {
    (FIRST_DATE..=LAST_DATE).contains(&date)
}

/// The China local date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&ZONE).date_naive()
}

/// An instant as the API writes it: China local time with its offset, to the second
/// (`2022-09-19T14:52:00+08:00`).
pub fn rfc3339_local(at: DateTime<Utc>) -> String {
    at.with_timezone(&ZONE)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The instant a China local date begins.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    // China's summer time (1986–1991) changed clocks at 2:00, so midnight always exists.
    local_date_time(date.and_time(NaiveTime::MIN))
}

/// The instant of a China local date and time (the earlier one when summer time made it
/// twice; a time skipped by summer time counts as UTC+8, which keeps this total).
pub fn local_date_time(local: NaiveDateTime) -> DateTime<Utc> {
    ZONE.from_local_datetime(&local).earliest().map_or_else(
        || Utc.from_utc_datetime(&(local - TimeDelta::hours(8))),
        |t| t.with_timezone(&Utc),
    )
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
