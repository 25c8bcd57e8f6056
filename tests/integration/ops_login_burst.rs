//! A burst of logins at `ebok serve` (the real binary, long polling on the fake Bot API):
//! 300 chats send `zaloguj` at the same moment, one in three with a wrong password. Every
//! chat gets its answer, and the process's peak resident memory (`VmHWM` from /proc)
//! stays within the memory budget of `ebok serve`, 128 MB: the password checks wait in
//! line for the few hashing threads (the queue shows on /metrics) instead of each taking
//! a thread and 19 MiB of argon2 memory (before: 1.1–2.0 GB and up to 107 threads).
//! Peak memory is a property of the run, not of the machine's speed, so it is asserted;
//! the figures (threads, time) are printed and recorded in docs/benchmarks.md.

use crate::helpers::{Backend, TestDb};
use crate::serve::{Serve, telegram_env};
use fake_telegram::FakeTelegram;
use std::time::{Duration, Instant};

const CHATS: usize = 300;
const FIRST_CHAT: i64 = 880_000;
const PASSWORD: &str = "Ciepły grzejnik w styczniu";
const BUDGET_MB: f64 = 128.0;
/// What may stay resident above the idle figure once the burst is over (sessions, caches):
/// less than one thread's 19 MiB of argon2 memory.
const GIVEN_BACK_MB: f64 = 16.0;
/// A debug build checks a password in well under a second; 300 of them on the hashing
/// threads of a busy two-core machine finish long before this.
const BURST_WAIT: Duration = Duration::from_secs(300);

/// `ebok_password_hash_waiting` as /metrics shows it now.
async fn waiting(serve: &Serve) -> Option<f64> {
    let (_, body) = serve.get("/metrics").await?;
    body.lines()
        .find_map(|l| l.strip_prefix("ebok_password_hash_waiting "))
        .and_then(|v| v.trim().parse().ok())
}

/// Customer accounts `BURST000`… with [`PASSWORD`] (one hash for all: argon2 is what the
/// burst measures, not the set-up).
async fn accounts(db: &TestDb) -> Vec<String> {
    let hash = ebok::core::password::hash(PASSWORD.to_string())
        .await
        .unwrap();
    let mut customers = Vec::new();
    for i in 0..CHATS {
        let sql = "INSERT INTO customers (number, kind, name, row_hash) \
                   VALUES ($1, 'firm', $2, 'test') RETURNING id";
        let (number, name) = (format!("B-{i:04}"), format!("Firma Próbna {i}"));
        let id: i64 = ebok::on_pool!(&db.store, |p| sqlx::query_scalar(sql)
            .bind(&number)
            .bind(&name)
            .fetch_one(p)
            .await)
        .unwrap();
        customers.push((id, name));
    }
    let mut ids = Vec::new();
    let mut tx = db.store.begin().await.unwrap();
    for (i, (customer, name)) in customers.iter().enumerate() {
        let identifier = format!("BURST{i:03}");
        tx.insert_account(&ebok::store::NewAccount {
            identifier: &identifier,
            role: ebok::domain::model::Role::Customer,
            customer_id: Some(*customer),
            name,
            email: None,
            password_hash: &hash,
            must_change: false,
            temp_expires_at: None,
        })
        .await
        .unwrap();
        ids.push(identifier);
    }
    tx.commit().await.unwrap();
    ids
}

/// What chat `i` types: the right password, or (every third) a wrong one.
fn wrong(i: usize) -> bool {
    i % 3 == 2
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_logins_at_once_are_all_answered_within_the_memory_budget() {
    let db = TestDb::new(&Backend::Sqlite).await;
    let ids = accounts(&db).await;
    let fake = FakeTelegram::start().await;
    let mut env = telegram_env(&fake);
    // The failed logins are logged at INFO: not wanted in the test's output.
    env.push(("RUST_LOG", "warn".into()));
    let serve = Serve::start(&db.url, &env);
    let (status_code, ready) = serve.wait_ready(true).await;
    assert_eq!(status_code, 200, "{ready}");
    let idle_mb = serve.proc_status("VmRSS") / 1024.0;

    let started = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        let password = if wrong(i) {
            "Zimny grzejnik w lipcu"
        } else {
            PASSWORD
        };
        fake.push_text(FIRST_CHAT + i as i64, &format!("zaloguj {id} {password}"));
    }
    let answered = |f: &FakeTelegram, i: usize| {
        let expected = if wrong(i) {
            "nieprawidłowe"
        } else {
            "Zalogowano"
        };
        f.messages_to(FIRST_CHAT + i as i64)
            .iter()
            .any(|m| m.visible().contains(expected))
    };
    // Threads and the hashing queue are sampled while the burst is answered.
    let (mut threads, mut queue) = (0.0f64, 0.0f64);
    let deadline = Instant::now() + BURST_WAIT;
    while !(0..CHATS).all(|i| answered(&fake, i)) {
        assert!(
            Instant::now() < deadline,
            "{} of {CHATS} chats answered after {BURST_WAIT:?}; errors: {:?}",
            (0..CHATS).filter(|i| answered(&fake, *i)).count(),
            fake.errors()
        );
        threads = threads.max(serve.proc_status("Threads"));
        queue = queue.max(waiting(&serve).await.unwrap_or(0.0));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = started.elapsed();
    let peak_mb = serve.proc_status("VmHWM") / 1024.0;
    eprintln!(
        "login burst: {CHATS} logins answered in {:.1} s; ebok serve idle {idle_mb:.0} MB, \
         peak {peak_mb:.0} MB, at most {threads} threads, at most {queue} checks waiting",
        took.as_secs_f64()
    );
    assert!(fake.errors().is_empty(), "{:?}", fake.errors());
    assert!(
        peak_mb <= BUDGET_MB,
        "peak resident memory {peak_mb:.0} MB over the budget of {BUDGET_MB} MB"
    );
    // The burst was held in line, and the line is empty once it is answered.
    assert!(queue > 0.0, "the hashing queue never showed on /metrics");
    assert_eq!(waiting(&serve).await, Some(0.0));
    // The hashing threads give their working memory back after 10 s without work.
    let back = Instant::now() + Duration::from_secs(60);
    let mut rss_mb = serve.proc_status("VmRSS") / 1024.0;
    eprintln!("login burst: VmRSS {rss_mb:.0} MB right after");
    while rss_mb > idle_mb + GIVEN_BACK_MB {
        assert!(
            Instant::now() < back,
            "still {rss_mb:.0} MB resident a minute after the burst (idle {idle_mb:.0} MB)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        rss_mb = serve.proc_status("VmRSS") / 1024.0;
    }
    eprintln!(
        "login burst: VmRSS {rss_mb:.0} MB {:.0} s after",
        started.elapsed().as_secs_f64() - took.as_secs_f64()
    );
}
