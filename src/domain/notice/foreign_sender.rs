//! `mail_foreign_sender`: the account's right password came by mail from an address
//! other than the one on file (no account data went there); to the owner, at most once
//! a day. An automatic notice (RFC 3834).

use super::example::{at, march, phones};
use crate::domain::reply::Action;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignSender {
    pub identifier: String,
    /// The address the password came from.
    pub sender: String,
    /// When (templates show it in Warsaw time).
    #[serde(with = "super::stamp")]
    pub at: DateTime<Utc>,
    pub phones: Vec<String>,
}

impl ForeignSender {
    /// None: the mail is read outside any chat.
    pub fn actions(&self) -> Vec<Action> {
        Vec::new()
    }

    pub fn example() -> ForeignSender {
        ForeignSender {
            identifier: "EB000000".into(),
            sender: "ktos@example.test".into(),
            at: at(march(10), 11, 30),
            phones: phones(),
        }
    }
}
