//! One input through the core, and its reply as Telegram messages.

use super::send::SendError;
use super::split::{MAX_TEXT, split, visible_len};
use super::{CHANNEL, Telegram};
use crate::core::{Attachment, Channel, Lang, Origin, Reply};
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
    /// Runs `text` as the chat's input and sends the reply.
    pub(super) async fn answer(
        &self,
        chat: ChatId,
        lang_hint: Option<Lang>,
        text: &str,
        source: Source,
    ) -> anyhow::Result<()> {
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
        let reply = self.app.core.handle(&origin, text).await;
        if reply.input_was_secret
            && let Source::Typed(message) = source
        {
            self.delete_secret(chat, reply.lang, message).await?;
        }
        let edit = match source {
            Source::Pressed(Some(message)) if reply.replaces_previous => Some(message),
            _ => None,
        };
        self.present(chat, &reply, edit).await?;
        if reply.session_changed {
            super::menu::follow_session(self, chat, reply.staff, reply.lang).await;
        }
        Ok(())
    }

    /// The password (or PESEL) must not stay in the chat; if Telegram refuses to delete
    /// it, the user is asked to.
    async fn delete_secret(
        &self,
        chat: ChatId,
        lang: Lang,
        message: MessageId,
    ) -> anyhow::Result<()> {
        match self.sender.delete(chat, message).await {
            Ok(()) => Ok(()),
            Err(SendError::Blocked(_)) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "could not delete a message with a password");
                let text = self.text(lang, "tg_delete_failed");
                self.sender.send_html(chat, &text, None).await?;
                Ok(())
            }
        }
    }

    /// Sends `reply` to `chat` (see [`Telegram::send_reply`]); a blocked chat is no error.
    async fn present(
        &self,
        chat: ChatId,
        reply: &Reply,
        edit: Option<MessageId>,
    ) -> anyhow::Result<()> {
        let html = match self.app.renderer.reply(Flavour::Telegram, reply) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "a reply failed to render");
                self.text(reply.lang, "tg_render_failed")
            }
        };
        match self.send_reply(chat, reply, &html, edit).await {
            Ok(()) | Err(SendError::Blocked(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Sends the rendered `html` of `reply`: split under the limit, the keyboard on the
    /// last part, then the files. Edits message `edit` instead when the reply replaces it
    /// and fits in one message.
    pub(crate) async fn send_reply(
        &self,
        chat: ChatId,
        reply: &Reply,
        html: &str,
        edit: Option<MessageId>,
    ) -> Result<(), SendError> {
        self.send_reply_via(&self.sender, chat, reply, html, edit)
            .await
    }

    /// [`Telegram::send_reply`] through `sender` (a notification's: paced as one).
    pub(crate) async fn send_reply_via(
        &self,
        sender: &super::Sender,
        chat: ChatId,
        reply: &Reply,
        html: &str,
        edit: Option<MessageId>,
    ) -> Result<(), SendError> {
        let parts = split(html, MAX_TEXT);
        let mut keyboard = self
            .buttons
            .keyboard(&self.app.renderer, reply.lang, &reply.actions);
        let view = reply.views.last().map(|v| v.template);
        let same_view =
            edit.is_some_and(|m| view.is_some() && self.buttons.view_of(chat.0, m.0) == view);
        if let (Some(message), [part]) = (edit, parts.as_slice())
            && reply.attachments.is_empty()
            && same_view
        {
            match sender
                .edit_html(chat, message, part, keyboard.clone())
                .await
            {
                Ok(()) => return Ok(()),
                Err(e @ SendError::Blocked(_)) => return Err(e),
                // Too old or gone: send it as a new message instead.
                Err(e) => tracing::info!(error = %e, "could not edit, sending anew"),
            }
        }
        // One file with a short text: the text becomes its caption.
        if let ([file], [part], None) = (reply.attachments.as_slice(), parts.as_slice(), &keyboard)
            && visible_len(part) <= MAX_CAPTION
        {
            send_file(sender, chat, file, part).await?;
            return Ok(());
        }
        // Files first: the text with the buttons stays the newest message.
        for file in &reply.attachments {
            let caption = format!("📎 {}", escape_html(&file.file_name));
            send_file(sender, chat, file, &caption).await?;
        }
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate() {
            let markup = if i == last { keyboard.take() } else { None };
            let with_buttons = markup.is_some();
            let sent = sender.send_html(chat, part, markup).await?;
            if let (true, Some(view)) = (with_buttons, view) {
                self.buttons.remember_view(chat.0, sent.id.0, view);
            }
        }
        Ok(())
    }
}

/// An image meant to be seen (a QR code) as a photo, anything else as a document.
async fn send_file(
    sender: &super::Sender,
    chat: ChatId,
    file: &Attachment,
    caption: &str,
) -> Result<(), SendError> {
    let body = file.body.clone();
    if file.inline && file.content_type.starts_with("image/") {
        sender
            .send_photo(chat, &file.file_name, body, Some(caption))
            .await?;
    } else {
        sender
            .send_document(chat, &file.file_name, body, Some(caption))
            .await?;
    }
    Ok(())
}
