//! Claims on webhook updates (`telegram_claims`): several instances may serve one webhook
//! URL on one database, and Telegram may deliver an update again to another instance while
//! the first is still answering it. An instance claims the update before answering it,
//! for `[telegram] webhook_claim_seconds` (15 s by default), and renews the claim every
//! third of that while it answers, however long the answer takes: a copy meeting a live
//! claim waits for a later retry. A claim whose instance died is no longer renewed and is
//! taken over once it runs out, so a crash keeps a chat waiting at most the claim's
//! length (plus Telegram's own retry delay). A stopping instance gives back the claims it
//! still holds when its grace period ends ([`release_held`]).
//!
//! Claims are dated by the core's clock, which tests move instead of waiting.

use crate::domain::clock::Clock;
use crate::store::Store;
use chrono::{DateTime, SubsecRound, Utc};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Claims this process holds now, with their ends (each claim's end is its token).
static HELD: Mutex<BTreeMap<i64, DateTime<Utc>>> = Mutex::new(BTreeMap::new());

fn held() -> std::sync::MutexGuard<'static, BTreeMap<i64, DateTime<Utc>>> {
    HELD.lock().unwrap_or_else(|p| p.into_inner())
}

/// Gives back the claims this process still holds (at shutdown, when the grace period
/// ended before their updates were answered): Telegram's next retry of those updates is
/// answered by another instance at once instead of after the claims run out.
pub async fn release_held(store: &Store) {
    let claims: Vec<(i64, DateTime<Utc>)> = std::mem::take(&mut *held()).into_iter().collect();
    if claims.is_empty() {
        return;
    }
    let mut given = 0;
    for (id, until) in claims {
        match store.telegram_release(id, until).await {
            Ok(()) => given += 1,
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                update = id,
                "a Telegram claim was not given back: it runs out by itself"
            ),
        }
    }
    tracing::info!(claims = given, "Telegram update claims given back");
}

/// Claims of one webhook server.
pub(super) struct Claims {
    store: Store,
    clock: Clock,
    /// How long a claim keeps the other instances off an update, unless renewed.
    lease: chrono::Duration,
}

impl Claims {
    pub(super) fn new(store: Store, clock: Clock, lease: std::time::Duration) -> Claims {
        let lease = chrono::Duration::from_std(lease.max(std::time::Duration::from_secs(1)))
            .unwrap_or(chrono::Duration::seconds(15));
        Claims {
            store,
            clock,
            lease,
        }
    }

    pub(super) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The end of a claim made at `now`: whole milliseconds, so that the value read back
    /// from either database is the one this instance holds (it identifies the claim).
    fn end(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        (now + self.lease).trunc_subsecs(3)
    }

    /// Claims `id` so that no other instance answers it meanwhile; the claim's end, or
    /// `None` when another instance holds a live claim (Telegram retries later) or on an
    /// error.
    pub(super) async fn claim(
        &self,
        id: i64,
        chat: i64,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let until = self.end(now);
        match self.store.telegram_claim(id, chat, now, until).await {
            Ok(true) => {
                held().insert(id, until);
                Some(until)
            }
            Ok(false) => {
                tracing::info!(
                    update = id,
                    "being answered by another instance: retry later"
                );
                None
            }
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "claiming a Telegram update");
                None
            }
        }
    }

    /// Whether an earlier update of `chat` is being answered (anywhere): this one then
    /// waits for Telegram's retry, so that one chat's updates are answered in order.
    /// Updates with no chat (0) are not ordered.
    pub(super) async fn waits_for_earlier(&self, id: i64, chat: i64, now: DateTime<Utc>) -> bool {
        if chat == 0 {
            return false;
        }
        match self.store.telegram_earlier_claimed(id, chat, now).await {
            Ok(false) => false,
            Ok(true) => {
                tracing::info!(
                    update = id,
                    "an earlier update of the chat is being answered: retry later"
                );
                true
            }
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "ordering a Telegram update");
                true
            }
        }
    }

    /// Runs `work` while renewing the claim on `id` (held until `held`) every third of the
    /// lease, so that an answer slower than the lease (a long flood-control pause, a slow
    /// database) is not taken over by another instance. Returns `work`'s output and the
    /// claim's end as last renewed.
    pub(super) async fn renewing<T>(
        &self,
        id: i64,
        mut held: DateTime<Utc>,
        work: impl std::future::Future<Output = T>,
    ) -> (T, DateTime<Utc>) {
        let period = (self.lease / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(1));
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(work);
        loop {
            tokio::select! {
                out = &mut work => return (out, held),
                _ = every.tick() => held = self.renew(id, held).await,
            }
        }
    }

    /// Extends the claim on `id`; the claim's end as it now stands in the database.
    async fn renew(&self, id: i64, held_until: DateTime<Utc>) -> DateTime<Utc> {
        let until = self.end(self.clock.now());
        match self.store.telegram_renew(id, held_until, until).await {
            Ok(true) => {
                held().insert(id, until);
                until
            }
            Ok(false) => {
                tracing::warn!(
                    update = id,
                    "the claim on an update being answered was lost: another instance may answer it too"
                );
                held_until
            }
            Err(e) => {
                tracing::warn!(
                    error = format!("{e:#}"),
                    update = id,
                    "could not renew the claim on an update being answered"
                );
                held_until
            }
        }
    }

    /// Gives up the claim on `id` (answered, or not handled at all). A claim another
    /// instance took over is left alone; should this fail, the claim runs out.
    pub(super) async fn release(&self, id: i64, held_until: DateTime<Utc>) {
        held().remove(&id);
        if let Err(e) = self.store.telegram_release(id, held_until).await {
            tracing::warn!(
                error = format!("{e:#}"),
                "could not release a Telegram update"
            );
        }
    }
}
