//! Security state beside the accounts: flood counters, chats a login succeeded from,
//! single use of temporary passwords, pending self-service resets, live staff sessions.

use super::{Store, Tx, now};
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};

/// A password that works beside the current one until used or expired.
#[derive(Clone, sqlx::FromRow)]
pub struct ResetSecret {
    pub reset_hash: Option<String>,
    pub reset_expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for ResetSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetSecret")
            .field("pending", &self.reset_hash.is_some())
            .field("reset_expires_at", &self.reset_expires_at)
            .finish()
    }
}

/// Rate events older than this are deleted when a key is counted again.
const RATE_MEMORY_DAYS: i64 = 7;

impl Store {
    /// Events of `key` in the last `window`.
    pub async fn rate_count(&self, key: &str, window: Duration) -> anyhow::Result<i64> {
        let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM rate_events WHERE key = $1 AND at > $2";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(key)
            .bind(now() - window)
            .fetch_one(p)
            .await)
        .context("counting rate events")
    }

    pub async fn rate_record(&self, key: &str) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        tx.rate_record(key).await?;
        tx.commit().await
    }

    /// True when the account has logged in from this chat before.
    pub async fn is_known_source(
        &self,
        account_id: i64,
        channel: &str,
        source: &str,
    ) -> anyhow::Result<bool> {
        let sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM known_sources \
                   WHERE account_id = $1 AND channel = $2 AND source = $3";
        let n: i64 = on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(account_id)
            .bind(channel)
            .bind(source)
            .fetch_one(p)
            .await)
        .context("reading known sources")?;
        Ok(n > 0)
    }

    /// The pending reset of an account; none for an unknown id.
    pub async fn reset_secret(&self, account_id: i64) -> anyhow::Result<ResetSecret> {
        let sql = "SELECT reset_hash, reset_expires_at FROM accounts WHERE id = $1";
        let row: Option<ResetSecret> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(account_id)
            .fetch_optional(p)
            .await)
        .context("reading a pending reset")?;
        Ok(row.unwrap_or(ResetSecret {
            reset_hash: None,
            reset_expires_at: None,
        }))
    }

    /// Chats of `channel` where a staff member has a live session (not idle longer than
    /// `idle`, not older than `max_age`): the recipients of staff notifications.
    pub async fn live_staff_chats(
        &self,
        channel: &str,
        idle: Duration,
        max_age: Duration,
    ) -> anyhow::Result<Vec<(String, String)>> {
        // A staff session is always its chat's only one (see core::chat_accounts).
        let sql = "SELECT c.source, a.lang FROM chats c \
                   JOIN chat_sessions s ON s.channel = c.channel AND s.source = c.source \
                   AND s.account_id = c.current_account_id \
                   JOIN accounts a ON a.id = s.account_id \
                   WHERE c.channel = $1 AND a.role = 'staff' AND c.blocked = $2 AND a.locked = $2 \
                   AND s.last_seen_at > $3 AND s.started_at > $4 ORDER BY c.source";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(channel)
            .bind(false)
            .bind(now() - idle)
            .bind(now() - max_age)
            .fetch_all(p)
            .await)
        .context("reading live staff chats")
    }
}

impl Tx {
    pub async fn remember_source(
        &mut self,
        account_id: i64,
        channel: &str,
        source: &str,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO known_sources (account_id, channel, source, last_login_at) \
                   VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, channel, source) \
                   DO UPDATE SET last_login_at = excluded.last_login_at";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .bind(channel)
            .bind(source)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("remembering a login source")?;
        Ok(())
    }

    /// Marks the temporary password used; `false` when it had been used already.
    pub async fn use_temporary_password(&mut self, account_id: i64) -> anyhow::Result<bool> {
        let sql = "UPDATE accounts SET temp_used_at = $1 WHERE id = $2 AND temp_used_at IS NULL";
        let n = on_tx!(self, |c| sqlx::query(sql)
            .bind(now())
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("marking a temporary password used")?;
        Ok(n == 1)
    }

    /// Makes a pending reset password (as `new_hash`, argon2) the account's temporary
    /// password, used once by this login, if it is still the same pending reset.
    /// `false` when it was not.
    pub async fn promote_reset(
        &mut self,
        account_id: i64,
        reset_hash: &str,
        new_hash: &str,
    ) -> anyhow::Result<bool> {
        let sql = "UPDATE accounts SET password_hash = $1, must_change = $2, \
                   temp_expires_at = reset_expires_at, temp_used_at = $3, password_changed_at = $3, \
                   reset_hash = NULL, reset_expires_at = NULL WHERE id = $4 AND reset_hash = $5";
        let n = on_tx!(self, |c| sqlx::query(sql)
            .bind(new_hash)
            .bind(true)
            .bind(now())
            .bind(account_id)
            .bind(reset_hash)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("using a reset password")?;
        Ok(n == 1)
    }

    pub async fn rate_record(&mut self, key: &str) -> anyhow::Result<()> {
        let old = "DELETE FROM rate_events WHERE key = $1 AND at < $2";
        on_tx!(self, |c| sqlx::query(old)
            .bind(key)
            .bind(now() - Duration::days(RATE_MEMORY_DAYS))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("forgetting old rate events")?;
        let sql = "INSERT INTO rate_events (key, at) VALUES ($1, $2)";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(key)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("recording a rate event")?;
        Ok(())
    }

    /// Gives the account a new temporary password (staff reset, approval): it replaces
    /// the current one, must be changed at first login and works for one login.
    pub async fn set_temporary_password(
        &mut self,
        account_id: i64,
        hash: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE accounts SET password_hash = $1, must_change = $2, temp_expires_at = $3, \
                   temp_used_at = NULL, reset_hash = NULL, reset_expires_at = NULL, \
                   password_changed_at = $4 WHERE id = $5";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(hash)
            .bind(true)
            .bind(expires_at)
            .bind(now())
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("setting a temporary password")?;
        Ok(())
    }

    /// Drops a pending self-service reset (the password was changed meanwhile).
    pub async fn set_reset_password_cleared(&mut self, account_id: i64) -> anyhow::Result<()> {
        let sql = "UPDATE accounts SET reset_hash = NULL, reset_expires_at = NULL WHERE id = $1";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing a pending reset")?;
        Ok(())
    }

    /// Stores a self-service reset password beside the current one.
    pub async fn set_reset_password(
        &mut self,
        account_id: i64,
        hash: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE accounts SET reset_hash = $1, reset_expires_at = $2 WHERE id = $3";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(hash)
            .bind(expires_at)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("storing a reset password")?;
        Ok(())
    }
}
