//! The reply journal of Telegram updates: each update's reply is decided once and stored
//! with the record that the update was answered (`telegram_updates.reply`), then sent,
//! then cleared. An update delivered again finds here what to do: nothing (sent), or the
//! stored reply from the first call not known to be sent.

use super::{Store, Tx, now};
use anyhow::Context;

/// What the journal knows of one update.
#[derive(PartialEq, Eq)]
pub enum TelegramUpdate {
    /// Never answered: run it.
    New,
    /// Answered, and its reply sent (or it had none).
    Sent,
    /// Answered; its reply (the stored steps, as JSON) is not known to have been sent
    /// from step `sent_steps` on.
    Unsent { reply: String, sent_steps: usize },
}

impl std::fmt::Debug for TelegramUpdate {
    // The reply holds account data: never in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TelegramUpdate::New => f.write_str("New"),
            TelegramUpdate::Sent => f.write_str("Sent"),
            TelegramUpdate::Unsent { reply, sent_steps } => f
                .debug_struct("Unsent")
                .field("reply_bytes", &reply.len())
                .field("sent_steps", sent_steps)
                .finish(),
        }
    }
}

impl Store {
    /// What the journal holds for update `update_id`.
    pub async fn telegram_update(&self, update_id: i64) -> anyhow::Result<TelegramUpdate> {
        let sql = "SELECT reply, sent_steps FROM telegram_updates WHERE update_id = $1";
        let row: Option<(Option<String>, i64)> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(update_id)
            .fetch_optional(p)
            .await)
        .context("reading a Telegram update's reply")?;
        Ok(match row {
            None => TelegramUpdate::New,
            Some((None, _)) => TelegramUpdate::Sent,
            Some((Some(reply), sent)) => TelegramUpdate::Unsent {
                reply,
                sent_steps: usize::try_from(sent).unwrap_or(0),
            },
        })
    }

    /// Notes that the first `sent_steps` steps of update `update_id`'s reply were sent.
    pub async fn telegram_reply_progress(
        &self,
        update_id: i64,
        sent_steps: usize,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE telegram_updates SET sent_steps = $1 WHERE update_id = $2";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(i64::try_from(sent_steps).unwrap_or(i64::MAX))
            .bind(update_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("noting a Telegram reply's progress")?;
        Ok(())
    }

    /// Notes that update `update_id`'s reply was sent in full: the stored reply is dropped
    /// (what it showed stays only in the chat).
    pub async fn telegram_reply_sent(&self, update_id: i64) -> anyhow::Result<()> {
        let sql = "UPDATE telegram_updates SET reply = NULL WHERE update_id = $1";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(update_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("noting a Telegram reply as sent")?;
        Ok(())
    }
}

impl Tx {
    /// Records that update `update_id` (from `chat_id`) has been answered, with the reply
    /// still to send (`None`: nothing to send). A transaction of its own today; the
    /// command's own writes may join it. False when the update was recorded already
    /// (another instance answered it meanwhile: its reply stands).
    pub async fn record_telegram_reply(
        &mut self,
        update_id: i64,
        chat_id: i64,
        reply: Option<&str>,
    ) -> anyhow::Result<bool> {
        let sql = "INSERT INTO telegram_updates (update_id, chat_id, answered_at, reply, sent_steps) \
                   VALUES ($1, $2, $3, $4, 0) ON CONFLICT (update_id) DO NOTHING";
        let fresh = on_tx!(self, |c| sqlx::query(sql)
            .bind(update_id)
            .bind(chat_id)
            .bind(now())
            .bind(reply)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("recording a Telegram update's reply")?;
        Ok(fresh == 1)
    }
}
