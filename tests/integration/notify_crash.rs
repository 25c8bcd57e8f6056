//! A broadcast through real `ebok serve` processes: the first is killed with SIGKILL in
//! the middle of it, then two are started on the same database at once. Against the fake
//! Bot API enforcing Telegram's limits (scaled, each process paced at half of them, its
//! configured share). Afterwards every chat has its notice, one chat's five notices came
//! in order, no limit was broken, and nothing came twice — except a message Telegram
//! accepted in the instant before the kill, which no bookkeeping can know about (the Bot
//! API has no idempotency key): such a repeat must have been accepted just before it.
//!
//! Sized for CI (400 chats); `EBOK_NOTIFY_CRASH_CHATS` runs it bigger.

use crate::helpers::{Backend, TestDb, backends};
use crate::notify_delivery::{accepted, enqueue, received};
use crate::serve::{Launch, Serve, telegram_env};
use fake_telegram::{FakeTelegram, Limits};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const SCALE: u32 = 10;
const DEADLINE: Duration = Duration::from_secs(90);

fn spawn(db: &TestDb, fake: &FakeTelegram, log: &Path) -> Serve {
    Launch::new(&db.url)
        .envs(&telegram_env(fake))
        // Two processes send: each gets half of Telegram's limit.
        .env(
            "EBOK_TELEGRAM__MESSAGES_PER_SECOND",
            (15 * SCALE).to_string(),
        )
        .env("EBOK_TELEGRAM__CHAT_MESSAGES_PER_SECOND", SCALE.to_string())
        .env("EBOK_TELEGRAM__OUTBOX_LEASE_SECONDS", "3")
        .env("EBOK_TELEGRAM__POLL_TIMEOUT_SECONDS", "2")
        .log_to(log)
        .start()
}

fn tail(log: &Path) -> String {
    crate::serve::tail(&std::fs::read_to_string(log).unwrap_or_default(), 30)
}

#[tokio::test]
async fn a_broadcast_killed_midway_and_resumed_by_two_processes_reaches_everyone_once() {
    let chats: usize = std::env::var("EBOK_NOTIFY_CRASH_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    for backend in backends() {
        run(&backend, chats).await;
    }
}

async fn run(backend: &Backend, chats: usize) {
    let db = TestDb::new(backend).await;
    let fake = FakeTelegram::start().await;
    fake.set_require_known_chat(false);
    fake.enforce_limits(Some(Limits::telegram().scaled(f64::from(SCALE))));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ebok-serve.log");
    let mut rows: Vec<(usize, i64, i64)> = (0..chats).map(|n| (n, 50_000 + n as i64, 0)).collect();
    rows.extend((chats..chats + 5).map(|n| (n, 7, 0)));
    // The schema is the one `ebok serve` migrates to; the first start does it.
    let first = spawn(&db, &fake, &log);
    let migrated = fake
        .wait_until(|f| f.my_commands(Some("en")).is_some(), DEADLINE)
        .await;
    assert!(migrated, "ebok serve did not start: {}", tail(&log));
    enqueue(&db.store, &rows).await;

    assert!(
        fake.wait_until(|f| accepted(f).len() >= chats / 4, DEADLINE)
            .await,
        "the broadcast did not start: {}",
        tail(&log)
    );
    first.kill().await;
    let killed_at = Instant::now();
    let before_kill = accepted(&fake).len();

    let second = spawn(&db, &fake, &log);
    let third = spawn(&db, &fake, &log);
    let deadline = Instant::now() + DEADLINE;
    loop {
        let counts = db.store.outbox_counts().await.unwrap();
        if counts.iter().all(|(s, _)| s == "sent") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{}: not all sent: {counts:?}\n{}",
            db.label,
            tail(&log)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    second.kill().await;
    third.kill().await;

    let stats = fake.limit_stats();
    assert_eq!(
        stats.violations, 0,
        "{}: limits broken: {stats:?}",
        db.label
    );
    // Each notice once, but for one accepted in the instant before the kill.
    let mut copies: BTreeMap<usize, Vec<Instant>> = BTreeMap::new();
    for (n, at) in accepted(&fake) {
        copies.entry(n).or_default().push(at);
    }
    let mut repeated = 0;
    for &(n, _, _) in &rows {
        let at = copies.get(&n).cloned().unwrap_or_default();
        assert!(!at.is_empty(), "{}: notice {n} was lost", db.label);
        if at.len() > 1 {
            repeated += 1;
            assert_eq!(
                at.len(),
                2,
                "{}: notice {n} sent {} times",
                db.label,
                at.len()
            );
            let before = killed_at.saturating_duration_since(at[0]);
            assert!(
                at[0] <= killed_at && before < Duration::from_millis(500),
                "{}: notice {n} sent twice, the first {before:?} before the kill",
                db.label
            );
        }
    }
    let mut order = received(&fake, 7);
    order.dedup();
    assert_eq!(
        order,
        (chats..chats + 5).collect::<Vec<_>>(),
        "{}",
        db.label
    );
    eprintln!(
        "{}: {} notices, {before_kill} sent before the kill, {repeated} sent again after it \
         (accepted in the instant before it)",
        db.label,
        rows.len()
    );
    let panics = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches("panicked")
        .count();
    assert_eq!(panics, 0, "ebok serve panicked: {}", tail(&log));
}
