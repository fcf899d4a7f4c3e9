//! `server`: reads its settings from the environment and serves LetUsChat until SIGINT/SIGTERM,
//! or runs one of the operator's commands (`server --help`).

use clap::Parser;
use server::cli::{Cli, Command};
use server::config::{LogFormat, Settings};
use server::startup::{shutdown_signal, Application};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    // clap prints usage and exits 2 on unknown commands or bad arguments; 0 for --help.
    let cli = Cli::parse();
    // One line on a bad setting, naming what to fix; no backtrace.
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("letuschat: bad setting {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = server::startup::runtime();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime.block_on(serve(settings)),
        command => runtime.block_on(server::cli::run(settings, command)),
    }
}

async fn serve(settings: Settings) -> ExitCode {
    let logs = tracing_subscriber::fmt().with_env_filter(
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
    );
    match settings.log_format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
        // One object a line, the event's fields at its top level, where collectors look.
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }

    if let Some(files) = server::limits::raise_open_files() {
        tracing::info!(files, "open files limit");
    }
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("letuschat: {e}");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until(shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("letuschat: server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
