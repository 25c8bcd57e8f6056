//! What a handler gets about the current input: [`Ctx`], and where the input came from
//! ([`Origin`], [`Channel`]).

use crate::core::Core;
use crate::core::command::{Def, Lang};
use crate::domain::model::Customer;
use crate::domain::reply::Reply;
use crate::store::Account;
use serde::Serialize;
use std::future::Future;

/// Where an input came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Console,
    Telegram,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Console => "console",
            Channel::Telegram => "telegram",
            Channel::Email => "email",
        }
    }
}

/// A chat: the channel and the identity of the sender within it.
#[derive(Debug, Clone)]
pub struct Origin {
    pub channel: Channel,
    /// Telegram chat id, email address (lower case), or a console name.
    pub source: String,
    /// The language the client suggests (Telegram's language_code), if any.
    pub lang_hint: Option<Lang>,
}

impl Origin {
    pub fn new(channel: Channel, source: impl Into<String>) -> Origin {
        Origin {
            channel,
            source: source.into(),
            lang_hint: None,
        }
    }
}

/// The logged-in account and its customer: what a customer command runs for.
pub struct CustomerSession {
    pub account: Account,
    pub customer: Customer,
}

/// No dialogue open: the state a chat rests in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Idle {
    Idle,
}

/// A dialogue's step as stored with the chat (JSON, tagged by `step`), and the handler
/// of the input that arrives while the chat is at it.
pub trait Step: Serialize {
    /// The next input is a password and must not be echoed or kept.
    fn expects_secret(&self) -> bool;

    /// Answers `text`, typed while the chat is at this step.
    fn answer(
        self,
        ctx: &mut Ctx<'_>,
        text: &str,
    ) -> impl Future<Output = anyhow::Result<Reply>> + Send;
}

/// Everything a handler needs about the current input.
pub struct Ctx<'a> {
    pub core: &'a Core,
    pub origin: &'a Origin,
    pub lang: Lang,
    pub account: Option<Account>,
    /// The session's customer as read with it (see [`Ctx::customer`]).
    pub customer: Option<Customer>,
    /// Sessions open in the chat when the input arrived (the current one included).
    pub sessions: i64,
    /// The command table (the help lists it; the commands cannot name the table itself).
    pub defs: &'static [&'static Def],
    /// Files that came with the input (a photo on Telegram, a mail's attachments): a
    /// case's filing or addition takes them, everything else leaves them.
    pub files: Vec<IncomingFile>,
    /// Set by the handler that took [`Ctx::files`].
    pub files_taken: bool,
}

/// A file a customer sent, as received: the name they gave it and its bytes. Its type
/// is told from the bytes (`domain::case::sniff`), never from the name.
#[derive(Clone, PartialEq, Eq)]
pub struct IncomingFile {
    pub name: String,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for IncomingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IncomingFile({} bytes)", self.body.len())
    }
}

impl Ctx<'_> {
    /// The logged-in account's customer: the one read with the session when it is still
    /// that account's (a login in this input may have changed the account), else read now.
    pub async fn customer(&self) -> anyhow::Result<Option<Customer>> {
        let Some(id) = self.account.as_ref().and_then(|a| a.customer_id) else {
            return Ok(None);
        };
        match &self.customer {
            Some(c) if c.id == id => Ok(Some(c.clone())),
            _ => self.core.store().customer(id).await,
        }
    }

    /// The chat's dialogue goes on at `step` with the next input.
    pub async fn set_step(&self, step: &impl Step) -> anyhow::Result<()> {
        self.write_state(step).await
    }

    /// The chat's dialogue ends: the next input is a command.
    pub async fn clear_step(&self) -> anyhow::Result<()> {
        self.write_state(&Idle::Idle).await
    }

    async fn write_state(&self, state: &impl Serialize) -> anyhow::Result<()> {
        let json = serde_json::to_string(state)?;
        self.core
            .store()
            .set_chat_state(self.origin.channel.as_str(), &self.origin.source, &json)
            .await
    }
}
