//! Every notice of the outbox, rendered from its example in each language and flavour
//! (text, Telegram HTML, email HTML), with its email subject and its buttons, compared
//! with `tests/golden/notices/<template>.txt` (regenerate with UPDATE_GOLDEN=1 after a
//! deliberate change). A template missing in one language is a failure, not a fallback.

use super::{Flavour, Renderer};
use crate::core::decisions::notification_actions;
use crate::domain::lang::Lang;
use crate::domain::payload::Payload;
use serde_json::{Value, json};
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn examples() -> Vec<(&'static str, Value)> {
    let common = |kind: &str| {
        json!({"event": format!("{kind}:example"), "account": "EB000000",
            "customer": "K-00102", "customer_name": "Jan Kowalski"})
    };
    let customer = |kind: &str, data: Value| {
        let mut all = common(kind);
        all.as_object_mut()
            .unwrap()
            .extend(data.as_object().unwrap().clone());
        all
    };
    let phones = json!(["54 231 73 18", "54 231 73 17"]);
    vec![
        (
            "mail_credentials",
            json!({"name": "Jan Kowalski", "identifier": "EB000000",
                "expires": "2025-03-17T11:00:00+00:00", "days": 7, "phones": phones}),
        ),
        (
            "mail_foreign_sender",
            json!({"identifier": "EB000000", "sender": "ktos@example.test",
                "at": "2025-03-10T11:30:00+00:00", "phones": phones}),
        ),
        (
            "mail_rejected",
            json!({"id": 12, "name": "Jan Kowalski",
                "reason": "Dane niezgodne z kartoteką klientów.", "phones": phones}),
        ),
        (
            "mail_reset",
            json!({"name": "Jan Kowalski", "identifier": "EB000000",
                "expires": "2025-03-17T11:00:00+00:00", "by_staff": false, "phones": phones}),
        ),
        (
            "notify_announcement",
            customer(
                "announcement",
                json!({"reference": "PB/2025/03/10/0101", "message_kind": "failure",
                    "title": "Awaria sieci – ul. Toruńska",
                    "body": "Dostawa ciepła może być ograniczona do 6:00.",
                    "valid_from": "2025-03-10", "valid_to": "2025-03-11"}),
            ),
        ),
        (
            "notify_collection",
            customer(
                "collection",
                json!({"case_number": "WN/2025/0040", "stage": "demand",
                    "opened_on": "2025-03-01", "updated_on": "2025-03-10",
                    "principal_gr": 93430, "interest_gr": 340, "costs_gr": 0,
                    "court": null, "signature": null}),
            ),
        ),
        (
            "notify_due_soon",
            customer(
                "due_soon",
                json!({"number": "FV/2025/03/000102", "doc_kind": "invoice",
                    "due_date": "2025-03-24", "effective_due": "2025-03-24",
                    "to_pay_gr": 81240, "interest_per_day_gr": 25}),
            ),
        ),
        (
            "notify_invoice",
            customer(
                "invoice",
                json!({"number": "FV/2025/03/000102", "doc_kind": "invoice",
                    "issue_date": "2025-03-10", "due_date": "2025-03-24",
                    "charge_gr": 81240, "to_pay_gr": 81240}),
            ),
        ),
        (
            "notify_overdue",
            customer(
                "overdue",
                json!({"number": "FV/2025/03/000102", "doc_kind": "invoice",
                    "due_date": "2025-03-24", "effective_due": "2025-03-24",
                    "to_pay_gr": 81240, "interest_per_day_gr": 25}),
            ),
        ),
        (
            "notify_payment",
            customer(
                "payment",
                json!({"reference": "PB/2025/03/10/0101", "paid_on": "2025-03-10",
                    "amount_gr": 50000, "invoice_number": "FV/2025/02/000102",
                    "title": "Awaria sieci – ul. Toruńska"}),
            ),
        ),
        (
            "staff_new_request",
            json!({"id": 12, "kind": "person", "name": "Jan Kowalski",
                "pesel_masked": "*******1234", "nip": null, "email": "jan@example.test",
                "verification": {
                    "flags": [
                        {"key": "customer", "state": "ok", "code": "found"},
                        {"key": "email", "state": "warn", "code": "different"},
                    ],
                    "customer_number": "K-00102", "customer_name": "Jan Kowalski",
                    "email_on_file": "klient@example.test", "all_ok": false}}),
        ),
    ]
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/notices")
}

/// What a recipient gets of `payload`: per language and flavour the rendered text, the
/// email subject and the buttons.
fn rendered(r: &Renderer, template: &str, payload: &Payload) -> String {
    let mut out = String::new();
    for lang in [Lang::Pl, Lang::En] {
        let mut p = payload.clone();
        p.lang = lang;
        let view = p.view().unwrap_or_else(|e| panic!("{template}: {e:#}"));
        for flavour in [Flavour::Text, Flavour::Telegram, Flavour::EmailHtml] {
            let reg = r.registry(flavour);
            let own = format!("{}/{template}", lang.code());
            assert!(reg.has_template(&own), "no template {own} ({flavour:?})");
            let text = r
                .view(flavour, lang, &view)
                .unwrap_or_else(|e| panic!("{own} ({flavour:?}): {e:#}"));
            let _ = writeln!(out, "--- {} {flavour:?} ---\n{text}", lang.code());
        }
        let key = format!("mail_subject.{template}");
        let subject = r
            .strings
            .get(lang, &key)
            .unwrap_or_else(|| panic!("no {key} in {}/strings.toml", lang.code()));
        let _ = writeln!(out, "--- {} subject ---\n{subject}", lang.code());
        let _ = writeln!(out, "--- {} buttons ---", lang.code());
        for a in notification_actions(&p) {
            let _ = writeln!(out, "[{}] {} (row {})", r.label(lang, &a), a.command, a.row);
        }
    }
    out
}

#[test]
fn every_notice_renders_in_each_language_and_flavour_as_the_golden_files_show() {
    let r = Renderer::new(None).unwrap();
    let mut failures = Vec::new();
    for (template, data) in examples() {
        let payload = Payload::new(Lang::Pl, template, data).with_secret("password", "Tajne123");
        let actual = rendered(&r, template, &payload);
        let path = golden_dir().join(format!("{template}.txt"));
        if std::env::var("UPDATE_GOLDEN").is_ok() {
            std::fs::create_dir_all(golden_dir()).unwrap();
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "--- {template} expected:\n{expected}\n--- actual:\n{actual}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
