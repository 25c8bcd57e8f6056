//! Test helpers: a fresh database per test on either backend.

use ebok::store::Store;
use std::sync::atomic::{AtomicU32, Ordering};

/// Which backends this run covers: SQLite always; PostgreSQL when EBOK_TEST_PG_URL is
/// set (scripts/test sets it). Under CI a missing PostgreSQL is an error, not a skip.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    match std::env::var("EBOK_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => list.push(Backend::Postgres(url)),
        _ if std::env::var("CI").is_ok() => {
            panic!("CI is set but EBOK_TEST_PG_URL is not: run scripts/test")
        }
        _ => eprintln!("EBOK_TEST_PG_URL not set: PostgreSQL cases skipped (scripts/test sets it)"),
    }
    list
}

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new(backend: &Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite:{}", dir.path().join("ebok.sqlite").display());
                let store = Store::open(&url).await.expect("open SQLite");
                TestDb {
                    store,
                    url,
                    label: "sqlite",
                    _dir: Some(dir),
                    pg_admin: None,
                }
            }
            Backend::Postgres(admin_url) => {
                let name = format!(
                    "ebok_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand_suffix()
                );
                let admin = sqlx::PgPool::connect(admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create test database");
                admin.close().await;
                let url = replace_db_name(admin_url, &name);
                let store = Store::open(&url).await.expect("open PostgreSQL");
                TestDb {
                    store,
                    url,
                    label: "postgres",
                    _dir: None,
                    pg_admin: Some((admin_url.clone(), name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg_admin.take() {
            // Dropped from sync code: a short-lived runtime on its own thread.
            let store = self.store.clone();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    store.close().await;
                    if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&admin)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}

fn rand_suffix() -> u32 {
    use rand::Rng;
    rand::thread_rng().r#gen::<u32>() % 100_000
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("database URL has a path");
    format!("{}/{}{}", &base[..cut], name, query)
}
