//! Outbox bookkeeping for the delivery workers beside `outbox.rs`: finishing a row
//! with its secrets scrubbed, and reading a row's state (operators and tests).

use super::{Store, now};
use anyhow::Context;
use chrono::{DateTime, Utc};

/// The delivery state of one outbox row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxState {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub payload: String,
}

impl Store {
    /// Marks a row sent and replaces its payload (secrets removed).
    pub async fn outbox_delivered(&self, id: i64, scrubbed_payload: &str) -> anyhow::Result<()> {
        let sql = "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, \
                   last_error = NULL, payload = $2 WHERE id = $3";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(now())
            .bind(scrubbed_payload)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("marking an outbox row sent")?;
        Ok(())
    }

    /// Puts the pending rows of `recipient` on `channel` off until `not_before` where
    /// they were due earlier (a row just went to it); rows due later keep their time.
    pub async fn outbox_space_recipient(
        &self,
        channel: &str,
        recipient: &str,
        not_before: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        // No range on next_attempt_at in the WHERE: with one, SQLite chose the index on
        // (status, next_attempt_at) and visited every pending row (23 ms with 80,000, each
        // message of a broadcast holding the write lock that long) instead of the
        // recipient's own few.
        let sql = "UPDATE outbox SET next_attempt_at = \
                     CASE WHEN next_attempt_at < $1 THEN $1 ELSE next_attempt_at END \
                   WHERE channel = $2 AND recipient = $3 AND status = 'pending'";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(not_before)
            .bind(channel)
            .bind(recipient)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("spacing a recipient's outbox rows")?;
        Ok(())
    }

    /// Gives up on a row for good (a permanent error) and scrubs its secrets.
    pub async fn outbox_abandoned(
        &self,
        id: i64,
        error: &str,
        scrubbed_payload: &str,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $1, \
                   payload = $2 WHERE id = $3";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(error)
            .bind(scrubbed_payload)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("marking an outbox row failed")?;
        Ok(())
    }

    pub async fn outbox_state(&self, dedupe_key: &str) -> anyhow::Result<Option<OutboxState>> {
        let sql = "SELECT id, channel, recipient, status, attempts, last_error, next_attempt_at, \
                   payload FROM outbox WHERE dedupe_key = $1";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(dedupe_key)
            .fetch_optional(p)
            .await)
        .context("reading an outbox row")
    }

    /// Rows for one channel, newest first (operators and tests).
    pub async fn outbox_rows(&self, channel: &str) -> anyhow::Result<Vec<(String, OutboxState)>> {
        let sql = "SELECT dedupe_key, id, channel, recipient, status, attempts, last_error, \
                   next_attempt_at, payload FROM outbox WHERE channel = $1 ORDER BY id DESC";
        let rows: Vec<OutboxRowWithKey> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(channel)
            .fetch_all(p)
            .await)
        .context("reading outbox rows")?;
        Ok(rows.into_iter().map(|r| (r.dedupe_key, r.state)).collect())
    }

    /// Makes a row due now again (operators: "retry now"; tests: a crash before the
    /// row was marked sent).
    pub async fn outbox_retry_now(&self, dedupe_key: &str) -> anyhow::Result<u64> {
        let sql =
            "UPDATE outbox SET status = 'pending', next_attempt_at = $1 WHERE dedupe_key = $2";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(now())
            .bind(dedupe_key)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("rescheduling an outbox row")
    }
}

#[derive(sqlx::FromRow)]
struct OutboxRowWithKey {
    dedupe_key: String,
    #[sqlx(flatten)]
    state: OutboxState,
}
