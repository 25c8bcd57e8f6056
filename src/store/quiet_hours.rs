//! Quiet hours per target (a chat, the address on file): what they do to the account's
//! notices, and — when they stop holding them — the notices they were holding, released
//! at once; and the account's own lead for "due soon" reminders.

use super::{Store, Tx};
use crate::domain::notice::QuietMode;
use anyhow::Context;
use chrono::{DateTime, Utc};

impl Tx {
    /// What quiet hours do to the target's notices.
    pub async fn set_quiet_mode(
        &mut self,
        account_id: i64,
        channel: &str,
        recipient: &str,
        mode: QuietMode,
    ) -> anyhow::Result<()> {
        // `quiet` is kept for a reader of the old column: on exactly when held.
        let sql = "INSERT INTO notify_targets (account_id, channel, recipient, quiet, quiet_mode) \
                   VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (account_id, channel, recipient) DO UPDATE \
                   SET quiet = excluded.quiet, quiet_mode = excluded.quiet_mode";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .bind(channel)
            .bind(recipient)
            .bind(mode.holds())
            .bind(mode.as_str())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("setting quiet hours")?;
        Ok(())
    }

    /// The evening preview on or off for the target.
    pub async fn set_evening(
        &mut self,
        account_id: i64,
        channel: &str,
        recipient: &str,
        on: bool,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO notify_targets (account_id, channel, recipient, evening) \
                   VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (account_id, channel, recipient) DO UPDATE SET evening = excluded.evening";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .bind(channel)
            .bind(recipient)
            .bind(on)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("setting the evening preview")?;
        Ok(())
    }

    /// The account's own "due soon" lead (days before the due date).
    pub async fn set_due_soon_days(&mut self, account_id: i64, days: u32) -> anyhow::Result<()> {
        let sql = "INSERT INTO notify_prefs (account_id, due_soon_days) VALUES ($1, $2) \
                   ON CONFLICT (account_id) DO UPDATE SET due_soon_days = excluded.due_soon_days";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .bind(i32::try_from(days).unwrap_or(i32::MAX))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("setting the reminder lead")?;
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
    /// Whether the target gets the evening preview.
    pub async fn evening_on(
        &self,
        account_id: i64,
        channel: &str,
        recipient: &str,
    ) -> anyhow::Result<bool> {
        let sql = "SELECT evening FROM notify_targets \
                   WHERE account_id = $1 AND channel = $2 AND recipient = $3";
        let on: Option<bool> = on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(account_id)
            .bind(channel)
            .bind(recipient)
            .fetch_optional(p)
            .await)
        .context("reading the evening preview")?;
        Ok(on.unwrap_or(false))
    }

    /// The account's own "due soon" lead; `None`: the utility's default.
    pub async fn due_soon_days(&self, account_id: i64) -> anyhow::Result<Option<u32>> {
        let sql = "SELECT due_soon_days FROM notify_prefs WHERE account_id = $1";
        let days: Option<i32> = on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(account_id)
            .fetch_optional(p)
            .await)
        .context("reading the reminder lead")?;
        Ok(days.and_then(|d| u32::try_from(d).ok()))
    }

    /// What quiet hours do to the notices of the account `identifier` at one target
    /// (the chat id, or the address on file); hold unless the customer chose otherwise.
    /// (One row per kind turned on, all with the target's one choice; were they ever to
    /// differ, the most careful wins: hold before silent before off.)
    pub async fn quiet_mode(
        &self,
        identifier: &str,
        channel: &str,
        recipient: &str,
    ) -> anyhow::Result<QuietMode> {
        let sql = "SELECT quiet_mode FROM notify_recipients \
                   WHERE identifier = $1 AND channel = $2 AND recipient = $3";
        let modes: Vec<String> = on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(identifier)
            .bind(channel)
            .bind(recipient)
            .fetch_all(p)
            .await)
        .context("reading the quiet hours")?;
        let modes: Vec<QuietMode> = modes.iter().map(|m| QuietMode::from_stored(m)).collect();
        Ok(QuietMode::ALL
            .into_iter()
            .find(|m| modes.is_empty() || modes.contains(m))
            .unwrap_or_default())
    }
}
