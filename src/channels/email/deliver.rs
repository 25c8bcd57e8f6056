//! Sending the stored replies: the outbox [`Worker`] of issue 3 (claiming, retries with
//! backoff, scrubbing) with a [`Deliverer`] for the [`REPLY_CHANNEL`], over the shared
//! [`Mailer`]. The message is built once, when the reply is committed ([`stored_payload`]:
//! Message-ID from the row's dedupe key, itself derived from the inbound mail, and the
//! Date of that moment), and its bytes are sent as stored, so a retried send, even
//! after a crash mid-send, is byte for byte the same message.
//!
//! Replies follow RFC 3834 §3: `Auto-Submitted: auto-replied`, `In-Reply-To` and
//! `References` to the request, and a null envelope sender (`MAIL FROM:<>`), so a reply
//! that bounces cannot start a loop.

use super::reply::{REPLY_CHANNEL, ReplyMail};
use crate::domain::payload::Payload;
use crate::mail::Mailer;
use crate::mail::headers::{AutoSubmitted, SuppressAutoResponses};
use crate::mail::recipient;
use crate::outbox::{Deliverer, DeliveryError, Message, RetryPolicy, Worker};
use crate::store::Store;
use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment as MailAttachment, Mailbox, MultiPart, SinglePart};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Builds the reply message.
pub fn build(
    reply: &ReplyMail,
    from: &Mailbox,
    to: Mailbox,
    message_id: String,
) -> anyhow::Result<lettre::Message> {
    let envelope = Envelope::new(None, vec![to.email.clone()])?;
    let mut builder = lettre::Message::builder()
        .message_id(Some(message_id))
        .from(from.clone())
        .to(to)
        .subject(reply.subject.clone())
        .header(AutoSubmitted::replied())
        .header(SuppressAutoResponses)
        .envelope(envelope);
    if let Some(id) = &reply.in_reply_to {
        builder = builder.in_reply_to(id.clone());
    }
    if !reply.references.is_empty() {
        builder = builder.references(reply.references.join(" "));
    }
    let alternative = body(reply)?;
    let message = if reply.attachments.is_empty() {
        builder.multipart(alternative)?
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for file in &reply.attachments {
            let content_type = ContentType::parse(&file.content_type)
                .or_else(|_| ContentType::parse("application/octet-stream"))?;
            let part: SinglePart =
                MailAttachment::new(file.file_name.clone()).body(file.body.clone(), content_type);
            mixed = mixed.singlepart(part);
        }
        builder.multipart(mixed)?
    };
    Ok(message)
}

/// The text and the HTML; images shown in the HTML (a QR code) ride with it in a
/// multipart/related part, referred to as `cid:` (they are attached as files as well,
/// for mail programs that show no images).
fn body(reply: &ReplyMail) -> anyhow::Result<MultiPart> {
    let inline: Vec<_> = reply.attachments.iter().filter(|a| a.inline).collect();
    if inline.is_empty() {
        return Ok(MultiPart::alternative_plain_html(
            reply.text.clone(),
            reply.html.clone(),
        ));
    }
    let mut related = MultiPart::related().singlepart(SinglePart::html(reply.html.clone()));
    for file in inline {
        let content_type = ContentType::parse(&file.content_type)?;
        related = related.singlepart(
            MailAttachment::new_inline(super::reply::content_id(&file.file_name))
                .body(file.body.clone(), content_type),
        );
    }
    Ok(MultiPart::alternative()
        .singlepart(SinglePart::plain(reply.text.clone()))
        .multipart(related))
}

/// Sends the rows of [`REPLY_CHANNEL`].
pub struct ReplyDeliverer {
    mailer: Mailer,
}

impl ReplyDeliverer {
    pub fn new(mailer: Mailer) -> ReplyDeliverer {
        ReplyDeliverer { mailer }
    }
}

#[async_trait::async_trait]
impl Deliverer for ReplyDeliverer {
    #[tracing::instrument(skip_all, fields(id = message.id))]
    async fn deliver(&self, message: &Message) -> Result<(), DeliveryError> {
        // The sender's address, as their mail gave it: one no reply can go to is theirs.
        let to = recipient(message).map_err(|detail| DeliveryError::Unreachable {
            reason: "bad_address",
            detail,
        })?;
        let sent = match ReplyMail::stored_message(&message.payload) {
            Some(bytes) => {
                let bytes = bytes.map_err(|e| DeliveryError::Permanent(format!("{e:#}")))?;
                let envelope = Envelope::new(None, vec![to.email])
                    .map_err(|e| DeliveryError::Permanent(format!("the envelope: {e}")))?;
                self.mailer.send_raw(&envelope, &bytes).await
            }
            None => {
                let reply = ReplyMail::from_payload(&message.payload)
                    .map_err(|e| DeliveryError::Permanent(format!("{e:#}")))?;
                let id = crate::mail::message_id(&message.dedupe_key, self.mailer.domain());
                let mail = build(&reply, self.mailer.from(), to, id)
                    .map_err(|e| DeliveryError::Permanent(format!("building the reply: {e:#}")))?;
                self.mailer.send(mail).await
            }
        };
        sent.map_err(DeliveryError::from)
    }
}

/// The outbox payload of `reply` to `to` under the outbox key `key`: the finished
/// message's bytes, built once here (Message-ID from the key, Date now). A recipient
/// lettre cannot address keeps the rendered parts; the worker then reports why it
/// cannot send it.
pub fn stored_payload(reply: &ReplyMail, from: &Mailbox, to: &str, key: &str) -> Payload {
    let id = crate::mail::message_id(key, from.email.domain());
    let built = to
        .parse::<Mailbox>()
        .map_err(anyhow::Error::from)
        .and_then(|to| build(reply, from, to, id));
    match built {
        Ok(message) => reply.to_stored_payload(&message.formatted()),
        Err(e) => {
            tracing::warn!(error = format!("{e:#}"), "the reply cannot be built now");
            reply.to_payload()
        }
    }
}

/// The outbox worker for replies.
pub fn reply_worker(store: Store, mailer: Mailer, policy: RetryPolicy) -> Worker {
    Worker::new(
        store,
        REPLY_CHANNEL,
        Arc::new(ReplyDeliverer::new(mailer)),
        policy,
    )
}

/// Runs `worker` until aborted. Besides polling every `policy.idle_poll`, it wakes at
/// once when the responder has committed a reply (`wake`), which keeps the latency
/// from delivery to reply low.
pub async fn run_worker(worker: Worker, wake: Arc<Notify>, idle_poll: Duration) {
    while !crate::shutdown::requested() {
        match worker.try_process_next().await {
            Ok(crate::outbox::Outcome::Done) => continue,
            Ok(crate::outbox::Outcome::Empty) => {}
            Err(e) => tracing::error!(error = format!("{e:#}"), "email reply worker step failed"),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(idle_poll) => {}
            () = crate::shutdown::wait() => {}
        }
    }
}
