//! `server`: reads its settings from the environment and serves LetUsChat until SIGINT/SIGTERM.

use server::config::Settings;
use server::startup::{shutdown_signal, Application};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

const USAGE: &str =
    "usage: server                    serve LetUsChat (settings from the environment)
       server seed-users COUNT   add COUNT made-up people, to try search at scale";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => server::startup::runtime().block_on(serve()),
        ["seed-users", count] => match count.parse() {
            Ok(count) => server::startup::runtime().block_on(seed(count)),
            Err(_) => usage(),
        },
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}

async fn seed(count: u64) -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("letuschat: bad setting {e}");
            return ExitCode::from(2);
        }
    };
    match server::seed::seed_users(&settings, count).await {
        Ok(added) => {
            println!(
                "{added} people added; seeded people 0 to {} exist",
                count.saturating_sub(1)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("letuschat: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> ExitCode {
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();

    // One line on a bad start, naming what to fix; no backtrace.
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("letuschat: bad setting {e}");
            return ExitCode::from(2);
        }
    };
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
