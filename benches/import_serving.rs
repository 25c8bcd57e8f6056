//! Customers served while a large import runs: the 100k-customer data set's customers
//! are imported first (alone), 200 of them log in, then the whole data set (2.4 million
//! invoices, 960 000 line items) is imported while four clients keep asking for the
//! bills page (`rachunki`) of those customers. Prints the view latency during the
//! import and after it, how many replies were errors, and the invoice counts another
//! connection saw meanwhile (only "none yet" or "all" may appear: never half an import).
//!
//!     cargo bench --bench import        # once: generates bench-data/import-100k
//!     cargo bench --bench import_serving
//!
//! SQLite always (a fresh file); PostgreSQL when EBOK_BENCH_PG_URL names a server (admin
//! URL; a fresh database, dropped afterwards).

// Only the data set's location is needed here.
#[allow(dead_code)]
#[path = "support/mod.rs"]
mod support;

use ebok::app::App;
use ebok::core::{Channel, Origin};
use ebok::domain::model::Role;
use ebok::render::Flavour;
use ebok::store::{NewAccount, Store};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const SESSIONS: usize = 200;
const CLIENTS: usize = 4;
const PASSWORD: &str = "bench-password-123";
const KEY: &[u8] = b"bench-pesel-key";

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("import_serving benchmark: run it with `cargo bench --bench import_serving`");
        return Ok(());
    }
    let (_, data) = support::data_set()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let tmp = tempfile::tempdir()?;
        let url = format!("sqlite:{}", tmp.path().join("serving.sqlite").display());
        run("SQLite", &url, &data).await?;
        if let Ok(admin) = std::env::var("EBOK_BENCH_PG_URL") {
            let name = format!("ebok_bench_serving_{}", std::process::id());
            let pool = sqlx::PgPool::connect(&admin).await?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await?;
            let cut = admin.rfind('/').unwrap_or(admin.len());
            let result = run("PostgreSQL", &format!("{}/{name}", &admin[..cut]), &data).await;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&pool)
                .await?;
            result?;
        } else {
            println!("\nEBOK_BENCH_PG_URL not set: PostgreSQL skipped");
        }
        anyhow::Ok(())
    })
}

#[derive(Default)]
struct Samples {
    during: Vec<Duration>,
    after: Vec<Duration>,
    errors: usize,
}

async fn run(label: &str, url: &str, data: &Path) -> anyhow::Result<()> {
    let store = Store::open(url).await?;
    let customers_only = tempfile::tempdir()?;
    std::fs::copy(
        data.join("customers.csv"),
        customers_only.path().join("customers.csv"),
    )?;
    ebok::import::run(&store, KEY, customers_only.path())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut settings = ebok::config::Settings::defaults()?;
    settings.database.url = url.to_string();
    let app = Arc::new(App::with_store(settings, store.clone()).await?);
    app.core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default());
    let origins = Arc::new(log_in_many(&app).await?);

    let importing = Arc::new(AtomicBool::new(true));
    let started = Instant::now();
    let import = {
        let (store, data, importing) = (store.clone(), data.to_path_buf(), importing.clone());
        tokio::spawn(async move {
            let result = ebok::import::run(&store, KEY, &data).await;
            importing.store(false, Ordering::SeqCst);
            result.map_err(|e| anyhow::anyhow!("{e}"))
        })
    };
    let watcher = {
        let (store, importing) = (store.clone(), importing.clone());
        tokio::spawn(async move {
            let mut seen = BTreeSet::new();
            loop {
                let done = !importing.load(Ordering::SeqCst);
                let n: i64 = ebok::on_pool!(&store, |p| sqlx::query_scalar(
                    "SELECT COUNT(*) FROM invoices"
                )
                .fetch_one(p)
                .await)?;
                seen.insert(n);
                if done {
                    return anyhow::Ok(seen);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (app, origins, importing) = (app.clone(), origins.clone(), importing.clone());
        clients.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut after_rounds = 0;
            let mut i = c;
            // Until the import is over, then as many requests again afterwards.
            while importing.load(Ordering::SeqCst) || after_rounds < samples.during.len() {
                let during = importing.load(Ordering::SeqCst);
                let origin = &origins[i % origins.len()];
                i += CLIENTS;
                let t = Instant::now();
                let reply = app.core.handle(origin, "rachunki").await;
                let took = t.elapsed();
                let text = app.renderer.reply(Flavour::Text, &reply)?;
                if text.contains("Coś poszło nie tak") || text.contains("wymaga zalogowania") {
                    samples.errors += 1;
                }
                if during {
                    samples.during.push(took);
                } else {
                    samples.after.push(took);
                    after_rounds += 1;
                }
            }
            anyhow::Ok(samples)
        }));
    }
    let report = import.await??;
    let import_seconds = started.elapsed().as_secs_f64();
    let seen = watcher.await??;
    let mut all = Samples::default();
    for client in clients {
        let s = client.await??;
        all.during.extend(s.during);
        all.after.extend(s.after);
        all.errors += s.errors;
    }
    println!(
        "\n{label}: import of {} rows in {import_seconds:.1} s while {CLIENTS} clients asked for \
         the bills page of {} logged-in customers",
        report.files.iter().map(|f| f.rows).sum::<u64>(),
        origins.len()
    );
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>8}",
        "bills page", "p50 ms", "p99 ms", "max ms", "n"
    );
    print_row("during import", &mut all.during);
    print_row("after import", &mut all.after);
    println!("error replies: {}", all.errors);
    println!("invoice counts seen by another connection meanwhile: {seen:?}");
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
            anyhow::bail!("bench customer {number} not found");
        };
        let identifier = format!("BENCH{i:05}");
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
        let origin = Origin::new(Channel::Console, format!("bench-{i}"));
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
    if samples.is_empty() {
        println!("{name:<16} no samples");
        return;
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<16} {:>9.1} {:>9.1} {:>9.1} {:>8}",
        ms(at(0.50)),
        ms(at(0.99)),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}
