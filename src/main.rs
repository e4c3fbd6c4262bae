//! banli's entry point: parse the command line, load settings, and hand over to the library.

use std::process::ExitCode;

use anyhow::Context as _;
use banli::cli::{Cli, Command};
use banli::config::Settings;
use banli::db::Db;
use banli::startup::Application;
use clap::Parser as _;

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Schema = command {
        print!("{}", banli::graphql::sdl());
        return Ok(());
    }
    let settings = Settings::load(&cli.config).context("reading the configuration")?;
    banli::telemetry::init(settings.log_format);
    match command {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Command::Migrate => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            db.close().await;
        }
        Command::Demo => {
            let db = Db::connect(&settings).await?;
            db.migrate().await?;
            let report = banli::demo::load(&db).await?;
            println!("{report}");
            db.close().await;
        }
        Command::Schema => {}
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("banli: {error:#}");
            ExitCode::FAILURE
        }
    }
}
