//! `powiadomienia` / `notifications`: what this chat (Telegram) or the address on file
//! (email; the console manages that too) is told, per kind, and quiet hours; with
//! toggle buttons. A subscription belongs to the account and the target, not to the
//! session: it outlives logout. Every change is audited.

use super::{Channel, Ctx, Lang};
use crate::domain::model::Role;
use crate::domain::notice::{Kind, QuietMode};
use crate::domain::reply::{Reply, View};
use crate::domain::text::fold;
use crate::store::Account;
use crate::store::AuditEvent;
use serde_json::json;

/// What `powiadomienia` changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyChange {
    /// Nothing: show the settings.
    Show,
    /// Turn one kind (or every kind) on.
    On(Option<Kind>),
    /// Turn one kind (or every kind) off.
    Off(Option<Kind>),
    /// End every subscription of the account, on every chat and by email.
    OffEverywhere,
    /// What quiet hours do: hold, deliver without a sound, nothing.
    Quiet(QuietMode),
    /// How many days before a bill's due date "due soon" comes, for this account (the
    /// number as typed: checked against 1–14 by the handler, which says what is wrong).
    Lead(i64),
    /// The evening preview on or off.
    Evening(bool),
}

/// `wlacz`/`on` → true, `wylacz`/`off` → false.
fn on_off(word: &str) -> Option<bool> {
    match fold(word).as_str() {
        "wlacz" | "on" | "tak" | "yes" => Some(true),
        "wylacz" | "off" | "nie" | "no" => Some(false),
        _ => None,
    }
}

/// `wlacz`/`on` → hold, `bez-dzwieku`/`silent` → silent, `wylacz`/`off` → off.
fn quiet_mode(word: &str) -> Option<QuietMode> {
    match fold(word).as_str() {
        "bez-dzwieku" | "bezdzwieku" | "cicho" | "wycisz" | "silent" | "mute" => {
            Some(QuietMode::Silent)
        }
        other => on_off(other).map(|on| if on { QuietMode::Hold } else { QuietMode::Off }),
    }
}

/// `powiadomienia [wlacz|wylacz] [rodzaj|wszedzie]`,
/// `powiadomienia cisza wlacz|bez-dzwieku|wylacz`.
pub(crate) fn parse_change(args: &[&str]) -> Option<NotifyChange> {
    let everywhere = |w: &str| matches!(fold(w).as_str(), "wszedzie" | "everywhere" | "all-chats");
    let quiet = |w: &str| {
        matches!(
            fold(w).as_str(),
            "cisza" | "quiet" | "godziny-ciszy" | "quiet-hours"
        )
    };
    match args {
        [] => Some(NotifyChange::Show),
        [q, mode] if quiet(q) => quiet_mode(mode).map(NotifyChange::Quiet),
        [w, on] if matches!(fold(w).as_str(), "wieczorem" | "wieczor" | "evening") => {
            on_off(on).map(NotifyChange::Evening)
        }
        [due, days] if Kind::parse_word(due) == Some(Kind::DueSoon) => {
            days.parse().ok().map(NotifyChange::Lead)
        }
        [on] => on_off(on).map(|on| {
            if on {
                NotifyChange::On(None)
            } else {
                NotifyChange::Off(None)
            }
        }),
        [off, w] if on_off(off) == Some(false) && everywhere(w) => {
            Some(NotifyChange::OffEverywhere)
        }
        [on, kind] => {
            let kind = Kind::parse_word(kind)?;
            on_off(on).map(|on| {
                if on {
                    NotifyChange::On(Some(kind))
                } else {
                    NotifyChange::Off(Some(kind))
                }
            })
        }
        _ => None,
    }
}

/// Where notices of this chat go: (channel, recipient as stored).
fn target(ctx: &Ctx<'_>) -> (&'static str, String) {
    match ctx.origin.channel {
        Channel::Telegram => ("telegram", ctx.origin.source.clone()),
        // Email only ever to the address on file: stored as '' and read when writing.
        Channel::Email | Channel::Console => ("email", String::new()),
    }
}

/// The kind's name as customers type it.
pub(crate) fn kind_word(lang: Lang, kind: Kind) -> &'static str {
    match (lang, kind) {
        (Lang::Pl, Kind::Invoice) => "faktury",
        (Lang::Pl, Kind::Payment) => "wplaty",
        (Lang::Pl, Kind::DueSoon) => "terminy",
        (Lang::Pl, Kind::Overdue) => "zaleglosci",
        (Lang::Pl, Kind::Collection) => "windykacja",
        (Lang::Pl, Kind::Announcement) => "komunikaty",
        (Lang::En, Kind::Invoice) => "invoices",
        (Lang::En, Kind::Payment) => "payments",
        (Lang::En, Kind::DueSoon) => "due",
        (Lang::En, Kind::Overdue) => "overdue",
        (Lang::En, Kind::Collection) => "collections",
        (Lang::En, Kind::Announcement) => "announcements",
    }
}

fn command_word(lang: Lang) -> (&'static str, &'static str, &'static str, &'static str) {
    match lang {
        Lang::Pl => ("powiadomienia", "wlacz", "wylacz", "cisza"),
        Lang::En => ("notifications", "on", "off", "quiet"),
    }
}

/// The word of `powiadomienia cisza …` that chooses `mode`.
fn quiet_word(lang: Lang, mode: QuietMode) -> &'static str {
    match (lang, mode) {
        (Lang::Pl, QuietMode::Hold) => "wlacz",
        (Lang::Pl, QuietMode::Silent) => "bez-dzwieku",
        (Lang::Pl, QuietMode::Off) => "wylacz",
        (Lang::En, QuietMode::Hold) => "on",
        (Lang::En, QuietMode::Silent) => "silent",
        (Lang::En, QuietMode::Off) => "off",
    }
}

/// The view's and the buttons' name of a change to `mode`.
fn quiet_change(mode: QuietMode) -> &'static str {
    match mode {
        QuietMode::Hold => "quiet_on",
        QuietMode::Silent => "quiet_silent",
        QuietMode::Off => "quiet_off",
    }
}

pub(crate) async fn handle(
    ctx: &mut Ctx<'_>,
    account: &Account,
    change: NotifyChange,
) -> anyhow::Result<Reply> {
    let account = account.clone();
    if account.role != Role::Customer || account.customer_id.is_none() {
        return Ok(Reply::new(ctx.lang, View::bare("notify_customers_only")));
    }
    let (channel, recipient) = target(ctx);
    if channel == "email" && account.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
        return Ok(Reply::new(ctx.lang, View::bare("notify_no_address")));
    }
    let store = ctx.core.store();
    let place = if channel == "telegram" {
        format!("telegram:{recipient}")
    } else {
        "email".to_string()
    };
    let mut released = 0;
    let changed = match change {
        NotifyChange::Show => None,
        NotifyChange::On(kind) | NotifyChange::Off(kind) => {
            let on = matches!(change, NotifyChange::On(_));
            let kinds: Vec<Kind> = kind.map_or_else(|| Kind::ALL.to_vec(), |k| vec![k]);
            let mut tx = store.begin().await?;
            if on {
                tx.subscribe(account.id, channel, &recipient, &kinds, ctx.core.today())
                    .await?;
            } else {
                tx.unsubscribe(account.id, channel, &recipient, &kinds)
                    .await?;
            }
            let event = if on {
                AuditEvent::NotificationsOn
            } else {
                AuditEvent::NotificationsOff
            };
            let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            tx.audit(&account.identifier, event, &place, &names.join(","))
                .await?;
            tx.commit().await?;
            Some(if on { "on" } else { "off" })
        }
        NotifyChange::OffEverywhere => {
            let mut tx = store.begin().await?;
            let ended = tx.end_subscriptions(account.id).await?;
            tx.audit(
                &account.identifier,
                AuditEvent::NotificationsEnded,
                "all",
                &format!("asked by the customer ({ended} ended)"),
            )
            .await?;
            tx.commit().await?;
            Some("off_everywhere")
        }
        NotifyChange::Quiet(QuietMode::Silent) if channel == "email" => {
            // A mail makes no sound: "silent" would only mean "at once", which is "off".
            let (cmd, _, w_off, w_quiet) = command_word(ctx.lang);
            return Ok(Reply::new(
                ctx.lang,
                View::new(
                    "notify_silent_email",
                    json!({ "off": format!("{cmd} {w_quiet} {w_off}") }),
                ),
            ));
        }
        NotifyChange::Evening(on) => {
            let mut tx = store.begin().await?;
            tx.set_evening(account.id, channel, &recipient, on).await?;
            let event = if on {
                AuditEvent::EveningOn
            } else {
                AuditEvent::EveningOff
            };
            tx.audit(&account.identifier, event, &place, "").await?;
            tx.commit().await?;
            Some(if on { "evening_on" } else { "evening_off" })
        }
        NotifyChange::Lead(days) => {
            let Ok(days) = u32::try_from(days) else {
                return Ok(lead_out_of_range(ctx.lang, days));
            };
            if !(1..=crate::notify::scheduler::MAX_LEAD_DAYS).contains(&days) {
                return Ok(lead_out_of_range(ctx.lang, i64::from(days)));
            }
            let mut tx = store.begin().await?;
            tx.set_due_soon_days(account.id, days).await?;
            tx.audit(
                &account.identifier,
                AuditEvent::ReminderLeadSet,
                &place,
                &days.to_string(),
            )
            .await?;
            tx.commit().await?;
            Some("lead")
        }
        NotifyChange::Quiet(mode) => {
            released = set_quiet_hours(ctx, &account, channel, &recipient, &place, mode).await?;
            Some(quiet_change(mode))
        }
    };
    settings_view(ctx, account.id, channel, &recipient, changed, released).await
}

/// `powiadomienia terminy 30`: the lead must be 1–14 days.
fn lead_out_of_range(lang: Lang, days: i64) -> Reply {
    let (cmd, _, _, _) = command_word(lang);
    let word = kind_word(lang, Kind::DueSoon);
    Reply::new(
        lang,
        View::new(
            "notify_lead_out_of_range",
            json!({
                "days": days,
                "max": crate::notify::scheduler::MAX_LEAD_DAYS,
                "example": format!("{cmd} {word} 5"),
            }),
        ),
    )
}

/// What quiet hours do to the target, audited; when they no longer hold (silent or off),
/// the notices they hold are released in the same transaction. Returns how many.
async fn set_quiet_hours(
    ctx: &Ctx<'_>,
    account: &crate::store::Account,
    channel: &str,
    recipient: &str,
    place: &str,
    mode: QuietMode,
) -> anyhow::Result<u64> {
    let mut tx = ctx.core.store().begin().await?;
    tx.set_quiet_mode(account.id, channel, recipient, mode)
        .await?;
    let released = if mode.holds() {
        0
    } else {
        release_held(ctx, &mut tx, account, channel, recipient).await?
    };
    let event = match mode {
        QuietMode::Hold => AuditEvent::QuietHoursOn,
        QuietMode::Silent => AuditEvent::QuietHoursSilent,
        QuietMode::Off => AuditEvent::QuietHoursOff,
    };
    let detail = match released {
        0 => String::new(),
        n => format!("{n} held notices released"),
    };
    tx.audit(&account.identifier, event, place, &detail).await?;
    tx.commit().await?;
    Ok(released)
}

/// Quiet hours turned off "let everything through at once": the notices they hold for
/// this account at this target (the chat, or the address on file) become due now, in
/// the transaction that turns them off. Returns how many.
async fn release_held(
    ctx: &Ctx<'_>,
    tx: &mut crate::store::Tx,
    account: &crate::store::Account,
    channel: &str,
    recipient: &str,
) -> anyhow::Result<u64> {
    let now = ctx.core.clock().now();
    let Some(until) =
        crate::domain::notice::quiet_until(now, ctx.core.settings().notifications.quiet_hours())
    else {
        return Ok(0);
    };
    // Email notices are addressed to the address on file as stored.
    let to = match (channel, account.email.as_deref()) {
        ("email", Some(address)) => address,
        ("email", None) => return Ok(0),
        _ => recipient,
    };
    tx.release_held_notices(&account.identifier, channel, to, now, until)
        .await
}

/// `powiadomienia wylacz [rodzaj]` mailed without a login (the `List-Unsubscribe` link
/// of every notification mail): email notifications end for every customer account
/// whose address on file is the sender's. It only ever turns email notifications off,
/// only for that address, so it needs no password: a forged sender can only stop mail
/// to the real owner, and the answer (the same whether or not anything was on) goes to
/// that address. Each account's change is audited.
pub(crate) async fn off_by_address(ctx: &Ctx<'_>, kind: Option<Kind>) -> anyhow::Result<Reply> {
    let address = ctx.origin.source.trim().to_lowercase();
    let kinds: Vec<Kind> = kind.map_or_else(|| Kind::ALL.to_vec(), |k| vec![k]);
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let mut tx = ctx.core.store().begin().await?;
    let accounts = tx.email_subscribers_at(&address).await?;
    for (id, identifier) in &accounts {
        tx.unsubscribe(*id, "email", "", &kinds).await?;
        let detail = format!("{} (mailed from the address on file)", names.join(","));
        tx.audit(identifier, AuditEvent::NotificationsOff, "email", &detail)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(
        accounts = accounts.len(),
        "email notifications turned off by mail"
    );
    let (cmd, w_on, _, _) = command_word(ctx.lang);
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "notify_off_by_address",
            json!({
                "kind": kind.map(|k| kind_word(ctx.lang, k)),
                "on_again": format!("{cmd} {w_on}"),
            }),
        ),
    ))
}

/// The settings of the target, with a toggle per kind and for quiet hours.
async fn settings_view(
    ctx: &Ctx<'_>,
    account_id: i64,
    channel: &'static str,
    recipient: &str,
    changed: Option<&'static str>,
    released: u64,
) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    let (on, quiet) = store.subscriptions(account_id, channel, recipient).await?;
    let lead = store.due_soon_days(account_id).await?;
    let evening = store.evening_on(account_id, channel, recipient).await?;
    let lang = ctx.lang;
    let (cmd, w_on, w_off, w_quiet) = command_word(lang);
    let n = &ctx.core.settings().notifications;
    let kinds: Vec<serde_json::Value> = Kind::ALL
        .iter()
        .map(|k| json!({ "kind": k.as_str(), "word": kind_word(lang, *k), "on": on.iter().any(|o| o == k.as_str()) }))
        .collect();
    let mut reply = Reply::new(
        lang,
        View::new(
            "notifications",
            json!({
                "channel": channel,
                "changed": changed,
                "released": released,
                "kinds": kinds,
                "any_on": !on.is_empty(),
                "quiet": quiet.as_str(),
                "quiet_window": n.quiet_from != n.quiet_to,
                "quiet_from": n.quiet_from.format("%H:%M").to_string(),
                "quiet_to": n.quiet_to.format("%H:%M").to_string(),
                "due_soon_days": lead.unwrap_or(n.due_soon_days),
                "lead_word": format!("{cmd} {} 5", kind_word(lang, Kind::DueSoon)),
                "due_day": n.due_day_reminder,
                "evening": evening,
                "evening_at": n.evening_at.format("%H:%M").to_string(),
                "overdue_every_days": n.overdue_every_days,
                "overdue_times": n.overdue_times,
            }),
        ),
    );
    for (i, kind) in Kind::ALL.iter().enumerate() {
        let is_on = on.iter().any(|o| o == kind.as_str());
        let word = kind_word(lang, *kind);
        let (action, verb) = if is_on {
            ("notify_off", w_off)
        } else {
            ("notify_on", w_on)
        };
        let row = u8::try_from(i / 2).unwrap_or(0);
        reply = reply.with_action(action, word, format!("{cmd} {verb} {word}"), row);
    }
    let (evening_action, evening_verb) = if evening {
        ("evening_off", w_off)
    } else {
        ("evening_on", w_on)
    };
    let w_evening = match lang {
        Lang::Pl => "wieczorem",
        Lang::En => "evening",
    };
    reply = reply.with_action(
        evening_action,
        "",
        format!("{cmd} {w_evening} {evening_verb}"),
        5,
    );
    // A button for each other choice; by email "silent" means nothing (no sound).
    for mode in QuietMode::ALL {
        if mode == quiet || (mode == QuietMode::Silent && channel == "email") {
            continue;
        }
        let word = quiet_word(lang, mode);
        reply = reply.with_action(quiet_change(mode), "", format!("{cmd} {w_quiet} {word}"), 4);
    }
    let all = if on.is_empty() {
        ("notify_all_on", format!("{cmd} {w_on}"))
    } else {
        ("notify_all_off", format!("{cmd} {w_off}"))
    };
    Ok(reply.with_action(all.0, "", all.1, 3))
}

/// After a password change: when the account is told things anywhere, a word on how to
/// end all of it (the old password may have been someone else's).
pub(crate) async fn after_password_change(
    ctx: &Ctx<'_>,
    account_id: i64,
    reply: Reply,
) -> anyhow::Result<Reply> {
    let count = ctx.core.store().subscription_targets(account_id).await?;
    if count == 0 {
        return Ok(reply);
    }
    let (cmd, _, w_off, _) = command_word(ctx.lang);
    let everywhere = match ctx.lang {
        Lang::Pl => "wszedzie",
        Lang::En => "everywhere",
    };
    let command = format!("{cmd} {w_off} {everywhere}");
    let mut reply = reply;
    reply.views.push(View::new(
        "notify_after_password",
        json!({ "targets": count, "command": command }),
    ));
    Ok(reply.with_action("notify_off_everywhere", "", command, 4))
}
