//! Every Bot API call of the front end goes through [`Sender`].
//!
//! - A 429 is honoured: the same request is sent again after `retry_after`, so no reply is
//!   dropped; the caller awaits each call before making the next, so a chat's messages
//!   keep their order (the dispatcher also handles one chat's updates one at a time).
//! - Optional pacing over all chats (Telegram allows about 30 messages a second).
//! - A chat that blocked the bot (403) is marked in the store, and nothing more is sent.
//!
//! teloxide's `Throttle` adaptor was the other candidate: it also retries after a 429,
//! but it only covers sending methods (not edits, deletions or callback answers) and its
//! per-chat limit of one message a second would make a three-part reply take three
//! seconds; a retried request also goes back to the end of its chat's queue.

use crate::store::Store;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashSet;
use std::num::NonZeroU32;
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
    pacing: Option<Arc<DefaultDirectRateLimiter>>,
    /// Chats this process marked blocked: a message from one of them clears the mark
    /// without a database read per update (Telegram's `my_chat_member` does it too).
    marked: Arc<Mutex<HashSet<i64>>>,
}

/// What became of a call.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The user blocked the bot (or deleted their account): marked, nothing more is sent.
    #[error("the chat blocked the bot")]
    Blocked,
    #[error(transparent)]
    Request(#[from] RequestError),
}

impl Sender {
    /// `messages_per_second` = 0: no pacing.
    pub fn new(bot: Bot, store: Store, messages_per_second: u32) -> Sender {
        let pacing = NonZeroU32::new(messages_per_second)
            .map(|n| Arc::new(RateLimiter::direct(Quota::per_second(n))));
        Sender {
            bot,
            store,
            pacing,
            marked: Arc::default(),
        }
    }

    /// True once per chat this process marked blocked (the caller clears the mark).
    pub fn take_marked(&self, chat: ChatId) -> bool {
        let mut marked = self.marked.lock().unwrap_or_else(|e| e.into_inner());
        !marked.is_empty() && marked.remove(&chat.0)
    }

    pub fn bot(&self) -> &Bot {
        &self.bot
    }

    /// Sends `request` again after each 429 (and a few times after a network error).
    async fn call<R>(&self, chat: ChatId, request: R) -> Result<Output<R>, SendError>
    where
        R: Request<Err = RequestError> + HasPayload,
    {
        let (mut floods, mut network) = (0, 0);
        loop {
            if let Some(pacing) = &self.pacing {
                pacing.until_ready().await;
            }
            match request.send_ref().await {
                Err(RequestError::RetryAfter(after)) if floods < MAX_RETRY_AFTER => {
                    floods += 1;
                    crate::metrics::get().telegram_error(429);
                    tracing::warn!(chat = chat.0, seconds = after.seconds(), "flood wait (429)");
                    tokio::time::sleep(after.duration()).await;
                }
                Err(RequestError::Network(e)) if network < NETWORK_RETRIES => {
                    network += 1;
                    tracing::warn!(chat = chat.0, error = %e, "network error, retrying");
                    tokio::time::sleep(Duration::from_millis(300 << network)).await;
                }
                Err(RequestError::Api(e)) if blocked(&e) => {
                    crate::metrics::get().telegram_error(403);
                    self.mark_blocked(chat).await;
                    return Err(SendError::Blocked);
                }
                other => return other.map_err(SendError::from),
            }
        }
    }

    async fn mark_blocked(&self, chat: ChatId) {
        tracing::info!(chat = chat.0, "the user blocked the bot: marking the chat");
        self.marked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(chat.0);
        if let Err(e) = self
            .store
            .set_chat_blocked("telegram", &chat.0.to_string(), true)
            .await
        {
            tracing::error!(error = format!("{e:#}"), "could not mark a blocked chat");
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
        self.call(chat, request).await
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
        match self.call(chat, request).await {
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
        self.call(chat, request).await
    }

    pub async fn delete(&self, chat: ChatId, message: MessageId) -> Result<(), SendError> {
        self.call(chat, self.bot.delete_message(chat, message))
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
        self.call(chat, request).await.map(|_| ())
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

/// Answers meaning that nothing will ever reach this chat again.
fn blocked(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::BotKickedFromChannel
            | ApiError::CantInitiateConversation
    )
}
