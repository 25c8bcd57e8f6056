//! One update, answered once: its reply is decided ([`schema::decide`]), stored with the
//! record that the update was answered in one transaction, sent after that commit, and
//! marked sent after that (`telegram_updates`, [`crate::store::TelegramUpdate`]). Telegram
//! delivers an update again when it was not confirmed (long polling) or got no 200 (the
//! webhook) — after a crash, say. Such an update is never run again: a reply stored and not
//! known to be sent goes out again from its first call not known to be sent, byte for
//! byte; a reply known to be sent does not.
//!
//! What no bookkeeping can close: the Bot API has no idempotency key, so the one call in
//! flight at a crash — taken by Telegram, its answer lost — is made once more. And the
//! command's own writes commit before its reply is stored (the core writes them itself): a
//! crash in that instant runs the command again when the update comes back.

use super::bot::Telegram;
use super::schema;
use super::send::SendError;
use super::steps::{Outgoing, transient};
use crate::store::TelegramUpdate;
use anyhow::Context;
use std::collections::HashMap;
use std::sync::Mutex;
use teloxide::types::{ChatId, Update};

/// How often one update's reply may fail on the way (network, a flood wait that never
/// ends) before the rest of it is dropped: a reply Telegram never takes must not hold the
/// updates behind it back for ever (long polling confirms a batch only once all of it is
/// answered). Telegram being unreachable stops the polling itself, so these are attempts
/// made while Telegram answers.
const MAX_ATTEMPTS: u32 = 5;

/// Failed attempts per update (by chat and update id: one process may serve several
/// bots, whose update ids are their own), in this process.
static FAILED: Mutex<Option<HashMap<(i64, i64), u32>>> = Mutex::new(None);

/// Counts a failed attempt at the reply to update `id` of `chat`; true when it was the
/// last allowed.
fn failed_for_good(chat: i64, id: i64) -> bool {
    let mut failed = FAILED.lock().unwrap_or_else(|p| p.into_inner());
    let map = failed.get_or_insert_with(HashMap::new);
    let n = map.entry((chat, id)).or_insert(0);
    *n += 1;
    let last = *n >= MAX_ATTEMPTS;
    if last {
        map.remove(&(chat, id));
    }
    last
}

fn succeeded(chat: i64, id: i64) {
    let mut failed = FAILED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(map) = failed.as_mut() {
        map.remove(&(chat, id));
    }
}

/// What became of an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answered {
    /// Run now; its reply stored and sent.
    Now,
    /// Delivered again before its reply was known to be sent: the stored reply sent again.
    Resent,
    /// Answered and its reply sent before: nothing sent.
    Before,
    /// Recorded meanwhile by another instance, whose reply stands.
    Elsewhere,
}

/// Answers `update` (of `chat`, for the order of a chat's updates) unless it was
/// answered before; an error leaves it to be delivered again.
pub(super) async fn answer_update(
    tg: &Telegram,
    chat: i64,
    update: Update,
) -> anyhow::Result<Answered> {
    let id = i64::from(update.id.0);
    let store = &tg.app.store;
    match store.telegram_update(id).await? {
        TelegramUpdate::Sent => return Ok(Answered::Before),
        TelegramUpdate::Unsent { reply, sent_steps } => {
            resend(tg, id, &reply, sent_steps).await?;
            return Ok(Answered::Resent);
        }
        TelegramUpdate::New => {}
    }
    let out = match schema::decide(tg, update).await {
        Ok(out) => out,
        Err(e) => {
            // Recorded all the same: an update that fails is not run for ever.
            tracing::error!(error = format!("{e:#}"), "a Telegram handler failed");
            Outgoing::none()
        }
    };
    let stored = match out.steps.is_empty() {
        true => None,
        false => Some(out.to_json()?),
    };
    let mut tx = store.begin().await?;
    let fresh = tx
        .record_telegram_reply(id, chat, stored.as_deref())
        .await?;
    tx.commit().await?;
    if !fresh {
        tracing::warn!(
            update = id,
            "the update was answered by another instance meanwhile: its reply stands"
        );
        return Ok(Answered::Elsewhere);
    }
    if stored.is_some() {
        send(tg, id, &out, 0).await?;
    }
    Ok(Answered::Now)
}

/// Sends the stored reply of update `id` from step `from` on.
async fn resend(tg: &Telegram, id: i64, reply: &str, from: usize) -> anyhow::Result<()> {
    let out = match Outgoing::from_json(reply) {
        Ok(out) => out,
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                update = id,
                "a stored Telegram reply cannot be read: dropped"
            );
            return tg.app.store.telegram_reply_sent(id).await;
        }
    };
    tracing::info!(
        update = id,
        from_step = from,
        steps = out.steps.len(),
        "delivered again before its reply was known to be sent: sending the stored reply"
    );
    send(tg, id, &out, from).await
}

/// Makes the calls of `out` from step `from` on, noting each one Telegram took, then the
/// reply as sent. A call Telegram refused for good ends the reply there (logged, the rest
/// dropped, as it would be every time); trouble on the way leaves the rest unsent, for the
/// update's next delivery ([`MAX_ATTEMPTS`] times).
async fn send(tg: &Telegram, id: i64, out: &Outgoing, from: usize) -> anyhow::Result<()> {
    let store = &tg.app.store;
    let chat = ChatId(out.chat);
    for (n, step) in out.steps.iter().enumerate().skip(from) {
        match tg.perform(&tg.sender, chat, step).await {
            Ok(_) => {}
            // Nothing more reaches a chat that blocked the bot.
            Err(SendError::Blocked(_)) => break,
            Err(e) if transient(&e) => {
                if !failed_for_good(out.chat, id) {
                    return Err(e).context(
                        "sending a Telegram reply (the rest goes when the update comes again)",
                    );
                }
                tracing::error!(
                    error = %e,
                    update = id,
                    attempts = MAX_ATTEMPTS,
                    "a Telegram reply failed on the way every time: the rest of it is dropped"
                );
                break;
            }
            Err(e) => {
                tracing::error!(
                    error = %e,
                    update = id,
                    step = ?step,
                    "Telegram refused a reply: the rest of it is not sent"
                );
                break;
            }
        }
        if n + 1 < out.steps.len() {
            store.telegram_reply_progress(id, n + 1).await?;
        }
    }
    succeeded(out.chat, id);
    store.telegram_reply_sent(id).await
}
