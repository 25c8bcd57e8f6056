//! Delivery of outbox rows of channel "telegram" (the recipient is a chat id): staff
//! notifications of new requests (with Approve / Reject buttons) and customers'
//! notifications. Paced as notifications (urgent ones first, replies before both). A
//! chat that blocked the bot gets nothing more: the row and every other pending row of
//! the chat fail without retries. A 429 is waited out inside the send; other transport
//! trouble is retried by the outbox worker.

use super::Telegram;
use super::pace::Class;
use super::send::SendError;
use crate::core::Reply;
use crate::outbox::{Deliverer, DeliveryError, Message};
use crate::render::Flavour;
use std::sync::Arc;
use teloxide::RequestError;
use teloxide::types::ChatId;

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
            .chat(super::CHANNEL, &chat.to_string())
            .await
            .map_err(|e| DeliveryError::Transient(format!("{e:#}")))?;
        if row.is_some_and(|r| r.blocked) {
            return Err(self.blocked(message).await);
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
        let sender = self
            .tg
            .sender
            .with_class(Class::of_priority(message.priority));
        match self
            .tg
            .send_reply_via(&sender, ChatId(chat), &reply, &html, None)
            .await
        {
            Ok(()) => Ok(()),
            Err(SendError::Blocked) => Err(self.blocked(message).await),
            Err(e) => Err(classify(e)),
        }
    }
}

impl TelegramDeliverer {
    /// The chat blocked the bot: this row and the chat's other pending rows fail.
    async fn blocked(&self, message: &Message) -> DeliveryError {
        const WHY: &str = "the chat blocked the bot";
        match self
            .tg
            .app
            .store
            .outbox_fail_recipient(super::CHANNEL, &message.recipient, message.id, WHY)
            .await
        {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(chat = %message.recipient, rows = n, "the chat blocked the bot: its other rows fail")
            }
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "could not fail a blocked chat's rows"
            ),
        }
        DeliveryError::Permanent(WHY.into())
    }
}

fn classify(e: SendError) -> DeliveryError {
    match e {
        SendError::Blocked => DeliveryError::Permanent("the chat blocked the bot".into()),
        // Telegram's own trouble (5xx and the like) passes.
        SendError::Request(RequestError::Api(api @ teloxide::ApiError::Unknown(_))) => {
            DeliveryError::Transient(api.to_string())
        }
        SendError::Request(RequestError::Api(api)) => DeliveryError::Permanent(api.to_string()),
        SendError::Request(RequestError::MigrateToChatId(to)) => {
            DeliveryError::Permanent(format!("the group moved to chat {}", to.0))
        }
        SendError::Request(other) => DeliveryError::Transient(other.to_string()),
    }
}
