//! The outbox deliverer for channel `"email"`.

use super::{Mailer, compose};
use crate::outbox::{Deliverer, DeliveryError, Message};
use crate::render::Renderer;
use lettre::message::Mailbox;
use std::sync::Arc;

/// Renders outbox rows and sends them with a [`Mailer`].
pub struct EmailDeliverer {
    mailer: Mailer,
    renderer: Arc<Renderer>,
}

impl EmailDeliverer {
    pub fn new(mailer: Mailer, renderer: Arc<Renderer>) -> EmailDeliverer {
        EmailDeliverer { mailer, renderer }
    }
}

/// The mailbox an outbox row goes to; otherwise why it cannot (for the row's error).
pub fn recipient(message: &Message) -> Result<Mailbox, String> {
    message
        .recipient
        .parse()
        .map_err(|e| format!("{:?} is not an email address: {e}", message.recipient))
}

#[async_trait::async_trait]
impl Deliverer for EmailDeliverer {
    #[tracing::instrument(skip_all, fields(id = message.id, template = %message.payload.template))]
    async fn deliver(&self, message: &Message) -> Result<(), DeliveryError> {
        let to = recipient(message).map_err(DeliveryError::Permanent)?;
        let composed = compose::compose(&self.renderer, &message.payload)
            .map_err(|e| DeliveryError::Permanent(format!("rendering the mail failed: {e:#}")))?;
        let id = compose::message_id(&message.dedupe_key, self.mailer.domain());
        let mail = compose::build(
            composed,
            self.mailer.from(),
            to,
            id,
            message.payload.in_reply_to.as_deref(),
            compose::AUTOMATIC_NOTICES.contains(&message.payload.template.as_str()),
        )
        .map_err(|e| DeliveryError::Permanent(format!("{e:#}")))?;
        self.mailer.send(mail).await.map_err(DeliveryError::from)
    }
}
