//! The `server` command line: serving, and the operator's tools that act on the database the
//! settings name. Settings stay environment variables (README, "Settings").

use crate::admin;
use crate::config::Settings;
use crate::db::{self, Db};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

const SETTINGS: &str = "Settings are environment variables (none is required): LETUSCHAT_ADDR, \
DATABASE_URL, LETUSCHAT_DATA_DIR, LETUSCHAT_UPLOAD_DIR, LETUSCHAT_REGISTRATION, and more: see \
the README's \"Settings\".";

#[derive(Parser)]
#[command(name = "server", version, about = "LetUsChat: a self-hosted real-time chat server.", after_help = SETTINGS)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve LetUsChat until SIGINT or SIGTERM (the default).
    Serve,
    /// Bring the database's schema up to date, then exit (serving does this too).
    Migrate,
    /// Write a consistent copy of a SQLite database to FILE while the server runs.
    Backup {
        /// A file that does not exist yet.
        file: PathBuf,
    },
    /// Add COUNT made-up people, to try search at scale; they cannot sign in.
    SeedUsers { count: u64 },
    /// Make someone an admin, or no longer one.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// The people on this server.
    Users {
        #[command(subcommand)]
        action: UsersAction,
    },
}

#[derive(Subcommand)]
pub enum AdminAction {
    Grant { email: String },
    Revoke { email: String },
}

#[derive(Subcommand)]
pub enum UsersAction {
    /// One line per account: id, email, name, and whether admin or disabled.
    List,
    /// End the account's sessions and stop it signing in (its messages stay).
    Disable {
        email: String,
    },
    Enable {
        email: String,
    },
}

/// Runs an operator's command (anything but serving).
pub async fn run(settings: Settings, command: Command) -> ExitCode {
    let result = match command {
        Command::Serve => unreachable!("serving is the binary's own"),
        Command::Migrate => open(&settings)
            .await
            .map(|_| println!("the database is up to date")),
        Command::Backup { file } => backup(&settings, file).await,
        Command::SeedUsers { count } => {
            crate::seed::seed_users(&settings, count)
                .await
                .map(|added| {
                    println!(
                        "{added} people added; seeded people 0 to {} exist",
                        count.saturating_sub(1)
                    )
                })
        }
        Command::Admin { action } => {
            let (email, grant) = match action {
                AdminAction::Grant { email } => (email, true),
                AdminAction::Revoke { email } => (email, false),
            };
            set_admin(&settings, &email, grant).await
        }
        Command::Users { action } => match action {
            UsersAction::List => list(&settings).await,
            UsersAction::Disable { email } => disable(&settings, &email, true).await,
            UsersAction::Enable { email } => disable(&settings, &email, false).await,
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("letuschat: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn open(settings: &Settings) -> Result<Db, String> {
    db::connect(&settings.database)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))
}

async fn backup(settings: &Settings, file: PathBuf) -> Result<(), String> {
    if file.exists() {
        return Err(format!(
            "{} already exists; name a new file",
            file.display()
        ));
    }
    db::backup(&settings.database, &file).await?;
    println!(
        "backed up to {} (copy the upload folder, {}, beside it)",
        file.display(),
        settings.upload_dir.display()
    );
    Ok(())
}

async fn account(db: &Db, email: &str) -> Result<crate::db::UserRecord, String> {
    db.user_by_email(email)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("nobody has the email {email}"))
}

async fn set_admin(settings: &Settings, email: &str, admin: bool) -> Result<(), String> {
    let db = open(settings).await?;
    let user = account(&db, email).await?;
    db.set_admin(user.id, admin)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{} is {} an admin",
        user.email,
        if admin { "now" } else { "no longer" }
    );
    Ok(())
}

async fn list(settings: &Settings) -> Result<(), String> {
    let db = open(settings).await?;
    for a in admin::accounts(&db).await.map_err(|e| e.to_string())? {
        let mut flags = Vec::new();
        if a.admin {
            flags.push("admin");
        }
        if a.disabled {
            flags.push("disabled");
        }
        println!(
            "{}\t{}\t{}\t{}",
            a.id,
            a.email,
            a.display_name,
            flags.join(",")
        );
    }
    Ok(())
}

async fn disable(settings: &Settings, email: &str, disabled: bool) -> Result<(), String> {
    let db = open(settings).await?;
    let user = account(&db, email).await?;
    admin::disable_in(&db, user.id, disabled)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{} is {}",
        user.email,
        if disabled {
            "disabled (a running server closes their connections within seconds)"
        } else {
            "enabled"
        }
    );
    Ok(())
}
