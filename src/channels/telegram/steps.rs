//! A reply as the Bot API calls that make it, decided before any is made: the texts as
//! rendered (split under the limit), the keyboards, the files, the deletion of a message
//! that held a password, a button's notice, the chat's menu. Stored as they are in the
//! reply journal ([`super::journal`]), they are sent again byte for byte when an update is
//! delivered again before its reply was known to be sent. Nothing typed by the user is in
//! them (a password message is referred to by its id only).

use super::bot::Telegram;
use super::send::SendError;
use super::send::Sender;
use crate::domain::lang::Lang;
use serde::{Deserialize, Serialize};
use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::types::{CallbackQueryId, ChatId, InlineKeyboardMarkup, MessageId};

/// One Bot API call of a reply (or, for a failed edit or deletion, what stands in for it).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Stops a pressed button's spinner with a short notice. Telegram takes one answer
    /// per press, within about 15 s: a refused answer is logged, never an error.
    AnswerCallback { query: String, notice: String },
    /// Deletes the user's message that held a password; when Telegram refuses, asks the
    /// user to (`failed`, HTML). Gone already (deleted before a restart): done.
    DeleteSecret { message: i32, failed: String },
    /// Replaces the text and keyboard of the bot's `message` (paging, the calendar); a
    /// message too old or gone gets the text as a new message instead.
    Edit {
        message: i32,
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
    },
    /// A new message; `view` names what a keyboard on it shows (for later edits).
    Send {
        html: String,
        keyboard: Option<InlineKeyboardMarkup>,
        view: Option<String>,
    },
    /// A document, or a photo (a QR code), with its caption (HTML).
    File {
        name: String,
        photo: bool,
        #[serde(with = "base64_bytes")]
        body: Vec<u8>,
        caption: String,
    },
    /// The chat's command menu after a login or logout (a staff session's own menu).
    Menu { staff: bool, lang: Lang },
}

impl std::fmt::Debug for Step {
    // Texts and files hold account data: only the kind of call in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Step::AnswerCallback { .. } => "AnswerCallback",
            Step::DeleteSecret { .. } => "DeleteSecret",
            Step::Edit { .. } => "Edit",
            Step::Send { .. } => "Send",
            Step::File { .. } => "File",
            Step::Menu { .. } => "Menu",
        };
        f.write_str(kind)
    }
}

/// The reply to one update: where it goes and its calls, as stored in the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outgoing {
    pub chat: i64,
    pub steps: Vec<Step>,
}

impl Outgoing {
    pub fn new(chat: ChatId, steps: Vec<Step>) -> Outgoing {
        Outgoing {
            chat: chat.0,
            steps,
        }
    }

    /// Nothing to send.
    pub fn none() -> Outgoing {
        Outgoing {
            chat: 0,
            steps: Vec::new(),
        }
    }

    pub fn to_json(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    pub fn from_json(json: &str) -> anyhow::Result<Outgoing> {
        Ok(serde_json::from_str(json)?)
    }
}

/// Whether a failed call may succeed when tried again later (the network, Telegram's
/// own trouble, a flood wait that never ended); anything else Telegram refused for good.
pub fn transient(e: &SendError) -> bool {
    matches!(
        e,
        SendError::Request(
            RequestError::Network(_) | RequestError::Io(_) | RequestError::RetryAfter(_)
        )
    )
}

impl Telegram {
    /// Makes the call of `step` to `chat` through `sender`. `Err(Blocked)`: the user
    /// blocked the bot (nothing more goes to the chat); another error: the call failed.
    pub(crate) async fn perform(
        &self,
        sender: &Sender,
        chat: ChatId,
        step: &Step,
    ) -> Result<Option<i32>, SendError> {
        match step {
            Step::AnswerCallback { query, notice } => {
                let id = CallbackQueryId(query.clone());
                self.answer_press(chat, id, Some(notice.clone())).await;
                Ok(None)
            }
            Step::DeleteSecret { message, failed } => self
                .delete_secret(sender, chat, MessageId(*message), failed)
                .await
                .map(|()| None),
            Step::Edit {
                message,
                html,
                keyboard,
            } => {
                match sender
                    .edit_html(chat, MessageId(*message), html, keyboard.clone())
                    .await
                {
                    Err(e @ SendError::Blocked(_)) => Err(e),
                    Err(e) if transient(&e) => Err(e),
                    Ok(()) => Ok(Some(*message)),
                    Err(e) => {
                        // Too old or gone: sent as a new message instead.
                        tracing::info!(error = %e, "could not edit, sending anew");
                        let sent = sender.send_html(chat, html, keyboard.clone()).await?;
                        Ok(Some(sent.id.0))
                    }
                }
            }
            Step::Send {
                html,
                keyboard,
                view,
            } => {
                let sent = sender.send_html(chat, html, keyboard.clone()).await?;
                if let (Some(_), Some(view)) = (keyboard, view) {
                    self.buttons.remember_view(chat.0, sent.id.0, view);
                }
                Ok(Some(sent.id.0))
            }
            Step::File {
                name,
                photo,
                body,
                caption,
            } => {
                let body = body.clone();
                if *photo {
                    sender.send_photo(chat, name, body, Some(caption)).await?;
                } else {
                    sender
                        .send_document(chat, name, body, Some(caption))
                        .await?;
                }
                Ok(None)
            }
            Step::Menu { staff, lang } => {
                super::menu::follow_session(self, chat, *staff, *lang).await;
                Ok(None)
            }
        }
    }

    /// Answers a pressed button's callback query (stops its spinner, with `notice`). A
    /// refusal — Telegram takes one answer per press, within about 15 s, so a press
    /// delivered again after a crash is refused — is no reason to leave the press
    /// unanswered: it is logged, and the command runs all the same.
    pub(super) async fn answer_press(
        &self,
        chat: ChatId,
        id: CallbackQueryId,
        notice: Option<String>,
    ) {
        if let Err(e) = self.sender.answer_callback(chat, id, notice).await {
            tracing::info!(
                error = %e,
                chat = chat.0,
                "a button press could not be answered (answered before a restart, or too old): going on"
            );
        }
    }

    /// The password (or PESEL) must not stay in the chat; if Telegram refuses to delete
    /// it, the user is asked to. Already gone (deleted before a restart): done.
    async fn delete_secret(
        &self,
        sender: &Sender,
        chat: ChatId,
        message: MessageId,
        failed: &str,
    ) -> Result<(), SendError> {
        match sender.delete(chat, message).await {
            Ok(())
            | Err(SendError::Request(RequestError::Api(ApiError::MessageToDeleteNotFound))) => {
                Ok(())
            }
            Err(e @ SendError::Blocked(_)) => Err(e),
            Err(e) if transient(&e) => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "could not delete a message with a password");
                sender.send_html(chat, failed, None).await?;
                Ok(())
            }
        }
    }
}

/// Files as base64 in the stored JSON.
mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::InlineKeyboardButton;

    #[test]
    fn steps_survive_the_journal_byte_for_byte() {
        let keyboard =
            InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("💰 Saldo", "saldo")]]);
        let steps = vec![
            Step::DeleteSecret {
                message: 7,
                failed: "Usuń ją sam".into(),
            },
            Step::Send {
                html: "<b>Zażółć</b> gęślą &amp; jaźń".into(),
                keyboard: Some(keyboard.clone()),
                view: Some("panel".into()),
            },
            Step::Edit {
                message: 9,
                html: "strona 2".into(),
                keyboard: None,
            },
            Step::File {
                name: "FV-1.pdf".into(),
                photo: false,
                body: vec![0, 1, 2, 255, 37],
                caption: "📎 FV-1.pdf".into(),
            },
            Step::AnswerCallback {
                query: "q1".into(),
                notice: "Przycisk nieaktualny".into(),
            },
            Step::Menu {
                staff: true,
                lang: Lang::En,
            },
        ];
        let out = Outgoing::new(ChatId(-5), steps.clone());
        let json = out.to_json().unwrap();
        assert_eq!(Outgoing::from_json(&json).unwrap(), out);
        assert_eq!(format!("{:?}", steps[1]), "Send", "no texts in logs");
    }

    #[test]
    fn only_trouble_on_the_way_is_tried_again() {
        let refused = SendError::Request(RequestError::Api(ApiError::MessageTextIsEmpty));
        assert!(!transient(&refused));
        assert!(!transient(&SendError::Blocked(
            super::super::send::Gone::Blocked
        )));
        let io = std::io::Error::other("connection reset");
        assert!(transient(&SendError::Request(RequestError::Io(
            std::sync::Arc::new(io)
        ))));
    }
}
