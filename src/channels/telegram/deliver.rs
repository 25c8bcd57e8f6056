//! Delivery of outbox rows of channel "telegram" (the recipient is a chat id): staff
//! notifications of new requests (with Approve / Reject buttons) and customers'
//! notifications. Paced as notifications (urgent ones first, replies before both). A
//! chat that blocked the bot (or that is gone) gets nothing more: the row and every other
//! pending row of the chat fail without retries, as an expected outcome, not an error. A 429 is waited out inside the send; other transport
//! trouble is retried by the outbox worker.

use super::bot::{CHANNEL, Telegram};
use super::pace::Class;
use super::send::{Gone, SendError};
use crate::core::Reply;
use crate::domain::notice::{AnnouncementUpdate, Notice};
use crate::outbox::{Deliverer, DeliveryError, Message};
use crate::render::Flavour;
use std::sync::Arc;
use teloxide::types::{ChatId, MessageId};
use teloxide::{ApiError, RequestError};

pub struct TelegramDeliverer {
    tg: Arc<Telegram>,
}

impl TelegramDeliverer {
    pub fn new(tg: Arc<Telegram>) -> TelegramDeliverer {
        TelegramDeliverer { tg }
    }
}

#[async_trait::async_trait]
impl Deliverer for TelegramDeliverer {
    async fn deliver(&self, message: &Message) -> Result<(), DeliveryError> {
        let chat: i64 = message.recipient.trim().parse().map_err(|_| {
            DeliveryError::Permanent(format!("{:?} is not a chat id", message.recipient))
        })?;
        let row = self
            .tg
            .app
            .store
            .chat(CHANNEL, &chat.to_string())
            .await
            .map_err(|e| DeliveryError::Transient(format!("{e:#}")))?;
        if row.is_some_and(|r| r.blocked) {
            return Err(self.gone(message, Gone::Blocked).await);
        }
        let view = message
            .payload
            .view()
            .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
        let mut reply = Reply::new(message.payload.lang, view);
        reply.actions = message.payload.actions();
        let html = self
            .tg
            .app
            .renderer
            .reply(Flavour::Telegram, &reply)
            .map_err(|e| DeliveryError::Permanent(format!("{e:#}")))?;
        let notice = message.payload.notice().ok();
        let update = match &notice {
            Some(Notice::AnnouncementUpdate(u)) => Some(u),
            _ => None,
        };
        let sender = self
            .tg
            .sender
            .with_class(Class::of_priority(message.priority))
            .with_silent(message.silent)
            .with_reply_to(update.and_then(|u| u.message_id).map(to_message_id));
        if let Some(u) = update.filter(|u| u.is_edit()) {
            return self.edit(message, &sender, chat, u, &reply, &html).await;
        }
        match self
            .tg
            .send_reply_via(&sender, ChatId(chat), &reply, &html, None)
            .await
        {
            Ok(sent) => {
                if let (Some(Notice::Announcement(_)), Some(id)) = (&notice, sent) {
                    self.keep_message_id(message, id).await;
                }
                Ok(())
            }
            Err(SendError::Blocked(why)) => Err(self.gone(message, why).await),
            Err(e) => Err(classify(e)),
        }
    }
}

fn to_message_id(id: i64) -> MessageId {
    MessageId(i32::try_from(id).unwrap_or(i32::MAX))
}

impl TelegramDeliverer {
    /// Replaces the text of the announcement's message with its changed state. A
    /// message the customer deleted, or one too old to edit, cannot be: that is no
    /// failure — the short note about the change (its own row) reaches them all the same.
    async fn edit(
        &self,
        message: &Message,
        sender: &super::send::Sender,
        chat: i64,
        update: &AnnouncementUpdate,
        reply: &Reply,
        html: &str,
    ) -> Result<(), DeliveryError> {
        let Some(id) = update.message_id else {
            return Ok(());
        };
        let keyboard = self
            .tg
            .buttons
            .keyboard(&self.tg.app.renderer, reply.lang, &reply.actions);
        crate::metrics::get().notice_edit("tried");
        match sender
            .edit_html(ChatId(chat), to_message_id(id), html, keyboard)
            .await
        {
            Ok(()) => {
                crate::metrics::get().notice_edit("edited");
                Ok(())
            }
            Err(SendError::Blocked(why)) => Err(self.gone(message, why).await),
            Err(SendError::Request(RequestError::Api(
                ApiError::MessageToEditNotFound | ApiError::MessageCantBeEdited,
            ))) => {
                tracing::info!(
                    id = message.id,
                    chat,
                    "the announcement's message cannot be edited (deleted or too old): the note goes alone"
                );
                crate::metrics::get().notice_edit("not_found");
                Ok(())
            }
            Err(e) => Err(classify(e)),
        }
    }

    /// Keeps the Telegram message an announcement became, for its later edits. Lost (a
    /// database hiccup), the edits of that chat are not made; the notes still go.
    async fn keep_message_id(&self, message: &Message, id: MessageId) {
        let now = self.tg.app.core.clock().now();
        if let Err(e) = self
            .tg
            .app
            .store
            .record_notice_message(&message.dedupe_key, i64::from(id.0), now)
            .await
        {
            tracing::warn!(
                id = message.id,
                error = format!("{e:#}"),
                "could not keep an announcement's message id"
            );
        }
    }

    /// Nothing reaches the chat any more (`why`): this row and the chat's other pending
    /// rows fail, as an expected outcome (the worker logs it as such).
    async fn gone(&self, message: &Message, why: Gone) -> DeliveryError {
        let detail = why.to_string();
        match self
            .tg
            .app
            .store
            .outbox_fail_recipient(CHANNEL, &message.recipient, message.id, &detail)
            .await
        {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(chat = %message.recipient, rows = n, reason = why.label(), "the chat cannot be reached: its other rows fail")
            }
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "could not fail a blocked chat's rows"
            ),
        }
        DeliveryError::Unreachable {
            reason: why.label(),
            detail,
        }
    }
}

fn classify(e: SendError) -> DeliveryError {
    match e {
        SendError::Blocked(why) => DeliveryError::Unreachable {
            reason: why.label(),
            detail: why.to_string(),
        },
        // Telegram's own trouble (5xx and the like) passes; a refused token is the
        // operator's to fix (`/readyz` shows it), and the rows wait for the new one.
        SendError::Request(RequestError::Api(
            api @ (teloxide::ApiError::Unknown(_) | teloxide::ApiError::InvalidToken),
        )) => DeliveryError::Transient(api.to_string()),
        SendError::Request(RequestError::Api(api)) => DeliveryError::Permanent(api.to_string()),
        SendError::Request(RequestError::MigrateToChatId(to)) => {
            DeliveryError::Permanent(format!("the group moved to chat {}", to.0))
        }
        SendError::Request(other) => DeliveryError::Transient(other.to_string()),
    }
}
