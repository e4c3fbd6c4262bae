//! Database migrations of banli. The server applies them at start-up (`banli serve`,
//! `banli migrate`); `cargo run -p migration -- up` runs the same migrator from the
//! SeaORM CLI for operators who prefer it.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261122_000001_create_core_tables;
mod m20261122_000002_create_workflow_tables;
mod m20261123_000001_create_accounts;
mod m20261123_000002_create_audit_log;
mod m20261124_000001_create_public_feedback;
mod m20261125_000001_create_search_index;
mod m20261125_000002_add_reply_unit;
mod m20261126_000001_add_assignment_facts;
mod m20261126_000002_add_statistics_index;
mod m20261204_000001_create_idempotency_key;
mod m20261204_000002_add_suggestion_session_index;
mod m20261206_000001_withdraw_confidential_publications;
mod m20261206_000002_create_client_window;
mod m20261206_000003_create_chore_run;
mod m20261206_000004_withdraw_superseded_publications;
mod m20261206_000005_create_deadline_span;
mod m20261206_000006_cover_deadline_spans;
mod m20261206_000007_add_unit_retirement;
mod m20261206_000008_add_audit_details;
mod m20261206_000009_create_filing;
mod m20261206_000010_create_supervision;
mod m20261206_000011_add_review_before_release;
mod m20261207_000001_create_notification;
mod m20261207_000002_create_reminder;
mod m20261207_000003_create_notification_settings;
mod m20261207_000004_create_notification_delivery;
mod m20261207_000005_create_notification_defaults;
mod m20261207_000006_add_assignment_urge_count;
mod m20261207_000007_add_session_reminder_days;
mod m20261207_000008_create_attachment;
mod m20261207_000009_add_session_signed_letter;
mod m20261207_000010_create_search_vocabulary;
mod m20261207_000011_create_statistics_tally;

pub use m20261126_000001_add_assignment_facts::assignment_facts_sql;
pub use m20261207_000011_create_statistics_tally::{
    statistics_tally_sql, STATISTICS_TALLY_DEFERRED,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_core_tables::Migration),
            Box::new(m20261122_000002_create_workflow_tables::Migration),
            Box::new(m20261123_000001_create_accounts::Migration),
            Box::new(m20261123_000002_create_audit_log::Migration),
            Box::new(m20261124_000001_create_public_feedback::Migration),
            Box::new(m20261125_000001_create_search_index::Migration),
            Box::new(m20261125_000002_add_reply_unit::Migration),
            Box::new(m20261126_000001_add_assignment_facts::Migration),
            Box::new(m20261126_000002_add_statistics_index::Migration),
            Box::new(m20261204_000001_create_idempotency_key::Migration),
            Box::new(m20261204_000002_add_suggestion_session_index::Migration),
            Box::new(m20261206_000001_withdraw_confidential_publications::Migration),
            Box::new(m20261206_000002_create_client_window::Migration),
            Box::new(m20261206_000003_create_chore_run::Migration),
            Box::new(m20261206_000004_withdraw_superseded_publications::Migration),
            Box::new(m20261206_000005_create_deadline_span::Migration),
            Box::new(m20261206_000006_cover_deadline_spans::Migration),
            Box::new(m20261206_000007_add_unit_retirement::Migration),
            Box::new(m20261206_000008_add_audit_details::Migration),
            Box::new(m20261206_000009_create_filing::Migration),
            Box::new(m20261206_000010_create_supervision::Migration),
            Box::new(m20261206_000011_add_review_before_release::Migration),
            Box::new(m20261207_000001_create_notification::Migration),
            Box::new(m20261207_000002_create_reminder::Migration),
            Box::new(m20261207_000003_create_notification_settings::Migration),
            Box::new(m20261207_000004_create_notification_delivery::Migration),
            Box::new(m20261207_000005_create_notification_defaults::Migration),
            Box::new(m20261207_000006_add_assignment_urge_count::Migration),
            Box::new(m20261207_000007_add_session_reminder_days::Migration),
            Box::new(m20261207_000008_create_attachment::Migration),
            Box::new(m20261207_000009_add_session_signed_letter::Migration),
            Box::new(m20261207_000010_create_search_vocabulary::Migration),
            Box::new(m20261207_000011_create_statistics_tally::Migration),
        ]
    }
}
