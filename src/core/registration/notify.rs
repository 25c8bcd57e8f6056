//! New-request notifications for staff: one outbox row per recipient, written in the
//! request's transaction. Recipients are staff with a live session on Telegram or
//! email, and the chats/addresses listed in `telegram.staff_chats` and
//! `email.staff_addresses`. Each front end's outbox worker delivers its channel's rows.

use super::verify::Verification;
use crate::core::{Core, Lang};
use crate::domain::payload::Payload;
use crate::store::Tx;
use chrono::Duration;
use serde::Serialize;

/// What staff are told about a new request (no PESEL or NIP: only their masks).
#[derive(Debug, Clone, Serialize)]
pub struct NewRequest<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub pesel_masked: Option<&'a str>,
    /// Masked.
    pub nip: Option<&'a str>,
    pub email: &'a str,
    pub verification: &'a Verification,
}

/// `(channel, recipient, language)` of everyone to notify, without duplicates.
async fn recipients(core: &Core) -> anyhow::Result<Vec<(&'static str, String, Lang)>> {
    let settings = core.settings();
    let sec = &settings.security;
    let (idle, max) = (
        Duration::minutes(sec.session_idle_minutes),
        Duration::hours(sec.session_max_hours),
    );
    let default_lang = Lang::parse(&settings.app.default_language).unwrap_or(Lang::Pl);
    let mut out: Vec<(&'static str, String, Lang)> = Vec::new();
    for channel in ["telegram", "email"] {
        for (source, lang) in core.store().live_staff_chats(channel, idle, max).await? {
            out.push((channel, source, Lang::parse(&lang).unwrap_or(default_lang)));
        }
    }
    if let Some(t) = &settings.telegram {
        for chat in &t.staff_chats {
            out.push(("telegram", chat.to_string(), default_lang));
        }
    }
    if let Some(e) = &settings.email {
        for address in &e.staff_addresses {
            out.push(("email", address.trim().to_lowercase(), default_lang));
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|(c, r, _)| seen.insert((*c, r.clone())));
    Ok(out)
}

/// Enqueues the notification of request `request.id` for every staff recipient.
pub async fn enqueue(core: &Core, tx: &mut Tx, request: &NewRequest<'_>) -> anyhow::Result<usize> {
    let list = recipients(core).await?;
    for (channel, recipient, lang) in &list {
        let payload = Payload::new(*lang, "staff_new_request", request);
        let key = format!("staff-new:{}:{channel}:{recipient}", request.id);
        tx.enqueue(&key, channel, recipient, &payload.to_json())
            .await?;
    }
    Ok(list.len())
}
