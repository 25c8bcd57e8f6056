//! Latency of each customer view, in process, on 100k customers / 2.4M invoices:
//! `core.handle` (session check, queries, interest) plus rendering to text, for many
//! logged-in customers, after one untimed warm-up round per view. Prints p50 / p99 /
//! max per view, on SQLite and, when EBOK_BENCH_PG_URL names a PostgreSQL server (admin
//! URL), on PostgreSQL.
//!
//!     cargo bench --bench import     # once: generates bench-data/import-100k
//!     cargo bench --bench views
//!
//! The loaded SQLite database is kept in bench-data/views.sqlite for reruns.

#[path = "support/mod.rs"]
mod support;

use ebok::app::App;
use ebok::core::{Channel, Origin};
use ebok::domain::model::Role;
use ebok::render::Flavour;
use ebok::store::NewAccount;
use std::path::Path;
use std::time::{Duration, Instant};

const SESSIONS: usize = 200;
const ROUNDS: usize = 10;
const PASSWORD: &str = "bench-password-123";

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("views benchmark: run it with `cargo bench --bench views`");
        return Ok(());
    }
    let (root, data) = support::data_set()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let url = format!("sqlite:{}", root.join("views.sqlite").display());
        run("SQLite", &url, &data).await?;
        if let Some(url) = support::pg_database("ebok_bench_views").await? {
            run("PostgreSQL", &url, &data).await?;
        }
        anyhow::Ok(())
    })
}

async fn run(label: &str, url: &str, data: &Path) -> anyhow::Result<()> {
    let store = support::loaded_store(label, url, data).await?;
    let mut settings = ebok::config::Settings::defaults()?;
    settings.database.url = url.to_string();
    let app = App::with_store(settings, store.clone()).await?;
    app.core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default());
    let origins = log_in_many(&app).await?;
    println!(
        "\n{label}: {} logged-in customers, {ROUNDS} rounds, each view per customer per round",
        origins.len()
    );
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>8} {:>14}",
        "view", "p50 ms", "p99 ms", "max ms", "n", "render p50 ms"
    );
    for (name, command) in [
        ("panel (saldo)", "saldo"),
        ("bills page (rachunki)", "rachunki"),
        ("bills page 2", "rachunki 2"),
        ("calendar (kalendarz)", "kalendarz 2026-10"),
        ("collections", "windykacje"),
        ("documents", "dokumenty"),
        ("messages", "wiadomosci"),
    ] {
        // One untimed round first: the figures are for pages the database already has
        // in memory (a server that has been running), not for the first read from disk.
        for origin in &origins {
            let reply = app.core.handle(origin, command).await;
            app.renderer.reply(Flavour::Text, &reply)?;
        }
        let mut samples = Vec::with_capacity(origins.len() * ROUNDS);
        let mut rendering = Vec::with_capacity(origins.len() * ROUNDS);
        for _ in 0..ROUNDS {
            for origin in &origins {
                let started = Instant::now();
                let reply = app.core.handle(origin, command).await;
                let handled = Instant::now();
                let text = app.renderer.reply(Flavour::Text, &reply)?;
                samples.push(started.elapsed());
                rendering.push(handled.elapsed());
                anyhow::ensure!(
                    !text.contains("wymaga zalogowania"),
                    "{command}: session lost"
                );
            }
        }
        rendering.sort();
        print_row(name, &mut samples, rendering[rendering.len() / 2]);
    }
    store.close().await;
    Ok(())
}

/// Creates accounts for customers spread over the data set and logs each in once.
async fn log_in_many(app: &App) -> anyhow::Result<Vec<Origin>> {
    let hash = ebok::core::password::hash(PASSWORD.to_string()).await?;
    let mut origins = Vec::new();
    for i in 0..SESSIONS {
        let number = format!("B-{:06}", 1 + i * 499);
        let Some(customer_id) = app.store.customer_id_by_number(&number).await? else {
            anyhow::bail!(
                "bench customer {number} not found: is bench-data from benches/import.rs?"
            );
        };
        let identifier = format!("BENCH{i:05}");
        if app
            .store
            .account_by_identifier(&identifier)
            .await?
            .is_none()
        {
            let mut tx = app.store.begin().await?;
            tx.insert_account(&NewAccount {
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
        }
        let origin = Origin::new(Channel::Console, format!("bench-{i}"));
        // A rerun starts clean: the previous run's session would have expired by now.
        app.store
            .end_chat_sessions(origin.channel.as_str(), &origin.source)
            .await?;
        let reply = app
            .core
            .handle(&origin, &format!("zaloguj {identifier} {PASSWORD}"))
            .await;
        anyhow::ensure!(
            reply.logged_in_as.is_some(),
            "login of {identifier} failed: {}",
            app.renderer.reply(Flavour::Text, &reply)?
        );
        origins.push(origin);
    }
    Ok(origins)
}

fn print_row(name: &str, samples: &mut [Duration], render_p50: Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<24} {:>9.3} {:>9.3} {:>9.3} {:>8} {:>14.3}",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(samples[samples.len() - 1]),
        samples.len(),
        ms(render_p50)
    );
}
