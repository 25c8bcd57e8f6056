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
pub mod session;

pub use reply::REPLY_CHANNEL;
pub use responder::{CrashPoint, Disposition, Options, Responder};

use crate::app::App;
use crate::outbox::RetryPolicy;
use anyhow::Context;
use std::sync::Arc;
use tokio::sync::Notify;

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
