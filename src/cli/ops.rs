//! Operator commands: staff accounts (`ebok staff …`), the interest tables (`ebok
//! rates`) and the outbox (`ebok outbox`).

use super::args::StaffCommand;
use crate::app::App;
use crate::core::staff::{self, StaffAddError};
use crate::outbox::Outcome;
use anyhow::Context;

pub async fn staff(app: &App, command: StaffCommand) -> anyhow::Result<()> {
    let result = match &command {
        StaffCommand::Add {
            identifier,
            name,
            email,
        } => staff::create_staff(&app.core, identifier, name, email.as_deref()).await,
        StaffCommand::Reset { identifier } => staff::reset_staff(&app.core, identifier).await,
    };
    let creds = match result {
        Ok(c) => c,
        Err(StaffAddError::Unexpected(e)) => return Err(e),
        Err(e) => anyhow::bail!("{e}"),
    };
    let days = app.settings.security.temp_password_days;
    println!("Staff account: {}", creds.identifier);
    println!("Temporary password: {}", creds.password);
    println!(
        "It works for one login within {days} days; the first login asks for a new password. \
         Hand it over in person or by phone."
    );
    Ok(())
}

/// Prints the outbox counts; with `deliver`, first sends every due email row.
pub async fn outbox(app: &App, deliver: bool) -> anyhow::Result<()> {
    if deliver {
        let worker = crate::mail::email_worker(app)?
            .context("[smtp] is not configured: nothing can deliver email")?;
        let mut done = 0;
        while worker.try_process_next().await? == Outcome::Done {
            done += 1;
        }
        println!("Processed {done} email deliveries.");
    }
    for (status, count) in app.store.outbox_counts().await? {
        println!("{status:>8}: {count}");
    }
    Ok(())
}

/// Prints the interest tables in force and when they were confirmed; a warning line on
/// stderr when they are stale.
pub async fn rates(app: &App) -> anyhow::Result<()> {
    let health = crate::rates::health(&app.store, &app.settings, app.core.today()).await?;
    print!("{}", crate::rates::print(&health));
    if health.stale {
        eprintln!("warning: the interest tables are stale");
    }
    Ok(())
}
