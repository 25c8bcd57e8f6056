//! Turning an outbox payload into a mail: subject from `strings.toml`
//! (`mail_subject.<template>`), a plain-text part and an HTML part rendered from the
//! same template, and a Message-ID derived from the outbox row's dedupe key.

use super::headers::{AutoSubmitted, SuppressAutoResponses};
use crate::domain::payload::Payload;
use crate::render::{Flavour, Renderer};
use anyhow::Context;
use lettre::Message;
use lettre::address::Envelope;
use lettre::message::{Mailbox, MultiPart};
use sha2::{Digest, Sha256};

/// A rendered mail, before addressing. The bodies may carry a temporary password, so
/// `Debug` shows only the subject and the sizes.
#[derive(Clone)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for Composed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Composed")
            .field("subject", &self.subject)
            .field("text", &format_args!("[{} bytes]", self.text.len()))
            .field("html", &format_args!("[{} bytes]", self.html.len()))
            .finish()
    }
}

/// Renders the payload's view as subject, text and HTML.
pub fn compose(renderer: &Renderer, payload: &Payload) -> anyhow::Result<Composed> {
    let view = payload.view()?;
    let lang = payload.lang;
    let text = renderer.view(Flavour::Text, lang, &view)?;
    let body = renderer.view(Flavour::EmailHtml, lang, &view)?;
    let prefix = renderer.string(lang, "email.subject_prefix");
    let subject = renderer.string(lang, &format!("mail_subject.{}", payload.template));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head>\
         <body><div style=\"font-family: sans-serif; white-space: pre-wrap\">{body}</div></body></html>\n",
        lang.code()
    );
    Ok(Composed {
        subject: format!("{prefix}: {subject}"),
        text,
        html,
    })
}

/// `<hex@domain>`: the same for every attempt of one outbox row.
pub fn message_id(dedupe_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(dedupe_key.as_bytes());
    format!("<{}@{domain}>", &hex::encode(digest)[..32])
}

/// Outbox templates that are automatic notices (RFC 3834): sent with `Auto-Submitted:
/// auto-generated` and a null envelope sender, like the email replies, so a bounce or
/// an out-of-office answer cannot start a loop. The other mails (credentials, a reset,
/// a rejection, staff notices) keep a return path: a bounce tells the utility that an
/// address on file is wrong.
pub const AUTOMATIC_NOTICES: &[&str] = &["mail_foreign_sender"];

/// A multipart/alternative message from `from` to `to`; an automatic notice when
/// `automatic`.
pub fn build(
    composed: Composed,
    from: &Mailbox,
    to: Mailbox,
    message_id: String,
    in_reply_to: Option<&str>,
    automatic: bool,
) -> anyhow::Result<Message> {
    let mut builder = Message::builder()
        .message_id(Some(message_id))
        .from(from.clone())
        .to(to.clone())
        .subject(composed.subject);
    if automatic {
        builder = builder
            .header(AutoSubmitted::generated())
            .header(SuppressAutoResponses)
            .envelope(Envelope::new(None, vec![to.email]).context("the envelope")?);
    }
    if let Some(id) = in_reply_to {
        builder = builder
            .in_reply_to(id.to_string())
            .references(id.to_string());
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            composed.text,
            composed.html,
        ))
        .context("building the message")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bodies() {
        let c = Composed {
            subject: "e-BOK: dane".into(),
            text: "Hasło tymczasowe: Tajne123".into(),
            html: "<b>Tajne123</b>".into(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("Tajne123"), "{shown}");
        assert!(shown.contains("e-BOK: dane"), "{shown}");
    }

    #[test]
    fn message_ids_are_stable_per_key() {
        let a = message_id("credentials:reg:1", "example.test");
        assert_eq!(a, message_id("credentials:reg:1", "example.test"));
        assert_ne!(a, message_id("credentials:reg:2", "example.test"));
        assert!(a.starts_with('<') && a.ends_with("@example.test>"), "{a}");
    }
}
