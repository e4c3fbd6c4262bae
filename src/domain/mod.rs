//! Pure domain rules of banli (DOMAIN.md): no database, no HTTP, no GraphQL.
//!
//! Everything a client sends is parsed here into validated types ("parse, don't
//! validate"), and the rules the offices live by (deadlines, categories, who may be
//! assigned with whom) are plain functions with table-driven tests.

pub mod access;
pub mod assignment;
pub mod calendar;
pub mod captcha;
pub mod category;
pub mod deadline;
pub mod error;
pub mod feedback;
pub mod idempotency;
pub mod import;
pub mod phone;
#[cfg(test)]
mod properties;
pub mod publication;
pub mod search;
pub mod statistics;
pub mod text;
pub mod time;
pub mod workflow;

pub use error::{ErrorCode, UserError};
