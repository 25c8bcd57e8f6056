//! Long polling that confirms an update to Telegram only once it has been answered.
//!
//! Telegram keeps an update until a `getUpdates` with a higher offset confirms it.
//! teloxide's own polling confirms a batch as soon as its dispatcher has taken it, before
//! the updates are handled: a crash then loses them. Here the next poll (the one that
//! confirms) is made only after every update of the batch has been answered — its reply
//! stored, sent and marked sent ([`super::journal`]); when a crash makes Telegram deliver
//! a batch again, the updates answered are skipped, and one whose stored reply was not
//! known to be sent gets that reply again (the command is not run again).

use super::bot::Telegram;
use super::journal::{self, Answered};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::AllowedUpdate;

/// The longest pause between failed polls.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// Polls until the task is aborted or the process stops ([`crate::shutdown`]: the batch in
/// hand is finished first). `poller` is a bot whose HTTP timeout exceeds `poll`.
pub(super) async fn run(tg: Arc<Telegram>, poller: Bot, poll: Duration) {
    // 0: from the oldest update Telegram still holds for the bot.
    let mut offset = 0;
    let mut forget_below = None;
    let mut failures = 0u32;
    while !crate::shutdown::requested() {
        let polled = tokio::select! {
            polled = poll_once(&poller, offset, poll) => polled,
            () = crate::shutdown::wait() => break,
        };
        let updates = match polled {
            Ok(updates) => {
                failures = 0;
                updates
            }
            Err(e) => {
                let pause = pause_after(&e, failures);
                failures = failures.saturating_add(1);
                tracing::warn!(
                    error = %e,
                    seconds = pause.as_secs(),
                    "receiving Telegram updates failed; polling again after a pause"
                );
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = crate::shutdown::wait() => break,
                }
                continue;
            }
        };
        // This poll confirmed everything below `offset`: those records are done with.
        if let Some(below) = forget_below.take()
            && let Err(e) = tg.app.store.telegram_confirmed_below(below).await
        {
            tracing::warn!(
                error = format!("{e:#}"),
                "could not forget confirmed updates"
            );
        }
        let Some(next) = updates.last().map(|u| i64::from(u.id.as_offset())) else {
            continue;
        };
        match answer_batch(&tg, updates).await {
            Ok(()) => {
                offset = next;
                forget_below = Some(next);
            }
            Err(e) => {
                // Not confirmed: Telegram delivers the batch again; answered ones are skipped.
                tracing::error!(
                    error = format!("{e:#}"),
                    "a batch of Telegram updates failed"
                );
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    // Stopping: tell Telegram what was answered (without waiting for more).
    if forget_below.is_some() {
        let _ = poll_once(&poller, offset, Duration::ZERO).await;
    }
}

async fn poll_once(
    poller: &Bot,
    offset: i64,
    poll: Duration,
) -> Result<Vec<Update>, teloxide::RequestError> {
    poller
        .get_updates()
        .offset(i32::try_from(offset).unwrap_or(i32::MAX))
        .timeout(u32::try_from(poll.as_secs()).unwrap_or(u32::MAX))
        .allowed_updates(allowed())
        .await
}

/// What the dispatch tree handles (Telegram sends nothing else).
pub(super) fn allowed() -> Vec<AllowedUpdate> {
    vec![
        AllowedUpdate::Message,
        AllowedUpdate::EditedMessage,
        AllowedUpdate::CallbackQuery,
        AllowedUpdate::MyChatMember,
    ]
}

/// Telegram's `retry_after` when it gave one; else 1 s, doubling, at most [`MAX_PAUSE`].
fn pause_after(e: &teloxide::RequestError, failures: u32) -> Duration {
    match e {
        teloxide::RequestError::RetryAfter(after) => after.duration(),
        _ => Duration::from_secs(1u64 << failures.min(5)).min(MAX_PAUSE),
    }
}

/// Answers the updates not answered before: one chat's in order, chats side by side.
async fn answer_batch(tg: &Arc<Telegram>, updates: Vec<Update>) -> anyhow::Result<()> {
    let ids = updates.iter().map(|u| i64::from(u.id.0));
    let (first, last) = (ids.clone().min().unwrap_or(0), ids.max().unwrap_or(0));
    let answered = tg.app.store.telegram_answered(first, last).await?;
    let mut chats: BTreeMap<i64, Vec<Update>> = BTreeMap::new();
    for update in updates {
        if answered.contains(&i64::from(update.id.0)) {
            tracing::info!(update = update.id.0, "answered before a restart: skipped");
            continue;
        }
        chats.entry(chat_of(&update)).or_default().push(update);
    }
    let runs = chats.into_iter().map(|(chat, updates)| async move {
        for update in updates {
            let id = update.id.0;
            if journal::answer_update(tg, chat, update).await? == Answered::Before {
                tracing::info!(update = id, "answered before a restart: skipped");
            }
        }
        anyhow::Ok(())
    });
    futures::future::try_join_all(runs).await?;
    Ok(())
}

/// The chat whose updates must be handled in order (the user for a button press).
pub(super) fn chat_of(update: &Update) -> i64 {
    update
        .chat()
        .map(|c| c.id.0)
        .or_else(|| update.from().map(|u| u.id.0 as i64))
        .unwrap_or(0)
}
