//! The command line's words: `ebok demo | console | serve | import | migrate | staff |
//! rates | notify | outbox` and their options.

use clap::{Parser, Subcommand};
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
    /// Complaints and requests: `ebok cases status`, `ebok cases export [--since DATE]
    /// [--format csv|json]`, `ebok cases purge` (docs/cases.md).
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum CasesCommand {
    /// Counts by state, open and overdue.
    Status,
    /// Every case changed since DATE (YYYY-MM-DD, default: all), with its answer and
    /// discount, for the CRM or billing; CSV (default) or JSON on stdout.
    Export {
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        #[arg(long, default_value = "csv")]
        format: String,
    },
    /// Deletes cases closed longer than `[cases] retention_days` ago, with their history
    /// and attachments.
    Purge,
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
