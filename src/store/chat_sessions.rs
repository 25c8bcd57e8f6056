//! The sessions open in a chat: one row per account logged in there, keyed (channel,
//! source, account), each with its own start and last-seen times so that timeouts apply
//! per account; `chats.current_account_id` names the one commands run as.

use super::{Account, Store, Tx, now};
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::FromRow;

/// One session open in a chat, with its account and the customer's number and name.
#[derive(Debug, Clone)]
pub struct OpenSession {
    pub account: Account,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub customer_number: Option<String>,
    pub customer_name: Option<String>,
}

/// Clears the current account of chats where it is `account_id` (the dialogue there was
/// that account's, so it goes too). `$1` is the account; `extra` narrows the chats.
fn clear_current_sql(extra: &str) -> String {
    format!(
        "UPDATE chats SET current_account_id = NULL, state = '{{}}' \
         WHERE current_account_id = $1{extra}"
    )
}

impl Store {
    /// The chat's sessions in the order they were opened (the numbers `konto <n>` takes).
    pub async fn open_sessions(
        &self,
        channel: &str,
        source: &str,
    ) -> anyhow::Result<Vec<OpenSession>> {
        let sql = format!(
            "SELECT {}, cs.started_at, cs.last_seen_at, customers.number AS c_number, \
             customers.name AS c_name FROM chat_sessions cs \
             JOIN accounts ON accounts.id = cs.account_id \
             LEFT JOIN customers ON customers.id = accounts.customer_id \
             WHERE cs.channel = $1 AND cs.source = $2 ORDER BY cs.opened, cs.account_id",
            super::accounts::ACCOUNT_COLUMNS_QUALIFIED
        );
        on_pool!(self, |p| {
            let rows = sqlx::query(&sql)
                .bind(channel)
                .bind(source)
                .fetch_all(p)
                .await
                .context("reading the chat's sessions")?;
            rows.iter()
                .map(|row| {
                    use sqlx::Row;
                    Ok::<_, sqlx::Error>(OpenSession {
                        account: Account::from_row(row)?,
                        started_at: row.try_get("started_at")?,
                        last_seen_at: row.try_get("last_seen_at")?,
                        customer_number: row.try_get("c_number")?,
                        customer_name: row.try_get("c_name")?,
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .context("decoding the chat's sessions")
        })
    }

    /// Notes that the session was used now. Returns false when it could not be noted
    /// at once because another writer holds SQLite (an import runs in one long
    /// transaction): the session then counts from its previous use, and the next
    /// command tries again, instead of the customer's command waiting for the import.
    pub async fn touch_session(
        &self,
        channel: &str,
        source: &str,
        account_id: i64,
    ) -> anyhow::Result<bool> {
        let sql = "UPDATE chat_sessions SET last_seen_at = $1 \
                   WHERE channel = $2 AND source = $3 AND account_id = $4";
        let at = now();
        match self {
            Store::Postgres(p) => {
                sqlx::query(sql)
                    .bind(at)
                    .bind(channel)
                    .bind(source)
                    .bind(account_id)
                    .execute(p)
                    .await
                    .context("refreshing the session")?;
                Ok(true)
            }
            Store::Sqlite(p) => {
                let mut conn = p.acquire().await.context("refreshing the session")?;
                let done = async {
                    sqlx::query("PRAGMA busy_timeout = 50")
                        .execute(&mut *conn)
                        .await?;
                    let done = sqlx::query(sql)
                        .bind(at)
                        .bind(channel)
                        .bind(source)
                        .bind(account_id)
                        .execute(&mut *conn)
                        .await;
                    sqlx::query(&format!(
                        "PRAGMA busy_timeout = {}",
                        super::SQLITE_BUSY_SECONDS * 1000
                    ))
                    .execute(&mut *conn)
                    .await?;
                    done
                }
                .await;
                match done {
                    Ok(_) => Ok(true),
                    Err(e) if is_busy(&e) => Ok(false),
                    Err(e) => {
                        // Whatever state it is in, the connection does not go back.
                        conn.close_on_drop();
                        Err(e).context("refreshing the session")
                    }
                }
            }
        }
    }

    /// Ends one account's session in the chat; when it was the current one the chat has
    /// no current account (and no dialogue) until another is chosen.
    pub async fn end_session(
        &self,
        channel: &str,
        source: &str,
        account_id: i64,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        let delete = "DELETE FROM chat_sessions \
                      WHERE channel = $1 AND source = $2 AND account_id = $3";
        on_tx!(&mut tx, |c| sqlx::query(delete)
            .bind(channel)
            .bind(source)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("ending a session")?;
        let clear = clear_current_sql(" AND channel = $2 AND source = $3");
        on_tx!(&mut tx, |c| sqlx::query(&clear)
            .bind(account_id)
            .bind(channel)
            .bind(source)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing the chat's current account")?;
        tx.commit().await
    }

    /// Ends every session of the chat and clears its dialogue.
    pub async fn end_chat_sessions(&self, channel: &str, source: &str) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        let delete = "DELETE FROM chat_sessions WHERE channel = $1 AND source = $2";
        on_tx!(&mut tx, |c| sqlx::query(delete)
            .bind(channel)
            .bind(source)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("ending the chat's sessions")?;
        let clear = "UPDATE chats SET current_account_id = NULL, state = '{}' \
                     WHERE channel = $1 AND source = $2";
        on_tx!(&mut tx, |c| sqlx::query(clear)
            .bind(channel)
            .bind(source)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing the chat's current account")?;
        tx.commit().await
    }

    /// Makes the open session of `account_id` the chat's current one; the dialogue of
    /// the previous account is dropped. `false` when that account has no session here.
    pub async fn set_current_session(
        &self,
        channel: &str,
        source: &str,
        account_id: i64,
    ) -> anyhow::Result<bool> {
        let sql = "UPDATE chats SET current_account_id = $3, state = '{}' \
                   WHERE channel = $1 AND source = $2 AND EXISTS (SELECT 1 FROM chat_sessions s \
                   WHERE s.channel = $1 AND s.source = $2 AND s.account_id = $3)";
        let n = on_pool!(self, |p| sqlx::query(sql)
            .bind(channel)
            .bind(source)
            .bind(account_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("switching the chat's account")?;
        Ok(n == 1)
    }
}

impl Tx {
    /// Opens (or restarts) the session of `account_id` in this chat and makes it current.
    /// A new session goes to the end of the chat's list; a restarted one keeps its place.
    pub async fn start_session(
        &mut self,
        channel: &str,
        source: &str,
        account_id: i64,
    ) -> anyhow::Result<()> {
        let chat = "INSERT INTO chats (channel, source, current_account_id, state) \
                    VALUES ($1, $2, $3, '{}') ON CONFLICT (channel, source) DO UPDATE \
                    SET current_account_id = excluded.current_account_id, state = '{}'";
        on_tx!(self, |c| sqlx::query(chat)
            .bind(channel)
            .bind(source)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("making the session current")?;
        let session = "INSERT INTO chat_sessions \
                       (channel, source, account_id, started_at, last_seen_at, opened) \
                       SELECT $1, $2, $3, $4, $4, COALESCE(MAX(opened), 0) + 1 \
                       FROM chat_sessions WHERE channel = $1 AND source = $2 \
                       ON CONFLICT (channel, source, account_id) DO UPDATE \
                       SET started_at = excluded.started_at, last_seen_at = excluded.last_seen_at";
        on_tx!(self, |c| sqlx::query(session)
            .bind(channel)
            .bind(source)
            .bind(account_id)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("starting a session")?;
        Ok(())
    }

    /// Ends every session of the account except the one in (channel, source); other
    /// accounts' sessions in those chats stay open.
    pub async fn end_other_sessions(
        &mut self,
        account_id: i64,
        channel: &str,
        source: &str,
    ) -> anyhow::Result<u64> {
        let sql = "DELETE FROM chat_sessions \
                   WHERE account_id = $1 AND NOT (channel = $2 AND source = $3)";
        let done = on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .bind(channel)
            .bind(source)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("ending other sessions")?;
        let clear = clear_current_sql(" AND NOT (channel = $2 AND source = $3)");
        on_tx!(self, |c| sqlx::query(&clear)
            .bind(account_id)
            .bind(channel)
            .bind(source)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing chats' current account")?;
        Ok(done)
    }

    /// Ends every session of an account in every chat (lock, staff reset, closing);
    /// other accounts' sessions in those chats stay open.
    pub async fn end_all_sessions(&mut self, account_id: i64) -> anyhow::Result<u64> {
        let sql = "DELETE FROM chat_sessions WHERE account_id = $1";
        let done = on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("ending an account's sessions")?;
        let clear = clear_current_sql("");
        on_tx!(self, |c| sqlx::query(&clear)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing chats' current account")?;
        Ok(done)
    }
}

/// SQLite's "database is locked" (another connection holds the write lock).
fn is_busy(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c == "5" || c == "517"))
}
