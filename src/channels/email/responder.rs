//! The responder: watches the command mailbox and answers every mail exactly once.
//!
//! For each unseen mail (read with `BODY.PEEK[]`, so it stays unseen):
//! 1. if `email_processed` already knows it (same mailbox, UIDVALIDITY and UID, or the
//!    same fingerprint), only its flags are finished — nothing is answered again;
//! 2. RFC 3834 mail and mail from senders over the daily cap get no answer;
//! 3. otherwise its commands run through the core, the reply is rendered, and the
//!    processed record, the daily count and the reply's outbox row are committed in ONE
//!    transaction;
//! 4. only then is the mail marked `\Seen` — or, when it carried a password or a PESEL,
//!    deleted (`\Deleted` + `UID EXPUNGE`).
//!
//! Killed between 3 and 4, the restarted responder finds the record and only finishes
//! step 4; killed before 3, it runs the mail again. Killed between the `\Deleted` flag
//! and the expunge, the mail is no longer unseen: every connection (the start, each
//! reconnect) first expunges what the record says ebok flagged (see `purge`). Commands with effects (a password
//! change, a registration, a staff decision) are then re-run by the core, which refuses
//! repeats on its own (an old password no longer matches, a decided request stays
//! decided); one reply goes out either way, and the worker sends it under a Message-ID
//! derived from the inbound mail.

use super::imap::{Connection, Target, connect};
use crate::app::App;
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// Timings of the responder.
#[derive(Debug, Clone)]
pub struct Options {
    /// Use IDLE when the server offers it (else poll every `poll_interval`).
    pub idle: bool,
    /// How often to look for mail when the server has no IDLE.
    pub poll_interval: Duration,
    /// IDLE is re-issued this often (RFC 2177 asks for less than 29 minutes).
    pub idle_keepalive: Duration,
    /// First wait before reconnecting; it doubles up to `reconnect_max`.
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// Timeout of every IMAP read and write.
    pub io_timeout: Duration,
    /// Remove mail with `UID EXPUNGE` where the server has UIDPLUS (tests turn it off
    /// to take the way of servers without it).
    pub uid_expunge: bool,
    /// Tests only: stop as if killed at this point.
    pub crash_at: Option<CrashPoint>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            idle: true,
            poll_interval: Duration::from_secs(30),
            idle_keepalive: Duration::from_secs(10 * 60),
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(120),
            io_timeout: Duration::from_secs(60),
            uid_expunge: true,
            crash_at: None,
        }
    }
}

/// Where a simulated crash stops the responder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// Commands ran, nothing committed.
    BeforeCommit,
    /// The reply is in the outbox, the mail not yet flagged.
    AfterCommit,
    /// A mail with a password is flagged `\Deleted`, not yet expunged.
    AfterDeleteFlag,
}

/// The error of a simulated crash: it ends [`Responder::run`].
#[derive(Debug, thiserror::Error)]
#[error("simulated crash at {0:?}")]
pub struct Crashed(pub CrashPoint);

/// The process is stopping: the responder takes no more mail.
#[derive(Debug, thiserror::Error)]
#[error("stopping")]
struct Stopping;

/// What to do with a mail in the mailbox once it is dealt with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Seen,
    /// It carried a password or a PESEL: deleted, not kept.
    Delete,
}

/// Answers the mail of one mailbox.
#[derive(Clone)]
pub struct Responder {
    pub(super) app: App,
    pub(super) target: Target,
    /// Our own addresses (lower case): mail from them is never answered.
    pub(super) own: Vec<String>,
    pub(super) cap: u32,
    /// The replies' sender (`[smtp]`): replies are built when they are committed.
    pub(super) from: lettre::message::Mailbox,
    pub(super) opts: Options,
    pub(super) wake: Arc<Notify>,
}

impl Responder {
    /// `wake` is notified after each committed reply (see `deliver::run_worker`).
    pub fn new(app: App, opts: Options, wake: Arc<Notify>) -> anyhow::Result<Responder> {
        let email = app
            .settings
            .email
            .clone()
            .context("the [email] section is missing")?;
        let smtp = app
            .settings
            .smtp
            .as_ref()
            .context("[email] is configured but [smtp] is not: replies cannot be sent")?;
        let from = crate::mail::sender(smtp)?;
        let mut own = vec![email.imap_user.trim().to_lowercase()];
        own.push(smtp.from_address.trim().to_lowercase());
        own.retain(|a| a.contains('@'));
        let target = Target::from_settings(&email, opts.io_timeout);
        target.check()?;
        Ok(Responder {
            app,
            target,
            own,
            cap: email.daily_reply_cap,
            from,
            opts,
            wake,
        })
    }

    /// Watches the mailbox until the task is aborted or the process stops (after the
    /// mail in hand); reconnects with backoff.
    pub async fn run(self) -> anyhow::Result<()> {
        use crate::health::{Component, set};
        let mut delay = self.opts.reconnect_min;
        while !crate::shutdown::requested() {
            match self.connect().await {
                Ok(conn) => {
                    delay = self.opts.reconnect_min;
                    set(Component::Imap, None);
                    tracing::info!(mailbox = %self.target.mailbox, idle = conn.idle, "watching the command mailbox");
                    let err = self.watch(conn).await;
                    if err.downcast_ref::<Crashed>().is_some() {
                        return Err(err);
                    }
                    if err.downcast_ref::<Stopping>().is_some() {
                        break;
                    }
                    set(
                        Component::Imap,
                        Some(format!("the IMAP connection ended: {err:#}")),
                    );
                    tracing::warn!(
                        error = format!("{err:#}"),
                        "the IMAP connection ended; reconnecting"
                    );
                }
                Err(e) => {
                    set(Component::Imap, Some(format!("{e:#}")));
                    tracing::warn!(error = format!("{e:#}"), retry_in = ?delay, "cannot reach the command mailbox");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = crate::shutdown::wait() => {}
            }
            delay = (delay * 2).min(self.opts.reconnect_max);
        }
        tracing::info!("the command mailbox is no longer watched (stopping)");
        Ok(())
    }

    /// Connects, answers everything unseen, disconnects. Returns the mails dealt with.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let conn = self.connect().await?;
        let (conn, n) = self.drain(conn).await?;
        conn.logout();
        Ok(n)
    }

    async fn connect(&self) -> anyhow::Result<Connection> {
        let target = self.target.clone();
        let (tx, rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("ebok-imap-connect".into())
            .spawn(move || {
                let _ = tx.send(connect(&target));
            })
            .context("starting an IMAP thread")?;
        let mut conn = rx.await.context("the IMAP thread stopped")??;
        conn.idle &= self.opts.idle;
        if !self.opts.uid_expunge {
            conn.forget_uidplus();
        }
        // What a crash left flagged for deletion goes before anything else is read.
        self.expunge_marked(conn, None).await
    }

    /// Answers mail and waits for more, until the connection fails.
    async fn watch(&self, mut conn: Connection) -> anyhow::Error {
        loop {
            conn = match self.drain(conn).await {
                Ok((c, _)) => c,
                Err(e) => return e,
            };
            let wait = if conn.idle {
                self.opts.idle_keepalive
            } else {
                self.opts.poll_interval
            };
            // IDLE (or the poll's sleep) is left behind when the process stops: its thread
            // ends with the process; no mail is in hand then.
            let waited = tokio::select! {
                waited = on_thread(conn, move |c| c.wait(wait)) => waited,
                () = crate::shutdown::wait() => return Stopping.into(),
            };
            conn = match waited {
                Ok((c, _)) => c,
                Err(e) => return e,
            };
        }
    }

    /// Deals with every unseen mail, until none is left.
    async fn drain(&self, mut conn: Connection) -> anyhow::Result<(Connection, usize)> {
        let mut handled = 0;
        loop {
            let (c, uids) = on_thread(conn, |c| c.unseen()).await?;
            conn = c;
            if uids.is_empty() {
                return Ok((conn, handled));
            }
            for uid in uids {
                if crate::shutdown::requested() {
                    return Err(Stopping.into());
                }
                crate::metrics::get().imap_seen.inc();
                conn = self.handle(conn, uid).await?;
                handled += 1;
            }
        }
    }

    async fn handle(&self, conn: Connection, uid: u32) -> anyhow::Result<Connection> {
        let (conn, raw) = on_thread(conn, move |c| c.fetch(uid)).await?;
        let Some(raw) = raw else {
            return Ok(conn);
        };
        let disposition = self.process(conn.uidvalidity, uid, &raw).await?;
        drop(raw);
        self.wake.notify_one();
        if self.opts.crash_at == Some(CrashPoint::AfterCommit) {
            return Err(Crashed(CrashPoint::AfterCommit).into());
        }
        if disposition == Disposition::Seen {
            let (conn, ()) = on_thread(conn, move |c| c.mark_seen(uid)).await?;
            return Ok(conn);
        }
        let (conn, ()) = on_thread(conn, move |c| c.flag_deleted(uid)).await?;
        if self.opts.crash_at == Some(CrashPoint::AfterDeleteFlag) {
            return Err(Crashed(CrashPoint::AfterDeleteFlag).into());
        }
        self.expunge_marked(conn, Some(uid)).await
    }
}

/// Runs a blocking IMAP step on its own thread. A thread rather than `spawn_blocking`:
/// an IDLE wait must not hold up the runtime's shutdown. On error the connection is
/// dropped (the caller reconnects).
pub(super) async fn on_thread<T, F>(mut conn: Connection, f: F) -> anyhow::Result<(Connection, T)>
where
    T: Send + 'static,
    F: FnOnce(&mut Connection) -> anyhow::Result<T> + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("ebok-imap".into())
        .spawn(move || {
            let result = f(&mut conn).map(|v| (conn, v));
            let _ = tx.send(result);
        })
        .context("starting an IMAP thread")?;
    rx.await.context("the IMAP thread stopped")?
}

/// The outbox key (and so the Message-ID) of the reply to the mail `fingerprint`.
pub fn reply_key(fingerprint: &str) -> String {
    format!("email-reply:{fingerprint}")
}

/// Today in Poland: the day of the daily cap.
pub fn today() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .date_naive()
        .to_string()
}
