//! Changing the password, as a command (`haslo stare nowe nowe`) and as a dialogue
//! (current, new, new again), and the change forced after a temporary password.

use super::password::{self, PolicyError};
use super::throttle::{record_failure, throttle_keys, wait_left};
use super::{Channel, Ctx, Secret, Step};
use crate::domain::reply::{Expect, Reply, View};
use crate::store::Account;
use crate::store::AuditEvent;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The password change dialogue's steps, stored with the chat. Passwords are never
/// stored: only the argon2 hash of the new one while the user types it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[allow(clippy::enum_variant_names)] // the stored JSON's names (`change_new`, …)
pub enum ChangeStep {
    /// Waiting for the current password.
    ChangeOld,
    /// Waiting for the new password; `forced` after a first login with a temporary one.
    ChangeNew {
        forced: bool,
    },
    ChangeRepeat {
        forced: bool,
        new_hash: String,
    },
}

impl Step for ChangeStep {
    fn expects_secret(&self) -> bool {
        true
    }

    async fn answer(self, ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
        answer(ctx, self, text).await
    }
}

/// Input while the password change dialogue waits for a password.
async fn answer(ctx: &mut Ctx<'_>, step: ChangeStep, text: &str) -> anyhow::Result<Reply> {
    match step {
        ChangeStep::ChangeOld => change_old(ctx, text).await,
        ChangeStep::ChangeNew { forced } => change_new(ctx, text, forced).await,
        ChangeStep::ChangeRepeat { forced, new_hash } => {
            change_repeat(ctx, text, forced, &new_hash).await
        }
    }
}

fn logged_in(ctx: &Ctx<'_>) -> Option<Account> {
    ctx.account.clone()
}

/// Whether the current chat is an email address other than the account's on file.
fn foreign_email(ctx: &Ctx<'_>, account: &Account) -> bool {
    ctx.origin.channel == Channel::Email
        && !same_address(account.email.as_deref(), &ctx.origin.source)
}

pub(crate) fn same_address(on_file: Option<&str>, sender: &str) -> bool {
    on_file.is_some_and(|a| a.trim().eq_ignore_ascii_case(sender.trim()))
}

/// After a login with a temporary password nothing else works until it is changed.
pub(crate) async fn force_change(ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
    ctx.set_step(&ChangeStep::ChangeNew { forced: true })
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

pub(crate) async fn change_password(
    ctx: &mut Ctx<'_>,
    account: &Account,
    old: Option<Secret>,
    new: Option<Secret>,
    repeat: Option<Secret>,
) -> anyhow::Result<Reply> {
    let account = account.clone();
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
        ctx.set_step(&ChangeStep::ChangeOld).await?;
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
    ctx.clear_step().await?;
    let was_forced = account.must_change;
    let fresh: Option<Account> = store.account(account.id).await?;
    ctx.account = fresh;
    let mut reply = Reply::new(
        ctx.lang,
        View::new("password_changed", json!({ "other_sessions_ended": ended })),
    );
    if was_forced {
        let panel = super::home::home(ctx).await?;
        reply.views.extend(panel.views);
        reply.actions = panel.actions;
    }
    super::notifications::after_password_change(ctx, account.id, reply).await
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
        ctx.clear_step().await?;
        return Ok(refusal);
    }
    ctx.set_step(&ChangeStep::ChangeNew { forced: false })
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
    ctx.set_step(&ChangeStep::ChangeRepeat { forced, new_hash })
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
        ctx.set_step(&ChangeStep::ChangeNew { forced }).await?;
        let mut reply = Reply::new(ctx.lang, View::bare("password_mismatch"));
        reply
            .views
            .push(View::new("password_prompt_new", policy_data()));
        return Ok(reply.expecting(Expect::Secret));
    }
    save_password(ctx, &account, new_hash).await
}

async fn reset_to_login(ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
    ctx.clear_step().await?;
    Ok(Reply::new(ctx.lang, View::bare("login_required")))
}
