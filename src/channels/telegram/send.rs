//! Every Bot API call of the front end goes through [`Sender`].
//!
//! - A 429 is honoured: the same request is sent again after `retry_after`, so no reply is
//!   dropped; the caller awaits each call before making the next, so a chat's messages
//!   keep their order (the dispatcher also handles one chat's updates one at a time).
//! - Messages (sends and edits) are paced ([`super::pace`]): per chat and over all chats,
//!   replies before notifications; a 429 stops every send of the process for its
//!   `retry_after`, then the same request goes again.
//! - A chat that blocked the bot (403), or that Telegram no longer knows, is marked in
//!   the store, and nothing more is sent.
//!
//! teloxide's `Throttle` adaptor was the other candidate: it also retries after a 429,
//! but it only covers sending methods (not edits, deletions or callback answers) and its
//! per-chat limit of one message a second would make a three-part reply take three
//! seconds; a retried request also goes back to the end of its chat's queue.

use super::pace::{Class, Limits, Pacer};
use crate::store::Store;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use teloxide::payloads::{
    AnswerCallbackQuerySetters, EditMessageTextSetters, SendDocumentSetters, SendMessageSetters,
};
use teloxide::prelude::*;
use teloxide::requests::{HasPayload, Output};
use teloxide::types::{
    CallbackQueryId, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, MessageId, ParseMode,
};
use teloxide::{ApiError, RequestError};

/// Network errors are retried this many times (a 429 always is).
const NETWORK_RETRIES: u32 = 3;
/// A request answered 429 more often than this is given up (a stuck flood wait).
const MAX_RETRY_AFTER: u32 = 20;

/// The Bot API client of the front end.
#[derive(Clone)]
pub struct Sender {
    bot: Bot,
    store: Store,
    pacer: Arc<Pacer>,
    /// What this sender's messages are (a clone per class shares the pacer).
    class: Class,
    /// Sends without a sound (`disable_notification`): a notice in the quiet hours of a
    /// chat that chose them silent.
    silent: bool,
    /// Text messages reply to this message (a follow-up of an announcement), or go
    /// without the reply when it is gone.
    reply_to: Option<MessageId>,
    /// Chats this process marked blocked: a message from one of them clears the mark
    /// without a database read per update (Telegram's `my_chat_member` does it too).
    marked: Arc<Mutex<HashSet<i64>>>,
}

/// What became of a call.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Nothing will reach the chat again (the user blocked the bot, deleted their
    /// account…): marked, nothing more is sent.
    #[error("{0}")]
    Blocked(Gone),
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// Why a chat can get nothing more: the user's doing (or the chat's), not a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Gone {
    #[error("the chat blocked the bot")]
    Blocked,
    #[error("the user deleted their Telegram account")]
    Deactivated,
    #[error("the bot was removed from the chat")]
    Kicked,
    #[error("the user never started the bot")]
    NotStarted,
    #[error("the chat does not exist (any more)")]
    ChatNotFound,
}

impl Gone {
    /// Telegram's answers meaning that nothing will ever reach this chat again.
    pub fn of(e: &ApiError) -> Option<Gone> {
        Some(match e {
            ApiError::BotBlocked => Gone::Blocked,
            ApiError::UserDeactivated => Gone::Deactivated,
            ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel => Gone::Kicked,
            ApiError::CantInitiateConversation => Gone::NotStarted,
            ApiError::ChatNotFound | ApiError::GroupDeactivated => Gone::ChatNotFound,
            _ => return None,
        })
    }

    /// The metric label (`ebok_unreachable_recipients_total{reason}`).
    pub fn label(self) -> &'static str {
        match self {
            Gone::Blocked => "blocked",
            Gone::Deactivated => "user_deactivated",
            Gone::Kicked => "kicked",
            Gone::NotStarted => "not_started",
            Gone::ChatNotFound => "chat_not_found",
        }
    }
}

impl Sender {
    /// A sender of replies paced by `limits`.
    pub fn new(bot: Bot, store: Store, limits: Limits) -> Sender {
        Sender {
            bot,
            store,
            pacer: Arc::new(Pacer::new(limits)),
            class: Class::Reply,
            silent: false,
            reply_to: None,
            marked: Arc::default(),
        }
    }

    /// The same sender for messages of `class` (same pacer, same marks).
    pub fn with_class(&self, class: Class) -> Sender {
        Sender {
            class,
            ..self.clone()
        }
    }

    /// The same sender, its messages without a sound when `silent`.
    pub fn with_silent(&self, silent: bool) -> Sender {
        Sender {
            silent,
            ..self.clone()
        }
    }

    /// The same sender, its text messages replying to `message`.
    pub fn with_reply_to(&self, message: Option<MessageId>) -> Sender {
        Sender {
            reply_to: message,
            ..self.clone()
        }
    }

    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// Notifications go with `allow_paid_broadcast` when that mode is on.
    fn paid(&self) -> bool {
        self.class != Class::Reply && self.pacer.paid()
    }

    /// True once per chat this process marked blocked (the caller clears the mark).
    pub fn take_marked(&self, chat: ChatId) -> bool {
        let mut marked = self.marked.lock().unwrap_or_else(|e| e.into_inner());
        !marked.is_empty() && marked.remove(&chat.0)
    }

    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// A message (counted by Telegram's limits): paced, then [`Sender::call`].
    async fn message<R>(&self, chat: ChatId, request: R) -> Result<Output<R>, SendError>
    where
        R: Request<Err = RequestError> + HasPayload,
    {
        self.call(chat, request, true).await
    }

    /// Sends `request` again after each 429 (and a few times after a network error); a
    /// `paced` one waits for its turn first, every time.
    async fn call<R>(&self, chat: ChatId, request: R, paced: bool) -> Result<Output<R>, SendError>
    where
        R: Request<Err = RequestError> + HasPayload,
    {
        let (mut floods, mut network) = (0, 0);
        loop {
            if paced {
                self.pacer.ready(chat.0, self.class).await;
            } else {
                self.pacer.wait_pause().await;
            }
            match request.send_ref().await {
                Err(RequestError::RetryAfter(after)) if floods < MAX_RETRY_AFTER => {
                    floods += 1;
                    crate::metrics::get().telegram_error(429);
                    tracing::warn!(
                        chat = chat.0,
                        seconds = after.seconds(),
                        "flood wait (429): every send waits"
                    );
                    // Telegram counts the bot, not the chat: everything waits.
                    self.pacer.pause(after.duration());
                }
                Err(RequestError::Network(e)) if network < NETWORK_RETRIES => {
                    network += 1;
                    tracing::warn!(chat = chat.0, error = %e, "network error, retrying");
                    tokio::time::sleep(Duration::from_millis(300 << network)).await;
                }
                Err(RequestError::Api(e)) if Gone::of(&e).is_some() => {
                    let gone = Gone::of(&e).unwrap_or(Gone::Blocked);
                    if gone != Gone::ChatNotFound {
                        crate::metrics::get().telegram_error(403);
                    }
                    self.mark_blocked(chat, gone).await;
                    return Err(SendError::Blocked(gone));
                }
                other => return other.map_err(SendError::from),
            }
        }
    }

    async fn mark_blocked(&self, chat: ChatId, gone: Gone) {
        tracing::info!(
            chat = chat.0,
            reason = gone.label(),
            "{gone}: marking the chat"
        );
        self.marked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(chat.0);
        if let Err(e) = self
            .store
            .set_chat_blocked("telegram", &chat.0.to_string(), true)
            .await
        {
            // The next message to it is tried (and refused) again: nothing is lost.
            tracing::warn!(error = format!("{e:#}"), "could not mark a blocked chat");
        }
    }

    /// Sends one HTML message (without link previews: the texts are not about links).
    pub async fn send_html(
        &self,
        chat: ChatId,
        html: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, SendError> {
        let mut request = self
            .bot
            .send_message(chat, html)
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        if let Some(k) = keyboard {
            request = request.reply_markup(k);
        }
        if self.paid() {
            request = request.allow_paid_broadcast(true);
        }
        if let Some(to) = self.reply_to {
            request = request.reply_parameters(
                teloxide::types::ReplyParameters::new(to).allow_sending_without_reply(),
            );
        }
        if self.silent {
            request = request.disable_notification(true);
        }
        self.message(chat, request).await
    }

    /// Replaces the text (and keyboard) of a message; "not modified" counts as done.
    pub async fn edit_html(
        &self,
        chat: ChatId,
        message: MessageId,
        html: &str,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<(), SendError> {
        let mut request = self
            .bot
            .edit_message_text(chat, message, html)
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        if let Some(k) = keyboard {
            request = request.reply_markup(k);
        }
        match self.message(chat, request).await {
            Ok(_) | Err(SendError::Request(RequestError::Api(ApiError::MessageNotModified))) => {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    pub async fn send_document(
        &self,
        chat: ChatId,
        file_name: &str,
        body: Vec<u8>,
        caption_html: Option<&str>,
    ) -> Result<Message, SendError> {
        let file = InputFile::memory(body).file_name(file_name.to_string());
        let mut request = self.bot.send_document(chat, file);
        if let Some(c) = caption_html {
            request = request.caption(c).parse_mode(ParseMode::Html);
        }
        if self.paid() {
            request = request.allow_paid_broadcast(true);
        }
        if self.silent {
            request = request.disable_notification(true);
        }
        self.message(chat, request).await
    }

    /// An image shown in the chat (a QR code), with its caption.
    pub async fn send_photo(
        &self,
        chat: ChatId,
        file_name: &str,
        body: Vec<u8>,
        caption_html: Option<&str>,
    ) -> Result<Message, SendError> {
        let file = InputFile::memory(body).file_name(file_name.to_string());
        let mut request = self.bot.send_photo(chat, file);
        if let Some(c) = caption_html {
            request = request.caption(c).parse_mode(ParseMode::Html);
        }
        if self.paid() {
            request = request.allow_paid_broadcast(true);
        }
        if self.silent {
            request = request.disable_notification(true);
        }
        self.message(chat, request).await
    }

    pub async fn delete(&self, chat: ChatId, message: MessageId) -> Result<(), SendError> {
        self.call(chat, self.bot.delete_message(chat, message), false)
            .await
            .map(|_| ())
    }

    /// Stops the button's spinner, with a short notice when given.
    pub async fn answer_callback(
        &self,
        chat: ChatId,
        id: CallbackQueryId,
        notice: Option<String>,
    ) -> Result<(), SendError> {
        let mut request = self.bot.answer_callback_query(id);
        if let Some(text) = notice {
            request = request.text(text);
        }
        self.call(chat, request, false).await.map(|_| ())
    }
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}
