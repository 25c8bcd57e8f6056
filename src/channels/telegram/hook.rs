//! The webhook: Telegram's POSTs answered only once their update has been handled.
//!
//! Telegram sends an update again when it got no 200 for it (a timeout, a crash, a
//! restart). So the 200 is given only after the update has been answered and recorded in
//! `telegram_updates` (the same bookkeeping as [`super::poll`]): a crash before that makes
//! Telegram deliver the update again instead of losing it, and an update delivered again
//! after it was recorded — to this instance or another one on the same database — is
//! acknowledged without being answered twice. teloxide's own webhook acknowledges an
//! update as soon as it is queued, and deletes the webhook when one instance stops.
//!
//! Several instances may serve one webhook URL on one database, and Telegram may deliver
//! an update again to another instance while the first is still answering it. So an
//! instance claims the update in `telegram_claims` (for `[telegram] webhook_claim_seconds`)
//! before answering it, and renews the claim while it answers: a copy meeting a live
//! claim gets 503 and comes back later, when it finds the update answered, however long
//! the answer takes; a claim whose instance died runs out and is taken over at a retry. An
//! update whose chat has an earlier update claimed and not yet answered gets 503 as well,
//! so that one chat's updates are answered in order across instances.
//!
//! A request without the configured secret token (`X-Telegram-Bot-Api-Secret-Token`) is
//! refused with 401 before its body is read.

use super::{Telegram, poll, schema};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, SubsecRound, Utc};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use teloxide::dispatching::UpdateHandler;
use teloxide::types::Update;

/// What every webhook request needs.
pub(super) struct Hook {
    tg: Arc<Telegram>,
    handler: UpdateHandler<anyhow::Error>,
    secret: String,
    /// How long a claim keeps the other instances off an update, unless renewed.
    lease: chrono::Duration,
    /// Updates being answered here now: a copy arriving meanwhile waits for a later retry.
    in_flight: Mutex<HashSet<i64>>,
}

/// How long an answered update is remembered: Telegram gives up on an update after a
/// day, so one older than this is never delivered again.
const REMEMBER: chrono::Duration = chrono::Duration::days(2);

/// Deletes records older than [`REMEMBER`] (and claims left by dead instances) every hour until the task is aborted.
pub(super) async fn forget_old(store: crate::store::Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let cutoff = crate::store::now() - REMEMBER;
        if let Err(e) = store.telegram_answered_before(cutoff).await {
            tracing::warn!(
                error = format!("{e:#}"),
                "could not forget old Telegram updates"
            );
        }
        if let Err(e) = store.telegram_claims_ended_before(cutoff).await {
            tracing::warn!(
                error = format!("{e:#}"),
                "could not forget old Telegram claims"
            );
        }
    }
}

/// The router serving Telegram's POSTs on `path`.
pub(super) fn router(
    tg: Arc<Telegram>,
    path: &str,
    secret: String,
    lease: std::time::Duration,
) -> axum::Router {
    // Renewed at a third of the lease: a slow database answer does not let it run out.
    let lease = chrono::Duration::from_std(lease.max(std::time::Duration::from_secs(1)))
        .unwrap_or(chrono::Duration::minutes(2));
    let hook = Arc::new(Hook {
        tg,
        handler: schema::schema(),
        secret,
        lease,
        in_flight: Mutex::new(HashSet::new()),
    });
    axum::Router::new()
        .route(path, axum::routing::post(receive))
        .with_state(hook)
}

async fn receive(
    State(hook): State<Arc<Hook>>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> StatusCode {
    let given = headers
        .get("x-telegram-bot-api-secret-token")
        .map(|v| v.as_bytes());
    if !given.is_some_and(|g| same_secret(g, hook.secret.as_bytes())) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(body) = axum::body::to_bytes(request.into_body(), 16 * 1024 * 1024).await else {
        return StatusCode::BAD_REQUEST;
    };
    let update: Update = match serde_json::from_slice(&body) {
        Ok(update) => update,
        Err(e) => {
            // Nothing could ever handle it: acknowledged, so that it is not sent forever.
            tracing::error!(error = %e, "a webhook request that is not a Telegram update");
            return StatusCode::OK;
        }
    };
    answer(&hook, update).await
}

/// Answers `update` unless it was answered before; 200 only once it is recorded.
async fn answer(hook: &Hook, update: Update) -> StatusCode {
    let id = i64::from(update.id.0);
    match answered(hook, id).await {
        Some(true) => return StatusCode::OK,
        Some(false) => {}
        None => return StatusCode::SERVICE_UNAVAILABLE,
    }
    let Some(_guard) = InFlight::take(hook, id) else {
        tracing::info!(
            update = id,
            "delivered again while being answered: retry later"
        );
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let chat = poll::chat_of(&update);
    let now = crate::store::now();
    let Some(held) = claim(hook, id, chat, now).await else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let work = async {
        // Claimed first, checked after: of two updates of one chat claimed at once, the
        // later one always sees the earlier (the reverse needs the later claimed first).
        if waits_for_earlier(hook, id, chat, now).await {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        // The instance that held the claim before may have answered it since the check above.
        match answered(hook, id).await {
            Some(true) => StatusCode::OK,
            Some(false) => handle(hook, chat, update).await,
            None => StatusCode::SERVICE_UNAVAILABLE,
        }
    };
    let (status, held) = renewing(hook, id, held, work).await;
    // Recorded (or not handled): the claim is done with. Should this fail, it runs out.
    if let Err(e) = hook.tg.app.store.telegram_release(id, held).await {
        tracing::warn!(
            error = format!("{e:#}"),
            "could not release a Telegram update"
        );
    }
    status
}

/// Runs `work` while renewing the claim on `id` (held until `held`) every third of the
/// lease, so that an answer slower than the lease (a long flood-control pause, a slow
/// database) is not taken over by another instance. Returns `work`'s status and the
/// claim's end as last renewed.
async fn renewing(
    hook: &Hook,
    id: i64,
    mut held: DateTime<Utc>,
    work: impl std::future::Future<Output = StatusCode>,
) -> (StatusCode, DateTime<Utc>) {
    let period = (hook.lease / 3)
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(1));
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(work);
    loop {
        tokio::select! {
            status = &mut work => return (status, held),
            _ = every.tick() => held = renew(hook, id, held).await,
        }
    }
}

/// Extends the claim on `id`; the claim's end as it now stands in the database.
async fn renew(hook: &Hook, id: i64, held: DateTime<Utc>) -> DateTime<Utc> {
    let until = claim_end(crate::store::now(), hook.lease);
    match hook.tg.app.store.telegram_renew(id, held, until).await {
        Ok(true) => until,
        Ok(false) => {
            tracing::warn!(
                update = id,
                "the claim on an update being answered was lost: another instance may answer it too"
            );
            held
        }
        Err(e) => {
            tracing::warn!(
                error = format!("{e:#}"),
                update = id,
                "could not renew the claim on an update being answered"
            );
            held
        }
    }
}

/// The end of a claim made at `now`: whole milliseconds, so that the value read back from
/// either database is the one this instance holds (it identifies the claim as its own).
fn claim_end(now: DateTime<Utc>, lease: chrono::Duration) -> DateTime<Utc> {
    (now + lease).trunc_subsecs(3)
}

/// Whether `id` was answered already (`None`: the database could not say).
async fn answered(hook: &Hook, id: i64) -> Option<bool> {
    match hook.tg.app.store.telegram_answered(id, id).await {
        Ok(done) if done.contains(&id) => {
            tracing::info!(
                update = id,
                "delivered again after it was answered: skipped"
            );
            Some(true)
        }
        Ok(_) => Some(false),
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                "reading answered Telegram updates"
            );
            None
        }
    }
}

/// Claims `id` in the database so that no other instance answers it meanwhile; the
/// claim's end, or `None` when another instance holds a live claim (Telegram retries
/// later) or on an error.
async fn claim(hook: &Hook, id: i64, chat: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let until = claim_end(now, hook.lease);
    match hook.tg.app.store.telegram_claim(id, chat, now, until).await {
        Ok(true) => Some(until),
        Ok(false) => {
            tracing::info!(
                update = id,
                "being answered by another instance: retry later"
            );
            None
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "claiming a Telegram update");
            None
        }
    }
}

/// Whether an earlier update of `chat` is being answered (anywhere): this one then waits
/// for Telegram's retry, so that one chat's updates are answered in order. Updates with
/// no chat (0) are not ordered.
async fn waits_for_earlier(hook: &Hook, id: i64, chat: i64, now: DateTime<Utc>) -> bool {
    if chat == 0 {
        return false;
    }
    match hook
        .tg
        .app
        .store
        .telegram_earlier_claimed(id, chat, now)
        .await
    {
        Ok(false) => false,
        Ok(true) => {
            tracing::info!(
                update = id,
                "an earlier update of the chat is being answered: retry later"
            );
            true
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "ordering a Telegram update");
            true
        }
    }
}

/// Runs the claimed update through the dispatch tree and records it.
async fn handle(hook: &Hook, chat: i64, update: Update) -> StatusCode {
    match poll::answer_one(&hook.tg, &hook.handler, chat, update).await {
        Ok(()) => StatusCode::OK,
        Err(e) => {
            // Answered but not recorded: Telegram sends it again (as the poller would).
            tracing::error!(
                error = format!("{e:#}"),
                "a Telegram update was not recorded"
            );
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Holds `id` in [`Hook::in_flight`] until dropped.
struct InFlight<'a> {
    hook: &'a Hook,
    id: i64,
}

impl<'a> InFlight<'a> {
    fn take(hook: &'a Hook, id: i64) -> Option<Self> {
        let mut set = hook.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(id).then_some(InFlight { hook, id })
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut set = self
            .hook
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        set.remove(&self.id);
    }
}

/// Compares the secrets without stopping at the first difference (no timing hint).
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(same_secret(b"s3cret_Token-1", b"s3cret_Token-1"));
        assert!(!same_secret(b"s3cret_Token-2", b"s3cret_Token-1"));
        assert!(!same_secret(b"s3cret", b"s3cret_Token-1"));
        assert!(!same_secret(b"", b"s3cret_Token-1"));
    }
}
