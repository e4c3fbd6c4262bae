//! SeaORM entities of banli: one module per table, nothing about HTTP or GraphQL.
//!
//! Enumerations are stored as short upper-case strings (not native database enums) so
//! the same schema runs on SQLite and PostgreSQL and a new variant needs no `ALTER TYPE`.

pub mod app_user;
pub mod assignment;
pub mod assignment_tally;
pub mod attachment;
pub mod audit_log;
pub mod auth_token;
pub mod calendar_day;
pub mod calendar_year;
pub mod captcha;
pub mod chore_run;
pub mod client_window;
pub mod co_opinion;
pub mod contact_record;
pub mod deadline_span;
pub mod deputy;
pub mod enums;
pub mod extension_request;
pub mod filing;
pub mod filing_invitation;
pub mod follow_up;
pub mod handling_round;
pub mod handling_unit;
pub mod idempotency_key;
pub mod leader_instruction;
pub mod notification;
pub mod notification_attempt;
pub mod notification_defaults;
pub mod notification_delivery;
pub mod notification_settings;
pub mod progress_report;
pub mod public_feedback;
pub mod rating;
pub mod reminder;
pub mod reply;
pub mod return_request;
pub mod session;
pub mod suggestion;
pub mod suggestion_co_signer;
pub mod workflow_event;

pub mod prelude {
    pub use super::assignment::Entity as Assignment;
    pub use super::deputy::Entity as Deputy;
    pub use super::handling_unit::Entity as HandlingUnit;
    pub use super::public_feedback::Entity as PublicFeedback;
    pub use super::reply::Entity as Reply;
    pub use super::session::Entity as Session;
    pub use super::suggestion::Entity as Suggestion;
    pub use super::suggestion_co_signer::Entity as SuggestionCoSigner;
}
