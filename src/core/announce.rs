//! `komunikat` (staff): an announcement for every customer or for the customers of some
//! heat areas (S19) — a failure, a planned interruption, the maintenance break, a
//! tariff, information — shown by `wiadomosci` from today, until an optional end date,
//! and sent to the customers who turned announcement notices on.
//!
//! `komunikat <rodzaj> [obszar=WS-31,WS-32] [do RRRR-MM-DD] <tytuł> | <treść>` drafts it
//! and tells staff whom it reaches (customers, chats, addresses); `komunikat wyslij <ref>`
//! publishes it and writes its notices in one transaction with the audit entry;
//! `komunikat postep <ref>` shows sent / waiting / failed; `komunikat wstrzymaj <ref>`
//! cancels what has not gone yet (or drops a draft). `komunikat zakoncz|zmien <ref>`:
//! see [`super::announce_life`].

use super::Ctx;
use crate::domain::model::MessageKind;
use crate::domain::reply::{Reply, View};
use crate::domain::text::fold;
use crate::store::AuditEvent;
use crate::store::{AnnouncementDraft, NewAnnouncement};
use chrono::NaiveDate;
use serde_json::json;

/// What a staff member typed, checked.
#[derive(Debug, PartialEq)]
struct Draft<'a> {
    kind: MessageKind,
    /// Heat areas targeted (as typed, comma-separated); empty: everyone.
    areas: String,
    until: Option<NaiveDate>,
    title: &'a str,
    body: &'a str,
}

fn kind(word: &str) -> Option<MessageKind> {
    Some(match fold(word).as_str() {
        "awaria" | "failure" => MessageKind::Failure,
        "wylaczenie" | "przerwa" | "interruption" => MessageKind::Interruption,
        "remont" | "maintenance" => MessageKind::Maintenance,
        "taryfa" | "tariff" => MessageKind::Tariff,
        "informacja" | "info" | "information" => MessageKind::Information,
        _ => return None,
    })
}

/// The line after the command word; `Err` names what is wrong (`[announce_error]` keys).
fn read(text: &str, today: NaiveDate) -> Result<Draft<'_>, &'static str> {
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let kind = kind(word).ok_or("kind")?;
    let mut rest = rest.trim_start();
    let mut until = None;
    let mut areas = String::new();
    // Options before the title, in any order: `obszar=…` and `do RRRR-MM-DD`.
    loop {
        let (first, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let folded = fold(first);
        let is_area = ["obszar=", "obszary=", "area=", "areas="]
            .iter()
            .any(|p| folded.starts_with(p));
        if is_area {
            let list = &first[first.find('=').map_or(0, |i| i + 1)..];
            if crate::domain::area::targets(list).is_empty() {
                return Err("area");
            }
            areas = list.to_string();
            rest = after.trim_start();
            continue;
        }
        if matches!(folded.as_str(), "do" | "until") && until.is_none() {
            let (date, after) = after
                .trim_start()
                .split_once(char::is_whitespace)
                .unwrap_or((after, ""));
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| "date")?;
            if date < today {
                return Err("date_past");
            }
            until = Some(date);
            rest = after.trim_start();
            continue;
        }
        break;
    }
    let (title, body) = rest.split_once('|').ok_or("separator")?;
    let (title, body) = (title.trim(), body.trim());
    if title.chars().count() < 3 || title.chars().count() > 200 {
        return Err("title");
    }
    if body.is_empty() || body.chars().count() > 2000 {
        return Err("body");
    }
    Ok(Draft {
        kind,
        areas,
        until,
        title,
        body,
    })
}

/// A follow-up on an earlier draft: send it, show its progress, stop it.
enum Step {
    Send,
    Progress,
    Stop,
}

fn step(text: &str) -> Option<(Step, &str)> {
    let (word, rest) = text.trim().split_once(char::is_whitespace)?;
    let step = match fold(word).as_str() {
        "wyslij" | "send" | "potwierdz" | "confirm" => Step::Send,
        "postep" | "progress" | "status" => Step::Progress,
        "wstrzymaj" | "stop" | "anuluj" | "cancel" => Step::Stop,
        _ => return None,
    };
    let reference = rest.trim();
    (!reference.is_empty() && !reference.contains(char::is_whitespace)).then_some((step, reference))
}

pub(super) async fn publish(ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
    match super::announce_life::parse(text) {
        Ok(Some((reference, change))) => {
            let staff = staff_name(ctx);
            return super::announce_life::apply(ctx, reference, change, &staff).await;
        }
        Err(code) => {
            return Ok(Reply::new(
                ctx.lang,
                View::new("staff_announce_invalid", json!({ "code": code })),
            ));
        }
        Ok(None) => {}
    }
    if let Some((step, reference)) = step(text) {
        return match step {
            Step::Send => send(ctx, reference).await,
            Step::Progress => progress(ctx, reference, None).await,
            Step::Stop => stop(ctx, reference).await,
        };
    }
    let today = ctx.core.today();
    let draft = match read(text, today) {
        Ok(d) => d,
        Err(code) => {
            return Ok(Reply::new(
                ctx.lang,
                View::new("staff_announce_invalid", json!({ "code": code })),
            ));
        }
    };
    let staff = staff_name(ctx);
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let reference = format!("EBOK-{}-{suffix}", today.format("%Y%m%d"));
    let store = ctx.core.store();
    let targets = crate::domain::area::targets(&draft.areas);
    let reach = if targets.is_empty() {
        store.announcement_reach(None).await?
    } else {
        let mut tx = store.begin().await?;
        let areas = tx.customer_areas().await?;
        tx.commit().await?;
        let reached = crate::domain::area::reached(&targets, &areas);
        store.announcement_reach(Some(&reached)).await?
    };
    let mut tx = store.begin().await?;
    tx.insert_announcement_draft(&AnnouncementDraft {
        reference: reference.clone(),
        staff,
        kind: draft.kind.as_str().to_string(),
        title: draft.title.to_string(),
        body: draft.body.to_string(),
        valid_from: today,
        valid_to: draft.until,
        areas: draft.areas.clone(),
        status: "draft".into(),
    })
    .await?;
    tx.commit().await?;
    let reply = Reply::new(
        ctx.lang,
        View::new(
            "staff_announce_confirm",
            json!({
                "reference": reference, "kind": draft.kind, "title": draft.title,
                "areas": draft.areas, "valid_from": today, "valid_to": draft.until,
                "urgent": draft.kind == MessageKind::Failure,
                "customers": reach.customers, "chats": reach.chats, "emails": reach.emails,
            }),
        ),
    );
    Ok(reply
        .with_action(
            "announce_send",
            &reference,
            format!("komunikat wyslij {reference}"),
            0,
        )
        .with_action(
            "announce_cancel",
            &reference,
            format!("komunikat wstrzymaj {reference}"),
            0,
        ))
}

fn staff_name(ctx: &Ctx<'_>) -> String {
    ctx.account
        .as_ref()
        .map(|a| a.identifier.clone())
        .unwrap_or_default()
}

fn not_found(ctx: &Ctx<'_>, reference: &str) -> Reply {
    Reply::new(
        ctx.lang,
        View::new("staff_announce_unknown", json!({ "reference": reference })),
    )
}

/// Publishes a draft and writes its notices, with the audit entry, in one transaction.
async fn send(ctx: &mut Ctx<'_>, reference: &str) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    let Some(d) = store.announcement_draft(reference).await? else {
        return Ok(not_found(ctx, reference));
    };
    let timing = ctx.core.timing();
    let mut tx = store.begin().await?;
    if !tx
        .set_announcement_status(reference, "draft", "sent")
        .await?
    {
        drop(tx);
        return progress(ctx, reference, Some(d.status.as_str())).await;
    }
    tx.insert_announcement(&NewAnnouncement {
        reference,
        kind: &d.kind,
        title: &d.title,
        body: &d.body,
        valid_from: d.valid_from,
        valid_to: d.valid_to,
        area: (!d.areas.is_empty()).then_some(d.areas.as_str()),
    })
    .await?;
    let targets = crate::domain::area::targets(&d.areas);
    let notices =
        crate::notify::events::announcement(&mut tx, reference, &d.kind, &targets, timing).await?;
    tx.audit(
        &staff_name(ctx),
        AuditEvent::AnnouncementPublished,
        reference,
        &format!(
            "{} ({notices} notices{})",
            d.title,
            if d.areas.is_empty() {
                String::new()
            } else {
                format!(", areas {}", d.areas)
            }
        ),
    )
    .await?;
    tx.commit().await?;
    let reply = Reply::new(
        ctx.lang,
        View::new(
            "staff_announced",
            json!({
                "reference": reference, "kind": d.kind, "title": d.title, "areas": d.areas,
                "valid_from": d.valid_from, "valid_to": d.valid_to, "notices": notices,
            }),
        ),
    );
    Ok(reply
        .with_action(
            "announce_progress",
            reference,
            format!("komunikat postep {reference}"),
            0,
        )
        .with_action(
            "announce_cancel",
            reference,
            format!("komunikat wstrzymaj {reference}"),
            0,
        ))
}

/// Sent / waiting / failed / cancelled notices of the announcement.
async fn progress(ctx: &Ctx<'_>, reference: &str, already: Option<&str>) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    let Some(d) = store.announcement_draft(reference).await? else {
        return Ok(not_found(ctx, reference));
    };
    let p = store
        .notice_progress(&format!("announcement:{reference}"))
        .await?;
    let reply = Reply::new(
        ctx.lang,
        View::new(
            "staff_announce_progress",
            json!({
                "reference": reference, "title": d.title, "status": d.status,
                "already": already, "sent": p.sent, "waiting": p.waiting,
                "failed": p.failed, "cancelled": p.cancelled,
            }),
        ),
    );
    Ok(if p.waiting > 0 {
        reply
            .with_action(
                "announce_progress",
                reference,
                format!("komunikat postep {reference}"),
                0,
            )
            .with_action(
                "announce_cancel",
                reference,
                format!("komunikat wstrzymaj {reference}"),
                0,
            )
    } else {
        reply
    })
}

/// Drops a draft, or cancels the notices of a sent announcement not delivered yet.
async fn stop(ctx: &mut Ctx<'_>, reference: &str) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    if store.announcement_draft(reference).await?.is_none() {
        return Ok(not_found(ctx, reference));
    }
    let mut tx = store.begin().await?;
    let dropped = tx
        .set_announcement_status(reference, "draft", "cancelled")
        .await?;
    let cancelled = if dropped {
        0
    } else {
        tx.cancel_notices(&format!("announcement:{reference}"))
            .await?
    };
    tx.audit(
        &staff_name(ctx),
        AuditEvent::AnnouncementCancelled,
        reference,
        &format!("{cancelled} notices not sent"),
    )
    .await?;
    tx.commit().await?;
    progress(ctx, reference, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_line_is_read_with_an_optional_end_date() {
        let today = day("2025-03-10");
        assert_eq!(
            read(
                "awaria do 2025-03-12 Awaria – ul. Kaliska | Ciepło ograniczone.",
                today
            ),
            Ok(Draft {
                kind: MessageKind::Failure,
                areas: String::new(),
                until: Some(day("2025-03-12")),
                title: "Awaria – ul. Kaliska",
                body: "Ciepło ograniczone.",
            })
        );
        assert_eq!(
            read("Taryfa Nowa taryfa od 1 lipca | Ceny w załączniku.", today)
                .unwrap()
                .kind,
            MessageKind::Tariff
        );
        assert_eq!(read("Wyłączenie Dom | x", today).unwrap().until, None);
        let targeted = read(
            "awaria obszar=WS-31,WS-32 do 2025-03-12 Awaria sieci | Brak ciepła.",
            today,
        )
        .unwrap();
        assert_eq!(targeted.areas, "WS-31,WS-32");
        assert_eq!(targeted.until, Some(day("2025-03-12")));
        assert_eq!(targeted.title, "Awaria sieci");
    }

    #[test]
    fn every_mistake_is_named() {
        let today = day("2025-03-10");
        for (line, code) in [
            ("plotka Tytuł | treść", "kind"),
            ("awaria do 12.03.2025 Tytuł | treść", "date"),
            ("awaria do 2025-03-01 Tytuł | treść", "date_past"),
            ("awaria Tytuł bez treści", "separator"),
            ("awaria ab | treść", "title"),
            ("awaria Tytuł |  ", "body"),
            ("awaria obszar= Tytuł | treść", "area"),
        ] {
            assert_eq!(read(line, today), Err(code), "{line}");
        }
    }
}
