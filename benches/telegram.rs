//! The Telegram front end under load, through the fake Bot API: many logged-in customers
//! (100k customers, 2.4M invoices in the database) asking for their balance and their
//! bills, beside a bare teloxide echo bot on the same fake in the same run. Both run
//! without pacing and the fake without flood limits, so the difference is what ebok
//! itself costs per command. Prints commands per second and the latency from the update
//! (pushed to the fake) to the reply (accepted by the fake), p50 / p99.
//!
//!     cargo bench --bench import      # once: generates bench-data/import-100k
//!     cargo bench --bench telegram
//!
//! The loaded SQLite database is kept in bench-data/telegram.sqlite for reruns. Users
//! work in a closed loop: each sends its next command when the previous reply arrived.

#[path = "support/load.rs"]
mod load;
#[path = "support/mod.rs"]
mod support;

use ebok::app::App;
use ebok::domain::model::Role;
use ebok::store::{NewAccount, Store};
use fake_telegram::FakeTelegram;
use load::{COMMANDS, Figures, drive, push_texts};
use std::time::{Duration, Instant};
use teloxide::prelude::*;

/// Simulated users (each one Telegram chat with a logged-in customer).
const USERS: usize = 100;
/// What a customer asks for, in turn.
const ASKED: [&str; 2] = ["saldo", "rachunki"];
/// A user's first chat id (ids are distinct from any other bench data).
const FIRST_CHAT: i64 = 5_000_000;

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("telegram benchmark: run it with `cargo bench --bench telegram`");
        return Ok(());
    }
    let (root, data) = support::data_set()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let url = format!("sqlite:{}", root.join("telegram.sqlite").display());
        let mut backends = vec![(
            "SQLite",
            url.clone(),
            support::loaded_store("SQLite", &url, &data).await?,
        )];
        if let Some(url) = support::pg_database("ebok_bench_telegram").await? {
            let store = support::loaded_store("PostgreSQL", &url, &data).await?;
            backends.push(("PostgreSQL", url, store));
        }
        println!(
            "\n{USERS} users × {COMMANDS} commands ({}), closed loop, no pacing, no flood limits\n",
            ASKED.join(" / ")
        );
        println!(
            "{:<32} {:>11} {:>9} {:>9} {:>9}",
            "bot", "commands/s", "p50 ms", "p99 ms", "n"
        );
        // EBOK_BENCH_ONLY=echo|sized|ebok|core runs one kind of row (for profiling).
        let only = std::env::var("EBOK_BENCH_ONLY").ok();
        let wanted = |row: &str| only.as_deref().is_none_or(|o| o == row);
        let mut echo_rate = None;
        let mut sized_rate = None;
        if wanted("echo") {
            let echo = run_echo(false).await?;
            println!("{}", echo.row("bare teloxide echo bot"));
            echo_rate = Some(echo.rate);
        }
        if wanted("sized") {
            let sized = run_echo(true).await?;
            println!("{}", sized.row("  same, ebok-sized replies"));
            sized_rate = Some(sized.rate);
        }
        let mut ratios = Vec::new();
        for (label, url, store) in backends {
            if wanted("ebok") {
                let ebok = run_ebok(&url, store.clone()).await?;
                println!("{}", ebok.row(&format!("ebok ({label}, 100k customers)")));
                ratios.push((label, ebok.rate));
            }
            if wanted("core") {
                let core = run_core_only(&url, store).await?;
                println!("{}", core.row("  its core alone, in process"));
            }
        }
        for (label, rate) in ratios {
            if let Some(echo) = echo_rate {
                println!(
                    "\nebok ({label}) / echo: {:.2} of the echo bot's rate (target ≥ 0.90)",
                    rate / echo
                );
            }
            if let Some(sized) = sized_rate {
                println!(
                    "ebok ({label}) / echo with ebok-sized replies: {:.2}",
                    rate / sized
                );
            }
        }
        anyhow::Ok(())
    })
}

/// Accounts for customers spread over the data set, each logged in on its chat (the
/// session is started directly: argon2 is not what this measures).
async fn log_in_users(app: &App) -> anyhow::Result<Vec<i64>> {
    let hash = ebok::core::password::hash("bench-password-123".to_string()).await?;
    let mut chats = Vec::new();
    for i in 0..USERS {
        let number = format!("B-{:06}", 1 + i * 997);
        let customer_id = app
            .store
            .customer_id_by_number(&number)
            .await?
            .ok_or_else(|| anyhow::anyhow!("bench customer {number} not found"))?;
        let identifier = format!("TGBENCH{i:05}");
        let account = match app.store.account_by_identifier(&identifier).await? {
            Some(a) => a.id,
            None => {
                let mut tx = app.store.begin().await?;
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
        let mut tx = app.store.begin().await?;
        tx.start_session("telegram", &chat.to_string(), account)
            .await?;
        tx.commit().await?;
        chats.push(chat);
    }
    Ok(chats)
}

async fn run_ebok(url: &str, store: Store) -> anyhow::Result<Figures> {
    let fake = FakeTelegram::start().await;
    let mut settings = ebok::config::Settings::defaults()?;
    settings.database.url = url.to_string();
    settings.telegram = Some(ebok::config::Telegram {
        token: secrecy::SecretString::from("123456:BENCH"),
        api_url: Some(fake.url().to_string()),
        staff_chats: vec![],
        webhook_url: None,
        webhook_listen: None,
        webhook_secret: None,
        messages_per_second: 0,
        poll_timeout_seconds: 25,
        webhook_claim_seconds: 15,
        chat_messages_per_second: 0,
        chat_burst: 1,
        allow_paid_broadcast: false,
        paid_messages_per_second: 1000,
        outbox_lease_seconds: 30,
    });
    let app = App::with_store(settings, store).await?;
    app.core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default());
    let chats = log_in_users(&app).await?;
    let bot = tokio::spawn(ebok::channels::telegram::run(app.clone()));
    anyhow::ensure!(
        fake.wait_until(
            |f| f.my_commands(Some("en")).is_some(),
            Duration::from_secs(30)
        )
        .await,
        "the bot did not start"
    );
    let figures = drive(&fake, &chats, push_texts(&fake, &ASKED)).await;
    bot.abort();
    let errors = fake.errors();
    anyhow::ensure!(errors.is_empty(), "the fake refused: {errors:?}");
    figures
}

/// The same load on `core.handle` + rendering, without Telegram: what the core costs.
async fn run_core_only(url: &str, store: Store) -> anyhow::Result<Figures> {
    let mut settings = ebok::config::Settings::defaults()?;
    settings.database.url = url.to_string();
    let app = App::with_store(settings, store).await?;
    app.core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default());
    let chats = log_in_users(&app).await?;
    let started = Instant::now();
    let mut users = Vec::new();
    for chat in chats {
        let app = app.clone();
        users.push(tokio::spawn(async move {
            let origin = ebok::core::Origin::new(ebok::core::Channel::Telegram, chat.to_string());
            let mut latencies = Vec::with_capacity(COMMANDS);
            for i in 0..COMMANDS {
                let sent = Instant::now();
                let reply = app.core.handle(&origin, ASKED[i % ASKED.len()]).await;
                let _ = app.renderer.reply(ebok::render::Flavour::Telegram, &reply);
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for u in users {
        latencies.extend(u.await?);
    }
    Ok(Figures {
        rate: latencies.len() as f64 / started.elapsed().as_secs_f64(),
        latencies,
    })
}

/// The echo bot; `sized`: it answers with HTML and buttons of the size of ebok's
/// replies (a panel with two buttons for `saldo`, a page of ten bills with 21 buttons for
/// `rachunki`), to show what the fake and the transport cost for them.
async fn run_echo(sized: bool) -> anyhow::Result<Figures> {
    let fake = FakeTelegram::start().await;
    let bot = Bot::new("654321:ECHO").set_api_url(fake.api_url());
    let handler = Update::filter_message().endpoint(move |bot: Bot, msg: Message| async move {
        if sized && msg.text() == Some("saldo") {
            bot.send_message(msg.chat.id, panel())
                .parse_mode(teloxide::types::ParseMode::Html)
                .reply_markup(panel_buttons())
                .await?;
        } else if sized {
            bot.send_message(msg.chat.id, page_of_bills())
                .parse_mode(teloxide::types::ParseMode::Html)
                .reply_markup(ten_rows())
                .await?;
        } else {
            bot.send_message(msg.chat.id, msg.text().unwrap_or("?"))
                .await?;
        }
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let task = tokio::spawn(async move { dispatcher.dispatch().await });
    let chats: Vec<i64> = (0..USERS as i64).map(|i| FIRST_CHAT + i).collect();
    let figures = drive(&fake, &chats, push_texts(&fake, &ASKED)).await;
    task.abort();
    figures
}

fn panel() -> String {
    "👤 <b>Jan Kowalski</b> (nr klienta K-00102)\n\nOgólne bieżące saldo: <b>937,28 zł do \
     zapłaty</b>\nNiezapłacone rachunki: 2\n⚠️ Po terminie: 1 na 934,30 zł, odsetki do dziś \
     11,23 zł\nNajbliższy termin: 24.04.2025 — 2,98 zł (NO/2025/04/000007)\n\nStan na \
     22.04.2025. Dalej: <code>rachunki</code>, <code>kalendarz</code>, <code>pomoc</code>."
        .to_string()
}

fn panel_buttons() -> teloxide::types::InlineKeyboardMarkup {
    use teloxide::types::InlineKeyboardButton as B;
    teloxide::types::InlineKeyboardMarkup::new([[
        B::callback("📄 Rachunki", "rachunki"),
        B::callback("📅 Kalendarz", "kalendarz"),
    ]])
}

fn page_of_bills() -> String {
    let mut html = String::from("<b>Rachunki i płatności</b> — strona 1 z 3 (24 dok.)\n");
    for i in 1..=10 {
        html.push_str(&format!(
            "\nFaktura <b>FV/2026/{i:02}/000101</b>\nwystawiona 31.{i:02}.2026 · termin 14.{i:02}.2026\n\
             Ciepło – miesiąc {i}\n<pre>obciążenie     1 208,82 zł\nuznanie        1 208,82 zł\n\
             do zapłaty         0,00 zł\nodsetki            0,00 zł</pre>\nPDF: <code>pdf FV/2026/{i:02}/000101</code>\n"
        ));
    }
    html
}

fn ten_rows() -> teloxide::types::InlineKeyboardMarkup {
    use teloxide::types::InlineKeyboardButton as B;
    let mut rows: Vec<Vec<B>> = (1..=10)
        .map(|i| {
            vec![
                B::callback(
                    format!("🔍 FV/2026/{i:02}/000101"),
                    format!("faktura FV/2026/{i:02}/000101"),
                ),
                B::callback(
                    format!("⬇️ PDF FV/2026/{i:02}/000101"),
                    format!("pdf FV/2026/{i:02}/000101"),
                ),
            ]
        })
        .collect();
    rows.push(vec![B::callback("strona 2 ▶", "rachunki 2")]);
    teloxide::types::InlineKeyboardMarkup::new(rows)
}
