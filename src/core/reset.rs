//! Forgotten passwords (S9) and the login check that goes with them.
//!
//! Self-service `reset <identifier>` stores a second, temporary password beside the
//! current one and emails it to the address on file. The current password keeps
//! working, so a reset asked by someone else locks nobody out; the reset password works
//! for one login within the temporary-password lifetime and must then be changed.
//! The answer is the same whether or not the identifier exists.

use super::limits;
use super::{Core, Ctx, Lang, Secret, password};
use crate::domain::notice::{Notice, Reset};
use crate::domain::payload::Payload;
use crate::domain::reply::{Expect, Reply, View};
use crate::store::Account;
use crate::store::AuditEvent;
use chrono::{DateTime, Utc};

/// The self-service reset dialogue's step, stored with the chat.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ResetStep {
    /// Waiting for the identifier.
    ResetIdentifier,
}

impl super::Step for ResetStep {
    fn expects_secret(&self) -> bool {
        false
    }

    async fn answer(self, ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
        answer(ctx, self, text).await
    }
}

/// `reset [identifier]`.
pub(crate) async fn request(
    ctx: &mut Ctx<'_>,
    identifier: Option<String>,
) -> anyhow::Result<Reply> {
    match identifier {
        Some(identifier) => perform(ctx, identifier.trim()).await,
        None => {
            ctx.set_step(&ResetStep::ResetIdentifier).await?;
            Ok(Reply::new(ctx.lang, View::bare("reset_prompt")).expecting(Expect::Text))
        }
    }
}

/// The identifier typed after `reset`.
async fn answer(ctx: &mut Ctx<'_>, step: ResetStep, text: &str) -> anyhow::Result<Reply> {
    let ResetStep::ResetIdentifier = step;
    ctx.clear_step().await?;
    let identifier = text.trim();
    if identifier.is_empty() || identifier.contains(char::is_whitespace) {
        return Ok(Reply::new(ctx.lang, View::bare("reset_prompt")).expecting(Expect::Text));
    }
    perform(ctx, identifier).await
}

#[tracing::instrument(skip_all, fields(channel = ctx.origin.channel.as_str()))]
async fn perform(ctx: &mut Ctx<'_>, identifier: &str) -> anyhow::Result<Reply> {
    let core = ctx.core;
    let store = core.store();
    let by_source = limits::RESETS_PER_SOURCE.source_key(ctx.origin);
    if limits::RESETS_PER_SOURCE
        .exceeded(store, &by_source)
        .await?
    {
        return Ok(Reply::new(ctx.lang, View::bare("reset_limited")));
    }
    store.rate_record(&by_source).await?;
    let by_id = limits::RESETS_PER_IDENTIFIER.key(&crate::domain::text::fold(identifier));
    let id_spent = limits::RESETS_PER_IDENTIFIER
        .exceeded(store, &by_id)
        .await?;
    store.rate_record(&by_id).await?;
    let account = store.account_by_identifier(identifier).await?;
    let temporary = password::temporary();
    let hash = token_hash(&temporary);
    let eligible = account
        .filter(|a| !a.locked && !a.closed && !id_spent)
        .filter(|a| a.email.as_deref().is_some_and(|e| !e.trim().is_empty()));
    if let Some(account) = eligible {
        let expires = core.temporary_expiry();
        let mut tx = store.begin().await?;
        tx.set_reset_password(account.id, &hash, expires).await?;
        enqueue_password_mail(core, &mut tx, &account, &temporary, expires, false).await?;
        tx.audit(
            &account.identifier,
            AuditEvent::ResetRequested,
            ctx.origin.channel.as_str(),
            "",
        )
        .await?;
        tx.commit().await?;
    }
    Ok(Reply::new(ctx.lang, View::bare("reset_sent")))
}

/// Queues the "your new temporary password" mail to the address on file.
pub(crate) async fn enqueue_password_mail(
    core: &Core,
    tx: &mut crate::store::Tx,
    account: &Account,
    temporary: &str,
    expires: DateTime<Utc>,
    by_staff: bool,
) -> anyhow::Result<()> {
    let Some(email) = account.email.as_deref() else {
        anyhow::bail!("the account has no email address on file");
    };
    let lang = Lang::parse(&account.lang).unwrap_or(Lang::Pl);
    let notice = Notice::Reset(Reset {
        name: account.name.clone(),
        identifier: account.identifier.clone(),
        expires,
        by_staff,
        phones: core.settings().utility.customer_service_phones.clone(),
    });
    let payload = Payload::of(lang, &notice).with_secret("password", temporary);
    let key = format!("reset:{}:{}", account.id, uuid::Uuid::new_v4().simple());
    tx.enqueue(&key, "email", email.trim(), &payload.to_json())
        .await
}

/// Which password a login attempt matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Matched {
    None,
    Current,
    /// The current password, only as typed with a blank at an end (stored before such
    /// passwords were refused): it works, and the customer is advised to change it.
    CurrentAsTyped,
    /// The pending reset password: promote exactly that one, as this argon2 hash.
    Reset(Promotion),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Promotion {
    pub reset_hash: String,
    pub new_hash: String,
}

/// Reset passwords are 14 random characters (≈ 81 bits), so a fast hash suffices and
/// a login costs one argon2 verification whether or not a reset is pending.
pub(crate) fn token_hash(password: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "sha256${}",
        hex::encode(Sha256::digest(password.as_bytes()))
    )
}

/// Byte comparison that takes the same time wherever the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Checks `password` against the account's password (argon2; the dummy hash for
/// unknown identifiers, so neither the answer nor its timing tells whether the
/// identifier exists) and against a pending, unexpired reset. The password is checked
/// trimmed, then as typed when that differs (see [`password::as_typed`]): both checks
/// run for a wrong password whatever the identifier, in one job of a hashing thread.
pub(crate) async fn check_login(
    core: &Core,
    account: Option<&Account>,
    password: Secret,
) -> anyhow::Result<Matched> {
    let current = account.map_or_else(
        || core.dummy_hash().to_string(),
        |a| a.password_hash.clone(),
    );
    // The same query for unknown identifiers (no account has id 0): same work, same time.
    let r = core
        .store()
        .reset_secret(account.map_or(0, |a| a.id))
        .await?;
    let pending = r
        .reset_hash
        .filter(|_| r.reset_expires_at.is_some_and(|t| t > Utc::now()));
    let mut candidates = password::as_typed(&password.0);
    let matched = password::verify_first(candidates.clone(), current).await?;
    let Some(account) = account else {
        return Ok(Matched::None);
    };
    match matched {
        Some(0) => return Ok(Matched::Current),
        Some(_) => return Ok(Matched::CurrentAsTyped),
        None => {}
    }
    // Reset passwords have no blanks: the trimmed form is the one.
    let trimmed = candidates.swap_remove(0);
    match pending {
        Some(reset_hash) if same(&token_hash(&trimmed), &reset_hash) => {
            let new_hash = password::hash(trimmed).await?;
            tracing::info!(account = %account.identifier, "login with a reset password");
            Ok(Matched::Reset(Promotion {
                reset_hash,
                new_hash,
            }))
        }
        _ => Ok(Matched::None),
    }
}
