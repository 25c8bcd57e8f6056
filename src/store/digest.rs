//! Email digests in the outbox: notification rows for one address that go out as one
//! mail. The first row whose window is over leads: the rows it takes (`digest_of` = its
//! id) are written before the mail is sent, so a retry after a failure or a crash sends
//! the same mail (same rows, same Message-ID); the others are finished with it.

use super::{Store, Tx, now};
use anyhow::Context;
use chrono::{DateTime, Utc};

/// Dedupe keys of notification rows start with this.
pub const NOTIFICATION_KEY_PREFIX: &str = "notify:";

/// One notification in a digest.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DigestMember {
    pub id: i64,
    pub dedupe_key: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// When row `id` was written.
    pub async fn outbox_created_at(&self, id: i64) -> anyhow::Result<Option<DateTime<Utc>>> {
        let sql = "SELECT created_at FROM outbox WHERE id = $1";
        let row: Option<(DateTime<Utc>,)> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(p)
            .await)
        .context("reading an outbox row")?;
        Ok(row.map(|r| r.0))
    }

    /// The rows of the digest led by `lead`, oldest first (empty: not formed yet).
    pub async fn digest_members(&self, lead: i64) -> anyhow::Result<Vec<DigestMember>> {
        let sql = "SELECT id, dedupe_key, payload, created_at FROM outbox \
                   WHERE digest_of = $1 ORDER BY id";
        on_pool!(self, |p| sqlx::query_as(sql).bind(lead).fetch_all(p).await)
            .context("reading a digest")
    }

    /// Forms the digest led by `lead` (a claimed notification row of `channel` to
    /// `recipient`): it takes the pending notifications of the recipient written up to
    /// `written_by` that are in no digest yet and not held beyond `horizon` (quiet
    /// hours). Returns its rows; empty when `lead` itself went into another digest.
    pub async fn form_digest(
        &self,
        lead: i64,
        channel: &str,
        recipient: &str,
        written_by: DateTime<Utc>,
        horizon: DateTime<Utc>,
    ) -> anyhow::Result<Vec<DigestMember>> {
        let mut tx = self.begin().await?;
        tx.take_into_digest(lead, channel, recipient, written_by, horizon)
            .await?;
        tx.commit().await?;
        self.digest_members(lead).await
    }

    /// Finishes the rows of `lead`'s digest other than `lead` (which its worker finishes)
    /// as `status` ("sent" or "failed").
    pub async fn finish_digest(
        &self,
        lead: i64,
        status: &str,
        error: Option<&str>,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE outbox SET status = $1, sent_at = $2, last_error = $3, \
                   attempts = attempts + 1 \
                   WHERE digest_of = $4 AND id <> $4 AND status = 'pending'";
        let sent_at = (status == "sent").then(now);
        on_pool!(self, |p| sqlx::query(sql)
            .bind(status)
            .bind(sent_at)
            .bind(error)
            .bind(lead)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("finishing a digest")?;
        Ok(())
    }
}

impl Tx {
    async fn take_into_digest(
        &mut self,
        lead: i64,
        channel: &str,
        recipient: &str,
        written_by: DateTime<Utc>,
        horizon: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE outbox SET digest_of = $1 \
                   WHERE channel = $2 AND recipient = $3 AND status = 'pending' \
                   AND digest_of IS NULL AND dedupe_key LIKE $4 \
                   AND (id = $1 OR (created_at <= $5 AND next_attempt_at <= $6))";
        let pattern = format!("{NOTIFICATION_KEY_PREFIX}%");
        on_tx!(self, |c| sqlx::query(sql)
            .bind(lead)
            .bind(channel)
            .bind(recipient)
            .bind(&pattern)
            .bind(written_by)
            .bind(horizon)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("forming a digest")?;
        Ok(())
    }
}
