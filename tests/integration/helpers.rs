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

pub use crate::serve::OWN_BANK_ACCOUNT;

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
            // Dropped from sync code, possibly on the test's runtime thread: a separate
            // thread with its own runtime. The test's pool is not awaited here (its
            // runtime is blocked by this join); FORCE ends its connections.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&admin)
                                .await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn rand_suffix() -> u32 {
    use rand::Rng;
    rand::thread_rng().r#gen::<u32>() % 100_000
}

pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("database URL has a path");
    format!("{}/{}{}", &base[..cut], name, query)
}

/// The real application on a fresh database, with a console-like chat to drive it.
pub struct TestApp {
    pub app: ebok::app::App,
    pub db: TestDb,
}

impl TestApp {
    pub async fn new(backend: &Backend) -> TestApp {
        TestApp::with_settings(backend, |_| {}).await
    }

    pub async fn with_settings(
        backend: &Backend,
        tweak: impl FnOnce(&mut ebok::config::Settings),
    ) -> TestApp {
        let db = TestDb::new(backend).await;
        let mut settings = ebok::config::Settings::defaults().expect("default settings");
        settings.database.url = db.url.clone();
        tweak(&mut settings);
        let app = ebok::app::App::with_store(settings, db.store.clone())
            .await
            .expect("build the app");
        TestApp { app, db }
    }

    /// A chat on `channel` as `source`.
    pub fn chat(&self, channel: ebok::core::Channel, source: &str) -> Chat<'_> {
        Chat {
            app: &self.app,
            origin: ebok::core::Origin::new(channel, source),
        }
    }

    pub fn console(&self, source: &str) -> Chat<'_> {
        self.chat(ebok::core::Channel::Console, source)
    }

    /// Creates an account with a known, ready-to-use password (no forced change).
    pub async fn account(&self, customer_id: Option<i64>, name: &str, password: &str) -> String {
        self.account_with_email(customer_id, name, password, "klient@example.test")
            .await
    }

    /// [`TestApp::account`] with `email` as the address on file.
    pub async fn account_with_email(
        &self,
        customer_id: Option<i64>,
        name: &str,
        password: &str,
        email: &str,
    ) -> String {
        let role = if customer_id.is_some() {
            Role::Customer
        } else {
            Role::Staff
        };
        let mut tx = self.app.store.begin().await.unwrap();
        let creds = self
            .app
            .core
            .create_account(
                &mut tx,
                role,
                customer_id,
                name,
                Some(email),
                FirstPassword::Permanent,
            )
            .await
            .unwrap();
        let hash = ebok::core::password::hash(password.to_string())
            .await
            .unwrap();
        let id = self
            .app
            .store
            .account_by_identifier(&creds.identifier)
            .await
            .unwrap();
        assert!(id.is_none(), "not yet committed");
        tx.commit().await.unwrap();
        let account = self
            .app
            .store
            .account_by_identifier(&creds.identifier)
            .await
            .unwrap()
            .unwrap();
        let mut tx = self.app.store.begin().await.unwrap();
        tx.set_password(account.id, &hash, false, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        creds.identifier
    }
}

use ebok::core::accounts::FirstPassword;
use ebok::domain::model::Role;

/// One chat with the core, rendering replies as the console shows them.
pub struct Chat<'a> {
    pub app: &'a ebok::app::App,
    pub origin: ebok::core::Origin,
}

impl Chat<'_> {
    pub async fn send(&self, text: &str) -> ebok::core::Reply {
        self.app.core.handle(&self.origin, text).await
    }

    /// Sends a line and returns the text the user sees.
    pub async fn say(&self, text: &str) -> String {
        let reply = self.send(text).await;
        self.app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .expect("the reply renders")
    }
}
