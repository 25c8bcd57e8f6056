//! Quiet hours per target (a chat, the address on file): whether the account keeps
//! them, and — when it turns them off — the notices they were holding, released at once.

use super::{Store, Tx};
use anyhow::Context;
use chrono::{DateTime, Utc};

impl Tx {
    /// Quiet hours on or off for the target.
    pub async fn set_quiet(
        &mut self,
        account_id: i64,
        channel: &str,
        recipient: &str,
        quiet: bool,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO notify_targets (account_id, channel, recipient, quiet) \
                   VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (account_id, channel, recipient) DO UPDATE SET quiet = excluded.quiet";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .bind(channel)
            .bind(recipient)
            .bind(quiet)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("setting quiet hours")?;
        Ok(())
    }

    /// Makes the notices that quiet hours hold for the account `identifier` at one
    /// target (`channel`, `recipient` as the outbox names it: the chat id, or the
    /// address on file) due at `now`: its pending notifications that wait for `until`,
    /// the end of the quiet hours running now — written in them, or put off by a worker
    /// — never tried and in no email digest yet. A row claimed by a worker meanwhile
    /// (its lease moved its next attempt) is left alone. Returns how many were released.
    pub async fn release_held_notices(
        &mut self,
        identifier: &str,
        channel: &str,
        recipient: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> anyhow::Result<u64> {
        // A held notice waits until exactly the end of the quiet hours (whole minutes);
        // the second of slack keeps a representation's rounding from losing one.
        let from = until - chrono::Duration::seconds(1);
        let held = "SELECT id, payload FROM outbox \
                    WHERE channel = $1 AND recipient = $2 AND status = 'pending' \
                    AND dedupe_key LIKE 'notify:%' AND attempts = 0 AND digest_of IS NULL \
                    AND next_attempt_at >= $3 AND next_attempt_at <= $4";
        let rows: Vec<(i64, String)> = on_tx!(self, |c| sqlx::query_as(held)
            .bind(channel)
            .bind(recipient)
            .bind(from)
            .bind(until)
            .fetch_all(c)
            .await)
        .context("reading the notices held by quiet hours")?;
        let release = "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 \
                       AND status = 'pending' AND next_attempt_at >= $3 AND next_attempt_at <= $4";
        let mut released = 0;
        // One chat may be logged in to several accounts: only this account's notices.
        for (id, _) in rows
            .iter()
            .filter(|(_, p)| notice_account(p).as_deref() == Some(identifier))
        {
            released += on_tx!(self, |c| sqlx::query(release)
                .bind(now)
                .bind(*id)
                .bind(from)
                .bind(until)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .context("releasing a held notice")?;
        }
        Ok(released)
    }
}

/// The account a notification's payload is about.
fn notice_account(payload: &str) -> Option<String> {
    // Only the one field is needed: no need to parse the whole view.
    #[derive(serde::Deserialize)]
    struct Data {
        account: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Notice {
        data: Data,
    }
    serde_json::from_str::<Notice>(payload)
        .ok()
        .and_then(|n| n.data.account)
}

impl Store {
    /// Whether the account `identifier` keeps quiet hours on `channel` at `recipient`
    /// (for email: its address on file); true unless turned off.
    pub async fn keeps_quiet_hours(
        &self,
        identifier: &str,
        channel: &str,
        recipient: &str,
    ) -> anyhow::Result<bool> {
        let sql = "SELECT quiet FROM notify_recipients \
                   WHERE identifier = $1 AND channel = $2 AND recipient = $3";
        let quiet: Vec<bool> = on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(identifier)
            .bind(channel)
            .bind(recipient)
            .fetch_all(p)
            .await)
        .context("reading the quiet hours")?;
        Ok(quiet.into_iter().all(|q| q))
    }
}
