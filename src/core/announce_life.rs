//! An announcement's life after it is published (staff): `komunikat zakoncz <ref>
//! [tekst]` ends it ("dostawa ciepła przywrócona"), `komunikat zmien <ref> do
//! RRRR-MM-DD [tekst]` gives it another last day. The notices already delivered are
//! followed, in the transaction of the change: on Telegram the message sent is edited in
//! place (an `edit` notice: the text shows the change and its time), and a customer the
//! change matters to — the end itself, an earlier end, a later end by more than
//! `[notifications] followup_days` — gets one short `note` replying to it (by email one
//! short mail). Notices not delivered yet of an ended announcement are cancelled; of a
//! changed one, they go with the changed text (it is read when they are written).

use super::Ctx;
use crate::domain::notice::{Announcement, AnnouncementUpdate, Notice, dedupe_key};
use crate::domain::payload::Payload;
use crate::domain::reply::{Reply, View};
use crate::domain::text::fold;
use crate::store::{AuditEvent, Schedule, SentNotice, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

/// An edit makes no sound: not held by quiet hours, sent before other notices.
const EDIT_PRIORITY: i64 = 10;

/// What staff asked.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Change<'a> {
    End { note: &'a str },
    Until { until: NaiveDate, note: &'a str },
}

/// `zakoncz <ref> [tekst]`, `zmien <ref> do RRRR-MM-DD [tekst]` → (reference, change);
/// `Err(code)` for a change word with a bad rest; `Ok(None)` for anything else.
pub(super) fn parse(text: &str) -> Result<Option<(&str, Change<'_>)>, &'static str> {
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let end = matches!(fold(word).as_str(), "zakoncz" | "end" | "koniec");
    let until = matches!(fold(word).as_str(), "zmien" | "change");
    if !end && !until {
        return Ok(None);
    }
    let rest = rest.trim();
    let (reference, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if reference.is_empty() {
        return Err("reference");
    }
    let rest = rest.trim();
    if end {
        return Ok(Some((reference, Change::End { note: rest })));
    }
    let (word, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if !matches!(fold(word).as_str(), "do" | "until") {
        return Err("date");
    }
    let rest = rest.trim();
    let (date, note) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let until = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| "date")?;
    Ok(Some((
        reference,
        Change::Until {
            until,
            note: note.trim(),
        },
    )))
}

/// Applies `change` to announcement `reference` and writes its follow-ups.
pub(super) async fn apply(
    ctx: &mut Ctx<'_>,
    reference: &str,
    change: Change<'_>,
    staff: &str,
) -> anyhow::Result<Reply> {
    let now = ctx.core.clock().now();
    let today = ctx.core.today();
    let followup_days = i64::from(ctx.core.settings().notifications.followup_days);
    let store = ctx.core.store();
    let mut tx = store.begin().await?;
    let old_until = tx.announcement_end(reference).await?;
    let revision = match change {
        Change::End { .. } => tx.end_announcement(reference, now, today).await?,
        Change::Until { until, .. } if until < today => {
            return Ok(invalid(ctx, "date_past"));
        }
        Change::Until { until, .. } => tx.change_announcement_end(reference, until).await?,
    };
    let Some(revision) = revision else {
        return Ok(Reply::new(
            ctx.lang,
            View::new("staff_announce_not_live", json!({ "reference": reference })),
        ));
    };
    let (kind, note, until, matters) = match change {
        Change::End { note } => ("ended", note, today, true),
        Change::Until { until, note } => {
            let matters = match old_until {
                Some(old) => until < old || (until - old).num_days() > followup_days,
                None => until < today + chrono::Days::new(1),
            };
            ("until", note, until, matters)
        }
    };
    let cancelled = match change {
        Change::End { .. } => tx.cancel_undelivered_announcement(reference).await?,
        Change::Until { .. } => 0,
    };
    let update = Update {
        revision,
        change: kind,
        note,
        until,
        now,
        matters,
    };
    let (mut edits, mut notes) = (0, 0);
    for notice in tx.announcement_notices(reference).await? {
        let (e, n) = follow(&mut tx, &notice, &update).await?;
        edits += e;
        notes += n;
    }
    let event = match change {
        Change::End { .. } => AuditEvent::AnnouncementEnded,
        Change::Until { .. } => AuditEvent::AnnouncementChanged,
    };
    let detail = format!("{kind} ({edits} edits, {notes} notes, {cancelled} not sent)");
    tx.audit(staff, event, reference, &detail).await?;
    tx.commit().await?;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "staff_announce_changed",
            json!({
                "reference": reference, "change": kind, "until": until,
                "edits": edits, "notes": notes, "cancelled": cancelled,
            }),
        ),
    ))
}

fn invalid(ctx: &Ctx<'_>, code: &str) -> Reply {
    Reply::new(
        ctx.lang,
        View::new("staff_announce_invalid", json!({ "code": code })),
    )
}

/// One change as its follow-ups carry it.
struct Update<'a> {
    revision: i64,
    change: &'static str,
    note: &'a str,
    until: NaiveDate,
    now: DateTime<Utc>,
    /// Whether the customers get a note (an edit they get regardless).
    matters: bool,
}

/// The follow-ups of one delivered notice: the edit of its Telegram message (when its
/// id is known), the note (when the change matters). Returns (edits, notes) written.
async fn follow(tx: &mut Tx, notice: &SentNotice, u: &Update<'_>) -> anyhow::Result<(u64, u64)> {
    // Delivered: marked sent, or its message already there (a worker marks the row
    // just after keeping the message's id).
    if notice.status != "sent" && notice.message_id.is_none() {
        return Ok((0, 0));
    }
    let Ok(payload) = Payload::parse(&notice.payload) else {
        return Ok((0, 0));
    };
    let Ok(Notice::Announcement(a)) = payload.notice() else {
        return Ok((0, 0));
    };
    let telegram_id = notice.message_id.filter(|_| notice.channel == "telegram");
    let mut written = (0, 0);
    if let Some(id) = telegram_id
        && tx
            .enqueue_scheduled(
                &key(&a, u, "edit", notice),
                &notice.channel,
                &notice.recipient,
                &body(&payload, &a, u, "edit", Some(id)),
                Schedule {
                    priority: EDIT_PRIORITY,
                    not_before: Some(u.now),
                },
            )
            .await?
    {
        written.0 += 1;
    }
    if u.matters
        && tx
            .enqueue_scheduled(
                &key(&a, u, "note", notice),
                &notice.channel,
                &notice.recipient,
                &body(&payload, &a, u, "note", telegram_id),
                Schedule {
                    priority: 0,
                    not_before: Some(u.now),
                },
            )
            .await?
    {
        written.1 += 1;
    }
    Ok(written)
}

fn event(a: &Announcement, u: &Update<'_>, role: &str) -> String {
    format!("announcement:{}:r{}:{role}", a.reference, u.revision)
}

fn key(a: &Announcement, u: &Update<'_>, role: &str, notice: &SentNotice) -> String {
    dedupe_key(&event(a, u, role), &notice.channel, &notice.recipient)
}

fn body(
    original: &Payload,
    a: &Announcement,
    u: &Update<'_>,
    role: &str,
    message_id: Option<i64>,
) -> String {
    let mut about = a.about.clone();
    about.event = event(a, u, role);
    let update = AnnouncementUpdate {
        about,
        role: role.to_string(),
        change: u.change.to_string(),
        reference: a.reference.clone(),
        message_kind: a.message_kind.clone(),
        title: a.title.clone(),
        body: a.body.clone(),
        valid_from: a.valid_from,
        valid_to: Some(u.until),
        changed_at: u.now,
        note: u.note.to_string(),
        message_id,
    };
    Payload::new(original.lang, "notify_announcement_update", &update).to_json()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_end_or_change_an_announcement_by_its_reference() {
        assert_eq!(
            parse("zakoncz EBOK-1 Dostawa przywrócona."),
            Ok(Some((
                "EBOK-1",
                Change::End {
                    note: "Dostawa przywrócona."
                }
            )))
        );
        assert_eq!(
            parse("end EBOK-1"),
            Ok(Some(("EBOK-1", Change::End { note: "" })))
        );
        let until = NaiveDate::from_ymd_opt(2025, 3, 20).unwrap();
        assert_eq!(
            parse("zmien EBOK-1 do 2025-03-20 Potrwa dłużej."),
            Ok(Some((
                "EBOK-1",
                Change::Until {
                    until,
                    note: "Potrwa dłużej."
                }
            )))
        );
        assert_eq!(parse("zmien EBOK-1 jutro"), Err("date"));
        assert_eq!(parse("zakoncz"), Err("reference"));
        assert_eq!(parse("awaria Tytuł | treść"), Ok(None));
    }
}
