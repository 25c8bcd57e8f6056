//! The reply mail: rendered once, when the inbound mail is processed, and stored in the
//! outbox row (channel [`REPLY_CHANNEL`]) so every retry sends the same message. The
//! rendered text, HTML and attachments are the payload's secrets: the worker scrubs them
//! once the reply is delivered, so account data does not stay in the outbox.

use super::bounds::{self, Cut, MAX_PART_BYTES, Shown, echo_line, printable};
use super::extract::strip_reply_prefix;
use super::parse::Inbound;
use super::session::{Conversation, MAX_COMMANDS, MAX_NOT_UNDERSTOOD, Section};
use crate::core::{Attachment, Lang, View};
use crate::domain::payload::Payload;
use crate::render::{Flavour, Renderer};
use anyhow::Context;
use base64::Engine as _;
use serde_json::{Value, json};

/// The outbox channel of email replies (delivered by [`super::deliver::ReplyDeliverer`]).
pub const REPLY_CHANNEL: &str = "email_reply";
/// The payload's template name (not rendered by the outbox: the text is stored ready).
const PAYLOAD_TEMPLATE: &str = "email_reply";
/// The payload secret holding the finished message (base64).
const MESSAGE_SECRET: &str = "message";

/// A rendered reply, ready to address and send.
#[derive(Clone)]
pub struct ReplyMail {
    pub lang: Lang,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
    /// `<id>` of the mail answered.
    pub in_reply_to: Option<String>,
    /// `<id>` list: the answered mail's references, then its own id.
    pub references: Vec<String>,
}

impl std::fmt::Debug for ReplyMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyMail")
            .field("subject", &self.subject)
            .field("attachments", &self.attachments)
            .finish_non_exhaustive()
    }
}

/// Renders the answer to `mail` from its conversation with the core: each part at most
/// [`MAX_PART_BYTES`], without control characters (see [`super::bounds`]).
pub fn render(
    renderer: &Renderer,
    mail: &Inbound,
    conv: &Conversation,
) -> anyhow::Result<ReplyMail> {
    let lang = conv.lang;
    let attachments = conv.attachments();
    let files: Vec<String> = attachments.iter().map(|a| a.file_name.clone()).collect();
    // With the help shown, "unknown command" for every line of a letter is only noise:
    // the lines are listed, the help explains.
    let quiet = conv.help.is_some();
    let bodies: Vec<(String, String)> = conv
        .answers
        .iter()
        .map(|a| {
            if quiet && a.section == Section::NotUnderstood {
                return (String::new(), String::new());
            }
            let text = printable(&view_text(renderer, Flavour::Text, &a.reply));
            let html = printable(&view_text(renderer, Flavour::EmailHtml, &a.reply));
            (text, html)
        })
        .collect();
    let whole: Vec<Shown> = bodies
        .iter()
        .map(|(text, html)| Shown {
            text: text.clone(),
            html: html.clone(),
            cut: None,
        })
        .collect();
    let frame = |shown: &[Shown]| frame(renderer, mail, conv, shown, &files);
    let (mut text, mut html) = frame(&whole)?;
    if text.len() > MAX_PART_BYTES || html.len() > MAX_PART_BYTES {
        // What the reply takes without the answers (every one marked as left out, the
        // note on top), then the answers in order as far as they fit.
        let none: Vec<Shown> = bodies
            .iter()
            .map(|_| Shown {
                text: String::new(),
                html: String::new(),
                cut: Some(Cut::Left),
            })
            .collect();
        let (t0, h0) = frame(&none)?;
        let room = |used: usize| MAX_PART_BYTES.saturating_sub(used + FRAME_SLACK);
        let shown = bounds::fit(bodies, room(t0.len()), room(h0.len()));
        (text, html) = frame(&shown)?;
        tracing::info!(
            answers = shown.len(),
            shown_whole = shown.iter().filter(|s| s.cut.is_none()).count(),
            "the reply was shortened to the size limit"
        );
        if text.len() > MAX_PART_BYTES || html.len() > MAX_PART_BYTES {
            tracing::error!(
                text = text.len(),
                html = html.len(),
                "the reply is over the size limit even without its answers: cut"
            );
            let note = renderer.string(lang, "email.reply_cut");
            (text, html) = bounds::hard_cut(&t0, &note, |body| html_document(lang, body));
        }
    }
    let base = if conv.subject_secret {
        ""
    } else {
        mail.subject.as_str()
    };
    Ok(ReplyMail {
        lang,
        subject: reply_subject(renderer, lang, base),
        text,
        html,
        attachments,
        in_reply_to: mail.message_id.as_ref().map(|id| angle(id)),
        references: references(mail),
    })
}

/// Room kept free when fitting the answers: the frame measured with every answer left
/// out differs a little from the one with answers (line ends, the notes of a cut).
const FRAME_SLACK: usize = 512;

/// The reply's text and HTML with the answers' bodies `shown` (in the order of
/// `conv.answers`) and the attached `files` named, control characters removed.
fn frame(
    renderer: &Renderer,
    mail: &Inbound,
    conv: &Conversation,
    shown: &[Shown],
    files: &[String],
) -> anyhow::Result<(String, String)> {
    let lang = conv.lang;
    let subject_shown =
        (!conv.subject_secret && !mail.subject.is_empty()).then(|| clip(&mail.subject, 150));
    let shortened = shown.iter().any(|s| s.cut.is_some());
    let mut bodies = Vec::new();
    for flavour in [Flavour::Text, Flavour::EmailHtml] {
        let section = |which: Section| -> Vec<Value> {
            conv.answers
                .iter()
                .zip(shown)
                .filter(|(a, _)| a.section == which)
                .map(|(a, s)| {
                    let body = if flavour == Flavour::Text {
                        &s.text
                    } else {
                        &s.html
                    };
                    json!({ "echo": a.echo, "body": body, "account": a.account, "cut": s.cut })
                })
                .collect()
        };
        let data = json!({
            "subject": subject_shown,
            "done": section(Section::Done),
            "not_understood": section(Section::NotUnderstood),
            "ignored": conv.ignored,
            "stopped": conv.stopped,
            "first_ignored": conv.first_ignored,
            "not_run": conv.not_run.iter()
                .map(|(account, echo)| json!({ "account": account, "echo": echo }))
                .collect::<Vec<_>>(),
            "ignored_subject": conv.ignored_subject.as_deref().map(|s| clip(s, 150)),
            "max_commands": MAX_COMMANDS,
            "max_not_understood": MAX_NOT_UNDERSTOOD,
            "prompt": conv.prompt,
            "help": conv.help.as_ref().map(|h| view_text(renderer, flavour, h)),
            "files": files,
            "purged": conv.carried_secret,
            "foreign_sender": conv.foreign_sender,
            "elsewhere": conv.elsewhere,
            "shortened": shortened,
            "limit_kib": MAX_PART_BYTES / 1024,
        });
        let body = renderer
            .view(flavour, lang, &View::new("email_reply", data))
            .context("rendering the email reply")?;
        bodies.push(printable(&body));
    }
    let html = html_document(lang, &bodies[1]);
    Ok((bodies.swap_remove(0), html))
}

/// The one "no more replies today" notice.
pub fn cap_notice(
    renderer: &Renderer,
    mail: &Inbound,
    lang: Lang,
    cap: u32,
    phones: &[String],
) -> anyhow::Result<ReplyMail> {
    let view = View::new("email_cap_notice", json!({ "cap": cap, "phones": phones }));
    let text = renderer.view(Flavour::Text, lang, &view)?;
    let html = html_document(lang, &renderer.view(Flavour::EmailHtml, lang, &view)?);
    Ok(ReplyMail {
        lang,
        subject: reply_subject(renderer, lang, &mail.subject),
        text,
        html,
        attachments: Vec::new(),
        in_reply_to: mail.message_id.as_ref().map(|id| angle(id)),
        references: references(mail),
    })
}

fn view_text(renderer: &Renderer, flavour: Flavour, reply: &crate::core::Reply) -> String {
    match renderer.reply(flavour, reply) {
        Ok(text) if flavour == Flavour::EmailHtml => text + &inline_images(reply),
        Ok(text) => text,
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                "rendering a view for an email reply"
            );
            "⚠️".to_string()
        }
    }
}

/// The reply's images shown in the HTML (the transfer QR code), by their Content-ID.
fn inline_images(reply: &crate::core::Reply) -> String {
    reply
        .attachments
        .iter()
        .filter(|a| a.inline)
        .map(|a| {
            format!(
                "\n<img src=\"cid:{}\" alt=\"{}\" width=\"250\" height=\"250\">",
                content_id(&a.file_name),
                crate::render::escape_html(&a.file_name)
            )
        })
        .collect()
}

/// The Content-ID of an inline image: its file name, made a valid message id.
pub fn content_id(file_name: &str) -> String {
    let local: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{local}@ebok")
}

fn html_document(lang: Lang, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head>\
         <body><div style=\"font-family: sans-serif; white-space: pre-wrap\">{body}</div></body></html>\n",
        lang.code()
    )
}

/// `Re: <subject>` (not `Re: Re:`), or `Re: e-BOK` without a usable subject.
fn reply_subject(renderer: &Renderer, lang: Lang, subject: &str) -> String {
    let subject = subject.trim();
    if subject.is_empty() {
        return format!("Re: {}", renderer.string(lang, "email.subject_prefix"));
    }
    let subject = clip(subject, 150);
    if strip_reply_prefix(&subject).is_some() {
        subject
    } else {
        format!("Re: {subject}")
    }
}

fn clip(text: &str, max: usize) -> String {
    echo_line(text, max)
}

fn angle(id: &str) -> String {
    format!(
        "<{}>",
        id.trim().trim_start_matches('<').trim_end_matches('>')
    )
}

/// RFC 5322 §3.6.4: the parent's References (the last few) and the parent's id.
fn references(mail: &Inbound) -> Vec<String> {
    let mut refs: Vec<String> = mail.references.iter().map(|r| angle(r)).collect();
    if refs.len() > 10 {
        refs.drain(..refs.len() - 10);
    }
    if let Some(id) = &mail.message_id {
        refs.push(angle(id));
    }
    refs
}

impl ReplyMail {
    /// The outbox payload of the finished message: its exact bytes (Message-ID and Date
    /// fixed once) in `secrets`, so every attempt, even after a crash mid-send, sends
    /// the same bytes; subject and references in `data` for operators.
    pub fn to_stored_payload(&self, message: &[u8]) -> Payload {
        let mut payload = Payload::new(
            self.lang,
            PAYLOAD_TEMPLATE,
            json!({ "subject": self.subject, "references": self.references }),
        )
        .with_secret(
            MESSAGE_SECRET,
            base64::engine::general_purpose::STANDARD.encode(message),
        );
        payload.in_reply_to = self.in_reply_to.clone();
        payload
    }

    /// The stored bytes of a payload made by [`ReplyMail::to_stored_payload`].
    pub fn stored_message(payload: &Payload) -> Option<anyhow::Result<Vec<u8>>> {
        let encoded = payload.secrets.get(MESSAGE_SECRET)?.as_str()?;
        Some(
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .context("the stored email reply is not base64"),
        )
    }

    /// The outbox payload: headers in `data`, the rendered content in `secrets` (rows
    /// written before replies were stored as bytes, and replies whose message could not
    /// be built; the worker builds them when sending).
    pub fn to_payload(&self) -> Payload {
        let mut payload = Payload::new(
            self.lang,
            PAYLOAD_TEMPLATE,
            json!({ "subject": self.subject, "references": self.references }),
        )
        .with_secret("text", self.text.clone())
        .with_secret("html", self.html.clone());
        let files: Vec<Value> = self
            .attachments
            .iter()
            .map(|a| {
                json!({
                    "file_name": a.file_name,
                    "content_type": a.content_type,
                    "inline": a.inline,
                    "base64": base64::engine::general_purpose::STANDARD.encode(&a.body),
                })
            })
            .collect();
        payload
            .secrets
            .insert("attachments".into(), Value::Array(files));
        payload.in_reply_to = self.in_reply_to.clone();
        payload
    }

    pub fn from_payload(payload: &Payload) -> anyhow::Result<ReplyMail> {
        let text_of = |map: &serde_json::Map<String, Value>, key: &str| -> anyhow::Result<String> {
            map.get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .with_context(|| format!("the email reply has no {key}"))
        };
        let mut attachments = Vec::new();
        if let Some(files) = payload.secrets.get("attachments").and_then(Value::as_array) {
            for f in files {
                let field = |k: &str| f.get(k).and_then(Value::as_str).unwrap_or_default();
                attachments.push(Attachment {
                    file_name: field("file_name").to_string(),
                    content_type: field("content_type").to_string(),
                    body: base64::engine::general_purpose::STANDARD
                        .decode(field("base64"))
                        .context("an attachment of the email reply is not base64")?,
                    inline: f.get("inline").and_then(Value::as_bool).unwrap_or(false),
                });
            }
        }
        Ok(ReplyMail {
            lang: payload.lang,
            subject: text_of(&payload.data, "subject")?,
            text: text_of(&payload.secrets, "text")?,
            html: text_of(&payload.secrets, "html")?,
            attachments,
            in_reply_to: payload.in_reply_to.clone(),
            references: payload
                .data
                .get("references")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_round_trips_and_scrubs_its_content() {
        let mail = ReplyMail {
            lang: Lang::Pl,
            subject: "Re: SALDO".into(),
            text: "Saldo: 12,00 zł".into(),
            html: "<b>Saldo</b>".into(),
            attachments: vec![Attachment {
                file_name: "FV.pdf".into(),
                content_type: "application/pdf".into(),
                body: b"%PDF-1.4".to_vec(),
                inline: false,
            }],
            in_reply_to: Some("<a@b>".into()),
            references: vec!["<z@b>".into(), "<a@b>".into()],
        };
        let payload = Payload::parse(&mail.to_payload().to_json()).unwrap();
        let back = ReplyMail::from_payload(&payload).unwrap();
        assert_eq!(back.text, mail.text);
        assert_eq!(back.attachments[0].body, b"%PDF-1.4");
        assert_eq!(back.references, mail.references);
        let stored = payload.scrubbed().to_json();
        assert!(
            !stored.contains("12,00") && !stored.contains("JVBER"),
            "{stored}"
        );
    }

    #[test]
    fn subjects_are_not_stacked() {
        let r = Renderer::new(None).unwrap();
        assert_eq!(reply_subject(&r, Lang::Pl, "SALDO"), "Re: SALDO");
        assert_eq!(reply_subject(&r, Lang::Pl, "Re: SALDO"), "Re: SALDO");
        assert_eq!(reply_subject(&r, Lang::Pl, ""), "Re: e-BOK");
    }
}
