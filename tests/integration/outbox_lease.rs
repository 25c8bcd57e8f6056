//! The outbox claim is a lease: a row whose worker died mid-delivery is due again once
//! the lease runs out (the default: 30 s, checked by moving the worker's clock, not by
//! waiting), and a worker that is still delivering renews its lease, so a slow delivery
//! is never taken by a second worker.

use crate::helpers::{TestDb, backends};
use ebok::domain::clock::Clock;
use ebok::outbox::{Deliverer, DeliveryError, Message, Outcome, RetryPolicy, Worker};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

const CHANNEL: &str = "lease_test";

/// Counts deliveries; each one waits until `release` is notified (or forever).
struct Gate {
    calls: Arc<AtomicUsize>,
    release: Arc<Notify>,
    wait: bool,
}

#[async_trait::async_trait]
impl Deliverer for Gate {
    async fn deliver(&self, _: &Message) -> Result<(), DeliveryError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.wait {
            self.release.notified().await;
        }
        Ok(())
    }
}

fn worker(db: &TestDb, gate: Gate, policy: RetryPolicy, clock: &Clock) -> Worker {
    Worker::new(db.store.clone(), CHANNEL, Arc::new(gate), policy).with_clock(clock.clone())
}

async fn enqueue(db: &TestDb, key: &str) {
    let mut tx = db.store.begin().await.unwrap();
    tx.enqueue(
        key,
        CHANNEL,
        "jan@example.pl",
        "{\"lang\":\"pl\",\"template\":\"x\"}",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delivery_cut_off_by_a_crash_is_due_again_when_its_lease_ends() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        enqueue(&db, "lease:1").await;
        let policy = RetryPolicy::default();
        let clock = Clock::default();
        let first_calls = Arc::new(AtomicUsize::new(0));
        let first = worker(
            &db,
            Gate {
                calls: first_calls.clone(),
                release: Arc::new(Notify::new()),
                wait: true,
            },
            policy,
            &clock,
        );
        // The first worker is "killed" in the middle of the delivery.
        let task = tokio::spawn(async move { first.try_process_next().await });
        let calls = first_calls.clone();
        wait_for("the first delivery to start", || {
            calls.load(Ordering::SeqCst) == 1
        })
        .await;
        task.abort();

        let calls = Arc::new(AtomicUsize::new(0));
        let restarted = worker(
            &db,
            Gate {
                calls: calls.clone(),
                release: Arc::new(Notify::new()),
                wait: false,
            },
            policy,
            &clock,
        );
        clock.advance(Duration::from_secs(5));
        assert_eq!(
            restarted.try_process_next().await.unwrap(),
            Outcome::Empty,
            "held while the lease runs ({})",
            db.label
        );
        // Within about 30 s of the crash the row is due again, and goes out.
        clock.advance(Duration::from_secs(26));
        assert_eq!(restarted.try_process_next().await.unwrap(), Outcome::Done);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let row = db.store.outbox_state("lease:1").await.unwrap().unwrap();
        assert_eq!(row.status, "sent", "{}", db.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_worker_still_delivering_keeps_its_row() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        enqueue(&db, "lease:2").await;
        let policy = RetryPolicy {
            lease: Duration::from_millis(600),
            ..RetryPolicy::default()
        };
        let clock = Clock::default();
        let (slow_calls, release) = (Arc::new(AtomicUsize::new(0)), Arc::new(Notify::new()));
        let slow = worker(
            &db,
            Gate {
                calls: slow_calls.clone(),
                release: release.clone(),
                wait: true,
            },
            policy,
            &clock,
        );
        let task = tokio::spawn(async move { slow.try_process_next().await });
        let calls = slow_calls.clone();
        wait_for("the slow delivery to start", || {
            calls.load(Ordering::SeqCst) == 1
        })
        .await;
        let claimed_until = db
            .store
            .outbox_state("lease:2")
            .await
            .unwrap()
            .unwrap()
            .next_attempt_at;

        // Another worker keeps looking while the slow one works well past its first lease.
        let other_calls = Arc::new(AtomicUsize::new(0));
        let other = worker(
            &db,
            Gate {
                calls: other_calls.clone(),
                release: Arc::new(Notify::new()),
                wait: false,
            },
            policy,
            &clock,
        );
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            assert_eq!(
                other.try_process_next().await.unwrap(),
                Outcome::Empty,
                "{}",
                db.label
            );
            let now = db
                .store
                .outbox_state("lease:2")
                .await
                .unwrap()
                .unwrap()
                .next_attempt_at;
            // Renewed more than once and the first lease long over.
            if now > claimed_until + chrono::Duration::milliseconds(900)
                && chrono::Utc::now() > claimed_until + chrono::Duration::milliseconds(300)
            {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the lease was not renewed"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        release.notify_one();
        assert_eq!(task.await.unwrap().unwrap(), Outcome::Done);
        assert_eq!(other_calls.load(Ordering::SeqCst), 0, "{}", db.label);
        let row = db.store.outbox_state("lease:2").await.unwrap().unwrap();
        assert_eq!(row.status, "sent");
        assert_eq!(row.attempts, 1);
    }
}
