//! The command line: `ebok demo | console | serve | import | migrate | staff | rates |
//! outbox`.

use crate::app::App;
use crate::channels::console::Console;
use crate::config::{Purpose, Settings};
use crate::telemetry::Verbosity;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "ebok",
    version,
    about = "e-BOK: the utility's self-service channel (Telegram, email, console)"
)]
pub struct Cli {
    /// Configuration file (TOML); see bot-config/ebok.toml for every key.
    #[arg(long, global = true, env = "EBOK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL, overriding the configuration: sqlite:PATH or postgres://…
    #[arg(long, global = true)]
    pub database: Option<String>,
    #[command(subcommand)]
    pub command: Commands,
}

#[derive(Subcommand, Debug)]
pub enum Commands {
    /// Create (or reuse) a demo database with generated data, print demo logins, open the console.
    ///
    /// The demo database is data/demo.sqlite, or the one `--database` names. The demo
    /// writes generated customers and demo logins (with printed passwords, one of them
    /// staff) into it, so it refuses a database named only by EBOK_DATABASE__URL or the
    /// configuration file: pass that URL with --database to use it anyway.
    Demo {
        /// Start from an empty demo database.
        #[arg(long)]
        fresh: bool,
        /// Prepare the data and print the logins, but do not open the console.
        #[arg(long)]
        no_console: bool,
        /// Log what ebok does (RUST_LOG, default info) on stderr, without colours; without
        /// it only warnings and errors are logged, so the terminal shows the conversation.
        #[arg(long)]
        verbose: bool,
    },
    /// Chat with e-BOK in the terminal (also reads commands piped on stdin).
    Console {
        /// Name of this console chat (sessions are per name).
        #[arg(long, default_value_t = default_console_name())]
        name: String,
        /// Where downloaded PDFs are saved.
        #[arg(long, default_value = "downloads")]
        downloads: PathBuf,
        /// Log what ebok does (RUST_LOG, default info) on stderr, without colours; without
        /// it only warnings and errors are logged, so the terminal shows the conversation.
        #[arg(long)]
        verbose: bool,
    },
    /// Import billing data (CSV files and PDFs) from a directory; see docs/import.md.
    Import { dir: PathBuf },
    /// Create or update the database schema and exit.
    Migrate,
    /// Run the configured front ends (Telegram, email) and delivery workers.
    Serve,
    /// Staff accounts: `ebok staff add <identifier> --name "…" [--email …]`.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Print the interest tables in force, where they come from and when they were last
    /// confirmed (docs/interest.md).
    Rates,
    /// Notifications: `ebok notify status` (counts by kind and state, oldest waiting),
    /// `ebok notify preview <kind | event key>` (what a customer would get).
    Notify {
        #[command(subcommand)]
        command: NotifyCommand,
    },
    /// Show the outbox (pending, sent, failed); `--deliver` sends due emails first.
    Outbox {
        #[arg(long)]
        deliver: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum NotifyCommand {
    /// Notifications by kind, channel and state; held ones; the oldest waiting.
    Status,
    /// What a customer gets for an event (`invoice:FV/2025/03/000102`), or a sample of a
    /// kind (`invoice`, `payment`, `due_soon`, `overdue`, `collection`, `announcement`).
    Preview { event: String },
}

#[derive(Subcommand, Debug)]
pub enum StaffCommand {
    /// Create a staff account; prints a temporary password (one login, then changed).
    Add {
        identifier: String,
        /// The staff member's full name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// Give a staff account a new temporary password (printed) and unlock it.
    Reset { identifier: String },
}

fn default_console_name() -> String {
    format!(
        "{}-{}",
        std::env::var("USER").unwrap_or_else(|_| "local".into()),
        std::process::id()
    )
}

/// How much a command logs: the console and the demo show a conversation (and the demo
/// its report), so they log only warnings unless asked.
fn verbosity(command: &Commands) -> Verbosity {
    match command {
        Commands::Demo { verbose, .. } | Commands::Console { verbose, .. } => {
            Verbosity::Conversation { verbose: *verbose }
        }
        _ => Verbosity::Normal,
    }
}

/// Which sections of the configuration a command uses (checked before it starts).
fn purpose(command: &Commands) -> Purpose {
    match command {
        Commands::Serve => Purpose::Serve,
        Commands::Console { .. } | Commands::Outbox { deliver: true } => Purpose::SendsMail,
        _ => Purpose::Other,
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    crate::telemetry::init(&settings.log, verbosity(&cli.command));
    let explicit_db = cli.database.is_some();
    if let Some(url) = cli.database {
        settings.database.url = url;
    }
    // Everything that can be known wrong is refused before anything runs (for `ebok
    // serve` the example bank account too: customers are shown where to pay).
    settings.check(purpose(&cli.command))?;
    match cli.command {
        Commands::Demo {
            fresh, no_console, ..
        } => {
            if !explicit_db
                && let Some(origin) = Settings::database_url_origin(cli.config.as_deref())
            {
                anyhow::bail!(
                    "ebok demo does not use the database named by {origin}: it would write \
                     generated customers and demo logins (a staff one too) into it. Pass that \
                     URL with --database to use it anyway, or leave it unset for the demo's \
                     own {}",
                    crate::demo_cli::DEMO_DB
                );
            }
            crate::demo_cli::run(settings, explicit_db, fresh, no_console).await
        }
        Commands::Console {
            name, downloads, ..
        } => {
            let app = App::build(settings).await?;
            // The console shows payment details: the example account only on a demo's
            // database.
            if !crate::demo_cli::is_demo_database(&app).await? {
                app.settings.utility.require_own_bank_account()?;
            }
            // Credentials and notifications queued from the console go out meanwhile.
            let _mail = crate::mail::email_worker(&app)?.map(|w| w.spawn());
            console(&app, &name, &downloads).await
        }
        Commands::Import { dir } => {
            let app = App::build(settings).await?;
            crate::demo_cli::import(&app, &dir).await
        }
        Commands::Staff { command } => {
            let app = App::build(settings).await?;
            crate::ops_cli::staff(&app, command).await
        }
        Commands::Outbox { deliver } => {
            let app = App::build(settings).await?;
            crate::ops_cli::outbox(&app, deliver).await
        }
        Commands::Notify { command } => {
            let app = App::build(settings).await?;
            let out = match command {
                NotifyCommand::Status => crate::notify::report::status(&app).await?,
                NotifyCommand::Preview { event } => {
                    crate::notify::report::preview(&app, &event).await?
                }
            };
            print!("{out}");
            Ok(())
        }
        Commands::Rates => {
            let app = App::build(settings).await?;
            crate::ops_cli::rates(&app).await
        }
        Commands::Serve => {
            let ready = crate::serve::Preflight::run(&settings).await?;
            crate::serve::serve(App::build(settings).await?, ready).await
        }
        Commands::Migrate => {
            let app = App::build(settings).await?;
            println!("Database ready: {:?}", app.store.backend());
            Ok(())
        }
    }
}

/// Runs the console on stdin/stdout.
pub async fn console(app: &App, name: &str, downloads: &std::path::Path) -> anyhow::Result<()> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if interactive {
        println!("e-BOK — konsola. Napisz „pomoc”, aby zobaczyć polecenia; „koniec”, aby wyjść.");
    }
    let console = Console::new(name, downloads);
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    console
        .run(app, stdin, tokio::io::stdout(), interactive)
        .await
        .context("running the console")
}
