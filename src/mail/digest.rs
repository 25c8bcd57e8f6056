//! Email notifications as digests: the notifications for one address written within a
//! short window (`[smtp] digest_window_seconds`, counted from the first) go out as one
//! mail listing them. Every other `"email"` row goes as before ([`EmailDeliverer`]).
//!
//! A notification row (dedupe key `notify:…`) waits until its window is over, then
//! leads a digest: the rows it takes are recorded first ([`Store::form_digest`]), so a
//! retry — after an SMTP failure or a crash — sends the same mail with the same
//! Message-ID, and rows written later go into the next digest. The digest is finished
//! as one: sent or failed together.
//!
//! The mail is an automatic notice (RFC 3834: `Auto-Submitted: auto-generated`,
//! `X-Auto-Response-Suppress: All`, null envelope sender), threaded under one stable
//! id per address (`In-Reply-To` / `References`), with `List-Unsubscribe: <mailto:…
//! ?subject=POWIADOMIENIA%20WYLACZ>` (the command that turns notifications off, sent to
//! the utility's command mailbox). There is no `List-Unsubscribe-Post`: RFC 8058's
//! one-click needs an HTTPS address to POST to, and ebok has no public web endpoint.

use super::headers::{AutoSubmitted, ListUnsubscribe, SuppressAutoResponses};
use super::{EmailDeliverer, Mailer, compose};
use crate::outbox::{Clock, Deliverer, DeliveryError, Message, Payload};
use crate::render::{Flavour, Renderer, escape_html};
use crate::store::{DigestMember, NOTIFICATION_KEY_PREFIX, Store};
use lettre::address::Envelope;
use lettre::message::{Mailbox, MultiPart};
use sha2::{Digest as _, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// The subject that turns notifications off, as the email responder reads it.
pub const UNSUBSCRIBE_SUBJECT: &str = "POWIADOMIENIA WYLACZ";

/// Sends the outbox's `"email"` rows, notifications as digests.
pub struct DigestDeliverer {
    inner: EmailDeliverer,
    mailer: Mailer,
    renderer: Arc<Renderer>,
    store: Store,
    window: chrono::Duration,
    clock: Clock,
}

impl DigestDeliverer {
    pub fn new(
        mailer: Mailer,
        renderer: Arc<Renderer>,
        store: Store,
        window: Duration,
        clock: Clock,
    ) -> DigestDeliverer {
        DigestDeliverer {
            inner: EmailDeliverer::new(mailer.clone(), renderer.clone()),
            mailer,
            renderer,
            store,
            window: chrono::Duration::from_std(window).unwrap_or(chrono::Duration::minutes(2)),
            clock,
        }
    }

    /// The digest `message` leads, formed now if it is not yet; `Later` while its
    /// window runs, or (far ahead) when the row went into another row's digest.
    async fn members(&self, message: &Message) -> Result<Vec<DigestMember>, DeliveryError> {
        let transient = |e: anyhow::Error| DeliveryError::Transient(format!("{e:#}"));
        let formed = self
            .store
            .digest_members(message.id)
            .await
            .map_err(transient)?;
        if !formed.is_empty() {
            return Ok(formed);
        }
        let created = self
            .store
            .outbox_created_at(message.id)
            .await
            .map_err(transient)?
            .ok_or_else(|| DeliveryError::Permanent("the row is gone".into()))?;
        let now = self.clock.now();
        let closes = created + self.window;
        if closes > now {
            return Err(DeliveryError::Later(closes));
        }
        // Rows held back beyond this (quiet hours) wait for a later digest; rows waiting
        // for their own window or claimed by another worker meanwhile come along.
        let horizon = now + self.window + chrono::Duration::minutes(1);
        let members = self
            .store
            .form_digest(
                message.id,
                &message.channel,
                &message.recipient,
                closes,
                horizon,
            )
            .await
            .map_err(transient)?;
        if members.is_empty() {
            // Taken into another row's digest, which finishes it.
            return Err(DeliveryError::Later(now + chrono::Duration::days(1)));
        }
        Ok(members)
    }

    async fn send_digest(
        &self,
        message: &Message,
        members: &[DigestMember],
    ) -> Result<(), DeliveryError> {
        let to: Mailbox = message.recipient.parse().map_err(|e| {
            DeliveryError::Permanent(format!(
                "{:?} is not an email address: {e}",
                message.recipient
            ))
        })?;
        let payloads: Vec<Payload> = members
            .iter()
            .map(|m| Payload::parse(&m.payload))
            .collect::<anyhow::Result<_>>()
            .map_err(|e| DeliveryError::Permanent(format!("{e:#}")))?;
        let composed = digest_body(&self.renderer, message.payload.lang, &payloads)
            .map_err(|e| DeliveryError::Permanent(format!("rendering the digest failed: {e:#}")))?;
        let mail = self
            .build(composed, to, &message.dedupe_key)
            .map_err(|e| DeliveryError::Permanent(format!("{e:#}")))?;
        self.mailer.send(mail).await.map_err(DeliveryError::from)
    }

    fn build(
        &self,
        composed: compose::Composed,
        to: Mailbox,
        lead_key: &str,
    ) -> anyhow::Result<lettre::Message> {
        let domain = self.mailer.domain();
        let thread = thread_id(to.email.as_ref(), domain);
        let unsubscribe = format!(
            "<mailto:{}?subject={}>",
            self.mailer.from().email,
            UNSUBSCRIBE_SUBJECT.replace(' ', "%20")
        );
        let envelope = Envelope::new(None, vec![to.email.clone()])?;
        let message = lettre::Message::builder()
            .message_id(Some(compose::message_id(
                &format!("digest:{lead_key}"),
                domain,
            )))
            .from(self.mailer.from().clone())
            .to(to)
            .subject(composed.subject)
            .in_reply_to(thread.clone())
            .references(thread)
            .header(AutoSubmitted::generated())
            .header(SuppressAutoResponses)
            .header(ListUnsubscribe(unsubscribe))
            .envelope(envelope)
            .multipart(MultiPart::alternative_plain_html(
                composed.text,
                composed.html,
            ))?;
        Ok(message)
    }
}

#[async_trait::async_trait]
impl Deliverer for DigestDeliverer {
    async fn deliver(&self, message: &Message) -> Result<(), DeliveryError> {
        if !message.dedupe_key.starts_with(NOTIFICATION_KEY_PREFIX) {
            return self.inner.deliver(message).await;
        }
        let members = self.members(message).await?;
        let result = self.send_digest(message, &members).await;
        let finished = match &result {
            Ok(()) => self.store.finish_digest(message.id, "sent", None).await,
            Err(DeliveryError::Permanent(e) | DeliveryError::Unreachable { detail: e, .. }) => {
                self.store
                    .finish_digest(message.id, "failed", Some(e))
                    .await
            }
            Err(_) => Ok(()),
        };
        if let Err(e) = finished {
            // The lead is finished by the worker; its rows are finished on the retry
            // (sent again with the same Message-ID) — rather that than lost.
            return Err(DeliveryError::Transient(format!(
                "finishing the digest: {e:#}"
            )));
        }
        result
    }
}

/// `<notify-…@domain>`: the same for every digest to `address`, so mail programs show
/// them as one conversation.
pub fn thread_id(address: &str, domain: &str) -> String {
    let digest = Sha256::digest(address.trim().to_lowercase().as_bytes());
    format!("<notify-{}@{domain}>", &hex::encode(digest)[..24])
}

/// One notification alone as it is; several under a counted subject, one after another.
fn digest_body(
    renderer: &Renderer,
    lang: crate::core::Lang,
    payloads: &[Payload],
) -> anyhow::Result<compose::Composed> {
    let parts: Vec<compose::Composed> = payloads
        .iter()
        .map(|p| part(renderer, p))
        .collect::<anyhow::Result<_>>()?;
    let prefix = renderer.string(lang, "email.subject_prefix");
    if let [only] = parts.as_slice() {
        return Ok(compose::Composed {
            subject: format!("{prefix}: {}", only.subject),
            text: only.text.clone(),
            html: page(lang, &only.html),
        });
    }
    let subject = renderer
        .string(lang, "email.digest_subject")
        .replace("{count}", &parts.len().to_string());
    let mut text = String::new();
    let mut html = String::new();
    for (i, p) in parts.iter().enumerate() {
        text.push_str(&format!(
            "{}. {}\n\n{}\n\n",
            i + 1,
            p.subject,
            p.text.trim_end()
        ));
        html.push_str(&format!(
            "<h3>{}. {}</h3>\n<div style=\"white-space: pre-wrap\">{}</div>\n<hr>\n",
            i + 1,
            escape_html(&p.subject),
            p.html
        ));
    }
    Ok(compose::Composed {
        subject: format!("{prefix}: {subject}"),
        text,
        html: page(lang, &html),
    })
}

/// A notification's own subject (without the prefix), text and HTML body.
fn part(renderer: &Renderer, payload: &Payload) -> anyhow::Result<compose::Composed> {
    let view = payload.view()?;
    let lang = payload.lang;
    Ok(compose::Composed {
        subject: renderer.string(lang, &format!("mail_subject.{}", payload.template)),
        text: renderer.view(Flavour::Text, lang, &view)?,
        html: renderer.view(Flavour::EmailHtml, lang, &view)?,
    })
}

fn page(lang: crate::core::Lang, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head>\
         <body><div style=\"font-family: sans-serif; white-space: pre-wrap\">{body}</div></body></html>\n",
        lang.code()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thread_per_address() {
        let a = thread_id("Jan@Example.test", "ebok.example");
        assert_eq!(a, thread_id(" jan@example.test", "ebok.example"));
        assert_ne!(a, thread_id("ewa@example.test", "ebok.example"));
        assert!(
            a.starts_with("<notify-") && a.ends_with("@ebok.example>"),
            "{a}"
        );
    }
}
