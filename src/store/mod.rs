//! The only place with SQL. One set of functions serves SQLite and PostgreSQL:
//! the SQL text is shared (`$1` placeholders work on both) and [`on_pool!`](crate::on_pool) /
//! [`on_tx!`](crate::on_tx) run it on whichever backend the store was opened with.
//! Money is integer grosze, exact decimals are text, dates are `NaiveDate`.

/// Runs `$body` with `$pool` bound to the backend's pool.
#[macro_export]
#[doc(hidden)]
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => $body,
            $crate::store::Store::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection.
#[macro_export]
#[doc(hidden)]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

mod accounts;
mod announcements;
mod audit;
mod billing;
mod calendar_links;
mod case_steps;
mod cases;
pub use billing::{INTEREST_RATES_CONFIRMED, LiveAnnouncement};
pub use case_steps::*;
pub use cases::*;
mod chat_sessions;
mod chats;
mod email;
pub use email::*;
mod evening;
pub use evening::EveningTarget;
mod fan_out;
pub mod import;
mod import_runs;
mod ksef;
mod notify;
pub use notify::*;
mod notify_jobs;
mod ops;
mod outbox;
mod quiet_hours;
pub use import_runs::{ImportRun, ImportStats};
pub use ops::OutboxStat;
mod settings;
mod telegram;
mod telegram_replies;
pub use telegram_replies::TelegramUpdate;
mod throttle;
mod usage;
pub use throttle::*;
pub use usage::{ItemCoverage, UsageItem};
mod delivery;
mod digest;
pub use digest::*;
mod registrations;
mod security;
pub use delivery::*;
pub use registrations::*;
pub use security::*;

pub use accounts::*;
pub use announcements::*;
pub use audit::*;
pub use chat_sessions::*;
pub use chats::*;
pub use outbox::*;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// A connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open transaction on one of the two backends.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Which database the store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Store {
    /// Opens (and for SQLite creates) the database named by `url` and runs migrations.
    /// `postgres://` / `postgresql://` select PostgreSQL; `sqlite:` or a plain path SQLite.
    pub async fn open(url: &str) -> anyhow::Result<Store> {
        let store = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).context("reading the PostgreSQL URL")?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .with_context(|| format!("connecting to PostgreSQL at {}", redact_url(url)))?;
            Store::Postgres(pool)
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"));
            let path = path.unwrap_or(url);
            if let Some(dir) = std::path::Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the directory {}", dir.display()))?;
            }
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(SQLITE_BUSY_SECONDS))
                // The hot pages of 100k customers' bills stay in memory: a 32 MiB page
                // cache per connection, reads through a memory map instead of a read(2)
                // per page.
                .pragma("cache_size", format!("-{}", SQLITE_CACHE_KIB))
                .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
                .pragma("temp_store", "memory");
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await
                .with_context(|| format!("opening the SQLite database {path}"))?;
            Store::Sqlite(pool)
        };
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Store::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await,
            Store::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await,
        }
        .context("applying database migrations")
    }

    pub async fn begin(&self) -> anyhow::Result<Tx> {
        Ok(match self {
            Store::Sqlite(p) => Tx::Sqlite(p.begin().await.context("starting a transaction")?),
            Store::Postgres(p) => Tx::Postgres(p.begin().await.context("starting a transaction")?),
        })
    }

    /// A transaction that writes a lot (the import). On SQLite it takes the write lock
    /// at once (`BEGIN IMMEDIATE`, waiting up to the busy timeout for a writer in
    /// progress): a transaction that began by reading cannot write any more once
    /// another connection has committed (a customer's session noted as used, say), and
    /// the import would fail at its first write. Readers go on meanwhile (WAL); other
    /// writers wait for it. On PostgreSQL an ordinary transaction.
    pub async fn begin_write(&self) -> anyhow::Result<Tx> {
        Ok(match self {
            Store::Sqlite(p) => {
                let conn = p.acquire().await.context("starting a transaction")?;
                let tx = sqlx::Transaction::begin(conn, Some("BEGIN IMMEDIATE".into())).await;
                Tx::Sqlite(tx.context("starting a transaction")?)
            }
            Store::Postgres(_) => self.begin().await?,
        })
    }

    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> anyhow::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
        .context("committing a transaction")
    }

    pub async fn rollback(self) -> anyhow::Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
        .context("rolling back a transaction")
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Hides the password of a database URL for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.find(':') {
                Some(c) => format!("{}{}:[redacted]{}", &url[..s + 3], &cred[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// How long an SQLite write waits for another writer (an import holds the lock for its
/// whole run) before it fails.
pub const SQLITE_BUSY_SECONDS: u64 = 10;

/// How much of an SQLite database each connection reads through a memory map.
pub const SQLITE_MMAP_BYTES: u64 = 256 * 1024 * 1024;
/// SQLite's page cache per connection, in KiB (`PRAGMA cache_size` takes it negative).
pub const SQLITE_CACHE_KIB: u64 = 32 * 1024;
/// The page cache of the import's connection while it loads: its key tables hold what
/// it needs to look up, and every MB it keeps counts in the process's peak.
pub const SQLITE_IMPORT_CACHE_KIB: u64 = 8 * 1024;

/// Current time as stored in the database.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_password_is_redacted() {
        assert_eq!(
            super::redact_url("postgres://ebok:s3cret@db:5432/ebok"),
            "postgres://ebok:[redacted]@db:5432/ebok"
        );
        assert_eq!(super::redact_url("data/ebok.sqlite"), "data/ebok.sqlite");
    }
}
