//! banli's integration tests: one binary, one module per feature. Every test starts the
//! real server on port 0 over a fresh database — SQLite by default, PostgreSQL when
//! `BANLI_TEST_DATABASE_URL` is set — and talks to it over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod access;
mod accounts;
mod assign;
mod attachments;
mod audit;
mod audit_trail;
mod backup;
mod bad_input;
mod bounded;
mod browser;
mod corrections;
mod crash;
mod deadlines;
mod deliveries;
mod delivery_crash;
mod demo;
mod disk;
mod examples;
mod export;
mod filing;
mod fuzz;
mod hardening;
mod http;
mod idempotency;
mod layout;
mod metrics;
mod notifications;
mod outage;
mod pagination;
mod process;
mod public;
mod publish;
mod records;
mod release;
mod reminders;
mod reply;
mod s3;
mod schema_file;
mod search;
mod security;
mod seed_000;
mod shutdown;
mod smtp;
mod statements;
mod statistics;
mod subscriptions;
mod suggestion;
mod supervision;
mod templates;
mod workflow_story;
mod workflow_walk;
