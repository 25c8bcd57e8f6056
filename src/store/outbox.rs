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
    /// is pushed back so a second worker does not take it meanwhile.
    pub async fn claim_outbox(
        &self,
        channel: &str,
        lease_seconds: i64,
    ) -> anyhow::Result<Option<OutboxRow>> {
        let mut tx = self.begin().await?;
        let lock = match tx.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT id, dedupe_key, channel, recipient, payload, attempts FROM outbox \
             WHERE status = 'pending' AND channel = $1 AND next_attempt_at <= $2 \
             ORDER BY next_attempt_at, id LIMIT 1{lock}"
        );
        let row: Option<OutboxRow> = on_tx!(&mut tx, |c| sqlx::query_as(&sql)
            .bind(channel)
            .bind(now())
            .fetch_optional(c)
            .await)
        .context("claiming an outbox row")?;
        if let Some(row) = &row {
            let until = now() + chrono::Duration::seconds(lease_seconds);
            let upd = "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2";
            on_tx!(&mut tx, |c| sqlx::query(upd)
                .bind(until)
                .bind(row.id)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .context("leasing an outbox row")?;
        }
        tx.commit().await?;
        Ok(row)
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
