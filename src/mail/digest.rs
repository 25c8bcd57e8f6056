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
use crate::domain::clock::Clock;
use crate::domain::payload::Payload;
use crate::outbox::{Deliverer, DeliveryError, Message};
use crate::render::{Flavour, Renderer};
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
        let to = super::deliver::recipient(message).map_err(DeliveryError::Permanent)?;
        let payloads: Vec<Payload> = members
            .iter()
            .map(|m| Payload::parse(&m.payload))
            .collect::<anyhow::Result<_>>()
            .map_err(|e| DeliveryError::Permanent(format!("{e:#}")))?;
        let utility = self.mailer.from().email.to_string();
        let composed = digest_body(&self.renderer, message.payload.lang, &payloads, &utility)
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

/// The mail of a digest. Subject: one notification's own headline (its first line:
/// "Awaria: ul. Toruńska"), or the first one's and how many others ("… i 2 inne
/// powiadomienia"). Body: the notifications one after another, numbered when several,
/// and one footer — the account they are about (each names its own when they are
/// about different accounts of one address) and how to change or stop them by mail.
fn digest_body(
    renderer: &Renderer,
    lang: crate::domain::lang::Lang,
    payloads: &[Payload],
    utility: &str,
) -> anyhow::Result<compose::Composed> {
    let Some(first) = payloads.first() else {
        anyhow::bail!("a digest without notifications");
    };
    let customers: std::collections::BTreeSet<String> = payloads
        .iter()
        .filter_map(|p| p.data.get("customer").map(|c| c.to_string()))
        .collect();
    let each_names_its_account = customers.len() > 1;
    let parts: Vec<compose::Composed> = payloads
        .iter()
        .map(|p| part(renderer, p, each_names_its_account))
        .collect::<anyhow::Result<_>>()?;
    let footer = footer(renderer, lang, first, !each_names_its_account, utility)?;
    let numbered = parts.len() > 1;
    let mut text = String::new();
    let mut html = String::new();
    for (i, p) in parts.iter().enumerate() {
        let number = if numbered {
            format!("{}. ", i + 1)
        } else {
            String::new()
        };
        text.push_str(&format!("{number}{}\n\n", p.text.trim_end()));
        html.push_str(&format!("<div>{number}{}</div>\n<hr>\n", p.html));
    }
    text.push_str(&footer.text);
    text.push('\n');
    html.push_str(&footer.html);
    let lead = &parts[0].subject;
    let subject = match parts.len() - 1 {
        0 => lead.clone(),
        others => {
            let n = i64::try_from(others).unwrap_or(i64::MAX);
            let form = crate::render::plural::category(lang, n).as_str();
            renderer
                .string(lang, &format!("email.digest_subject.{form}"))
                .replace("{first}", lead)
                .replace("{count}", &others.to_string())
        }
    };
    Ok(compose::Composed {
        subject,
        text,
        html: page(lang, &html),
    })
}

/// A notification's subject (its headline), text and HTML body, as a part of a mail:
/// without the chat's footer, and with the account line only when `account_line`.
fn part(
    renderer: &Renderer,
    payload: &Payload,
    account_line: bool,
) -> anyhow::Result<compose::Composed> {
    let mut view = payload.view()?;
    if let Some(data) = view.data.as_object_mut() {
        data.insert("_in_mail".into(), true.into());
        data.insert("_account_line".into(), account_line.into());
    }
    let lang = payload.lang;
    let text = renderer.view(Flavour::Text, lang, &view)?;
    let subject = headline(&text)
        .unwrap_or_else(|| renderer.string(lang, &format!("mail_subject.{}", payload.template)));
    Ok(compose::Composed {
        subject,
        html: renderer.view(Flavour::EmailHtml, lang, &view)?,
        text,
    })
}

/// The footer of a notification mail, once: the account (when `account_line`) and how
/// to change or stop notifications by mail, at the utility's command address.
fn footer(
    renderer: &Renderer,
    lang: crate::domain::lang::Lang,
    first: &Payload,
    account_line: bool,
    utility: &str,
) -> anyhow::Result<compose::Composed> {
    let field = |name: &str| first.data.get(name).cloned().unwrap_or_default();
    let view = crate::core::View::new(
        "notify_mail_footer",
        serde_json::json!({
            "account_line": account_line,
            "customer": field("customer"),
            "customer_name": field("customer_name"),
            "address": utility,
            "unsubscribe": UNSUBSCRIBE_SUBJECT,
        }),
    );
    Ok(compose::Composed {
        subject: String::new(),
        text: renderer.view(Flavour::Text, lang, &view)?,
        html: renderer.view(Flavour::EmailHtml, lang, &view)?,
    })
}

/// Longest subject taken from a headline (a title may have 200 characters).
const SUBJECT_CHARS: usize = 100;

/// The first line of a notification without its leading symbol ("⚠️ Awaria: …" →
/// "Awaria: …"), cut to [`SUBJECT_CHARS`]; `None` when there is no text.
fn headline(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line = line.trim_start_matches(|c: char| !c.is_alphanumeric());
    if line.is_empty() {
        return None;
    }
    if line.chars().count() <= SUBJECT_CHARS {
        return Some(line.to_string());
    }
    let cut: String = line.chars().take(SUBJECT_CHARS - 1).collect();
    Some(format!("{}…", cut.trim_end()))
}

fn page(lang: crate::domain::lang::Lang, body: &str) -> String {
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
    fn a_subject_is_the_headline_without_its_symbol_and_not_too_long() {
        assert_eq!(
            headline("⚠️ Awaria: ul. Toruńska\nTreść").as_deref(),
            Some("Awaria: ul. Toruńska")
        );
        assert_eq!(
            headline("\n\n🧾 Nowy dokument").as_deref(),
            Some("Nowy dokument")
        );
        assert_eq!(headline("  \n"), None);
        let long = format!("ℹ️ Informacja: {}", "ż".repeat(300));
        let cut = headline(&long).unwrap();
        assert_eq!(cut.chars().count(), SUBJECT_CHARS);
        assert!(cut.ends_with('…'), "{cut}");
    }

    #[test]
    fn a_digest_subject_counts_the_other_notifications_in_each_language() {
        let renderer = Renderer::new(None).unwrap();
        let notice = |lang, n: i64| {
            Payload::new(
                lang,
                "notify_payment",
                serde_json::json!({"event": "payment:1", "account": "EB1", "customer": "K-1",
                    "customer_name": "Jan", "reference": "PB/1", "paid_on": "2025-03-10",
                    "amount_gr": n * 100, "invoice_number": null, "title": null}),
            )
        };
        let subject = |lang, count: i64| {
            let payloads: Vec<Payload> = (1..=count).map(|n| notice(lang, n)).collect();
            digest_body(&renderer, lang, &payloads, "ebok@example.test")
                .unwrap()
                .subject
        };
        let pl = crate::domain::lang::Lang::Pl;
        let en = crate::domain::lang::Lang::En;
        assert_eq!(subject(pl, 1), "Zaksięgowaliśmy wpłatę 1,00 zł");
        assert_eq!(
            subject(pl, 2),
            "Zaksięgowaliśmy wpłatę 1,00 zł i 1 inne powiadomienie"
        );
        assert_eq!(
            subject(pl, 5),
            "Zaksięgowaliśmy wpłatę 1,00 zł i 4 inne powiadomienia"
        );
        assert_eq!(
            subject(pl, 6),
            "Zaksięgowaliśmy wpłatę 1,00 zł i 5 innych powiadomień"
        );
        assert_eq!(
            subject(pl, 13),
            "Zaksięgowaliśmy wpłatę 1,00 zł i 12 innych powiadomień"
        );
        assert_eq!(
            subject(pl, 23),
            "Zaksięgowaliśmy wpłatę 1,00 zł i 22 inne powiadomienia"
        );
        assert_eq!(subject(en, 1), "Payment of 1,00 zł booked");
        assert_eq!(
            subject(en, 2),
            "Payment of 1,00 zł booked and 1 other notification"
        );
        assert_eq!(
            subject(en, 3),
            "Payment of 1,00 zł booked and 2 other notifications"
        );
    }

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
