//! Pure domain rules of banli (docs/domain.md): no database, no HTTP, no GraphQL.
//!
//! Everything a client sends is parsed here into validated types ("parse, don't
//! validate"), and the rules the offices live by (deadlines, categories, who may be
//! assigned with whom) are plain functions with table-driven tests.

pub mod access;
pub mod assignment;
pub mod attachment;
pub mod calendar;
pub mod captcha;
pub mod category;
pub mod deadline;
pub mod delivery;
pub mod error;
pub mod feedback;
pub mod filing;
pub mod idempotency;
pub mod import;
pub mod notice;
pub mod phone;
#[cfg(test)]
mod properties;
pub mod publication;
pub mod redaction;
pub mod reminder;
pub mod review;
pub mod sample;
pub mod search;
pub mod span;
pub mod statistics;
pub mod supervision;
pub mod templates;
pub mod text;
pub mod time;
pub mod workflow;

pub use error::{ErrorCode, UserError};

/// The items in their first order, each once: what a filter list means, however often a
/// client repeats a value (`[OVERDUE, OVERDUE]` is `[OVERDUE]`).
pub fn distinct<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn distinct_keeps_the_first_of_each() {
        let rows: [(&[u8], &[u8]); 4] = [
            (&[], &[]),
            (&[1], &[1]),
            (&[2, 1, 2, 2, 1, 3], &[2, 1, 3]),
            (&[5; 20_000], &[5]),
        ];
        for (input, expected) in rows {
            assert_eq!(
                super::distinct(input.iter().copied()),
                expected,
                "{input:?}"
            );
        }
    }
}
