//! The email-command channel's bookkeeping: which inbound mails were dealt with (the
//! exactly-once record, written in the reply's transaction) and replies per sender per
//! day (the daily cap).

use super::notify::placeholders;
use super::{Backend, Store, Tx, now};
use anyhow::Context;

/// Values looked up in one query (SQLite allows 32,766 parameters, PostgreSQL 65,535).
const LOOKUP_CHUNK: usize = 500;

/// What was done with one inbound mail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EmailProcessed {
    pub outcome: String,
    pub reply_key: Option<String>,
    /// The mail carried a password: it is deleted from the mailbox, not kept as read.
    pub purge: bool,
}

/// A row of `email_processed` to write.
#[derive(Debug, Clone)]
pub struct NewEmailProcessed<'a> {
    pub mailbox: &'a str,
    pub uidvalidity: u32,
    pub uid: u32,
    pub fingerprint: &'a str,
    pub sender: &'a str,
    pub outcome: &'a str,
    pub reply_key: Option<&'a str>,
    pub purge: bool,
}

/// The daily cap's verdict for one more reply to a sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyCap {
    /// Under the cap: answer (and count it).
    Reply,
    /// The cap is reached: send the one "no more today" notice.
    Notice,
    /// The notice went out already: stay silent.
    Silent,
}

impl Store {
    /// The record of mail `uid` in `mailbox` (this UIDVALIDITY), or of the same mail
    /// under another UID (same fingerprint).
    pub async fn email_processed(
        &self,
        mailbox: &str,
        uidvalidity: u32,
        uid: u32,
        fingerprint: &str,
    ) -> anyhow::Result<Option<EmailProcessed>> {
        let sql = "SELECT outcome, reply_key, purge FROM email_processed \
                   WHERE (mailbox = $1 AND uidvalidity = $2 AND uid = $3) OR fingerprint = $4 \
                   LIMIT 1";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(mailbox)
            .bind(i64::from(uidvalidity))
            .bind(i64::from(uid))
            .bind(fingerprint)
            .fetch_optional(p)
            .await)
        .context("reading the processed-mail record")
    }

    /// Of the mails `uids` of `mailbox` (this UIDVALIDITY), those recorded, with
    /// whether each is to be deleted: (UID, purge).
    pub async fn email_recorded(
        &self,
        mailbox: &str,
        uidvalidity: u32,
        uids: &[u32],
    ) -> anyhow::Result<Vec<(u32, bool)>> {
        let mut out = Vec::new();
        for chunk in uids.chunks(LOOKUP_CHUNK) {
            let sql = format!(
                "SELECT uid, purge FROM email_processed \
                 WHERE mailbox = $1 AND uidvalidity = $2 AND uid IN {}",
                placeholders(3, chunk.len())
            );
            let rows: Vec<(i64, bool)> = on_pool!(self, |p| {
                let mut q = sqlx::query_as(&sql)
                    .bind(mailbox)
                    .bind(i64::from(uidvalidity));
                for uid in chunk {
                    q = q.bind(i64::from(*uid));
                }
                q.fetch_all(p).await
            })
            .context("reading processed-mail records")?;
            out.extend(
                rows.into_iter()
                    .filter_map(|(uid, purge)| Some((u32::try_from(uid).ok()?, purge))),
            );
        }
        Ok(out)
    }

    /// Of `fingerprints`, those of mails recorded as to be deleted.
    pub async fn email_purged_fingerprints(
        &self,
        fingerprints: &[String],
    ) -> anyhow::Result<Vec<String>> {
        let mut out = Vec::new();
        for chunk in fingerprints.chunks(LOOKUP_CHUNK) {
            let sql = format!(
                "SELECT fingerprint FROM email_processed WHERE purge = $1 AND fingerprint IN {}",
                placeholders(2, chunk.len())
            );
            let found: Vec<String> = on_pool!(self, |p| {
                let mut q = sqlx::query_scalar(&sql).bind(true);
                for f in chunk {
                    q = q.bind(f);
                }
                q.fetch_all(p).await
            })
            .context("reading processed-mail records")?;
            out.extend(found);
        }
        Ok(out)
    }

    /// Replies sent to `sender` on `day` and whether the notice went out (tests, operators).
    pub async fn email_daily_replies(
        &self,
        sender: &str,
        day: &str,
    ) -> anyhow::Result<Option<(i64, bool)>> {
        let sql =
            "SELECT replies, notice_sent FROM email_daily_replies WHERE sender = $1 AND day = $2";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(sender)
            .bind(day)
            .fetch_optional(p)
            .await)
        .context("reading the daily reply count")
    }

    /// Outcomes of the processed mails of one sender, oldest first (tests, operators).
    pub async fn email_outcomes(&self, sender: &str) -> anyhow::Result<Vec<String>> {
        let sql =
            "SELECT outcome FROM email_processed WHERE sender = $1 ORDER BY processed_at, uid";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(sender)
            .fetch_all(p)
            .await)
        .context("reading processed mails")
    }
}

impl Tx {
    /// Records a processed mail; `false` when it was recorded already (another worker).
    pub async fn insert_email_processed(
        &mut self,
        row: &NewEmailProcessed<'_>,
    ) -> anyhow::Result<bool> {
        let sql = "INSERT INTO email_processed (mailbox, uidvalidity, uid, fingerprint, sender, \
                   outcome, reply_key, purge, processed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                   ON CONFLICT DO NOTHING";
        let done = on_tx!(self, |c| sqlx::query(sql)
            .bind(row.mailbox)
            .bind(i64::from(row.uidvalidity))
            .bind(i64::from(row.uid))
            .bind(row.fingerprint)
            .bind(row.sender)
            .bind(row.outcome)
            .bind(row.reply_key)
            .bind(row.purge)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("recording a processed mail")?;
        Ok(done == 1)
    }

    /// Decides and counts one more reply to `sender` on `day` under `cap`.
    pub async fn email_daily_cap(
        &mut self,
        sender: &str,
        day: &str,
        cap: u32,
    ) -> anyhow::Result<DailyCap> {
        let init = "INSERT INTO email_daily_replies (sender, day, replies, notice_sent) \
                    VALUES ($1, $2, 0, $3) ON CONFLICT (sender, day) DO NOTHING";
        on_tx!(self, |c| sqlx::query(init)
            .bind(sender)
            .bind(day)
            .bind(false)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("starting the daily reply count")?;
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let read = format!(
            "SELECT replies, notice_sent FROM email_daily_replies WHERE sender = $1 AND day = $2{lock}"
        );
        let (replies, notice_sent): (i64, bool) = on_tx!(self, |c| sqlx::query_as(&read)
            .bind(sender)
            .bind(day)
            .fetch_one(c)
            .await)
        .context("reading the daily reply count")?;
        let (verdict, update) = if replies < i64::from(cap) {
            (
                DailyCap::Reply,
                "UPDATE email_daily_replies SET replies = replies + 1 WHERE sender = $1 AND day = $2",
            )
        } else if !notice_sent {
            (
                DailyCap::Notice,
                "UPDATE email_daily_replies SET notice_sent = TRUE WHERE sender = $1 AND day = $2",
            )
        } else {
            return Ok(DailyCap::Silent);
        };
        on_tx!(self, |c| sqlx::query(update)
            .bind(sender)
            .bind(day)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("counting a reply")?;
        Ok(verdict)
    }
}
