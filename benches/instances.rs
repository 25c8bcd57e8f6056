//! `ebok serve` as it runs in production, under the Telegram benchmark's load: separate
//! processes (the bench build of the binary) on the 100k-customer data set, 100 logged-in
//! customers asking in a closed loop for their balance and their bills through the fake
//! Bot API (no flood limits, no pacing: what ebok costs). For each instance it prints the
//! resident memory idle (VmRSS after start and a quiet spell) and under load (the peak,
//! VmHWM, after the run), and for the run commands per second and latency p50 / p99:
//!
//! - SQLite, one instance, long polling (the single-machine default);
//! - PostgreSQL, one, two and three instances in webhook mode on one database, the bench
//!   playing Telegram: each update POSTed to the instances in turn, again to the next one
//!   until a 200.
//!
//! Run it so:
//!
//!     cargo bench --bench import       # once: generates bench-data/import-100k
//!     scripts/pg.sh start && export EBOK_BENCH_PG_URL=$(eval "$(scripts/pg.sh env)"; echo $EBOK_TEST_PG_URL)
//!     cargo bench --bench instances
//!
//! Each instance's log is kept in bench-data/instances-logs/. The loaded databases are the Telegram benchmark's (bench-data/telegram.sqlite and
//! `ebok_bench_telegram`), imported once.

#[path = "support/load.rs"]
mod load;
#[path = "../tests/integration/serve.rs"]
mod serve;
#[path = "support/mod.rs"]
mod support;

use ebok::domain::model::Role;
use ebok::store::{NewAccount, Store};
use fake_telegram::FakeTelegram;
use load::{COMMANDS, Figures, Sender, drive, push_texts};
use serve::{Launch, Serve, free_port, telegram_env};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

/// Simulated users (each one Telegram chat with a logged-in customer).
const USERS: usize = 100;
const ASKED: [&str; 2] = ["saldo", "rachunki"];
/// A user's first chat id (distinct from the other benches' chats).
const FIRST_CHAT: i64 = 6_000_000;
const SECRET: &str = "bench-webhook-secret";
const HOOK: &str = "/telegram/hook";
/// Update ids, never reused: ebok answers an update id once (Telegram's retries), also
/// across runs on the same database, so each backend's runs start after its last one.
static UPDATE_ID: AtomicI64 = AtomicI64::new(1);
/// How long an instance is left alone before its idle memory is read.
const QUIET: Duration = Duration::from_secs(5);

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("instances benchmark: run it with `cargo bench --bench instances`");
        return Ok(());
    }
    let (root, data) = support::data_set()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("\nload average at start: {}", load.trim());
        let logs = root.join("instances-logs");
        std::fs::create_dir_all(&logs)?;
        println!(
            "\n{USERS} users × {COMMANDS} commands ({}), closed loop, `ebok serve` processes\n",
            ASKED.join(" / ")
        );
        println!(
            "{:<32} {:>11} {:>9} {:>9} {:>9}   resident memory per instance (MB)",
            "instances", "commands/s", "p50 ms", "p99 ms", "n"
        );
        let url = format!("sqlite:{}", root.join("telegram.sqlite").display());
        let store = support::loaded_store("SQLite", &url, &data).await?;
        let chats = log_in_users(&store).await?;
        UPDATE_ID.fetch_max(last_update_id(&store).await? + 1, Ordering::SeqCst);
        store.close().await;
        run("SQLite, 1, long polling", &url, 0, &chats, &logs).await?;
        if let Some(url) = support::pg_database("ebok_bench_telegram").await? {
            let store = support::loaded_store("PostgreSQL", &url, &data).await?;
            let chats = log_in_users(&store).await?;
            UPDATE_ID.fetch_max(last_update_id(&store).await? + 1, Ordering::SeqCst);
            store.close().await;
            for n in 1..=3 {
                let label = format!("PostgreSQL, {n}, webhook");
                run(&label, &url, n, &chats, &logs).await?;
            }
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("\nload average at the end: {}", load.trim());
        anyhow::Ok(())
    })
}

/// One run: `webhooks` instances in webhook mode, or (0) one polling instance.
async fn run(
    label: &str,
    url: &str,
    webhooks: usize,
    chats: &[i64],
    logs: &Path,
) -> anyhow::Result<()> {
    let fake = FakeTelegram::start().await;
    for chat in chats {
        fake.add_chat(*chat);
    }
    let hook_ports: Vec<u16> = (0..webhooks).map(|_| free_port()).collect();
    let modes: Vec<Option<u16>> = if webhooks == 0 {
        vec![None]
    } else {
        hook_ports.iter().copied().map(Some).collect()
    };
    let mut instances = Vec::new();
    for (i, webhook) in modes.into_iter().enumerate() {
        let log = logs.join(format!("serve-{}-{i}.log", label.replace([',', ' '], "")));
        instances.push(start(url, &fake, webhook, &log));
    }
    for instance in &instances {
        let (_, ready) = instance.wait_ready(true).await;
        anyhow::ensure!(
            ready["ready"] == true,
            "ebok serve ({}) did not become ready: {ready}",
            instance.ops_url()
        );
    }
    tokio::time::sleep(QUIET).await;
    let idle: Vec<f64> = instances.iter().map(|i| memory_mb(i, "VmRSS")).collect();
    let send = if webhooks == 0 {
        fake.start_update_ids_at(UPDATE_ID.fetch_add(100_000, Ordering::SeqCst));
        push_texts(&fake, &ASKED)
    } else {
        webhook_sender(hook_ports)
    };
    let figures: Figures = drive(&fake, chats, send).await?;
    let peak: Vec<f64> = instances.iter().map(|i| memory_mb(i, "VmHWM")).collect();
    let errors = fake.errors();
    anyhow::ensure!(errors.is_empty(), "the fake refused: {errors:?}");
    let memory: Vec<String> = idle
        .iter()
        .zip(&peak)
        .map(|(idle, peak)| format!("idle {idle:.0} / peak {peak:.0}"))
        .collect();
    println!("{}   {}", figures.row(label), memory.join(", "));
    Ok(())
}

/// Telegram as far as webhooks go: each update POSTed to the instances in turn (as a
/// load balancer would), to the next one until an instance acknowledges it.
fn webhook_sender(ports: Vec<u16>) -> Sender {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    let next = Arc::new(AtomicUsize::new(0));
    Arc::new(move |chat, i| {
        let (client, next, ports) = (client.clone(), next.clone(), ports.clone());
        let id = UPDATE_ID.fetch_add(1, Ordering::SeqCst);
        let body = serde_json::json!({"update_id": id, "message": {"message_id": id,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private", "first_name": "Ala"},
            "from": {"id": chat, "is_bot": false, "first_name": "Ala", "language_code": "pl"},
            "text": ASKED[i % ASKED.len()]}});
        Box::pin(async move {
            for _ in 0..100 {
                let port = ports[next.fetch_add(1, Ordering::SeqCst) % ports.len()];
                let status = client
                    .post(format!("http://127.0.0.1:{port}{HOOK}"))
                    .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16());
                if status.as_ref().is_ok_and(|s| *s == 200) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            eprintln!("update {id} was never acknowledged");
        })
    })
}

/// `ebok serve` on the fake; `webhook`: the port it takes updates on; `None`: it polls.
fn start(url: &str, fake: &FakeTelegram, webhook: Option<u16>, log: &Path) -> Serve {
    let mut launch = Launch::new(url)
        .env("RUST_LOG", "warn")
        .envs(&telegram_env(fake))
        .env("EBOK_TELEGRAM__CHAT_MESSAGES_PER_SECOND", "0")
        .log_to(log);
    if let Some(port) = webhook {
        launch = launch
            .env(
                "EBOK_TELEGRAM__WEBHOOK_URL",
                format!("https://bot.example.test{HOOK}"),
            )
            .env("EBOK_TELEGRAM__WEBHOOK_LISTEN", format!("127.0.0.1:{port}"))
            .env("EBOK_TELEGRAM__WEBHOOK_SECRET", SECRET);
    }
    launch.start()
}

/// `field` (VmRSS, VmHWM) of the process, in MB.
fn memory_mb(serve: &Serve, field: &str) -> f64 {
    serve.proc_status(field) / 1024.0
}

/// The highest Telegram update id the database has seen (0: none).
async fn last_update_id(store: &Store) -> anyhow::Result<i64> {
    let sql = "SELECT COALESCE(MAX(update_id), 0) FROM \
               (SELECT update_id FROM telegram_updates UNION ALL \
                SELECT update_id FROM telegram_claims) AS seen";
    Ok(match store {
        Store::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
        Store::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
    })
}

/// Accounts for customers spread over the data set, each logged in on its chat (the
/// session is started directly: argon2 is not what this measures).
async fn log_in_users(store: &Store) -> anyhow::Result<Vec<i64>> {
    let hash = ebok::core::password::hash("bench-password-123".to_string()).await?;
    let mut chats = Vec::new();
    for i in 0..USERS {
        let number = format!("B-{:06}", 1 + i * 991);
        let customer_id = store
            .customer_id_by_number(&number)
            .await?
            .ok_or_else(|| anyhow::anyhow!("bench customer {number} not found"))?;
        let identifier = format!("SRVBENCH{i:05}");
        let account = match store.account_by_identifier(&identifier).await? {
            Some(a) => a.id,
            None => {
                let mut tx = store.begin().await?;
                let id = tx
                    .insert_account(&NewAccount {
                        identifier: &identifier,
                        role: Role::Customer,
                        customer_id: Some(customer_id),
                        name: &number,
                        email: None,
                        password_hash: &hash,
                        must_change: false,
                        temp_expires_at: None,
                    })
                    .await?;
                tx.commit().await?;
                id
            }
        };
        let chat = FIRST_CHAT + i as i64;
        let mut tx = store.begin().await?;
        tx.start_session("telegram", &chat.to_string(), account)
            .await?;
        tx.commit().await?;
        chats.push(chat);
    }
    Ok(chats)
}
