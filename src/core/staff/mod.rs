//! Staff commands (S4, C3): pending requests with their verification flags, approve,
//! reject, reset a customer's password, lock, unlock, and the audit log. Staff are
//! accounts with the staff role; for anyone else these commands do not exist.

mod accounts;
mod create;
mod decide;
mod email_choice;

pub use create::{StaffAddError, create_staff, reset_staff};

use super::command::{lookup, split_command};
use super::registration::verify::{self, Claim};
use super::{Command, Ctx};
use crate::domain::model::Role;
use crate::domain::reply::{Reply, View};
use serde_json::json;

/// Requests shown by `pending` at most.
const PENDING_LIMIT: i64 = 20;

/// True when `text` names a staff command (whatever its arguments).
pub(super) fn is_staff_command(text: &str) -> bool {
    split_command(text).is_some_and(|(word, _)| lookup(&word).is_some_and(|s| s.staff))
}

/// What a non-staff user sees for a staff command: exactly the unknown-command reply.
pub(super) fn unknown(ctx: &Ctx<'_>, text: &str) -> Reply {
    let word = split_command(text).map(|(w, _)| w).unwrap_or_default();
    Reply::new(
        ctx.lang,
        View::new("unknown_command", json!({ "word": word })),
    )
}

/// Runs a staff command; the caller has checked the role.
pub(super) async fn execute(ctx: &mut Ctx<'_>, command: Command) -> anyhow::Result<Reply> {
    match command {
        Command::Pending => pending(ctx).await,
        Command::Approve { id, email } => decide::approve(ctx, id, email.as_deref()).await,
        Command::Reject { id, reason } => decide::reject(ctx, id, &reason).await,
        Command::ResetPassword { identifier } => accounts::reset_password(ctx, &identifier).await,
        Command::Lock { identifier } => accounts::set_locked(ctx, &identifier, true).await,
        Command::Unlock { identifier } => accounts::set_locked(ctx, &identifier, false).await,
        Command::Audit { limit } => audit(ctx, limit).await,
        _ => Ok(Reply::new(ctx.lang, View::bare("empty"))),
    }
}

/// After login (and after the first-login change): the staff panel or the customer's.
pub(super) async fn home(ctx: &mut Ctx<'_>) -> anyhow::Result<Reply> {
    let Some(account) = ctx.account.clone() else {
        return Ok(Reply::new(ctx.lang, View::bare("login_required")));
    };
    if account.role != Role::Staff {
        return super::views::customer_view(ctx, Command::Balance).await;
    }
    let pending = ctx.core.store().count_pending_registrations().await?;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "staff_home",
            json!({ "name": account.name, "identifier": account.identifier, "pending": pending }),
        ),
    ))
}

async fn pending(ctx: &Ctx<'_>) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    let total = store.count_pending_registrations().await?;
    let mut requests = Vec::new();
    for r in store.pending_registrations(PENDING_LIMIT).await? {
        let verification = verify::verify(store, &Claim::from(&r), ctx.core.today()).await?;
        let nip = r.nip.as_deref().map(crate::domain::ids::mask_nip);
        requests.push(json!({ "request": r, "nip": nip, "verification": verification }));
    }
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "staff_pending",
            json!({ "requests": requests, "total": total, "shown": requests.len() }),
        ),
    ))
}

async fn audit(ctx: &Ctx<'_>, limit: u32) -> anyhow::Result<Reply> {
    let entries = ctx.core.store().audit_tail(i64::from(limit)).await?;
    Ok(Reply::new(
        ctx.lang,
        View::new("staff_audit", json!({ "entries": entries })),
    ))
}
