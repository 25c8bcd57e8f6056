//! A burst of logins at `ebok serve`: 300 Telegram chats send `zaloguj` at the same
//! moment (one in three with a wrong password), through the fake Bot API, to one
//! `ebok serve` process (the bench build of the binary, long polling, SQLite). For each
//! setting of `security.password_hash_threads` it prints the time until every chat has
//! its answer, the time each login waited for its answer (p50 / p99 / max), the
//! process's resident memory idle (VmRSS), at its peak (VmHWM) and 15 s after the
//! burst, the most threads it had, and the most password checks waiting in line
//! (`ebok_password_hash_waiting`).
//!
//!     cargo bench --bench login_burst
//!     EBOK_BENCH_BIN=/path/to/other/ebok EBOK_BENCH_HASH_THREADS=0 \
//!         cargo bench --bench login_burst          # another build of ebok, its default
//!
//! No data set needed: each run gets a fresh database with 300 customer accounts.

#[path = "../tests/integration/serve.rs"]
mod serve;

use ebok::domain::model::Role;
use ebok::store::{NewAccount, Store};
use fake_telegram::FakeTelegram;
use serve::{Launch, Serve, telegram_env};
use std::path::Path;
use std::time::{Duration, Instant};

const CHATS: usize = 300;
const FIRST_CHAT: i64 = 7_000_000;
const PASSWORD: &str = "Ciepły grzejnik w styczniu";
/// Hashing threads per run ("0": the default, one per core up to 4); another list in
/// EBOK_BENCH_HASH_THREADS (e.g. "0" alone for a build without the setting).
const SETTINGS: &str = "0,1,2,4";
const QUIET: Duration = Duration::from_secs(5);
const AFTER: Duration = Duration::from_secs(15);

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("login burst benchmark: run it with `cargo bench --bench login_burst`");
        return Ok(());
    }
    let bin = std::env::var("EBOK_BENCH_BIN").unwrap_or(env!("CARGO_BIN_EXE_ebok").to_string());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("\n{bin}\nload average at start: {}", load.trim());
        println!(
            "{CHATS} logins at once (a third with a wrong password), cores: {}\n",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        println!(
            "{:>14} {:>9} {:>24} {:>9} {:>9} {:>9} {:>8} {:>8}",
            "hash threads",
            "burst s",
            "answer s p50/p99/max",
            "idle MB",
            "peak MB",
            "15 s MB",
            "threads",
            "waiting"
        );
        let settings = std::env::var("EBOK_BENCH_HASH_THREADS").unwrap_or(SETTINGS.into());
        for threads in settings.split(',').map(str::trim) {
            let row = run(&bin, threads).await?;
            println!("{row}");
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("\nload average at the end: {}", load.trim());
        anyhow::Ok(())
    })
}

/// One burst at a fresh `ebok serve` with `threads` hashing threads: the table row.
async fn run(bin: &str, threads: &str) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("burst.sqlite").display());
    let ids = accounts(&url).await?;
    let fake = FakeTelegram::start().await;
    let serve = start(bin, &url, &fake, threads, &dir.path().join("serve.log"));
    let (_, ready) = serve.wait_ready(true).await;
    anyhow::ensure!(
        ready["ready"] == true,
        "ebok serve did not become ready: {ready}"
    );
    tokio::time::sleep(QUIET).await;
    let idle = serve.proc_status("VmRSS") / 1024.0;

    let started = Instant::now();
    for (i, id) in ids.iter().enumerate() {
        let password = if wrong(i) {
            "Zimny grzejnik w lipcu"
        } else {
            PASSWORD
        };
        fake.push_text(FIRST_CHAT + i as i64, &format!("zaloguj {id} {password}"));
    }
    let mut answered: Vec<Option<Duration>> = vec![None; CHATS];
    let (mut most_threads, mut most_waiting) = (0.0f64, 0.0f64);
    let mut scraped = Instant::now();
    while answered.iter().any(Option::is_none) {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "not every login was answered within 10 minutes"
        );
        for (i, slot) in answered.iter_mut().enumerate() {
            if slot.is_none() && !fake.messages_to(FIRST_CHAT + i as i64).is_empty() {
                *slot = Some(started.elapsed());
            }
        }
        most_threads = most_threads.max(serve.proc_status("Threads"));
        if scraped.elapsed() > Duration::from_millis(100) {
            most_waiting = most_waiting.max(waiting(&serve).await.unwrap_or(0.0));
            scraped = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let burst = started.elapsed();
    let peak = serve.proc_status("VmHWM") / 1024.0;
    check_answers(&fake)?;
    tokio::time::sleep(AFTER.saturating_sub(started.elapsed() - burst)).await;
    let after = serve.proc_status("VmRSS") / 1024.0;
    serve.kill().await;
    let mut times: Vec<Duration> = answered.into_iter().flatten().collect();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    let label = if threads == "0" { "default" } else { threads };
    Ok(format!(
        "{label:>14} {:>9.1} {:>24} {idle:>9.0} {peak:>9.0} {after:>9.0} {most_threads:>8} {most_waiting:>8}",
        burst.as_secs_f64(),
        format!(
            "{:.1} / {:.1} / {:.1}",
            at(0.5).as_secs_f64(),
            at(0.99).as_secs_f64(),
            times[times.len() - 1].as_secs_f64()
        ),
    ))
}

/// What chat `i` types: the right password, or (every third) a wrong one.
fn wrong(i: usize) -> bool {
    i % 3 == 2
}

/// Every chat got the answer its password deserves.
fn check_answers(fake: &FakeTelegram) -> anyhow::Result<()> {
    for i in 0..CHATS {
        let expected = if wrong(i) {
            "nieprawidłowe"
        } else {
            "Zalogowano"
        };
        let messages = fake.messages_to(FIRST_CHAT + i as i64);
        anyhow::ensure!(
            messages.iter().any(|m| m.visible().contains(expected)),
            "chat {i} got {:?}",
            messages.iter().map(|m| m.visible()).collect::<Vec<_>>()
        );
    }
    anyhow::ensure!(
        fake.errors().is_empty(),
        "the fake refused: {:?}",
        fake.errors()
    );
    Ok(())
}

/// A fresh database with customer accounts `BURST000`… (one hash for all).
async fn accounts(url: &str) -> anyhow::Result<Vec<String>> {
    let store = Store::open(url).await?;
    let hash = ebok::core::password::hash(PASSWORD.to_string()).await?;
    let Store::Sqlite(pool) = &store else {
        anyhow::bail!("a SQLite database was expected");
    };
    let mut customers = Vec::new();
    for i in 0..CHATS {
        let name = format!("Firma Próbna {i}");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO customers (number, kind, name, row_hash) \
             VALUES ($1, 'firm', $2, 'bench') RETURNING id",
        )
        .bind(format!("B-{i:04}"))
        .bind(&name)
        .fetch_one(pool)
        .await?;
        customers.push((id, name));
    }
    let mut ids = Vec::new();
    let mut tx = store.begin().await?;
    for (i, (customer, name)) in customers.iter().enumerate() {
        let identifier = format!("BURST{i:03}");
        tx.insert_account(&NewAccount {
            identifier: &identifier,
            role: Role::Customer,
            customer_id: Some(*customer),
            name,
            email: None,
            password_hash: &hash,
            must_change: false,
            temp_expires_at: None,
        })
        .await?;
        ids.push(identifier);
    }
    tx.commit().await?;
    store.close().await;
    Ok(ids)
}

fn start(bin: &str, url: &str, fake: &FakeTelegram, threads: &str, log: &Path) -> Serve {
    let mut launch = Launch::with_binary(Path::new(bin), url)
        .env("RUST_LOG", "warn")
        .envs(&telegram_env(fake))
        .env("EBOK_TELEGRAM__CHAT_MESSAGES_PER_SECOND", "0")
        .log_to(log);
    if threads != "0" {
        launch = launch.env("EBOK_SECURITY__PASSWORD_HASH_THREADS", threads);
    }
    launch.start()
}

/// `ebok_password_hash_waiting` on /metrics (absent in builds without it).
async fn waiting(serve: &Serve) -> Option<f64> {
    let (_, body) = serve.get("/metrics").await?;
    body.lines()
        .find_map(|l| l.strip_prefix("ebok_password_hash_waiting "))
        .and_then(|v| v.trim().parse().ok())
}
