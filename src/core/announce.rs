//! `komunikat` (staff): an announcement for every customer (S19) — a failure, a planned
//! interruption, the maintenance break, a tariff, information — shown by `wiadomosci`
//! from today, until an optional end date. Written with its audit entry in one transaction.
//!
//! `komunikat <rodzaj> [do RRRR-MM-DD] <tytuł> | <treść>`, e.g.
//! `komunikat awaria do 2025-03-12 Awaria sieci – ul. Kaliska | Dostawa ciepła ograniczona.`

use super::Ctx;
use super::reply::{Reply, View};
use super::text::fold;
use crate::domain::model::MessageKind;
use crate::store::AuditEvent;
use crate::store::NewAnnouncement;
use chrono::NaiveDate;
use serde_json::json;

/// What a staff member typed, checked.
#[derive(Debug, PartialEq)]
struct Draft<'a> {
    kind: MessageKind,
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
    if let Some((first, after)) = rest.split_once(char::is_whitespace)
        && matches!(fold(first).as_str(), "do" | "until")
    {
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
        until,
        title,
        body,
    })
}

pub(super) async fn publish(ctx: &mut Ctx<'_>, text: &str) -> anyhow::Result<Reply> {
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
    let staff = ctx
        .account
        .as_ref()
        .map(|a| a.identifier.clone())
        .unwrap_or_default();
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let reference = format!("EBOK-{}-{suffix}", today.format("%Y%m%d"));
    let mut tx = ctx.core.store().begin().await?;
    tx.insert_announcement(&NewAnnouncement {
        reference: &reference,
        kind: draft.kind.as_str(),
        title: draft.title,
        body: draft.body,
        valid_from: today,
        valid_to: draft.until,
    })
    .await?;
    tx.audit(
        &staff,
        AuditEvent::AnnouncementPublished,
        &reference,
        draft.title,
    )
    .await?;
    tx.commit().await?;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "staff_announced",
            json!({
                "reference": reference, "kind": draft.kind, "title": draft.title,
                "valid_from": today, "valid_to": draft.until,
            }),
        ),
    ))
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
        ] {
            assert_eq!(read(line, today), Err(code), "{line}");
        }
    }
}
