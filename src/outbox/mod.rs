//! The durable outbox's delivery side. Rows are written by the core in the same
//! transaction as the change that causes them (`Tx::enqueue`); a [`Worker`] per channel
//! claims due rows, hands them to that channel's [`Deliverer`], and records the result:
//! sent (secrets scrubbed), retry later with exponential backoff, or failed for good —
//! logged as an error, or at INFO when the recipient cannot be reached by their own
//! doing (blocked the bot, no such mailbox), which is no fault of ebok's.
//!
//! Channels and recipients:
//! - `"email"`: recipient is an address; delivered by [`crate::mail::EmailDeliverer`].
//! - `"telegram"`: recipient is a chat id; the Telegram front end plugs in its deliverer.
//!
//! A claim is a lease: the row is hidden from other workers for `lease`, and the worker
//! renews it while the delivery runs, so a slow delivery is never taken twice and a row
//! whose worker died (a crash mid-send) is due again within `lease` of the claim.
//! A crash after the transport accepted a message but before the row was marked sent
//! makes the next worker send it again; email keeps its Message-ID (derived from the
//! row's dedupe key), so the copy is recognisably the same message (an email reply is
//! stored as its exact bytes, so its copy is byte-identical).

use crate::domain::clock::Clock;

use crate::domain::payload::Payload;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

mod quiet;

/// One claimed row, payload parsed.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub dedupe_key: String,
    pub channel: String,
    pub recipient: String,
    pub payload: Payload,
    /// Earlier attempts.
    pub attempts: i64,
    /// 10 for an urgent notice, 0 otherwise.
    pub priority: i64,
    /// Deliver without a sound (Telegram's `disable_notification`): a notice in the
    /// quiet hours of a recipient who chose them silent. Set by the worker.
    pub silent: bool,
}

/// Why a delivery did not happen.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Try again later (server down, timeout, 4xx).
    #[error("{0}")]
    Transient(String),
    /// Will never work (bad address, 5xx, unknown template): the operator should look.
    #[error("{0}")]
    Permanent(String),
    /// Will never work, by the recipient's doing: they blocked the bot, deleted their
    /// account, their mailbox does not exist. An expected outcome, counted by `reason`
    /// (a metric label), not an error.
    #[error("{detail}")]
    Unreachable {
        reason: &'static str,
        detail: String,
    },
    /// Not tried: the row goes at this moment (an email notification waiting for the
    /// others of its digest). No attempt is counted.
    #[error("held until {0}")]
    Later(chrono::DateTime<chrono::Utc>),
}

/// Delivers messages of one channel. Front ends implement it for their channel.
#[async_trait::async_trait]
pub trait Deliverer: Send + Sync {
    async fn deliver(&self, message: &Message) -> Result<(), DeliveryError>;
}

/// When to try again: `base · 2^(attempts−1)`, at most `max`. Transient failures are
/// retried for as long as it takes (nothing is dropped); permanent ones are not.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
    /// How long a claimed row is hidden from other workers; renewed every third of it
    /// while the delivery runs. After a crash the row is due again within this time.
    pub lease: Duration,
    /// Sleep of [`Worker::run`] when nothing is due.
    pub idle_poll: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(30),
            max: Duration::from_secs(3600),
            lease: Duration::from_secs(30),
            idle_poll: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// Delay before the next attempt after `attempts` failed ones (≥ 1).
    pub fn delay(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.base
            .checked_mul(1u32 << doublings.min(20))
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// What one step of a worker did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A row was processed (sent, rescheduled or given up).
    Done,
    /// Nothing was due.
    Empty,
}

/// Delivers the rows of one channel.
#[derive(Clone)]
pub struct Worker {
    store: Store,
    channel: String,
    deliverer: Arc<dyn Deliverer>,
    policy: RetryPolicy,
    clock: Clock,
    /// Quiet hours, checked again when a notification is about to go.
    quiet: Option<crate::config::Notifications>,
    /// The least time between two rows to one recipient, kept across processes.
    spacing: Option<chrono::Duration>,
    /// Recipients the configuration names (staff chats and addresses): one that cannot
    /// be reached is the operator's to correct, not a customer's choice.
    configured: Arc<Vec<String>>,
}

impl Worker {
    pub fn new(
        store: Store,
        channel: &str,
        deliverer: Arc<dyn Deliverer>,
        policy: RetryPolicy,
    ) -> Worker {
        Worker {
            store,
            channel: channel.to_string(),
            deliverer,
            policy,
            clock: Clock::default(),
            quiet: None,
            spacing: None,
            configured: Arc::default(),
        }
    }

    /// The worker treating `recipients` (named in the configuration) as the operator's:
    /// if one cannot be reached, that is logged as an error, not as a routine outcome.
    pub fn with_configured_recipients(mut self, recipients: Vec<String>) -> Worker {
        self.configured = Arc::new(recipients);
        self
    }

    /// The worker holding back a non-urgent notification that is due during its
    /// recipient's quiet hours (`settings`) until they end. The time a notification was
    /// written decides it first; this catches one that falls due later, into them (a
    /// retry, a backlog, a process that was down).
    pub fn with_quiet_hours(mut self, settings: crate::config::Notifications) -> Worker {
        self.quiet = Some(settings);
        self
    }

    /// The worker keeping `spacing` between two rows to one recipient, whichever process
    /// sends them: a sent row puts its recipient's next pending rows off until then.
    /// Each process paces its own sends; this keeps several processes (and a process
    /// that took over from a killed one) from sending one chat more than its limit.
    pub fn with_recipient_spacing(mut self, spacing: Option<chrono::Duration>) -> Worker {
        self.spacing = spacing;
        self
    }

    /// The worker with `clock` as its "now" (tests move it instead of waiting).
    pub fn with_clock(mut self, clock: Clock) -> Worker {
        self.clock = clock;
        self
    }

    /// Claims and processes one due row.
    #[tracing::instrument(skip(self), fields(channel = %self.channel))]
    pub async fn try_process_next(&self) -> anyhow::Result<Outcome> {
        let Some(row) = self
            .store
            .claim_outbox_at(&self.channel, self.clock.now(), self.lease())
            .await?
        else {
            return Ok(Outcome::Empty);
        };
        self.finish_claimed(row).await
    }

    /// Processes a row this process has claimed (the Telegram dispatcher claims many at
    /// once and hands each to its own task).
    pub async fn finish_claimed(&self, row: crate::store::OutboxRow) -> anyhow::Result<Outcome> {
        crate::shutdown::claims::hold(row.id);
        let id = row.id;
        let result = self.process(row).await;
        crate::shutdown::claims::done(id);
        result
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn channel(&self) -> &str {
        &self.channel
    }

    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    async fn process(&self, row: crate::store::OutboxRow) -> anyhow::Result<Outcome> {
        let metrics = crate::metrics::get();
        let payload = match Payload::parse(&row.payload) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(id = row.id, error = %e, "unreadable outbox row");
                metrics.delivery(&self.channel, "failed");
                self.store
                    .outbox_abandoned(row.id, &e.to_string(), "{}")
                    .await?;
                return Ok(Outcome::Done);
            }
        };
        let mut message = Message {
            id: row.id,
            dedupe_key: row.dedupe_key,
            channel: row.channel,
            recipient: row.recipient,
            payload,
            attempts: row.attempts,
            priority: row.priority,
            silent: false,
        };
        match self.quiet_hours(&message).await {
            quiet::Quiet::Hold(until) => {
                tracing::info!(id = message.id, %until, "held by quiet hours");
                self.store.outbox_defer(message.id, until).await?;
                return Ok(Outcome::Done);
            }
            quiet::Quiet::Mute => message.silent = true,
            quiet::Quiet::Go => {}
        }
        let scrubbed = message.payload.scrubbed().to_json();
        match self.deliver_renewing(&message).await {
            Ok(()) => {
                tracing::info!(id = message.id, "delivered");
                metrics.delivery(&self.channel, "sent");
                self.store.outbox_delivered(message.id, &scrubbed).await?;
                if let Some(spacing) = self.spacing {
                    self.store
                        .outbox_space_recipient(
                            &self.channel,
                            &message.recipient,
                            self.clock.now() + spacing,
                        )
                        .await?;
                }
            }
            Err(DeliveryError::Transient(error)) => {
                let attempts = message.attempts + 1;
                let delay = chrono::Duration::from_std(self.policy.delay(attempts))
                    .unwrap_or_else(|_| chrono::Duration::hours(1));
                tracing::warn!(id = message.id, attempts, %error, "delivery failed, will retry");
                metrics.delivery(&self.channel, "retried");
                self.store
                    .outbox_failed(message.id, &error, self.clock.now() + delay)
                    .await?;
            }
            Err(DeliveryError::Later(at)) => {
                tracing::debug!(id = message.id, %at, "held");
                self.store.outbox_defer(message.id, at).await?;
            }
            Err(DeliveryError::Unreachable { reason, detail })
                if !self.configured.contains(&message.recipient) =>
            {
                // The recipient's doing (a customer who left): no alert for it.
                tracing::info!(id = message.id, reason, %detail, "not delivered: the recipient cannot be reached");
                metrics.delivery(&self.channel, "unreachable");
                metrics.unreachable(&self.channel, reason);
                self.store
                    .outbox_abandoned(message.id, &detail, &scrubbed)
                    .await?;
            }
            Err(DeliveryError::Unreachable { detail, .. }) => {
                tracing::error!(id = message.id, recipient = %message.recipient, error = %detail, "a recipient named in the configuration cannot be reached: correct telegram.staff_chats or email.staff_addresses");
                metrics.delivery(&self.channel, "failed");
                self.store
                    .outbox_abandoned(message.id, &detail, &scrubbed)
                    .await?;
            }
            Err(DeliveryError::Permanent(error)) => {
                tracing::error!(id = message.id, %error, "delivery failed for good");
                metrics.delivery(&self.channel, "failed");
                self.store
                    .outbox_abandoned(message.id, &error, &scrubbed)
                    .await?;
            }
        }
        Ok(Outcome::Done)
    }

    /// Only a notification (not a reply, not a password mail) in the quiet hours is
    /// touched: held when the recipient keeps them and it is not urgent, muted when the
    /// recipient chose silent ones (an urgent one too: that was the customer's choice).
    async fn quiet_hours(&self, message: &Message) -> quiet::Quiet {
        let Some(settings) = self.quiet.as_ref() else {
            return quiet::Quiet::Go;
        };
        if !message.dedupe_key.starts_with("notify:") {
            return quiet::Quiet::Go;
        }
        let Some(until) =
            crate::domain::notice::quiet_until(self.clock.now(), settings.quiet_hours())
        else {
            return quiet::Quiet::Go;
        };
        let Some(account) = message.payload.data.get("account").and_then(|a| a.as_str()) else {
            return quiet::Quiet::Go;
        };
        let mode = self
            .store
            .quiet_mode(account, &message.channel, &message.recipient)
            .await;
        match mode {
            Ok(mode) => quiet::decide(mode, message.priority > 0, until),
            Err(e) => {
                // Sending a notice at night is better than losing it.
                tracing::warn!(
                    id = message.id,
                    error = format!("{e:#}"),
                    "quiet hours unknown"
                );
                quiet::Quiet::Go
            }
        }
    }

    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.policy.lease)
            .unwrap_or_else(|_| chrono::Duration::seconds(30))
    }

    /// Delivers `message`, renewing the row's lease every third of it meanwhile.
    async fn deliver_renewing(&self, message: &Message) -> Result<(), DeliveryError> {
        let every = (self.policy.lease / 3).max(Duration::from_millis(10));
        let delivery = self.deliverer.deliver(message);
        tokio::pin!(delivery);
        loop {
            tokio::select! {
                result = &mut delivery => return result,
                () = tokio::time::sleep(every) => {
                    let until = self.clock.now() + self.lease();
                    if let Err(e) = self.store.renew_outbox_lease(message.id, until).await {
                        tracing::warn!(id = message.id, error = format!("{e:#}"), "renewing the outbox lease failed");
                    }
                }
            }
        }
    }

    /// Processes rows until the task is aborted or the process stops (the row in hand
    /// is finished first); sleeps only when nothing is due.
    pub async fn run(self) {
        while !crate::shutdown::requested() {
            match self.try_process_next().await {
                Ok(Outcome::Done) => continue,
                Ok(Outcome::Empty) => {}
                Err(e) => {
                    tracing::error!(error = format!("{e:#}"), channel = %self.channel, "outbox worker step failed");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.policy.idle_poll) => {}
                () = crate::shutdown::wait() => {}
            }
        }
    }

    /// Runs [`Worker::run`] on a task; abort the handle to stop it.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            base: Duration::from_secs(30),
            max: Duration::from_secs(3600),
            ..RetryPolicy::default()
        };
        assert_eq!(p.delay(1), Duration::from_secs(30));
        assert_eq!(p.delay(2), Duration::from_secs(60));
        assert_eq!(p.delay(4), Duration::from_secs(240));
        assert_eq!(p.delay(8), Duration::from_secs(3600));
        assert_eq!(p.delay(1000), Duration::from_secs(3600));
    }
}
