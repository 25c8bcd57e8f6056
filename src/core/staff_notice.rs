//! Notices to staff: one outbox row per recipient, written in the transaction of the
//! change they are about. Recipients are staff with a live session on Telegram or by
//! email, and the chats and addresses listed in `telegram.staff_chats` and
//! `email.staff_addresses`, each once; each front end's outbox worker delivers its
//! channel's rows. Every staff notice (a new request for access today) goes through
//! [`notify_staff`].

use super::Core;
use crate::domain::lang::Lang;
use crate::domain::notice::Notice;
use crate::domain::payload::Payload;
use crate::store::Tx;
use chrono::Duration;

/// One staff recipient: the channel, the chat id or address, the language to write in.
struct Recipient {
    channel: &'static str,
    address: String,
    lang: Lang,
}

/// Everyone to notify, without duplicates.
async fn recipients(core: &Core) -> anyhow::Result<Vec<Recipient>> {
    let settings = core.settings();
    let sec = &settings.security;
    let (idle, max) = (
        Duration::minutes(sec.session_idle_minutes),
        Duration::hours(sec.session_max_hours),
    );
    let default_lang = Lang::parse(&settings.app.default_language).unwrap_or(Lang::Pl);
    let mut out = Vec::new();
    for channel in ["telegram", "email"] {
        for (address, lang) in core.store().live_staff_chats(channel, idle, max).await? {
            let lang = Lang::parse(&lang).unwrap_or(default_lang);
            out.push(Recipient {
                channel,
                address,
                lang,
            });
        }
    }
    let configured = |channel, address| Recipient {
        channel,
        address,
        lang: default_lang,
    };
    if let Some(t) = &settings.telegram {
        out.extend(
            t.staff_chats
                .iter()
                .map(|c| configured("telegram", c.to_string())),
        );
    }
    if let Some(e) = &settings.email {
        let addresses = e.staff_addresses.iter();
        out.extend(addresses.map(|a| configured("email", a.trim().to_lowercase())));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert((r.channel, r.address.clone())));
    Ok(out)
}

/// Writes `notice` of `event` for every staff recipient, each in their language, under
/// the dedupe key `<event>:<channel>:<recipient>` (so the same event never reaches one
/// recipient twice). Returns how many recipients there are.
pub async fn notify_staff(
    core: &Core,
    tx: &mut Tx,
    event: &str,
    notice: &Notice,
) -> anyhow::Result<usize> {
    let list = recipients(core).await?;
    for r in &list {
        let payload = Payload::of(r.lang, notice);
        let key = format!("{event}:{}:{}", r.channel, r.address);
        tx.enqueue(&key, r.channel, &r.address, &payload.to_json())
            .await?;
    }
    Ok(list.len())
}
