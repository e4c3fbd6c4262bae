//! What a list field costs in the complexity limit: the number of rows it can return times
//! what one row selects, so `first: 100` with a deep selection under it weighs what it
//! makes the server load, not one field's worth.
//!
//! Connections (`first`/`after`) are priced at the page size `service::page` will really
//! use. Lists without paging (a suggestion's assignments, an assignment's replies, …) are
//! priced at a fixed estimate of how long such a list is in practice: they are bounded by
//! the handling rules, not by the client, so the estimate keeps realistic queries cheap
//! while nesting lists inside a 100-row page still multiplies.

use crate::service::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

/// Units a suggestion is assigned to, replies per assignment, rounds, ratings, requests,
/// opinions, contact records, follow-ups: a suggestion goes to a lead and a few
/// co-handlers, and each handles it in one or two rounds.
pub const FEW: usize = 5;
/// Deputies who co-sign one suggestion.
pub const CO_SIGNERS: usize = 10;
/// Timeline events of a suggestion or an assignment over its whole handling.
pub const TIMELINE: usize = 20;
/// Holidays and make-up working days of a year (China has about 30 of them) or crossed by
/// one period.
pub const CALENDAR_DAYS: usize = 40;
/// Reply categories of a scheme (A–C, or A–D in the national scheme).
pub const CATEGORIES: usize = 4;
/// Handling units in one deadline summary (a province has about a hundred).
pub const UNITS: usize = MAX_PAGE_SIZE as usize;

/// The cost of a list: `rows` elements, each costing `child_complexity`. A list that comes
/// back empty still answers the connection fields (`totalCount`, `pageInfo`) once, so it
/// costs at least one element's selection.
pub fn list(rows: usize, child_complexity: usize) -> usize {
    rows.max(1).saturating_mul(child_complexity)
}

/// The cost of a connection page: `first` as `service::page::page_size` applies it
/// (default 20). Out-of-range values are clamped here and refused when the field runs.
pub fn page(first: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.map_or(DEFAULT_PAGE_SIZE, |n| {
        u64::try_from(n).unwrap_or(0).min(MAX_PAGE_SIZE)
    });
    list(
        usize::try_from(rows).unwrap_or(usize::MAX),
        child_complexity,
    )
}

// One function per kind of list, so a resolver's attribute names what the list holds.

pub fn few(child_complexity: usize) -> usize {
    list(FEW, child_complexity)
}

pub fn co_signers(child_complexity: usize) -> usize {
    list(CO_SIGNERS, child_complexity)
}

pub fn timeline(child_complexity: usize) -> usize {
    list(TIMELINE, child_complexity)
}

pub fn calendar_days(child_complexity: usize) -> usize {
    list(CALENDAR_DAYS, child_complexity)
}

pub fn categories(child_complexity: usize) -> usize {
    list(CATEGORIES, child_complexity)
}

pub fn units(child_complexity: usize) -> usize {
    list(UNITS, child_complexity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cost_their_real_size_times_the_selection() {
        assert_eq!(page(None, 3), 60, "default page of 20");
        assert_eq!(page(Some(50), 3), 150);
        assert_eq!(page(Some(100), 3), 300);
        assert_eq!(page(Some(1000), 3), 300, "clamped to the largest page");
        assert_eq!(
            page(Some(0), 3),
            3,
            "an empty page still answers totalCount"
        );
        assert_eq!(page(Some(-5), 3), 3);
        assert_eq!(few(4), 20);
        assert_eq!(timeline(2), 40);
        assert_eq!(list(usize::MAX, 2), usize::MAX, "saturates, never wraps");
    }
}
