//! The durable outbox: rows written in the same transaction as the change that causes
//! them, delivered by workers with retries. `dedupe_key` makes enqueueing idempotent.

use super::{Backend, Store, Tx, now};
use anyhow::Context;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub dedupe_key: String,
    pub channel: String,
    pub recipient: String,
    pub payload: String,
    pub attempts: i64,
}

impl Tx {
    /// Enqueues a delivery; a second call with the same `dedupe_key` does nothing.
    pub async fn enqueue(
        &mut self,
        dedupe_key: &str,
        channel: &str,
        recipient: &str,
        payload: &str,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO outbox (dedupe_key, channel, recipient, payload, next_attempt_at, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (dedupe_key) DO NOTHING";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(dedupe_key)
            .bind(channel)
            .bind(recipient)
            .bind(payload)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("writing to the outbox")?;
        Ok(())
    }
}

impl Store {
    /// Claims the oldest due delivery of `channel` for `lease` seconds: its next attempt
    /// is pushed back so a second worker does not take it meanwhile. One statement, so
    /// two workers (in one process or two) never claim the same row: on SQLite the
    /// UPDATE holds the write lock from its first read, on PostgreSQL the row lock is
    /// taken with SKIP LOCKED.
    pub async fn claim_outbox(
        &self,
        channel: &str,
        lease_seconds: i64,
    ) -> anyhow::Result<Option<OutboxRow>> {
        self.claim_outbox_at(channel, now(), chrono::Duration::seconds(lease_seconds))
            .await
    }

    /// [`Store::claim_outbox`] as of `now` (the worker's clock), for `lease`.
    pub async fn claim_outbox_at(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> anyhow::Result<Option<OutboxRow>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET next_attempt_at = $1 WHERE id = (\
               SELECT id FROM outbox \
               WHERE status = 'pending' AND channel = $2 AND next_attempt_at <= $3 \
               ORDER BY next_attempt_at, id LIMIT 1{lock}) \
             RETURNING id, dedupe_key, channel, recipient, payload, attempts"
        );
        let until = now + lease;
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(until)
            .bind(channel)
            .bind(now)
            .fetch_optional(p)
            .await)
        .context("claiming an outbox row")
    }

    /// Extends the claim on a row still being delivered to `until`, so no other worker
    /// takes it meanwhile; a row that is no longer pending is left alone.
    pub async fn renew_outbox_lease(&self, id: i64, until: DateTime<Utc>) -> anyhow::Result<()> {
        let sql = "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending'";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(until)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("renewing an outbox lease")?;
        Ok(())
    }

    /// Records a failed attempt to retry at `retry_at`. The payload keeps its secrets
    /// for that retry; a row finishes only through `outbox_delivered` or
    /// `outbox_abandoned`, which scrub them.
    pub async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE outbox SET attempts = attempts + 1, last_error = $1, \
                   next_attempt_at = $2 WHERE id = $3";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(error)
            .bind(retry_at)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("recording a failed delivery")?;
        Ok(())
    }

    /// Counts of outbox rows by status (for `ebok status` and tests).
    pub async fn outbox_counts(&self) -> anyhow::Result<Vec<(String, i64)>> {
        let sql =
            "SELECT status, CAST(COUNT(*) AS BIGINT) FROM outbox GROUP BY status ORDER BY status";
        on_pool!(self, |p| sqlx::query_as(sql).fetch_all(p).await).context("counting the outbox")
    }
}
