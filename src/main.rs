//! banli's entry point: parse the command line, load settings, and hand over to the library.

use std::process::ExitCode;

use anyhow::Context as _;
use banli::cli::{
    AuditCommand, CalendarCommand, Cli, Command, FeedbackCommand, RemindersCommand, SearchCommand,
    TemplatesCommand, UserCommand,
};
use banli::config::Settings;
use banli::db::Db;
use banli::startup::Application;
use clap::Parser as _;

/// mimalloc instead of glibc's malloc (see BENCHMARKS.md: less CPU per request and a
/// smaller resident set under load).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs the command; `Ok` carries the exit status of a command that finished its work
/// but found a problem (a broken audit log).
async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Schema = command {
        print!("{}", banli::graphql::sdl());
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings::load(cli.config.as_deref()).context("reading the configuration")?;
    banli::telemetry::init(settings.log_format);
    let texts = settings.notice_texts()?;
    if let Command::Templates(TemplatesCommand::Check) = command {
        print!("{}", banli::domain::templates::samples(&texts));
        return Ok(ExitCode::SUCCESS);
    }
    banli::domain::templates::install(texts)?;
    match command {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Command::Migrate => {
            migrated(&settings).await?.close().await;
            tracing::info!("migrations applied");
        }
        Command::Demo => {
            let db = migrated(&settings).await?;
            let report = banli::demo::load(&db).await?;
            println!("{report}");
            db.close().await;
        }
        Command::Calendar(CalendarCommand::Import {
            file,
            source,
            years,
        }) => import_calendar(&settings, &file, &source, &years).await?,
        Command::User(UserCommand::Add {
            role,
            name,
            display_name,
            unit,
            deputy,
        }) => {
            let user = banli::service::account::CliUser {
                role,
                name,
                display_name,
                unit_code: unit,
                deputy_name: deputy,
                password: read_password()?,
            };
            add_user(&settings, user).await?
        }
        Command::Audit(AuditCommand::Verify) => return verify_audit(&settings).await,
        Command::Feedback(FeedbackCommand::Purge) => purge_feedback(&settings).await?,
        Command::Reminders(RemindersCommand::Run { as_of, dry_run }) => {
            run_reminders(&settings, as_of, dry_run).await?
        }
        Command::Backup { path } => backup(&settings, &path).await?,
        Command::Search(SearchCommand::Census) => search_census(&settings).await?,
        Command::Schema | Command::Templates(_) => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// The database, brought up to this build (migrations and derived data).
async fn migrated(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(settings).await?;
    banli::startup::migrate(&db).await?;
    Ok(db)
}

/// `banli calendar import FILE`: loads the official working-day calendar of some years.
async fn import_calendar(
    settings: &Settings,
    file: &std::path::Path,
    source: &str,
    years: &[i32],
) -> anyhow::Result<()> {
    let csv =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let db = migrated(settings).await?;
    let change = banli::service::calendar::import(&db, &csv, years, source, chrono::Utc::now())
        .await
        .map_err(plain)?;
    println!(
        "calendar loaded: years {:?}, {} special days; {} open deadlines re-dated",
        change.years, change.days, change.redated
    );
    db.close().await;
    Ok(())
}

/// `banli user add`: an account made at the console (the first administrator).
async fn add_user(
    settings: &Settings,
    user: banli::service::account::CliUser,
) -> anyhow::Result<()> {
    let db = migrated(settings).await?;
    let user = banli::service::account::add_from_cli(&db, user)
        .await
        .map_err(plain)?;
    println!("user {} created ({})", user.username, user.role);
    db.close().await;
    Ok(())
}

/// `banli audit verify`: the exit status says whether the audit log is intact.
async fn verify_audit(settings: &Settings) -> anyhow::Result<ExitCode> {
    // Read-only: no migration, so a mistyped database URL fails here instead of
    // reporting an empty, "intact" log.
    let db = Db::connect(settings).await?;
    let anchors = banli::service::audit::anchor::Anchors::from_settings(settings)?;
    let report = banli::service::audit::verify(&db, &anchors).await.context(
        "verifying the audit log (a database from before the audit log needs `banli migrate` first)",
    )?;
    db.close().await;
    for note in &report.notes {
        eprintln!("note: {note}");
    }
    match report.first_broken {
        None => {
            println!(
                "audit log intact: {} rows checked, {} checkpoints matched",
                report.rows_checked, report.checkpoints_checked
            );
            Ok(ExitCode::SUCCESS)
        }
        Some((id, reason)) => {
            eprintln!(
                "audit log BROKEN at row {id}: {reason} ({} rows checked before it)",
                report.rows_checked
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `banli feedback purge`: the housekeeping chores now (contact details past retention).
async fn purge_feedback(settings: &Settings) -> anyhow::Result<()> {
    let db = migrated(settings).await?;
    let log = banli::service::audit::AuditLog::from_settings(settings)?;
    let report = banli::housekeeping::run_once(
        &db,
        &log,
        &banli::domain::time::SystemClock,
        settings.feedback_retention_days,
    )
    .await
    .map_err(plain)?;
    println!(
        "feedback older than {} days: contact details erased from {} rows; {} expired CAPTCHAs deleted",
        settings.feedback_retention_days, report.contacts_erased, report.captchas_deleted
    );
    db.close().await;
    Ok(())
}

/// `banli search census`: the frequent tokens of the search index counted now.
async fn search_census(settings: &Settings) -> anyhow::Result<()> {
    let db = migrated(settings).await?;
    let started = std::time::Instant::now();
    let frequent = banli::service::search::refresh_census(&db)
        .await
        .map_err(plain)?;
    println!(
        "search census: {frequent} frequent tokens counted in {} ms",
        started.elapsed().as_millis()
    );
    db.close().await;
    Ok(())
}

/// `banli reminders run`: one reminder pass, reported per reason.
async fn run_reminders(
    settings: &Settings,
    as_of: Option<chrono::NaiveDate>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let db = migrated(settings).await?;
    let now = chrono::Utc::now();
    let day = as_of.unwrap_or_else(|| banli::domain::time::local_date(now));
    let rules = settings.reminder_rules();
    let report = banli::service::reminder::run(&db, &rules, day, now, dry_run)
        .await
        .map_err(plain)?;
    db.close().await;
    if !report.working_day {
        println!("{day} is not a working day: nothing to send (the next working day catches up)");
        return Ok(());
    }
    let cases: Vec<String> = report
        .cases
        .iter()
        .map(|(reason, n)| format!("{reason} {n}"))
        .collect();
    println!(
        "{day}{}: cases told {}; {} digests (in-app){}",
        if dry_run { " (dry run)" } else { "" },
        if cases.is_empty() {
            "none".to_owned()
        } else {
            cases.join(", ")
        },
        report.digests,
        if dry_run {
            " would be written; nothing was"
        } else {
            ""
        }
    );
    Ok(())
}

/// `banli backup PATH`: a consistent copy of the SQLite database, checked.
async fn backup(settings: &Settings, path: &std::path::Path) -> anyhow::Result<()> {
    // No migration: a backup copies the database as it is.
    let db = Db::connect(settings).await?;
    let report = banli::backup::sqlite(&db, path).await;
    db.close().await;
    let report = report?;
    println!(
        "backup written to {}: {} bytes, {} suggestions, integrity ok",
        path.display(),
        report.bytes,
        report.suggestions
    );
    let store = banli::service::attachment::FileStore::from_settings(
        &settings.files,
        &settings.database_url,
    )?;
    let dir = std::path::PathBuf::from(format!("{}.files", path.display()));
    let files = banli::backup::attachments(path, &store, &dir).await?;
    println!(
        "attachments copied to {}: {} files, {} bytes",
        dir.display(),
        files.files,
        files.bytes
    );
    if !files.missing.is_empty() {
        eprintln!(
            "{} attachment files the database refers to are missing from the store: {}",
            files.missing.len(),
            files.missing.join(", ")
        );
        return Err(anyhow::anyhow!("the backup lacks attachment files"));
    }
    Ok(())
}

/// A new user's password: `BANLI_USER_PASSWORD`, or the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("BANLI_USER_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A service error as a one-line message for the terminal.
fn plain(e: banli::service::ServiceError) -> anyhow::Error {
    match e {
        banli::service::ServiceError::User(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        banli::service::ServiceError::Unexpected(e) => e,
    }
}

/// The stack of every thread the server starts (the runtime's and actix's workers), unless
/// `RUST_MIN_STACK` says otherwise: 8 MiB rather than std's 2 MiB, so deeply nested requests
/// have room in any build (stack is reserved address space; only what is used is memory).
const THREAD_STACK: usize = 8 * 1024 * 1024;

fn main() -> ExitCode {
    let stack = match std::env::var("RUST_MIN_STACK") {
        Ok(value) => value.trim().parse().unwrap_or(THREAD_STACK),
        Err(_) => {
            // Before any thread starts: std reads it once, at the first spawn.
            std::env::set_var("RUST_MIN_STACK", THREAD_STACK.to_string());
            THREAD_STACK
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(stack)
        .build();
    let outcome = match runtime {
        Ok(runtime) => runtime.block_on(run(Cli::parse())),
        Err(error) => Err(error.into()),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("banli: {error:#}");
            ExitCode::FAILURE
        }
    }
}
