//! The due-date calendar as an iCalendar file (RFC 5545): one all-day event per unpaid
//! bill on the day it must be paid by, with a reminder some days before.
//!
//! All-day events carry plain dates (`DTSTART;VALUE=DATE`), which calendar apps show on
//! that day in any time zone, so no VTIMEZONE is needed; the dates are the utility's
//! (Europe/Warsaw), named in `X-WR-TIMEZONE`. Each event's UID is made of the customer's
//! and the bill's numbers, encoded so that no two bills share one ([`uid`]), so
//! importing a later export again updates the events instead of adding copies.

use chrono::{Duration, NaiveDate, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Trigger};

/// Who made the file (RFC 5545 §3.7.3).
const PRODID: &str = "-//ebok//e-BOK//PL";
/// The hour (local) a reminder goes off on its day.
const REMINDER_HOUR: i64 = 9;

/// One bill's event.
#[derive(Debug, Clone)]
pub struct DueEvent {
    pub uid: String,
    /// The day payment is due (already moved past weekends and holidays).
    pub date: NaiveDate,
    pub summary: String,
    pub description: String,
}

/// A stable UID for a customer's bill: `K-00102.FV-2025-02-000102@<domain>`, the same
/// in every export and through the subscription link.
///
/// Different bills never share one (a calendar app would keep one event and drop the
/// other's reminder): each part is encoded, not cleaned up, so it decodes back to the
/// number. In the customer's number letters, digits, `-` and `_` stay and every other
/// byte is `%XX`, so it holds no `.` and the first `.` ends it. In the bill's number
/// letters, digits, `_` and `.` stay, `/` becomes `-` (as earlier files wrote it, so
/// the usual numbers keep the UIDs calendars already have) and every other byte, `-`
/// included, is `%XX`: `FV/MX/0007` is `FV-MX-0007`, `FV-MX-0007` is `FV%2DMX%2D0007`.
pub fn uid(customer_number: &str, bill_number: &str, domain: &str) -> String {
    let customer = encode(customer_number, |b| match b {
        b'-' | b'_' => Some(b as char),
        _ => None,
    });
    let bill = encode(bill_number, |b| match b {
        b'_' | b'.' => Some(b as char),
        b'/' => Some('-'),
        _ => None,
    });
    format!("{customer}.{bill}@{domain}")
}

/// `text` with ASCII letters and digits kept, the bytes `other` maps written as it
/// says, and every other byte as `%XX`.
fn encode(text: &str, other: impl Fn(u8) -> Option<char>) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else if let Some(c) = other(b) {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The calendar file: `events`, each with a display alarm at 9:00 `reminder_days`
/// before its day.
pub fn calendar(name: &str, events: &[DueEvent], reminder_days: u32) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .name(name)
        .timezone("Europe/Warsaw");
    let stamp = Utc::now();
    for e in events {
        // Relative to the start of the (all-day) event, i.e. midnight of its day.
        let trigger = Duration::hours(REMINDER_HOUR) - Duration::days(i64::from(reminder_days));
        // DTEND of an all-day event is the next day: the end is not part of it.
        let next = e.date.succ_opt().unwrap_or(e.date);
        let alarm = Alarm::display(&e.summary, Trigger::after_start(trigger))
            .uid(&format!("alarm.{}", e.uid))
            .done();
        let event = Event::new()
            .uid(&e.uid)
            .timestamp(stamp)
            .starts(e.date)
            .ends(next)
            .summary(&e.summary)
            .description(&e.description)
            .alarm(alarm)
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}

/// Where `ebok serve` serves the subscription of a token: `/kalendarz/<token>.ics`.
pub const LINK_PATH: &str = "/kalendarz/";

/// A new subscription token: 32 random bytes, URL-safe base64 (43 characters).
pub fn new_token() -> String {
    use base64::Engine as _;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_all_day_event_with_a_reminder_days_before_at_nine() {
        let day = NaiveDate::from_ymd_opt(2025, 5, 5).unwrap();
        let text = calendar(
            "e-BOK",
            &[DueEvent {
                uid: uid("K-00102", "FV/2025/04/000102", "mpec.example"),
                date: day,
                summary: "Faktura FV/2025/04/000102 — 934,30 zł".into(),
                description: "Do zapłaty; przelew".into(),
            }],
            3,
        );
        assert!(
            text.contains("UID:K-00102.FV-2025-04-000102@mpec.example"),
            "{text}"
        );
        assert!(text.contains("DTSTART;VALUE=DATE:20250505"), "{text}");
        assert!(text.contains("DTEND;VALUE=DATE:20250506"), "{text}");
        assert!(text.contains("BEGIN:VALARM"), "{text}");
        // 2 days 15 hours before midnight: 9:00 three days before.
        assert!(text.contains("TRIGGER;RELATED=START:-PT226800S"), "{text}");
        assert!(
            text.contains("UID:alarm.K-00102.FV-2025-04-000102@mpec.example"),
            "{text}"
        );
        assert!(text.contains("PRODID:-//ebok//e-BOK//PL"), "{text}");
        assert!(text.contains("X-WR-TIMEZONE:Europe/Warsaw"), "{text}");
    }

    #[test]
    fn numbers_differing_only_in_separators_get_their_own_uids() {
        let d = "mpec.example";
        // The usual numbers keep the UIDs earlier files gave them.
        assert_eq!(
            uid("K-00102", "FV/MX/0007", d),
            "K-00102.FV-MX-0007@mpec.example"
        );
        assert_eq!(
            uid("K-00102", "FV-MX-0007", d),
            "K-00102.FV%2DMX%2D0007@mpec.example"
        );
        assert_ne!(uid("K-00102", "FV 7", d), uid("K-00102", "FV_7", d));
        assert_ne!(uid("K.1", "2", d), uid("K", "1.2", d));
        assert_eq!(uid("K-1", "FV/ż%@", d), "K-1.FV-%C5%BC%25%40@mpec.example");
    }
}
