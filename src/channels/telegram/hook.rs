//! The webhook: Telegram's POSTs answered only once their update has been handled.
//!
//! Telegram sends an update again when it got no 200 for it (a timeout, a crash, a
//! restart). So the 200 is given only after the update has been answered and its reply
//! sent and recorded in `telegram_updates` (the same bookkeeping as [`super::poll`]): a
//! crash before that makes Telegram deliver the update again instead of losing it, and an
//! update delivered again after its reply was sent — to this instance or another one on
//! the same database — is acknowledged without being answered twice. teloxide's own webhook acknowledges an
//! update as soon as it is queued, and deletes the webhook when one instance stops.
//!
//! Several instances may serve one webhook URL on one database: an instance claims an
//! update before answering it ([`super::claim`]), and a copy meeting a live claim gets 503
//! and comes back later. An update whose chat has an earlier update claimed and not yet
//! answered gets 503 as well, so that one chat's updates are answered in order across
//! instances. The reply is stored before it is sent ([`super::journal`]): an update
//! delivered again before its reply was known to be sent gets that reply, and is not run
//! again.
//!
//! A request without the configured secret token (`X-Telegram-Bot-Api-Secret-Token`) is
//! refused with 401 before its body is read.

use super::bot::Telegram;
use super::claim::Claims;
use super::journal::{self, Answered};
use super::poll;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use teloxide::types::Update;

/// What every webhook request needs.
pub(super) struct Hook {
    tg: Arc<Telegram>,
    secret: String,
    claims: Claims,
    /// Updates being answered here now: a copy arriving meanwhile waits for a later retry.
    in_flight: Mutex<HashSet<i64>>,
}

/// How long an answered update is remembered: Telegram gives up on an update after a
/// day, so one older than this is never delivered again.
const REMEMBER: chrono::Duration = chrono::Duration::days(2);

/// Deletes records older than [`REMEMBER`] (and claims left by dead instances) every hour until the task is aborted.
pub(super) async fn forget_old(store: crate::store::Store, clock: crate::domain::clock::Clock) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let cutoff = clock.now() - REMEMBER;
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
    let claims = Claims::new(tg.app.store.clone(), tg.app.core.clock().clone(), lease);
    let hook = Arc::new(Hook {
        tg,
        secret,
        claims,
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

/// Answers `update` unless it was answered before; 200 only once its reply is sent
/// and recorded.
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
    let claims = &hook.claims;
    let now = claims.now();
    let Some(held) = claims.claim(id, chat, now).await else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let work = async {
        // Claimed first, checked after: of two updates of one chat claimed at once, the
        // later one always sees the earlier (the reverse needs the later claimed first).
        if claims.waits_for_earlier(id, chat, now).await {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        // The instance that held the claim before may have answered it meanwhile: the
        // journal says so (or holds its reply, sent again here).
        handle(hook, chat, update).await
    };
    let (status, held) = claims.renewing(id, held, work).await;
    // Answered (or not handled): the claim is done with.
    claims.release(id, held).await;
    status
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

/// Answers the claimed update ([`journal::answer_update`]).
async fn handle(hook: &Hook, chat: i64, update: Update) -> StatusCode {
    let id = i64::from(update.id.0);
    match journal::answer_update(&hook.tg, chat, update).await {
        Ok(Answered::Now | Answered::Resent) => StatusCode::OK,
        Ok(Answered::Before) => {
            tracing::info!(
                update = id,
                "delivered again after it was answered: skipped"
            );
            StatusCode::OK
        }
        // Its reply is being sent by the instance that recorded it: Telegram's retry
        // finds it sent, or sends it again if that instance died.
        Ok(Answered::Elsewhere) => StatusCode::SERVICE_UNAVAILABLE,
        Err(e) => {
            // Not answered, or its reply not all sent: Telegram sends it again.
            tracing::error!(
                error = format!("{e:#}"),
                "a Telegram update was not answered"
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
