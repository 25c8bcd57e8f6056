//! Broadcasts: an announcement to 100,000 subscribed Telegram chats through the fake Bot
//! API enforcing Telegram's flood limits, and email digests to 10,000 addresses through
//! the real Postfix. ebok runs as `ebok serve` (a child process, release build), so its
//! peak memory is its own; the fake runs in this process.
//!
//!     cargo bench --bench broadcast                      # Telegram, SQLite
//!     EBOK_BENCH_PG_URL=postgres://…/postgres cargo bench --bench broadcast   # + PostgreSQL
//!     MT=$(mktemp -d) scripts/mailstack.sh start && eval "$(scripts/mailstack.sh env)"
//!     cargo bench --bench broadcast                      # + email digests
//!
//! Telegram's limits (30 messages/s in total, 1/s per chat) are scaled up by
//! `EBOK_BENCH_SCALE` (default 20) in the fake and in ebok's pacer alike, so 100,000
//! messages take minutes. The Telegram announcement goes out as staff's `komunikat …
//! wyslij` sends it: one customer account per chat subscribed to announcements, and the
//! announcement with its notices written in one transaction by the same code
//! (`notify::events::announcement`); the clock for "time to the first message" starts
//! at its commit. The email digests' rows are written straight into the outbox, three
//! per address. `EBOK_BENCH_CHATS` and `EBOK_BENCH_ADDRESSES` size the runs.

#[path = "../tests/integration/serve.rs"]
mod serve;

use ebok::domain::lang::Lang;
use ebok::domain::notice::Timing;
use ebok::domain::payload::Payload;
use ebok::store::{NewAnnouncement, Schedule, Store};
use fake_telegram::{FakeTelegram, Limits};
use serve::{Launch, Serve, smtp_env, telegram_env};
use std::path::Path;
use std::time::{Duration, Instant};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("broadcast benchmark: run it with `cargo bench --bench broadcast`");
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("\nload average at start: {}", load.trim());
        let dir = tempfile::tempdir()?;
        let scale: u32 = env_or("EBOK_BENCH_SCALE", 20);
        let chats: usize = env_or("EBOK_BENCH_CHATS", 100_000);
        let sqlite = format!("sqlite:{}", dir.path().join("broadcast.sqlite").display());
        telegram("SQLite", &sqlite, dir.path(), scale, chats).await?;
        if let Some(url) = fresh_pg("ebok_bench_broadcast").await? {
            telegram("PostgreSQL", &url, dir.path(), scale, chats).await?;
        }
        let addresses: usize = env_or("EBOK_BENCH_ADDRESSES", 10_000);
        match mail_support::MailEnv::from_env() {
            Some(mail) => {
                let url = format!("sqlite:{}", dir.path().join("digests.sqlite").display());
                email(&mail, &url, dir.path(), addresses).await?;
            }
            None => println!("\nno MAIL_* variables: email digests skipped (scripts/mailstack.sh)"),
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("\nload average at the end: {}", load.trim());
        anyhow::Ok(())
    })
}

/// A fresh PostgreSQL database `name` on EBOK_BENCH_PG_URL's server (`None`: not set).
async fn fresh_pg(name: &str) -> anyhow::Result<Option<String>> {
    let Ok(admin) = std::env::var("EBOK_BENCH_PG_URL") else {
        println!("\nEBOK_BENCH_PG_URL not set: PostgreSQL skipped");
        return Ok(None);
    };
    let pool = sqlx::PgPool::connect(&admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&pool)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await?;
    pool.close().await;
    let cut = admin.rfind('/').unwrap_or(admin.len());
    Ok(Some(format!("{}/{name}", &admin[..cut])))
}

/// `ebok serve` with `envs`, its log in `dir`.
fn start(url: &str, dir: &Path, envs: &[(&str, String)]) -> Serve {
    Launch::new(url)
        .env("RUST_LOG", "warn")
        .envs(envs)
        .log_to(&dir.join("ebok-serve.log"))
        .start()
}

/// The process's peak resident memory (VmHWM), in MB.
fn peak_mb(serve: &Serve) -> f64 {
    serve.proc_status("VmHWM") / 1024.0
}

fn announcement(n: usize) -> Payload {
    // The staff notice's template stands in for the announcement's: one short HTML
    // message with two buttons, like a notification.
    Payload::new(
        Lang::Pl,
        "staff_new_request",
        serde_json::json!({"id": n, "kind": "person",
            "name": "Awaria sieci ciepłowniczej: ul. Długa 1–15, do 2 grudnia 18:00",
            "email": "bok@example.test", "verification": {"flags": [], "all_ok": false}}),
    )
}

/// Writes one notification row per recipient in one transaction; returns when its
/// commit was asked for (the rows are visible to ebok serve from then on).
async fn enqueue(
    store: &Store,
    channel: &str,
    recipients: &[String],
    copies: usize,
) -> anyhow::Result<Instant> {
    let mut tx = store.begin().await?;
    for (i, r) in recipients.iter().enumerate() {
        for c in 0..copies {
            tx.enqueue_scheduled(
                &format!("notify:bench-{c}:{channel}:{r}"),
                channel,
                r,
                &announcement(i).to_json(),
                Schedule::default(),
            )
            .await?;
        }
    }
    let committing = Instant::now();
    tx.commit().await?;
    Ok(committing)
}

/// `chats` customers, each with an account subscribed to announcements in its own
/// Telegram chat (ids from 10 000 001), in three set-based statements.
async fn subscribers(store: &Store, chats: usize) -> anyhow::Result<()> {
    let numbers = format!(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {chats}) "
    );
    let created = "'2026-11-30T08:00:00+00:00'";
    let statements = [
        format!(
            "INSERT INTO customers (number, kind, name, address, area, row_hash) {numbers}\
             SELECT 'BENCH-' || CAST(n AS TEXT), 'person', 'Klient ' || CAST(n AS TEXT), \
             'ul. Długa ' || CAST(n AS TEXT), 'WS-31', '' FROM g"
        ),
        format!(
            "INSERT INTO accounts (identifier, role, customer_id, name, password_hash, \
             must_change, created_at) SELECT 'EB9' || CAST(c.id AS TEXT), 'customer', c.id, \
             c.name, 'x', FALSE, {created} FROM customers c WHERE c.number LIKE 'BENCH-%'"
        ),
        format!(
            "INSERT INTO notify_subscriptions (account_id, channel, recipient, kind, since_on, \
             created_at) SELECT a.id, 'telegram', CAST(10000000 + a.id AS TEXT), \
             'announcement', '2026-11-30', {created} FROM accounts a \
             WHERE a.identifier LIKE 'EB9%'"
        ),
    ];
    for sql in &statements {
        ebok::on_pool!(store, |p| sqlx::query(sql).execute(p).await.map(|_| ()))?;
    }
    Ok(())
}

/// Publishes a failure notice to everyone as `komunikat … wyslij` does (the message and
/// its notices in one transaction); returns when its commit was asked for.
async fn announce(store: &Store) -> anyhow::Result<Instant> {
    let today = chrono::Utc::now().date_naive();
    let mut tx = store.begin().await?;
    tx.insert_announcement(&NewAnnouncement {
        reference: "EBOK-BENCH-1",
        kind: "failure",
        title: "Awaria sieci ciepłowniczej",
        body: "Ulica Długa 1–15: brak ciepła do 2 grudnia, godz. 18:00. Przepraszamy.",
        valid_from: today,
        valid_to: None,
        area: None,
    })
    .await?;
    let now = chrono::Utc::now();
    let timing = Timing {
        now,
        held_until: now,
    };
    ebok::notify::events::announcement(&mut tx, "EBOK-BENCH-1", "failure", &[], timing).await?;
    let committing = Instant::now();
    tx.commit().await?;
    Ok(committing)
}

async fn wait_all_sent(
    store: &Store,
    serve: &mut Serve,
    total: usize,
    limit: Duration,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = serve.child.try_wait()? {
            anyhow::bail!("ebok serve ended ({status}): see its log");
        }
        let counts = store.outbox_counts().await?;
        let done: i64 = counts
            .iter()
            .filter(|(s, _)| s != "pending")
            .map(|(_, n)| n)
            .sum();
        if done as usize >= total {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "not done: {counts:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn telegram(
    label: &str,
    url: &str,
    dir: &Path,
    scale: u32,
    chats: usize,
) -> anyhow::Result<()> {
    let fake = FakeTelegram::start().await;
    fake.set_require_known_chat(false);
    let mut env = telegram_env(&fake);
    env.extend([
        (
            "EBOK_TELEGRAM__MESSAGES_PER_SECOND",
            (30 * scale).to_string(),
        ),
        ("EBOK_TELEGRAM__CHAT_MESSAGES_PER_SECOND", scale.to_string()),
    ]);
    let mut serve = start(url, dir, &env);
    anyhow::ensure!(
        fake.wait_until(
            |f| f.my_commands(Some("en")).is_some(),
            Duration::from_secs(60)
        )
        .await,
        "ebok serve did not start"
    );
    let store = Store::open(url).await?;
    fake.enforce_limits(Some(Limits::telegram().scaled(f64::from(scale))));
    subscribers(&store, chats).await?;
    let written = Instant::now();
    let committed = announce(&store).await?;
    let write_s = (committed - written).as_secs_f64();
    let allowed = 30.0 * f64::from(scale);
    wait_all_sent(
        &store,
        &mut serve,
        chats,
        Duration::from_secs_f64(chats as f64 / allowed * 3.0 + 120.0),
    )
    .await?;
    let peak = peak_mb(&serve);
    serve.kill().await;
    let stats = fake.limit_stats();
    let rate = (stats.accepted.saturating_sub(1)) as f64 / stats.span_seconds.max(1e-9);
    let first = stats.first.map_or(f64::NAN, |f| {
        f.saturating_duration_since(committed).as_secs_f64()
    });
    let too_many = fake
        .errors()
        .iter()
        .filter(|c| matches!(&c.result, Err(e) if e.code == 429))
        .count();
    let sent = store.outbox_counts().await?;
    println!(
        "\nTelegram announcement, {label}: {chats} chats, Telegram's limits × {scale} \
         (allowed {allowed:.0} messages/s, per chat {scale}/s)"
    );
    println!("  announcement and its notices written in one transaction: {write_s:.1} s");
    println!(
        "  achieved {rate:.1} messages/s over {:.1} s = {:.3} of the allowed rate (target ≥ 0.95)",
        stats.span_seconds,
        rate / allowed
    );
    println!(
        "  429s received: {too_many} (target 0); messages accepted: {}",
        stats.accepted
    );
    println!("  commit → first message: {:.3} s (target ≤ 1 s)", first);
    println!("  peak memory of ebok serve: {peak:.1} MB; outbox: {sent:?}");
    Ok(())
}

async fn email(
    mail: &mail_support::MailEnv,
    url: &str,
    dir: &Path,
    addresses: usize,
) -> anyhow::Result<()> {
    let window = 5;
    let mut env = smtp_env(mail, mail.smtp_port, &mail.fresh_address_with("ebok"), 30);
    env.push(("EBOK_SMTP__DIGEST_WINDOW_SECONDS", window.to_string()));
    let mut serve = start(url, dir, &env);
    // The schema is ebok serve's: it has migrated once it is ready.
    let (_, ready) = serve.wait_ready(true).await;
    anyhow::ensure!(
        ready["ready"] == true,
        "ebok serve is not ready: {ready}\n{}",
        serve.tail(30)
    );
    let store = Store::open(url).await?;
    let recipients: Vec<String> = (0..addresses)
        .map(|i| {
            format!(
                "digest-{i:05}-{:06x}@{}",
                rand::random::<u32>() >> 8,
                mail.domain
            )
        })
        .collect();
    // Three notifications per address in the window: one digest each.
    let committed = enqueue(&store, "email", &recipients, 3).await?;
    let closes = committed + Duration::from_secs(window);
    wait_all_sent(&store, &mut serve, addresses * 3, Duration::from_secs(3600)).await?;
    let done = Instant::now();
    let peak = peak_mb(&serve);
    serve.kill().await;
    let sending = (done - closes).as_secs_f64();
    let sample = mail.fetch_all(&recipients[addresses / 2]).await?;
    println!(
        "\nEmail digests, SQLite: {addresses} addresses × 3 notifications, window {window} s, \
         through Postfix (STARTTLS) into Dovecot"
    );
    println!(
        "  {addresses} digests sent in {sending:.1} s after the window closed: {:.1} mails/s",
        addresses as f64 / sending
    );
    println!(
        "  a sample mailbox holds {} mail(s), subject {:?}",
        sample.len(),
        sample.first().and_then(|m| m.subject.clone())
    );
    println!("  peak memory of ebok serve: {peak:.1} MB");
    Ok(())
}
