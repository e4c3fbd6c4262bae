//! The command line: `banli [serve]`, `banli migrate`, `banli schema`, `banli demo`,
//! `banli calendar import`, `banli user add`, `banli audit verify`, `banli backup`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "banli",
    version = crate::build_info::LONG_VERSION,
    about = "GraphQL backend for handling deputies' suggestions (代表建议办理)"
)]
pub struct Cli {
    /// Configuration file (TOML), which must exist; without this option, `banli.toml` in the
    /// working directory if there is one. Environment variables BANLI_* win over it.
    #[arg(long, env = "BANLI_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server (the default): migrates the database, then serves HTTP.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL), exactly as committed in schema.graphql.
    Schema,
    /// Load a small, realistic demo data set (idempotent: a second run changes nothing).
    Demo,
    /// Manage the official working calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Manage user accounts (the first OFFICE_ADMIN is made here; the rest in the API).
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Public feedback chores.
    #[command(subcommand)]
    Feedback(FeedbackCommand),
    /// The daily reminders (提醒) of cases due soon, overdue or not signed for.
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// The texts of the notices (`notice_templates`).
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// The keyword search index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Write a consistent copy of the SQLite database to PATH while the server runs (a new
    /// file; checked before the command reports success). PostgreSQL: use pg_dump.
    Backup {
        /// The file to write (must not exist).
        path: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// Run one pass now and print what it told (or would tell), per reason; the server
    /// runs it every working day at `reminder_hour`. Nothing is told twice.
    Run {
        /// The day of the pass (China date, YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Work it out and print it, but tell no one.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Count the index's frequent tokens now (those `similarSuggestions` leaves out as too
    /// common); the server does this once a day and after every rebuild of the index.
    Census,
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Check the texts in force (the shipped ones, with `notice_templates` in their place)
    /// and print each filled in with a sample case; a text that breaks a rule is refused
    /// with its kind, key and reason, as the server would refuse to start.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum FeedbackCommand {
    /// Erase the name, contact and address hash of feedback older than the retention
    /// period (`feedback_retention_days`) now; the server also does this every hour.
    Purge,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from `BANLI_USER_PASSWORD` if set, otherwise
    /// from the first line of standard input (never from the command line, where `ps`
    /// and shell history would show it).
    Add {
        /// office-admin, office-staff, unit-staff, deputy or auditor.
        #[arg(long)]
        role: String,
        /// Sign-in name (3–64 of a-z 0-9 . _ -).
        #[arg(long)]
        name: String,
        /// Full name shown in the interface; defaults to the sign-in name.
        #[arg(long)]
        display_name: Option<String>,
        /// The unit's code, for unit-staff.
        #[arg(long)]
        unit: Option<String>,
        /// The deputy's name (must be unique), for deputy.
        #[arg(long)]
        deputy: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute every row's hash and link; exit 1 and name the first broken row if the
    /// log was altered outside banli.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load or replace years of the calendar from a CSV (`date,kind,festival`, kind
    /// `holiday` or `workday`), then re-date the open deadlines that depend on them.
    Import {
        /// The CSV file, e.g. the State Council's notice for next year typed up.
        file: PathBuf,
        /// Where the data comes from (recorded with each year).
        #[arg(long, default_value = "banli calendar import")]
        source: String,
        /// Years to mark loaded even if the file lists no day in them.
        #[arg(long = "year")]
        years: Vec<i32>,
    },
}
