//! The email-command front end (C2): customers and staff write commands to the
//! utility's mailbox and get the answers by email. It only translates: mail in
//! (IMAP + mail-parser) becomes lines for [`crate::core::Core::handle`], the replies
//! become one mail out (the outbox worker and the mailer of [`crate::mail`]).
//!
//! - [`imap`]: connection, TLS modes, IDLE or polling;
//! - [`parse`], [`html`]: the text of a mail; [`extract`]: which lines are commands;
//! - [`loops`]: RFC 3834 — mail that is never answered;
//! - [`session`]: one mail = one conversation with the core, logged out at both ends;
//!   `echo`: how its inputs are shown back;
//! - [`reply`], [`deliver`]: the reply mail, stored ready in the outbox and sent by it;
//!   [`bounds`]: what a reply may hold (echoes cleaned and cut, a size limit per part);
//! - [`responder`]: the IMAP loop, exactly once, deleting mail with passwords; `process`:
//!   one mail — recognised, refused (RFC 3834, the daily cap) or answered and recorded;
//!   `purge`: mail with passwords expunged, also what a crash left flagged.
//!
//! `docs/email.md` is the operator's and the customer's guide.

pub mod bounds;
pub mod deliver;
mod echo;
pub mod extract;
pub mod html;
pub mod imap;
pub mod loops;
pub mod parse;
mod process;
mod purge;
pub mod reply;
pub mod responder;
mod secret;
pub mod session;

pub use reply::REPLY_CHANNEL;
pub use responder::{CrashPoint, Disposition, Options, Responder};

use crate::app::App;
use crate::config::Problem;
use crate::outbox::RetryPolicy;
use anyhow::Context;
use secrecy::ExposeSecret;
use std::sync::Arc;
use tokio::sync::Notify;

/// What is wrong with `[email]` (checked before anything starts,
/// [`crate::config::check`]); that `[smtp]` is needed too is checked there.
pub fn config_problems(email: &crate::config::EmailChannel) -> Vec<Problem> {
    let mut found = Vec::new();
    let required = [
        (
            "email.imap_host",
            &email.imap_host,
            "the IMAP server's name or address",
        ),
        (
            "email.imap_user",
            &email.imap_user,
            "the login of the command mailbox",
        ),
        (
            "email.mailbox",
            &email.mailbox,
            "the folder commands arrive in, e.g. \"INBOX\"",
        ),
    ];
    for (key, value, what) in required {
        if value.trim().is_empty() {
            found.push(Problem::new(key, format!("is empty: write {what}")));
        }
    }
    if email.imap_password.expose_secret().is_empty() {
        found.push(Problem::new(
            "email.imap_password",
            "is empty: set EBOK_EMAIL__IMAP_PASSWORD",
        ));
    }
    let target = imap::Target::from_settings(email, std::time::Duration::from_secs(30));
    found.extend(target.problem());
    for address in &email.staff_addresses {
        if address.parse::<lettre::Address>().is_err() {
            found.push(Problem::new(
                "email.staff_addresses",
                format!("{address:?} is not an email address: correct or remove it"),
            ));
        }
    }
    found
}

/// Runs the responder and the reply worker until aborted (`ebok serve` with `[email]`).
/// Replies need `[smtp]`.
pub async fn serve(app: App) -> anyhow::Result<()> {
    let smtp = app
        .settings
        .smtp
        .as_ref()
        .context("[email] is configured but [smtp] is not: replies cannot be sent")?;
    let mailer = crate::mail::Mailer::new(smtp)?;
    let wake = Arc::new(Notify::new());
    let policy = RetryPolicy::default();
    let worker = deliver::reply_worker(app.store.clone(), mailer, policy);
    let responder = Responder::new(app, Options::default(), wake.clone())?;
    // Both end when the process stops, each after the mail or reply in hand; an error of
    // the responder ends both at once.
    let responder = responder.run();
    let worker = deliver::run_worker(worker, wake, policy.idle_poll);
    tokio::pin!(responder, worker);
    tokio::select! {
        result = &mut responder => {
            if result.is_ok() {
                worker.await;
            }
            result
        }
        () = &mut worker => responder.await,
    }
}
