//! Login, logout and password change, as commands and as dialogues.

use super::dialogue::Dialogue;
use super::password::{self, PolicyError};
use super::{Channel, Ctx, Secret};
use crate::domain::model::Role;
use crate::domain::reply::{Expect, Reply, View};
use crate::store::Account;
use crate::store::AuditEvent;
use chrono::{Duration, Utc};
use serde_json::json;

/// Failures of one identifier before its wait starts to grow; it never exceeds
/// [`ID_MAX_WAIT`], so an attacker cannot lock the real customer out for long.
const ID_FREE_FAILURES: i64 = 5;
const ID_MAX_WAIT: i64 = 60;
/// Failures from one source before its wait doubles, up to [`SRC_MAX_WAIT`].
const SRC_FREE_FAILURES: i64 = 5;
const SRC_MAX_WAIT: i64 = 15 * 60;
/// Failures older than this are forgotten.
const FAILURE_MEMORY_HOURS: i64 = 1;

pub(super) async fn login(
    ctx: &mut Ctx<'_>,
    identifier: Option<String>,
    password: Option<Secret>,
) -> anyhow::Result<Reply> {
    match (identifier, password) {
        (None, _) => {
            ctx.core
                .set_dialogue(ctx.origin, &Dialogue::LoginIdentifier)
                .await?;
            Ok(Reply::new(ctx.lang, View::bare("login_prompt_identifier")).expecting(Expect::Text))
        }
        (Some(identifier), None) => {
            ctx.core
                .set_dialogue(ctx.origin, &Dialogue::LoginPassword { identifier })
                .await?;
            Ok(Reply::new(ctx.lang, View::bare("login_prompt_password")).expecting(Expect::Secret))
        }
        (Some(identifier), Some(password)) => {
            let mut reply = attempt(ctx, identifier.trim(), password).await?;
            reply.input_was_secret = true;
            Ok(reply)
        }
    }
}

/// The source key always applies. The identifier key does not apply to a chat this
/// account has logged in from before, so failures an attacker causes elsewhere cannot
/// lock the customer out of their own chat.
fn throttle_keys(ctx: &Ctx<'_>, identifier: &str, trusted: bool) -> Vec<String> {
    let source = format!("src:{}:{}", ctx.origin.channel.as_str(), ctx.origin.source);
    if trusted {
        return vec![source];
    }
    vec![
        format!("id:{}", crate::domain::text::fold(identifier)),
        source,
    ]
}

/// Seconds the user must still wait before trying again, if any.
async fn wait_left(ctx: &Ctx<'_>, keys: &[String]) -> anyhow::Result<Option<i64>> {
    let now = Utc::now();
    let mut left = 0;
    for key in keys {
        if let Some(row) = ctx.core.store().throttle(key).await? {
            left = left.max((row.blocked_until - now).num_milliseconds());
        }
    }
    Ok((left > 0).then(|| (left + 999) / 1000))
}

fn wait_seconds(key: &str, failures: i64, base: i64) -> i64 {
    let (free, max) = if key.starts_with("id:") {
        (ID_FREE_FAILURES, ID_MAX_WAIT)
    } else {
        (SRC_FREE_FAILURES, SRC_MAX_WAIT)
    };
    if failures <= free {
        return base;
    }
    let doublings = u32::try_from((failures - free).min(20)).unwrap_or(20);
    base.saturating_mul(1 << doublings).min(max)
}

/// Records a failure on every key; returns the longest wait now in force.
async fn record_failure(ctx: &Ctx<'_>, keys: &[String]) -> anyhow::Result<i64> {
    let base = ctx.core.settings().security.login_wait_seconds as i64;
    let now = Utc::now();
    let mut longest = base;
    for key in keys {
        let previous = ctx.core.store().throttle(key).await?;
        let failures = match previous {
            Some(row) if now - row.last_failure_at < Duration::hours(FAILURE_MEMORY_HOURS) => {
                row.failures + 1
            }
            _ => 1,
        };
        let wait = wait_seconds(key, failures, base);
        longest = longest.max(wait);
        ctx.core
            .store()
            .set_throttle(key, failures, now + Duration::seconds(wait))
            .await?;
    }
    Ok(longest)
}

async fn attempt(ctx: &mut Ctx<'_>, identifier: &str, password: Secret) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    let (channel, source) = (ctx.origin.channel.as_str(), ctx.origin.source.as_str());
    let account = store.account_by_identifier(identifier).await?;
    // The same query for unknown identifiers (no account has id 0): same work, same time.
    let trusted = store
        .is_known_source(account.as_ref().map_or(0, |a| a.id), channel, source)
        .await?;
    let keys = throttle_keys(ctx, identifier, trusted);
    if let Some(seconds) = wait_left(ctx, &keys).await? {
        return Ok(Reply::new(
            ctx.lang,
            View::new("login_wait", json!({ "seconds": seconds })),
        ));
    }
    // Unknown identifiers are verified against a dummy hash: same answer, same time.
    let matched = super::reset::check_login(ctx.core, account.as_ref(), password).await?;
    let Some(mut account) = account.filter(|_| matched != super::reset::Matched::None) else {
        let seconds = record_failure(ctx, &keys).await?;
        tracing::info!(channel = ctx.origin.channel.as_str(), "failed login");
        crate::metrics::get().login(ctx.origin.channel.as_str(), false);
        return Ok(Reply::new(
            ctx.lang,
            View::new("login_failed", json!({ "seconds": seconds })),
        ));
    };
    // Closed by the customer's own withdrawal: not a lock, and the way back is a new request.
    if account.closed {
        return Ok(Reply::new(ctx.lang, View::bare("account_closed")));
    }
    if account.locked {
        return Ok(Reply::new(ctx.lang, View::bare("account_locked")));
    }
    let by_reset = matches!(matched, super::reset::Matched::Reset(_));
    if !by_reset && account.must_change && account.temp_expires_at.is_some_and(|t| t < Utc::now()) {
        return Ok(Reply::new(
            ctx.lang,
            View::bare("temporary_password_expired"),
        ));
    }
    let foreign = ctx.origin.channel == Channel::Email
        && !same_address(account.email.as_deref(), &ctx.origin.source);
    if foreign && let Some(refusal) = foreign_refusal(ctx, &account, by_reset).await? {
        return Ok(refusal);
    }
    // Staff never share a chat with customers; a chat holds a limited number of accounts.
    if let Some(refusal) = super::chat_accounts::admit(ctx, &account).await? {
        return Ok(refusal);
    }
    // A temporary password (first, staff-reset or self-service reset) works once. Using
    // it and starting the session commit together: a failure in between burns nothing.
    let mut tx = store.begin().await?;
    let first_use = match &matched {
        super::reset::Matched::Reset(p) => {
            tx.promote_reset(account.id, &p.reset_hash, &p.new_hash)
                .await?
        }
        _ if account.must_change => tx.use_temporary_password(account.id).await?,
        _ => true,
    };
    if !first_use {
        return Ok(Reply::new(ctx.lang, View::bare("temporary_password_used")));
    }
    tx.start_session(channel, source, account.id).await?;
    // Another address is no chat of this account's owner: its failures stay throttled.
    let detail = if foreign {
        format!("{}: {source}", LOGIN_FROM_OTHER_ADDRESS)
    } else {
        tx.remember_source(account.id, channel, source).await?;
        String::new()
    };
    tx.audit(&account.identifier, AuditEvent::Login, channel, &detail)
        .await?;
    tx.commit().await?;
    crate::metrics::get().login(channel, true);
    if by_reset {
        account = store.account(account.id).await?.unwrap_or(account);
    }
    for key in throttle_keys(ctx, identifier, false) {
        store.clear_throttle(&key).await?;
    }
    let lang = super::command::Lang::parse(&account.lang).unwrap_or(ctx.lang);
    ctx.lang = lang;
    let must_change = account.must_change;
    ctx.account = Some(account);
    if must_change {
        return force_change(ctx).await;
    }
    let mut reply = super::staff::home(ctx).await?;
    reply.views.insert(0, View::bare("login_ok"));
    if matched == super::reset::Matched::CurrentAsTyped {
        // It works here, but apps and mail that drop the blank cannot send it.
        reply.views.insert(1, View::bare("password_edge_blank"));
    }
    let customer = ctx.account.as_ref().filter(|a| a.role == Role::Customer);
    if let Some(a) = customer
        && store.subscription_targets(a.id).await? == 0
    {
        // Offered after login: notices of new bills, due dates and outages.
        reply.views.push(View::bare("notify_offer"));
        reply = reply.with_action("notifications", "", "powiadomienia", 9);
    }
    Ok(reply)
}

/// The audit detail of a login by mail from an address that is not the one on file.
const LOGIN_FROM_OTHER_ADDRESS: &str = "email from another address";

/// A login by mail from an address other than the one on file runs (its answers go only
/// to the address on file, see the email front end) for a customer's own password.
/// Refused: an account without an address on file, staff, and a temporary or reset
/// password (the first login sets a password, and the temporary one was sent to the
/// address on file); the owner is told of a refused attempt at the address on file.
async fn foreign_refusal(
    ctx: &Ctx<'_>,
    account: &Account,
    by_reset: bool,
) -> anyhow::Result<Option<Reply>> {
    let no_address = account.email.as_deref().is_none_or(|e| e.trim().is_empty());
    if !no_address && account.role == Role::Customer && !account.must_change && !by_reset {
        return Ok(None);
    }
    super::owner_notice::foreign_sender(ctx, account).await?;
    Ok(Some(Reply::new(
        ctx.lang,
        View::new("email_sender_mismatch", json!({ "no_address": no_address })),
    )))
}

/// Whether the current chat is an email address other than the account's on file.
fn foreign_email(ctx: &Ctx<'_>, account: &Account) -> bool {
    ctx.origin.channel == Channel::Email
        && !same_address(account.email.as_deref(), &ctx.origin.source)
}

fn same_address(on_file: Option<&str>, sender: &str) -> bool {
    on_file.is_some_and(|a| a.trim().eq_ignore_ascii_case(sender.trim()))
}

/// After a login with a temporary password nothing else works until it is changed.
pub(super) async fn force_change(ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
    ctx.core
        .set_dialogue(ctx.origin, &Dialogue::ChangeNew { forced: true })
        .await?;
    let mut reply = Reply::new(ctx.lang, View::bare("password_change_required"));
    reply
        .views
        .push(View::new("password_prompt_new", policy_data()));
    Ok(reply.expecting(Expect::Secret))
}

fn policy_data() -> serde_json::Value {
    json!({ "min": password::MIN_LEN, "max": password::MAX_LEN })
}

pub(super) async fn change_password(
    ctx: &mut Ctx<'_>,
    old: Option<Secret>,
    new: Option<Secret>,
    repeat: Option<Secret>,
) -> anyhow::Result<Reply> {
    let Some(account) = ctx.account.clone() else {
        return Ok(Reply::new(ctx.lang, View::bare("login_required")));
    };
    if foreign_email(ctx, &account) {
        // A password is changed by mail only from the address on file.
        let mut reply = Reply::new(
            ctx.lang,
            View::new("email_sender_mismatch", json!({ "no_address": false })),
        );
        reply.input_was_secret = old.is_some();
        return Ok(reply);
    }
    let (Some(old), Some(new), Some(repeat)) = (old, new, repeat) else {
        if account.must_change {
            return force_change(ctx).await;
        }
        ctx.core
            .set_dialogue(ctx.origin, &Dialogue::ChangeOld)
            .await?;
        return Ok(
            Reply::new(ctx.lang, View::bare("password_prompt_old")).expecting(Expect::Secret)
        );
    };
    let mut reply = if let Err(refusal) = check_old_password(ctx, &account, old.0).await? {
        refusal
    } else if new != repeat {
        Reply::new(ctx.lang, View::bare("password_mismatch"))
    } else if let Err(e) = policy(&account, &new.0).await? {
        policy_reply(ctx, e)
    } else {
        let hash = password::hash(new.0).await?;
        save_password(ctx, &account, &hash).await?
    };
    reply.input_was_secret = true;
    Ok(reply)
}

/// The policy check, plus "not the same as the current password".
async fn policy(account: &Account, new: &str) -> anyhow::Result<Result<(), PolicyError>> {
    let email = account.email.clone().unwrap_or_default();
    if let Err(e) = password::check(new, &[&account.identifier, &email, &account.name]) {
        return Ok(Err(e));
    }
    if password::verify(new.to_string(), account.password_hash.clone()).await? {
        return Ok(Err(PolicyError::SameAsOld));
    }
    Ok(Ok(()))
}

fn policy_reply(ctx: &Ctx<'_>, error: PolicyError) -> Reply {
    let mut data = policy_data();
    data["reason"] = json!(error);
    Reply::new(ctx.lang, View::new("password_rejected", data))
}

async fn save_password(ctx: &mut Ctx<'_>, account: &Account, hash: &str) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    let mut tx = store.begin().await?;
    tx.set_password(account.id, hash, false, None).await?;
    tx.set_reset_password_cleared(account.id).await?;
    tx.audit(
        &account.identifier,
        AuditEvent::PasswordChanged,
        ctx.origin.channel.as_str(),
        "",
    )
    .await?;
    // In the same transaction: a new password never leaves the old sessions open.
    let ended = tx
        .end_other_sessions(account.id, ctx.origin.channel.as_str(), &ctx.origin.source)
        .await?;
    tx.commit().await?;
    ctx.core.set_dialogue(ctx.origin, &Dialogue::Idle).await?;
    let was_forced = account.must_change;
    let fresh: Option<Account> = store.account(account.id).await?;
    ctx.account = fresh;
    let mut reply = Reply::new(
        ctx.lang,
        View::new("password_changed", json!({ "other_sessions_ended": ended })),
    );
    if was_forced {
        let panel = super::staff::home(ctx).await?;
        reply.views.extend(panel.views);
        reply.actions = panel.actions;
    }
    super::notifications::after_password_change(ctx, account.id, reply).await
}

/// Input while a dialogue waits for something: an identifier or a password.
pub(super) async fn continue_dialogue(ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
    let secret = ctx.dialogue.expects_secret();
    let mut reply = match ctx.dialogue.clone() {
        Dialogue::Idle => unreachable_idle(ctx),
        Dialogue::LoginIdentifier => {
            let identifier = text.trim().to_string();
            if identifier.is_empty() || identifier.contains(char::is_whitespace) {
                Reply::new(ctx.lang, View::bare("login_prompt_identifier")).expecting(Expect::Text)
            } else {
                ctx.core
                    .set_dialogue(ctx.origin, &Dialogue::LoginPassword { identifier })
                    .await?;
                Reply::new(ctx.lang, View::bare("login_prompt_password")).expecting(Expect::Secret)
            }
        }
        Dialogue::LoginPassword { identifier } => {
            ctx.core.set_dialogue(ctx.origin, &Dialogue::Idle).await?;
            attempt(
                ctx,
                &identifier,
                Secret(text.trim_end_matches(['\r', '\n']).to_string()),
            )
            .await?
        }
        Dialogue::ChangeOld => change_old(ctx, text).await?,
        Dialogue::ChangeNew { forced } => change_new(ctx, text, forced).await?,
        Dialogue::ChangeRepeat { forced, new_hash } => {
            change_repeat(ctx, text, forced, &new_hash).await?
        }
        Dialogue::RegisterForm { .. } | Dialogue::RegisterCaptcha { .. } => {
            super::registration::continue_dialogue(ctx, text).await?
        }
        Dialogue::ResetIdentifier => super::reset::continue_dialogue(ctx, text).await?,
        Dialogue::WithdrawConfirm => super::consents::continue_dialogue(ctx, text).await?,
    };
    reply.input_was_secret |= secret;
    Ok(reply)
}

fn unreachable_idle(ctx: &Ctx<'_>) -> Reply {
    Reply::new(ctx.lang, View::bare("empty"))
}

fn logged_in(ctx: &Ctx<'_>) -> Option<Account> {
    ctx.account.clone()
}

/// Verifies the current password for a change, throttled like a login: someone holding
/// an open session must not be able to guess it without limit.
async fn check_old_password(
    ctx: &Ctx<'_>,
    account: &Account,
    candidate: String,
) -> anyhow::Result<Result<(), Reply>> {
    let keys = throttle_keys(ctx, &account.identifier, false);
    if let Some(seconds) = wait_left(ctx, &keys).await? {
        return Ok(Err(Reply::new(
            ctx.lang,
            View::new("login_wait", json!({ "seconds": seconds })),
        )));
    }
    // Trimmed, then as typed: the same check as a login's (a password stored with a
    // blank at an end still proves who this is).
    let candidates = password::as_typed(&candidate);
    if password::verify_first(candidates, account.password_hash.clone())
        .await?
        .is_some()
    {
        return Ok(Ok(()));
    }
    let seconds = record_failure(ctx, &keys).await?;
    let mut reply = Reply::new(ctx.lang, View::bare("password_old_wrong"));
    reply
        .views
        .push(View::new("login_wait", json!({ "seconds": seconds })));
    Ok(Err(reply))
}

async fn change_old(ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
    let Some(account) = logged_in(ctx) else {
        return reset_to_login(ctx).await;
    };
    if let Err(refusal) = check_old_password(ctx, &account, text.to_string()).await? {
        ctx.core.set_dialogue(ctx.origin, &Dialogue::Idle).await?;
        return Ok(refusal);
    }
    ctx.core
        .set_dialogue(ctx.origin, &Dialogue::ChangeNew { forced: false })
        .await?;
    Ok(
        Reply::new(ctx.lang, View::new("password_prompt_new", policy_data()))
            .expecting(Expect::Secret),
    )
}

async fn change_new(ctx: &mut Ctx<'_>, text: &str, forced: bool) -> anyhow::Result<Reply> {
    let Some(account) = logged_in(ctx) else {
        return reset_to_login(ctx).await;
    };
    if let Err(e) = policy(&account, text).await? {
        let mut reply = policy_reply(ctx, e);
        reply
            .views
            .push(View::new("password_prompt_new", policy_data()));
        return Ok(reply.expecting(Expect::Secret));
    }
    let new_hash = password::hash(text.to_string()).await?;
    ctx.core
        .set_dialogue(ctx.origin, &Dialogue::ChangeRepeat { forced, new_hash })
        .await?;
    Ok(Reply::new(ctx.lang, View::bare("password_prompt_repeat")).expecting(Expect::Secret))
}

async fn change_repeat(
    ctx: &mut Ctx<'_>,
    text: &str,
    forced: bool,
    new_hash: &str,
) -> anyhow::Result<Reply> {
    let Some(account) = logged_in(ctx) else {
        return reset_to_login(ctx).await;
    };
    // The new password has no blank at either end (the policy refused it): the repeat
    // is compared as a login compares, trimmed.
    if !password::verify(text.trim().to_string(), new_hash.to_string()).await? {
        ctx.core
            .set_dialogue(ctx.origin, &Dialogue::ChangeNew { forced })
            .await?;
        let mut reply = Reply::new(ctx.lang, View::bare("password_mismatch"));
        reply
            .views
            .push(View::new("password_prompt_new", policy_data()));
        return Ok(reply.expecting(Expect::Secret));
    }
    save_password(ctx, &account, new_hash).await
}

async fn reset_to_login(ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
    ctx.core.set_dialogue(ctx.origin, &Dialogue::Idle).await?;
    Ok(Reply::new(ctx.lang, View::bare("login_required")))
}

#[cfg(test)]
mod tests {
    use super::wait_seconds;

    #[test]
    fn identifier_waits_are_capped_source_waits_grow() {
        assert_eq!(wait_seconds("id:k1", 1, 5), 5);
        assert_eq!(wait_seconds("id:k1", 5, 5), 5);
        assert_eq!(wait_seconds("id:k1", 6, 5), 10);
        assert_eq!(wait_seconds("id:k1", 100, 5), 60);
        assert_eq!(wait_seconds("src:telegram:1", 8, 5), 40);
        assert_eq!(wait_seconds("src:telegram:1", 100, 5), 900);
    }
}
