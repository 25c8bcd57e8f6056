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
    /// Higher goes first: 10 an urgent notice, 0 everything else.
    pub priority: i64,
}

/// When and how urgently an enqueued row goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Schedule {
    /// 10 for an urgent notice (a heat failure), 0 otherwise.
    pub priority: i64,
    /// Not before this moment (quiet hours); `None`: at once.
    pub not_before: Option<DateTime<Utc>>,
}

/// Rows a claim may take: due, not a member of another row's digest.
const CLAIMABLE: &str = "o.status = 'pending' AND o.channel = $2 AND o.next_attempt_at <= $3 \
    AND (o.digest_of IS NULL OR o.digest_of = o.id)";

/// ... and not behind an earlier pending row of the same recipient and priority, so one
/// chat's messages go in the order they were written, one at a time, whichever process
/// claims them.
const IN_RECIPIENT_ORDER: &str = " AND NOT EXISTS (SELECT 1 FROM outbox e \
    WHERE e.channel = o.channel AND e.recipient = o.recipient AND e.status = 'pending' \
    AND e.priority = o.priority AND e.id < o.id)";

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

    /// [`Tx::enqueue`] with a priority and a moment before which the row does not go.
    pub async fn enqueue_scheduled(
        &mut self,
        dedupe_key: &str,
        channel: &str,
        recipient: &str,
        payload: &str,
        schedule: Schedule,
    ) -> anyhow::Result<bool> {
        let sql = "INSERT INTO outbox (dedupe_key, channel, recipient, payload, next_attempt_at, \
                   created_at, priority) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                   ON CONFLICT (dedupe_key) DO NOTHING";
        let created = now();
        let due = schedule.not_before.unwrap_or(created);
        let added = on_tx!(self, |c| sqlx::query(sql)
            .bind(dedupe_key)
            .bind(channel)
            .bind(recipient)
            .bind(payload)
            .bind(due)
            .bind(created)
            .bind(schedule.priority)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("writing to the outbox")?;
        Ok(added > 0)
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

    /// [`Store::claim_outbox`] as of `now` (the worker's clock), for `lease`: the most
    /// urgent due row first, then the oldest.
    pub async fn claim_outbox_at(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> anyhow::Result<Option<OutboxRow>> {
        let rows = self.claim_rows(channel, now, lease, 1, "").await?;
        Ok(rows.into_iter().next())
    }

    /// Claims up to `limit` due rows of `channel` at once, most urgent first, keeping each
    /// recipient's order: a row is not taken while an earlier row of its recipient (same
    /// priority) is pending — being sent, waiting for a retry or held back — so a batch
    /// has at most one row per recipient and priority, and two processes never send one
    /// chat's messages side by side or out of order.
    pub async fn claim_outbox_batch(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
    ) -> anyhow::Result<Vec<OutboxRow>> {
        self.claim_rows(channel, now, lease, limit, IN_RECIPIENT_ORDER)
            .await
    }

    async fn claim_rows(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: i64,
        extra: &str,
    ) -> anyhow::Result<Vec<OutboxRow>> {
        // SQLite, without statistics, took the index on (status, next_attempt_at) and
        // sorted every due row: 84 ms a claim with 80,000 pending, holding the write lock
        // every sender waits for. The index in claim order stops at the limit: 0.3 ms.
        let (index, lock) = match self.backend() {
            Backend::Postgres => ("", " FOR UPDATE OF o SKIP LOCKED"),
            Backend::Sqlite => (" INDEXED BY outbox_due_priority", ""),
        };
        let sql = format!(
            "UPDATE outbox SET next_attempt_at = $1 WHERE id IN (\
               SELECT o.id FROM outbox o{index} WHERE {CLAIMABLE}{extra} \
               ORDER BY o.priority DESC, o.next_attempt_at, o.id LIMIT $4{lock}) \
             RETURNING id, dedupe_key, channel, recipient, payload, attempts, \
               CAST(priority AS BIGINT) AS priority"
        );
        let until = now + lease;
        // Planned at every call, not cached: a plan made while the outbox was empty
        // (a statement prepared in idle polls) stays bad for a 100,000-row broadcast until
        // PostgreSQL analyzes the table again.
        let mut rows: Vec<OutboxRow> = on_pool!(self, |p| sqlx::query_as(&sql)
            .persistent(false)
            .bind(until)
            .bind(channel)
            .bind(now)
            .bind(limit)
            .fetch_all(p)
            .await)
        .context("claiming outbox rows")?;
        // RETURNING has no order: the most urgent, then the oldest, first.
        rows.sort_by_key(|r| (std::cmp::Reverse(r.priority), r.id));
        Ok(rows)
    }

    /// Makes a claimed row due again at `at` without counting an attempt (it was not
    /// tried: an email notification waiting for its digest to fill).
    pub async fn outbox_defer(&self, id: i64, at: DateTime<Utc>) -> anyhow::Result<()> {
        let sql = "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending'";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(at)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("deferring an outbox row")?;
        Ok(())
    }

    /// Gives up on every pending row of `recipient` on `channel` but `except` (a chat
    /// that blocked the bot): nothing will reach it.
    pub async fn outbox_fail_recipient(
        &self,
        channel: &str,
        recipient: &str,
        except: i64,
        error: &str,
    ) -> anyhow::Result<u64> {
        let sql = "UPDATE outbox SET status = 'failed', last_error = $1 \
                   WHERE channel = $2 AND recipient = $3 AND status = 'pending' AND id <> $4";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(error)
            .bind(channel)
            .bind(recipient)
            .bind(except)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("failing a recipient's outbox rows")
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
