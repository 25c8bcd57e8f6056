//! Latency of each customer view, in process, on 100k customers / 2.4M invoices:
//! `core.handle` (session check, queries, interest) plus rendering to text, for many
//! logged-in customers. Prints p50 / p99 / max per view, on SQLite and, when
//! EBOK_BENCH_PG_URL names a PostgreSQL server (admin URL), on PostgreSQL.
//!
//!     cargo bench --bench import     # once: generates bench-data/import-100k
//!     cargo bench --bench views
//!
//! The loaded SQLite database is kept in bench-data/views.sqlite for reruns.

use ebok::app::App;
use ebok::core::{Channel, Origin};
use ebok::domain::model::Role;
use ebok::render::Flavour;
use ebok::store::{NewAccount, Store};
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data");
    let data = root.join("import-100k");
    anyhow::ensure!(
        data.join("complete").exists(),
        "{} is missing: run `cargo bench --bench import` first",
        data.display()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let url = format!("sqlite:{}", root.join("views.sqlite").display());
        run("SQLite", &url, &data).await?;
        if let Ok(admin) = std::env::var("EBOK_BENCH_PG_URL") {
            let name = "ebok_bench_views";
            let pool = sqlx::PgPool::connect(&admin).await?;
            let exists: Option<i32> =
                sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(name)
                    .fetch_optional(&pool)
                    .await?;
            if exists.is_none() {
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await?;
            }
            let cut = admin.rfind('/').unwrap_or(admin.len());
            run("PostgreSQL", &format!("{}/{name}", &admin[..cut]), &data).await?;
        } else {
            println!("\nEBOK_BENCH_PG_URL not set: PostgreSQL skipped");
        }
        anyhow::Ok(())
    })
}

async fn run(label: &str, url: &str, data: &Path) -> anyhow::Result<()> {
    let store = Store::open(url).await?;
    if store.setting("bench_loaded").await?.is_none() {
        let started = Instant::now();
        ebok::import::run(&store, b"bench-pesel-key", data)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        store.setting_or_insert("bench_loaded", "yes").await?;
        println!(
            "{label}: imported the bench data in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let mut settings = ebok::Settings::defaults()?;
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
        "{:<24} {:>9} {:>9} {:>9} {:>8}",
        "view", "p50 ms", "p99 ms", "max ms", "n"
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
        let mut samples = Vec::with_capacity(origins.len() * ROUNDS);
        for _ in 0..ROUNDS {
            for origin in &origins {
                let started = Instant::now();
                let reply = app.core.handle(origin, command).await;
                let text = app.renderer.reply(Flavour::Text, &reply)?;
                samples.push(started.elapsed());
                anyhow::ensure!(
                    !text.contains("wymaga zalogowania"),
                    "{command}: session lost"
                );
            }
        }
        print_row(name, &mut samples);
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
            .end_session(origin.channel.as_str(), &origin.source)
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

fn print_row(name: &str, samples: &mut [Duration]) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<24} {:>9.3} {:>9.3} {:>9.3} {:>8}",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}
