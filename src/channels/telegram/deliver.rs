//! Delivery of outbox rows of channel "telegram" (the recipient is a chat id): staff
//! notifications of new requests, with Approve / Reject buttons. A chat that blocked the
//! bot gets nothing more; a 429 is waited out inside the send, other transport trouble is
//! retried by the outbox worker.

use super::Telegram;
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
            return Err(DeliveryError::Permanent("the chat blocked the bot".into()));
        }
        let view = message
            .payload
            .view()
            .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
        let mut reply = Reply::new(message.payload.lang, view);
        reply.actions = crate::core::decisions::notification_actions(&message.payload);
        let html = self
            .tg
            .app
            .renderer
            .reply(Flavour::Telegram, &reply)
            .map_err(|e| DeliveryError::Permanent(format!("{e:#}")))?;
        self.tg
            .send_reply(ChatId(chat), &reply, &html, None)
            .await
            .map_err(classify)
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
