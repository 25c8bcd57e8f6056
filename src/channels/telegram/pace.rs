//! Pacing of everything the bot sends to Telegram, per process.
//!
//! Telegram allows a bot about 30 messages a second over all chats and about one a
//! second per chat (short bursts pass); more gets 429 "retry after N". The pacer keeps
//! under both with `governor`'s rate limiters (GCRA: a maintained, lock-free
//! implementation with exact arithmetic, rather than a hand-written token bucket):
//!
//! - one limiter per chat (`chat_messages_per_second`, bursts of `chat_burst`);
//! - one limiter over all chats (`messages_per_second`), spaced evenly (bursts of at
//!   most a few messages at high rates, see `total_burst`), so a broadcast never starts
//!   with a volley;
//! - with `allow_paid_broadcast`, notifications use a second limiter of their own
//!   (`paid_messages_per_second`, up to Telegram's 1,000) and are sent with
//!   `allow_paid_broadcast`; replies stay on the free one.
//!
//! Who goes first when several wait for the limiter over all chats: replies to a
//! customer's command, then urgent notices, then everything else; in order of arrival
//! within each class. A 429 anywhere stops every send of the process for its
//! `retry_after` ([`Pacer::pause`]).
//!
//! The pacer is per process. With several `ebok serve` processes sending, each gets a
//! configured share of Telegram's limits over all chats (docs/notifications.md); the
//! per-chat limit is kept across processes by the outbox (a sent row puts its chat's
//! next rows off, `Worker::with_recipient_spacing`).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What a message is, for the order in which waiting messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// An answer to something the user just did: goes first.
    Reply = 0,
    /// An urgent notice (a heat failure).
    Urgent = 1,
    /// Any other notification.
    Ordinary = 2,
}

impl Class {
    /// The class of an outbox row of `priority`.
    pub fn of_priority(priority: i64) -> Class {
        if priority > 0 {
            Class::Urgent
        } else {
            Class::Ordinary
        }
    }
}

/// The limits, from `[telegram]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Over all chats; 0: no pacing at all (429s are still honoured).
    pub messages_per_second: u32,
    /// Per chat; 0: no per-chat pacing.
    pub chat_messages_per_second: u32,
    pub chat_burst: u32,
    /// Notifications with `allow_paid_broadcast`: their own rate; `None`: mode off.
    pub paid_messages_per_second: Option<u32>,
}

impl Limits {
    pub fn from_settings(cfg: &crate::config::Telegram) -> Limits {
        Limits {
            messages_per_second: cfg.messages_per_second,
            chat_messages_per_second: cfg.chat_messages_per_second,
            chat_burst: cfg.chat_burst,
            paid_messages_per_second: cfg
                .allow_paid_broadcast
                .then_some(cfg.paid_messages_per_second),
        }
    }
}

/// A place in the queue for the limiter over all chats.
type Ticket = (Class, u64);

pub struct Pacer {
    total: Option<DefaultDirectRateLimiter>,
    paid: Option<DefaultDirectRateLimiter>,
    chat: Option<DefaultKeyedRateLimiter<i64>>,
    /// Messages waiting for the limiter over all chats, each woken on its own when it
    /// becomes first in line (not all of them at every grant).
    waiting: Mutex<BTreeMap<Ticket, Arc<Notify>>>,
    next_ticket: AtomicU64,
    paused_until: Mutex<Option<Instant>>,
    /// Keyed limiter entries are forgotten now and then (a broadcast touches every chat).
    grants: AtomicU64,
}

fn quota(per_second: u32, burst: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Some(Quota::per_second(rate).allow_burst(burst))
}

/// The burst of a limiter over all chats: one message at the free 30/s (evenly spaced);
/// at higher rates a few, so a timer that wakes a millisecond late (tokio's resolution)
/// does not cost a message each time — never more than a tenth of a second's worth.
fn total_burst(per_second: u32) -> u32 {
    (per_second / 100).clamp(1, 5)
}

impl Pacer {
    pub fn new(limits: Limits) -> Pacer {
        let direct = |rate: u32| quota(rate, total_burst(rate)).map(RateLimiter::direct);
        Pacer {
            total: direct(limits.messages_per_second),
            paid: limits.paid_messages_per_second.and_then(direct),
            chat: quota(limits.chat_messages_per_second, limits.chat_burst)
                .filter(|_| limits.messages_per_second > 0)
                .map(RateLimiter::keyed),
            waiting: Mutex::new(BTreeMap::new()),
            next_ticket: AtomicU64::new(0),
            paused_until: Mutex::new(None),
            grants: AtomicU64::new(0),
        }
    }

    /// Notifications go with `allow_paid_broadcast`.
    pub fn paid(&self) -> bool {
        self.paid.is_some()
    }

    /// Waits until a message of `class` may go to `chat`.
    pub async fn ready(&self, chat: i64, class: Class) {
        self.wait_pause().await;
        if let Some(limiter) = &self.chat {
            limiter.until_key_ready(&chat).await;
            if self.grants.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
                limiter.retain_recent();
            }
        }
        let limiter = match class {
            Class::Reply => self.total.as_ref(),
            _ => self.paid.as_ref().or(self.total.as_ref()),
        };
        if let Some(limiter) = limiter {
            self.take_turn(limiter, class).await;
        }
        // A 429 that came while this message waited stops it too.
        self.wait_pause().await;
    }

    /// Waits for `limiter` behind every waiting message of an earlier class (and earlier
    /// ones of the same class).
    async fn take_turn(&self, limiter: &DefaultDirectRateLimiter, class: Class) {
        let ticket = (class, self.next_ticket.fetch_add(1, Ordering::Relaxed));
        let queued = Queued::new(self, ticket);
        loop {
            if self.first() == Some(ticket) {
                self.wait_pause().await;
                match limiter.check() {
                    Ok(()) => return,
                    Err(not_until) => {
                        let wait = not_until.wait_time_from(DefaultClock::default().now());
                        // A message of an earlier class arriving meanwhile goes first.
                        tokio::select! {
                            () = tokio::time::sleep(wait) => {}
                            () = queued.turn.notified() => {}
                        }
                    }
                }
            } else {
                queued.turn.notified().await;
            }
        }
    }

    fn first(&self) -> Option<Ticket> {
        self.lock_waiting().keys().next().copied()
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, BTreeMap<Ticket, Arc<Notify>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops every send of this process for `after` (Telegram's `retry_after`).
    pub fn pause(&self, after: Duration) {
        let until = Instant::now() + after;
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    /// Returns once no 429 pause is running.
    pub async fn wait_pause(&self) {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(until) if until > Instant::now() => {
                    tokio::time::sleep_until(until.into()).await;
                }
                _ => return,
            }
        }
    }
}

/// A ticket in the queue, removed when the wait ends or is abandoned; the next in line
/// is then woken.
struct Queued<'a> {
    pacer: &'a Pacer,
    ticket: Ticket,
    turn: Arc<Notify>,
}

impl<'a> Queued<'a> {
    fn new(pacer: &'a Pacer, ticket: Ticket) -> Queued<'a> {
        let turn = Arc::new(Notify::new());
        pacer.lock_waiting().insert(ticket, turn.clone());
        Queued {
            pacer,
            ticket,
            turn,
        }
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        let mut waiting = self.pacer.lock_waiting();
        waiting.remove(&self.ticket);
        if let Some(next) = waiting.values().next() {
            next.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: u32) -> Limits {
        Limits {
            messages_per_second: total,
            chat_messages_per_second: 0,
            chat_burst: 1,
            paid_messages_per_second: None,
        }
    }

    #[tokio::test]
    async fn replies_go_before_waiting_notifications() {
        let pacer = Arc::new(Pacer::new(limits(20)));
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (i, class) in [Class::Ordinary; 6]
            .into_iter()
            .chain([Class::Urgent, Class::Reply])
            .enumerate()
        {
            let (pacer, order) = (pacer.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                pacer.ready(i as i64, class).await;
                order.lock().unwrap().push(class);
            }));
            // The notifications are queued before the urgent one and the reply come.
            tokio::task::yield_now().await;
        }
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        // The first ordinary one may have gone before the others arrived.
        let reply = order.iter().position(|c| *c == Class::Reply).unwrap();
        let urgent = order.iter().position(|c| *c == Class::Urgent).unwrap();
        assert!(reply <= 1 && urgent <= 2 && reply < urgent, "{order:?}");
    }

    #[tokio::test]
    async fn a_pause_stops_every_send() {
        let pacer = Pacer::new(limits(0));
        pacer.pause(Duration::from_millis(300));
        let start = Instant::now();
        pacer.ready(1, Class::Reply).await;
        assert!(start.elapsed() >= Duration::from_millis(290));
    }
}
