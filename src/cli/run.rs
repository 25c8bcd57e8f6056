//! Runs one command line: loads and checks the configuration, sets up logging, and
//! hands the command to its module.

use super::args::{Cli, Commands, NotifyCommand};
use crate::app::App;
use crate::config::{Purpose, Settings};
use crate::telemetry::Verbosity;

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
    super::check::check(&settings, purpose(&cli.command))?;
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
                    super::demo::DEMO_DB
                );
            }
            super::demo::run(settings, explicit_db, fresh, no_console).await
        }
        Commands::Console {
            name, downloads, ..
        } => {
            let app = App::build(settings).await?;
            // The console shows payment details: the example account only on a demo's
            // database.
            if !super::demo::is_demo_database(&app).await? {
                app.settings.utility.require_own_bank_account()?;
            }
            // Credentials and notifications queued from the console go out meanwhile.
            let _mail = crate::mail::email_worker(&app)?.map(|w| w.spawn());
            super::console::console(&app, &name, &downloads).await
        }
        Commands::Import { dir } => {
            let app = App::build(settings).await?;
            super::demo::import(&app, &dir).await
        }
        Commands::Staff { command } => {
            let app = App::build(settings).await?;
            super::ops::staff(&app, command).await
        }
        Commands::Outbox { deliver } => {
            let app = App::build(settings).await?;
            super::ops::outbox(&app, deliver).await
        }
        Commands::Notify { command } => {
            let app = App::build(settings).await?;
            let out = match command {
                NotifyCommand::Status => super::notify::status(&app).await?,
                NotifyCommand::Preview { event } => super::notify::preview(&app, &event).await?,
            };
            print!("{out}");
            Ok(())
        }
        Commands::Cases { command } => {
            let app = App::build(settings).await?;
            print!("{}", super::cases::run(&app, command).await?);
            Ok(())
        }
        Commands::Rates => {
            let app = App::build(settings).await?;
            super::ops::rates(&app).await
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
