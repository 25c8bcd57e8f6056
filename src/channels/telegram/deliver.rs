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
        let sender = self
            .tg
            .sender
            .with_class(Class::of_priority(message.priority))
            .with_silent(message.silent);
        match self
            .tg
            .send_reply_via(&sender, ChatId(chat), &reply, &html, None)
            .await
        {
            Ok(()) => Ok(()),
            Err(SendError::Blocked(why)) => Err(self.gone(message, why).await),
            Err(e) => Err(classify(e)),
        }
    }
}

impl TelegramDeliverer {
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
