//! What the benches that read the 100k-customer data set share: where it is, a store
//! with it loaded (imported once, kept for reruns), and a PostgreSQL database by name.

use ebok::store::Store;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// bench-data/ and its generated export (from `cargo bench --bench import`).
pub fn data_set() -> anyhow::Result<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data");
    let data = root.join("import-100k");
    anyhow::ensure!(
        data.join("complete").exists(),
        "{} is missing: run `cargo bench --bench import` first",
        data.display()
    );
    Ok((root, data))
}

/// Opens `url` and imports the data set into it unless an earlier run did.
pub async fn loaded_store(label: &str, url: &str, data: &Path) -> anyhow::Result<Store> {
    let store = Store::open(url).await?;
    if store.setting("bench_loaded").await?.is_none() {
        let started = Instant::now();
        ebok::import::run(&store, b"bench-pesel-key", data)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        store.setting_or_insert("bench_loaded", "yes").await?;
        println!(
            "{label}: imported the bench data in {:.1} s (not timed below)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(store)
}

/// The URL of database `name` on the server of `admin` (EBOK_BENCH_PG_URL), created when
/// missing; `None` when EBOK_BENCH_PG_URL is not set.
pub async fn pg_database(name: &str) -> anyhow::Result<Option<String>> {
    let Ok(admin) = std::env::var("EBOK_BENCH_PG_URL") else {
        println!("\nEBOK_BENCH_PG_URL not set: PostgreSQL skipped");
        return Ok(None);
    };
    let pool = sqlx::PgPool::connect(&admin).await?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&pool)
        .await?;
    if exists.is_none() {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await?;
    }
    pool.close().await;
    let cut = admin.rfind('/').unwrap_or(admin.len());
    Ok(Some(format!("{}/{name}", &admin[..cut])))
}
