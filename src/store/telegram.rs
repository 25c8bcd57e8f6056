//! Which Telegram updates were answered, until Telegram has been told (`telegram_updates`),
//! and which are being answered (`telegram_claims`). Their replies:
//! [`super::telegram_replies`].

use super::{Store, now};
use anyhow::Context;
use std::collections::HashSet;

impl Store {
    /// The updates with ids in `first..=last` that were answered already, their replies
    /// sent (one whose stored reply is not known to be sent is not among them).
    pub async fn telegram_answered(&self, first: i64, last: i64) -> anyhow::Result<HashSet<i64>> {
        let sql = "SELECT update_id FROM telegram_updates WHERE update_id BETWEEN $1 AND $2 \
                   AND reply IS NULL";
        let ids: Vec<(i64,)> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(first)
            .bind(last)
            .fetch_all(p)
            .await)
        .context("reading the answered Telegram updates")?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    /// Records that update `update_id` (from `chat_id`) has been answered, with nothing
    /// (more) to send.
    pub async fn telegram_answered_now(&self, update_id: i64, chat_id: i64) -> anyhow::Result<()> {
        let sql = "INSERT INTO telegram_updates (update_id, chat_id, answered_at) \
                   VALUES ($1, $2, $3) ON CONFLICT (update_id) DO NOTHING";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(update_id)
            .bind(chat_id)
            .bind(now())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("recording an answered Telegram update")?;
        Ok(())
    }

    /// Claims update `update_id` (from `chat_id`) for answering until `until`, unless a
    /// claim that is still live at `now` holds it; a claim that ran out (its instance
    /// died) is taken over. True: this caller holds the claim.
    pub async fn telegram_claim(
        &self,
        update_id: i64,
        chat_id: i64,
        now: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<bool> {
        // One statement: two instances claiming at once cannot both win.
        let sql = "INSERT INTO telegram_claims (update_id, chat_id, claimed_until) \
                   VALUES ($1, $2, $3) ON CONFLICT (update_id) DO UPDATE \
                   SET chat_id = excluded.chat_id, claimed_until = excluded.claimed_until \
                   WHERE telegram_claims.claimed_until < $4";
        let claimed = on_pool!(self, |p| sqlx::query(sql)
            .bind(update_id)
            .bind(chat_id)
            .bind(until)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("claiming a Telegram update")?;
        Ok(claimed == 1)
    }

    /// Whether an update of `chat_id` earlier than `update_id` is claimed (live at `now`)
    /// and not yet answered, or answered with its reply not yet sent: the later one must
    /// wait, so that one chat's updates are answered in order across instances.
    pub async fn telegram_earlier_claimed(
        &self,
        update_id: i64,
        chat_id: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<bool> {
        let sql = "SELECT c.update_id FROM telegram_claims c \
                   WHERE c.chat_id = $1 AND c.update_id < $2 AND c.claimed_until >= $3 \
                   AND NOT EXISTS (SELECT 1 FROM telegram_updates u \
                                   WHERE u.update_id = c.update_id AND u.reply IS NULL) \
                   LIMIT 1";
        let found: Option<(i64,)> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(chat_id)
            .bind(update_id)
            .bind(now)
            .fetch_optional(p)
            .await)
        .context("looking for earlier Telegram updates of the chat")?;
        Ok(found.is_some())
    }

    /// Extends this caller's claim on `update_id` — the one it holds until `held` — to
    /// `until`. False: the claim is no longer this caller's (it ran out and another
    /// instance took it over, or it was released).
    pub async fn telegram_renew(
        &self,
        update_id: i64,
        held: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<bool> {
        // The end of a claim is its holder's token: a claim taken over has another end.
        let sql = "UPDATE telegram_claims SET claimed_until = $1 \
                   WHERE update_id = $2 AND claimed_until = $3";
        let renewed = on_pool!(self, |p| sqlx::query(sql)
            .bind(until)
            .bind(update_id)
            .bind(held)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("renewing the claim on a Telegram update")?;
        Ok(renewed == 1)
    }

    /// Gives up this caller's claim on `update_id` (the one it holds until `held`):
    /// answered and recorded, or not handled at all. A claim another instance took over
    /// is left alone.
    pub async fn telegram_release(
        &self,
        update_id: i64,
        held: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<()> {
        let sql = "DELETE FROM telegram_claims WHERE update_id = $1 AND claimed_until = $2";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(update_id)
            .bind(held)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("releasing a Telegram update")?;
        Ok(())
    }

    /// Deletes claims that ran out before `cutoff` (left by instances that died).
    pub async fn telegram_claims_ended_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<u64> {
        let sql = "DELETE FROM telegram_claims WHERE claimed_until < $1";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(cutoff)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("forgetting old Telegram claims")
    }

    /// Forgets the updates below `offset`: Telegram has confirmed them and never sends
    /// them again.
    pub async fn telegram_confirmed_below(&self, offset: i64) -> anyhow::Result<()> {
        let sql = "DELETE FROM telegram_updates WHERE update_id < $1";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(offset)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("forgetting confirmed Telegram updates")?;
        Ok(())
    }

    /// Forgets the updates answered before `cutoff` (webhook mode, where no offset says
    /// what Telegram will not send again); returns how many.
    pub async fn telegram_answered_before(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<u64> {
        let sql = "DELETE FROM telegram_updates WHERE answered_at < $1";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(cutoff)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("forgetting old answered Telegram updates")
    }
}
