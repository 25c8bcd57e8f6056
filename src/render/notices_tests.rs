//! Every notice of the outbox, rendered from its example in each language and flavour
//! (text, Telegram HTML, email HTML), with its email subject and its buttons, compared
//! with `tests/golden/notices/<template>.txt` (regenerate with UPDATE_GOLDEN=1 after a
//! deliberate change). A template missing in one language is a failure, not a fallback.

use super::{Flavour, Renderer};
use crate::domain::lang::Lang;
use crate::domain::notice::Notice;
use crate::domain::payload::Payload;
use std::fmt::Write;
use std::path::{Path, PathBuf};

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
        for a in p.actions() {
            let _ = writeln!(out, "[{}] {} (row {})", r.label(lang, &a), a.command, a.row);
        }
    }
    out
}

#[test]
fn every_notice_renders_in_each_language_and_flavour_as_the_golden_files_show() {
    let r = Renderer::new(None).unwrap();
    let mut failures = Vec::new();
    for notice in Notice::examples() {
        let template = notice.template();
        // Every notice gets the secret; those that show a password read it from there.
        let payload = Payload::of(Lang::Pl, &notice).with_secret("password", "Tajne123");
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
