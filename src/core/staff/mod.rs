//! Staff commands (S4, C3): pending requests with their verification flags, approve,
//! reject, reset a customer's password, lock, unlock, and the audit log. Staff are
//! accounts with the staff role; for anyone else these commands do not exist.

mod accounts;
mod create;
mod decide;
mod email_choice;

pub(crate) use accounts::{reset_password, set_locked};
pub use create::{StaffAddError, create_staff, reset_staff};
pub(crate) use decide::{approve, reject};

use super::Ctx;
use super::registration::verify::{self, Claim};
use crate::domain::reply::{Reply, View};
use serde_json::json;

/// Requests shown by `pending` at most.
const PENDING_LIMIT: i64 = 20;

pub(crate) async fn pending(ctx: &Ctx<'_>) -> anyhow::Result<Reply> {
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

pub(crate) async fn audit(ctx: &Ctx<'_>, limit: u32) -> anyhow::Result<Reply> {
    let entries = ctx.core.store().audit_tail(i64::from(limit)).await?;
    Ok(Reply::new(
        ctx.lang,
        View::new("staff_audit", json!({ "entries": entries })),
    ))
}
