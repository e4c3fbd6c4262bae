//! banli (办理): the GraphQL backend for handling deputies' suggestions.
pub mod backup;
pub mod build_info;
pub mod cli;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod generate;
pub mod graphql;
pub mod housekeeping;
pub mod http;
pub mod reminders;
pub mod routes;
pub mod service;
pub mod startup;
pub mod telemetry;
