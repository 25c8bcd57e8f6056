//! One input through the core, and its reply as the Bot API calls that make it
//! ([`Step`]s: decided here, sent by the caller once they are stored).

use super::bot::{CHANNEL, Telegram};
use super::send::SendError;
use super::split::{MAX_TEXT, split, visible_len};
use super::steps::Step;
use crate::core::{Channel, Lang, Origin, Reply};
use crate::render::{Flavour, escape_html};
use teloxide::types::{ChatId, MessageId};

/// Telegram's limit for a document caption.
const MAX_CAPTION: usize = 1024;

/// Where the input came from.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// A typed message (deleted when it held a password).
    Typed(MessageId),
    /// A pressed button, on this message of the chat when it can be edited.
    Pressed(Option<MessageId>),
}

impl Telegram {
    /// Runs `text` as the chat's input; the reply's steps (nothing is sent here).
    pub(super) async fn answer(
        &self,
        chat: ChatId,
        lang_hint: Option<Lang>,
        (text, files): (&str, Vec<crate::core::IncomingFile>),
        source: Source,
    ) -> anyhow::Result<Vec<Step>> {
        let origin = Origin {
            channel: Channel::Telegram,
            source: chat.0.to_string(),
            lang_hint,
        };
        // A user who writes again has unblocked the bot.
        if self.sender.take_marked(chat) {
            self.app
                .store
                .set_chat_blocked(CHANNEL, &origin.source, false)
                .await?;
        }
        let reply = self.app.core.handle_with_files(&origin, text, files).await;
        let mut steps = Vec::new();
        if reply.input_was_secret
            && let Source::Typed(message) = source
        {
            steps.push(Step::DeleteSecret {
                message: message.0,
                failed: self.text(reply.lang, "tg_delete_failed"),
            });
        }
        let edit = match source {
            Source::Pressed(Some(message)) if reply.replaces_previous => Some(message),
            _ => None,
        };
        let html = match self.app.renderer.reply(Flavour::Telegram, &reply) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "a reply failed to render");
                self.text(reply.lang, "tg_render_failed")
            }
        };
        steps.extend(self.plan_reply(chat, &reply, &html, edit));
        if reply.session_changed {
            steps.push(Step::Menu {
                staff: reply.staff,
                lang: reply.lang,
            });
        }
        Ok(steps)
    }

    /// The calls that show the rendered `html` of `reply`: split under the limit, the
    /// keyboard on the last part, the files first. An edit of message `edit` instead when
    /// the reply replaces it, shows the same view and fits in one message.
    fn plan_reply(
        &self,
        chat: ChatId,
        reply: &Reply,
        html: &str,
        edit: Option<MessageId>,
    ) -> Vec<Step> {
        let parts = split(html, MAX_TEXT);
        let mut keyboard = self
            .buttons
            .keyboard(&self.app.renderer, reply.lang, &reply.actions);
        let view = reply.views.last().map(|v| v.template);
        let same_view = edit.is_some_and(|m| {
            view.is_some() && self.buttons.view_of(chat.0, m.0).as_deref() == view
        });
        if let (Some(message), [part]) = (edit, parts.as_slice())
            && reply.attachments.is_empty()
            && same_view
        {
            return vec![Step::Edit {
                message: message.0,
                html: part.clone(),
                keyboard,
            }];
        }
        let file = |f: &crate::core::Attachment, caption: String| Step::File {
            name: f.file_name.clone(),
            photo: f.inline && f.content_type.starts_with("image/"),
            body: f.body.clone(),
            caption,
        };
        // One file with a short text: the text becomes its caption.
        if let ([only], [part], None) = (reply.attachments.as_slice(), parts.as_slice(), &keyboard)
            && visible_len(part) <= MAX_CAPTION
        {
            return vec![file(only, part.clone())];
        }
        // Files first: the text with the buttons stays the newest message.
        let mut steps: Vec<Step> = reply
            .attachments
            .iter()
            .map(|f| file(f, format!("📎 {}", escape_html(&f.file_name))))
            .collect();
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.into_iter().enumerate() {
            let keyboard = if i == last { keyboard.take() } else { None };
            steps.push(Step::Send {
                html: part,
                view: keyboard.as_ref().and(view).map(str::to_string),
                keyboard,
            });
        }
        steps
    }

    /// Sends the rendered `html` of `reply` to `chat` through `sender` at once (a
    /// notification's, paced as one; no journal: the outbox keeps its row until sent).
    /// Returns the first text message it became.
    pub(crate) async fn send_reply_via(
        &self,
        sender: &super::send::Sender,
        chat: ChatId,
        reply: &Reply,
        html: &str,
        edit: Option<MessageId>,
    ) -> Result<Option<MessageId>, SendError> {
        let mut first = None;
        for step in self.plan_reply(chat, reply, html, edit) {
            let sent = self.perform(sender, chat, &step).await?;
            first = first.or(sent.map(MessageId));
        }
        Ok(first)
    }
}
