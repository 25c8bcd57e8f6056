//! Announcements published by staff (the import brings the billing system's own). They
//! live in the same table, under references of their own ("EBOK-…"), which the import
//! never touches.

use super::Tx;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

/// A new announcement, for every customer or for the heat areas `area` names.
#[derive(Debug, Clone)]
pub struct NewAnnouncement<'a> {
    pub reference: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Comma-separated heat areas (see [`crate::domain::area`]); `None`: everyone.
    pub area: Option<&'a str>,
}

impl Tx {
    pub async fn insert_announcement(&mut self, a: &NewAnnouncement<'_>) -> anyhow::Result<()> {
        let sql = "INSERT INTO messages (reference, kind, title, body, valid_from, valid_to, area, row_hash) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, 'staff')";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(a.reference)
            .bind(a.kind)
            .bind(a.title)
            .bind(a.body)
            .bind(a.valid_from)
            .bind(a.valid_to)
            .bind(a.area)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("storing an announcement")?;
        Ok(())
    }
}

/// A notice of an announcement as the outbox holds it for one recipient.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SentNotice {
    pub dedupe_key: String,
    pub channel: String,
    pub recipient: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    pub payload: String,
    /// The Telegram message it became, when known.
    pub message_id: Option<i64>,
}

/// The notice rows of announcement `$1` themselves (not their edits and notes, whose
/// event keys go on after the reference).
const ORIGINALS: &str =
    "o.dedupe_key = 'notify:announcement:' || $1 || ':' || o.channel || ':' || o.recipient";

impl Tx {
    /// Ends announcement `reference` at `now` (its last day `today`); returns its new
    /// revision, or `None` when there is no such announcement or it has ended already.
    pub async fn end_announcement(
        &mut self,
        reference: &str,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> anyhow::Result<Option<i64>> {
        let sql = "UPDATE messages SET ended_at = $1, valid_to = $2, revision = revision + 1 \
                   WHERE reference = $3 AND ended_at IS NULL RETURNING revision";
        let revision: Option<i32> = on_tx!(self, |c| sqlx::query_scalar(sql)
            .bind(now)
            .bind(today)
            .bind(reference)
            .fetch_optional(c)
            .await)
        .context("ending an announcement")?;
        Ok(revision.map(i64::from))
    }

    /// The last day of announcement `reference` now (`None`: none set, or no such).
    pub async fn announcement_end(&mut self, reference: &str) -> anyhow::Result<Option<NaiveDate>> {
        let sql = "SELECT valid_to FROM messages WHERE reference = $1";
        let end: Option<Option<NaiveDate>> = on_tx!(self, |c| sqlx::query_scalar(sql)
            .bind(reference)
            .fetch_optional(c)
            .await)
        .context("reading an announcement's end")?;
        Ok(end.flatten())
    }

    /// Gives announcement `reference` another last day; its new revision, or `None`
    /// when there is no such announcement or it has ended.
    pub async fn change_announcement_end(
        &mut self,
        reference: &str,
        until: NaiveDate,
    ) -> anyhow::Result<Option<i64>> {
        let sql = "UPDATE messages SET valid_to = $1, revision = revision + 1 \
                   WHERE reference = $2 AND ended_at IS NULL RETURNING revision";
        let revision: Option<i32> = on_tx!(self, |c| sqlx::query_scalar(sql)
            .bind(until)
            .bind(reference)
            .fetch_optional(c)
            .await)
        .context("changing an announcement's end")?;
        Ok(revision.map(i64::from))
    }

    /// The notices of announcement `reference`, with the Telegram message each became.
    pub async fn announcement_notices(
        &mut self,
        reference: &str,
    ) -> anyhow::Result<Vec<SentNotice>> {
        let sql = format!(
            "SELECT o.dedupe_key, o.channel, o.recipient, o.status, o.payload, s.message_id \
             FROM outbox o LEFT JOIN notify_sent s ON s.dedupe_key = o.dedupe_key \
             WHERE o.dedupe_key LIKE $2 AND {ORIGINALS} ORDER BY o.id"
        );
        on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(reference)
            .bind(format!("notify:announcement:{reference}:%"))
            .fetch_all(c)
            .await)
        .context("reading an announcement's notices")
    }

    /// Cancels the notices of announcement `reference` not delivered yet (an ended
    /// announcement is not news any more); returns how many.
    pub async fn cancel_undelivered_announcement(
        &mut self,
        reference: &str,
    ) -> anyhow::Result<u64> {
        let sql = format!(
            "UPDATE outbox SET status = 'failed', last_error = 'ended before it was delivered' \
             WHERE status = 'pending' AND dedupe_key LIKE $2 AND {} \
             AND NOT EXISTS (SELECT 1 FROM notify_sent s WHERE s.dedupe_key = outbox.dedupe_key)",
            ORIGINALS.replace("o.", "outbox.")
        );
        on_tx!(self, |c| sqlx::query(&sql)
            .bind(reference)
            .bind(format!("notify:announcement:{reference}:%"))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("cancelling an announcement's undelivered notices")
    }
}

impl super::Store {
    /// Keeps the Telegram message a delivered notification became (for later edits).
    pub async fn record_notice_message(
        &self,
        dedupe_key: &str,
        message_id: i64,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO notify_sent (dedupe_key, message_id, sent_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (dedupe_key) DO UPDATE SET message_id = excluded.message_id";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(dedupe_key)
            .bind(message_id)
            .bind(at)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("keeping a notice's message id")?;
        Ok(())
    }
}
