//! Staff actions on customer accounts: a new temporary password by email, lock, unlock.
//! Each ends the account's sessions where that matters and goes to the audit log.

use super::super::{Ctx, password, reset};
use crate::domain::model::Role;
use crate::domain::reply::{Reply, View};
use crate::store::{Account, AuditEvent};
use serde_json::json;

/// The customer account named by `identifier`, or the reply saying there is none.
async fn customer_account(
    ctx: &Ctx<'_>,
    identifier: &str,
) -> anyhow::Result<Result<Account, Reply>> {
    let found = ctx.core.store().account_by_identifier(identifier).await?;
    match found {
        Some(a) if a.role == Role::Customer && !a.closed => Ok(Ok(a)),
        _ => Ok(Err(Reply::new(
            ctx.lang,
            View::new(
                "staff_account_not_found",
                json!({ "identifier": identifier }),
            ),
        ))),
    }
}

fn actor(ctx: &Ctx<'_>) -> String {
    ctx.account
        .as_ref()
        .map(|a| a.identifier.clone())
        .unwrap_or_default()
}

/// Replaces the account's password with a temporary one, mailed to the address on file.
#[tracing::instrument(skip(ctx))]
pub(crate) async fn reset_password(ctx: &mut Ctx<'_>, identifier: &str) -> anyhow::Result<Reply> {
    let account = match customer_account(ctx, identifier).await? {
        Ok(a) => a,
        Err(reply) => return Ok(reply),
    };
    if account.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
        return Ok(Reply::new(
            ctx.lang,
            View::new(
                "staff_no_email",
                json!({ "identifier": account.identifier }),
            ),
        ));
    }
    let core = ctx.core;
    let temporary = password::temporary();
    let hash = password::hash(temporary.clone()).await?;
    let expires = core.temporary_expiry();
    let mut tx = core.store().begin().await?;
    tx.set_temporary_password(account.id, &hash, expires)
        .await?;
    reset::enqueue_password_mail(core, &mut tx, &account, &temporary, expires, true).await?;
    let ended = tx.end_all_sessions(account.id).await?;
    tx.audit(
        &actor(ctx),
        AuditEvent::PasswordResetByStaff,
        &account.identifier,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "staff_password_reset",
            json!({
                "identifier": account.identifier,
                "email": account.email,
                "sessions_ended": ended,
            }),
        ),
    ))
}

#[tracing::instrument(skip(ctx))]
pub(crate) async fn set_locked(
    ctx: &mut Ctx<'_>,
    identifier: &str,
    locked: bool,
) -> anyhow::Result<Reply> {
    let account = match customer_account(ctx, identifier).await? {
        Ok(a) => a,
        Err(reply) => return Ok(reply),
    };
    let core = ctx.core;
    let mut tx = core.store().begin().await?;
    tx.set_locked(account.id, locked).await?;
    let ended = if locked {
        tx.end_all_sessions(account.id).await?
    } else {
        0
    };
    let action = if locked {
        AuditEvent::AccountLocked
    } else {
        AuditEvent::AccountUnlocked
    };
    tx.audit(&actor(ctx), action, &account.identifier, "")
        .await?;
    tx.commit().await?;
    let template = if locked {
        "staff_locked"
    } else {
        "staff_unlocked"
    };
    Ok(Reply::new(
        ctx.lang,
        View::new(
            template,
            json!({ "identifier": account.identifier, "sessions_ended": ended }),
        ),
    ))
}
