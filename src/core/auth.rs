//! Login, as a command and as a dialogue (identifier, then password).

use super::password_change::{force_change, same_address};
use super::throttle::{record_failure, throttle_keys, wait_left};
use super::{Channel, Ctx, Secret, Step};
use crate::domain::model::Role;
use crate::domain::reply::{Expect, Reply, View};
use crate::store::Account;
use crate::store::AuditEvent;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The login dialogue's steps, stored with the chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum LoginStep {
    LoginIdentifier,
    LoginPassword { identifier: String },
}

impl Step for LoginStep {
    fn expects_secret(&self) -> bool {
        matches!(self, LoginStep::LoginPassword { .. })
    }

    async fn answer(self, ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
        answer(ctx, self, text).await
    }
}

/// Input while the login dialogue waits for the identifier or the password.
async fn answer(ctx: &mut Ctx<'_>, step: LoginStep, text: &str) -> anyhow::Result<Reply> {
    match step {
        LoginStep::LoginIdentifier => {
            let identifier = text.trim().to_string();
            if identifier.is_empty() || identifier.contains(char::is_whitespace) {
                return Ok(Reply::new(ctx.lang, View::bare("login_prompt_identifier"))
                    .expecting(Expect::Text));
            }
            ctx.set_step(&LoginStep::LoginPassword { identifier })
                .await?;
            Ok(Reply::new(ctx.lang, View::bare("login_prompt_password")).expecting(Expect::Secret))
        }
        LoginStep::LoginPassword { identifier } => {
            ctx.clear_step().await?;
            let typed = Secret(text.trim_end_matches(['\r', '\n']).to_string());
            attempt(ctx, &identifier, typed).await
        }
    }
}

pub(crate) async fn login(
    ctx: &mut Ctx<'_>,
    identifier: Option<String>,
    password: Option<Secret>,
) -> anyhow::Result<Reply> {
    match (identifier, password) {
        (None, _) => {
            ctx.set_step(&LoginStep::LoginIdentifier).await?;
            Ok(Reply::new(ctx.lang, View::bare("login_prompt_identifier")).expecting(Expect::Text))
        }
        (Some(identifier), None) => {
            ctx.set_step(&LoginStep::LoginPassword { identifier })
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
    let lang = super::Lang::parse(&account.lang).unwrap_or(ctx.lang);
    ctx.lang = lang;
    let must_change = account.must_change;
    ctx.account = Some(account);
    if must_change {
        return force_change(ctx).await;
    }
    let mut reply = super::home::home(ctx).await?;
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
