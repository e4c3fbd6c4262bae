//! Where the real-time feed is in the `notification` table. Ids are handed out when a row
//! is inserted but become visible when its transaction commits, so on PostgreSQL a row can
//! appear *after* rows with larger ids (two writers at once): reading only `id > newest`
//! would skip it. The cursor remembers the ids it has sent above a floor; an id missing
//! below the newest one sent is a gap, read again by id on every poll until it shows up or
//! has been missing for [`FeedCursor::grace`] (a rolled-back transaction leaves a gap
//! forever). Pure: the poller runs the queries the cursor asks for.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// The most gaps read again by id at once (the rest wait for the next poll).
pub const GAP_BATCH: usize = 500;

#[derive(Debug, Clone)]
pub struct FeedCursor {
    /// Every id at or below it is settled (sent, or given up as a gap).
    floor: i64,
    /// Ids above the floor already sent.
    sent: BTreeSet<i64>,
    /// Ids above the floor not seen yet, with when they were first missed.
    gaps: BTreeMap<i64, Instant>,
    grace: Duration,
}

impl FeedCursor {
    /// Starts after `newest` (a first listener gets no backlog).
    pub fn after(newest: i64, grace: Duration) -> Self {
        Self {
            floor: newest,
            sent: BTreeSet::new(),
            gaps: BTreeMap::new(),
            grace,
        }
    }

    /// The newest id sent (new rows are those after it).
    pub fn newest(&self) -> i64 {
        self.sent
            .last()
            .copied()
            .unwrap_or(self.floor)
            .max(self.floor)
    }

    /// The gaps to read again by id, oldest first.
    pub fn gaps(&self) -> Vec<i64> {
        self.gaps.keys().take(GAP_BATCH).copied().collect()
    }

    /// Whether a row read should be sent: not sent before, and above the floor. Marks it
    /// sent, and the ids skipped between the newest and it as gaps.
    pub fn take(&mut self, id: i64, now: Instant) -> bool {
        if id <= self.floor || self.sent.contains(&id) {
            return false;
        }
        let newest = self.newest();
        if id > newest {
            for missing in newest + 1..id {
                self.gaps.insert(missing, now);
            }
        }
        self.gaps.remove(&id);
        self.sent.insert(id);
        true
    }

    /// Gives up the gaps missing longer than the grace period, and moves the floor past
    /// every settled id; what it remembers stays bounded by the gaps still open.
    pub fn settle(&mut self, now: Instant) {
        let grace = self.grace;
        self.gaps
            .retain(|_, missed| now.saturating_duration_since(*missed) < grace);
        let floor = match self.gaps.keys().next() {
            Some(first_gap) => first_gap - 1,
            None => self.newest(),
        };
        if floor > self.floor {
            self.floor = floor;
            self.sent = self.sent.split_off(&(floor + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_committed_late_is_sent_once_when_it_shows_up() {
        let start = Instant::now();
        let mut cursor = FeedCursor::after(10, Duration::from_secs(10));
        // 11 and 13 commit; 12 is still in flight.
        assert!(cursor.take(11, start));
        assert!(cursor.take(13, start));
        cursor.settle(start);
        assert_eq!(cursor.newest(), 13);
        assert_eq!(cursor.gaps(), vec![12]);
        // Read again: 13 is not sent twice, 12 arrives and is sent.
        assert!(!cursor.take(13, start));
        assert!(cursor.take(12, start + Duration::from_secs(1)));
        cursor.settle(start + Duration::from_secs(1));
        assert!(cursor.gaps().is_empty());
        assert_eq!((cursor.floor, cursor.sent.len()), (13, 0));
        assert!(!cursor.take(12, start + Duration::from_secs(2)));
    }

    #[test]
    fn a_gap_that_never_fills_is_given_up_after_the_grace_period() {
        let start = Instant::now();
        let mut cursor = FeedCursor::after(0, Duration::from_secs(10));
        // (1, 2 rolled back), 3 commits.
        assert!(cursor.take(3, start));
        cursor.settle(start + Duration::from_secs(9));
        assert_eq!(cursor.gaps(), vec![1, 2]);
        assert_eq!(cursor.floor, 0);
        cursor.settle(start + Duration::from_secs(10));
        assert!(cursor.gaps().is_empty());
        assert_eq!(cursor.floor, 3);
        // Too late: a row below the floor is not sent (its recipient reads it in the list).
        assert!(!cursor.take(2, start + Duration::from_secs(11)));
        assert!(cursor.take(4, start + Duration::from_secs(11)));
    }

    #[test]
    fn memory_stays_bounded_by_the_open_gaps() {
        let start = Instant::now();
        let mut cursor = FeedCursor::after(0, Duration::from_secs(10));
        for id in 1..=100_000 {
            assert!(cursor.take(id, start));
        }
        cursor.settle(start);
        assert_eq!(
            (cursor.floor, cursor.sent.len(), cursor.gaps.len()),
            (100_000, 0, 0)
        );
    }
}
