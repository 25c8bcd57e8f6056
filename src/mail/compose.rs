//! Turning an outbox payload into a mail: subject from `strings.toml`
//! (`mail_subject.<template>`), a plain-text part and an HTML part rendered from the
//! same template, and a Message-ID derived from the outbox row's dedupe key.

use crate::outbox::Payload;
use crate::render::{Flavour, Renderer};
use anyhow::Context;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use sha2::{Digest, Sha256};

/// A rendered mail, before addressing.
#[derive(Debug, Clone)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
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

/// A multipart/alternative message from `from` to `to`.
pub fn build(
    composed: Composed,
    from: &Mailbox,
    to: Mailbox,
    message_id: String,
    in_reply_to: Option<&str>,
) -> anyhow::Result<Message> {
    let mut builder = Message::builder()
        .message_id(Some(message_id))
        .from(from.clone())
        .to(to)
        .subject(composed.subject);
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
    fn message_ids_are_stable_per_key() {
        let a = message_id("credentials:reg:1", "example.test");
        assert_eq!(a, message_id("credentials:reg:1", "example.test"));
        assert_ne!(a, message_id("credentials:reg:2", "example.test"));
        assert!(a.starts_with('<') && a.ends_with("@example.test>"), "{a}");
    }
}
