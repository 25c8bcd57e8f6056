//! `mail_credentials`: the identifier and temporary password of an approved request,
//! by email. The password is not part of the data: it travels as the payload's secret
//! `password`, merged in when rendering and scrubbed after delivery.

use super::example::{at, march, phones};
use crate::domain::reply::Action;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub name: String,
    pub identifier: String,
    /// When the temporary password stops working (templates show its date in Warsaw).
    #[serde(with = "super::stamp")]
    pub expires: DateTime<Utc>,
    /// How many days a temporary password lasts.
    pub days: i64,
    /// The customer service's phone numbers.
    pub phones: Vec<String>,
}

impl Credentials {
    /// None: the mail is read outside any chat.
    pub fn actions(&self) -> Vec<Action> {
        Vec::new()
    }

    pub fn example() -> Credentials {
        Credentials {
            name: "Jan Kowalski".into(),
            identifier: "EB000000".into(),
            expires: at(march(17), 11, 0),
            days: 7,
            phones: phones(),
        }
    }
}
