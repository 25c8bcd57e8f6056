//! The outbox's Telegram rows, many at a time: a broadcast to a hundred thousand chats
//! goes at Telegram's limit only if many messages are in flight while earlier ones wait
//! for their answers. The dispatcher claims due rows in batches (most urgent first, each
//! chat's rows in order, one at a time per chat: [`crate::store::Store::claim_outbox_batch`])
//! and hands each to a task of its own, which the pacer lets go in turn (replies, then
//! urgent notices, then the rest). A task renews its row's lease while it waits, so a
//! row is never taken by a second process; a row whose process died is due again when
//! its lease runs out.
//!
//! At most `in_flight` rows are claimed and not finished at once: a notice that becomes
//! due (an urgent one) waits behind at most that many, which the pacer then reorders.

use crate::outbox::Worker;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

pub struct Dispatcher {
    worker: Worker,
    in_flight: Arc<Semaphore>,
    capacity: usize,
    finished: Arc<Notify>,
}

impl Dispatcher {
    /// Sends `worker`'s rows with up to `in_flight` of them claimed at once.
    pub fn new(worker: Worker, in_flight: usize) -> Dispatcher {
        let capacity = in_flight.max(1);
        Dispatcher {
            worker,
            in_flight: Arc::new(Semaphore::new(capacity)),
            capacity,
            finished: Arc::new(Notify::new()),
        }
    }

    /// How many rows to keep in flight for `messages_per_second`: about half a second of
    /// sending, at least 8, at most 512.
    pub fn in_flight_for(messages_per_second: u32) -> usize {
        usize::try_from(messages_per_second / 2)
            .unwrap_or(512)
            .clamp(8, 512)
    }

    /// Claims and sends until the process stops (rows in flight are finished).
    pub async fn run(self) {
        let idle = self.worker.policy().idle_poll;
        while !crate::shutdown::requested() {
            match self.step().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => {
                    tracing::error!(
                        error = format!("{e:#}"),
                        "telegram outbox dispatcher step failed"
                    )
                }
            }
            tokio::select! {
                () = tokio::time::sleep(idle) => {}
                // A finished row may let its chat's next one go.
                () = self.finished.notified() => {}
                () = crate::shutdown::wait() => {}
            }
        }
        // Wait for the rows in flight (the serve's grace period bounds this).
        let _ = self.in_flight.acquire_many(self.capacity as u32).await;
    }

    /// Claims what fits in flight and starts it; false when nothing was due.
    async fn step(&self) -> anyhow::Result<bool> {
        let first = self.in_flight.clone().acquire_owned().await?;
        let room = 1 + self.in_flight.available_permits();
        let worker = &self.worker;
        let rows = worker
            .store()
            .claim_outbox_batch(
                worker.channel(),
                worker.clock().now(),
                worker.lease(),
                i64::try_from(room).unwrap_or(1),
            )
            .await?;
        if rows.is_empty() {
            return Ok(false);
        }
        let mut first = Some(first);
        for row in rows {
            let permit = match first.take() {
                Some(p) => p,
                None => self.in_flight.clone().acquire_owned().await?,
            };
            let worker = self.worker.clone();
            let finished = self.finished.clone();
            tokio::spawn(async move {
                if let Err(e) = worker.finish_claimed(row).await {
                    tracing::error!(
                        error = format!("{e:#}"),
                        "a telegram outbox row failed to finish"
                    );
                }
                drop(permit);
                finished.notify_one();
            });
        }
        Ok(true)
    }
}

/// The idle poll of the dispatcher: how soon a new notification is seen.
pub const IDLE_POLL: Duration = Duration::from_millis(200);
