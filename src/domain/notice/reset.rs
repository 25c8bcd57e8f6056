//! `mail_reset`: a new temporary password, asked for by the customer or set by staff, to
//! the address on file. The password travels as the payload's secret `password`.

use super::example::{at, march, phones};
use crate::domain::reply::Action;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reset {
    pub name: String,
    pub identifier: String,
    /// When the temporary password stops working.
    #[serde(with = "super::stamp")]
    pub expires: DateTime<Utc>,
    /// Staff set it (the old password stopped working), rather than the customer asked.
    pub by_staff: bool,
    pub phones: Vec<String>,
}

impl Reset {
    /// None: the mail is read outside any chat.
    pub fn actions(&self) -> Vec<Action> {
        Vec::new()
    }

    pub fn example() -> Reset {
        Reset {
            name: "Jan Kowalski".into(),
            identifier: "EB000000".into(),
            expires: at(march(17), 11, 0),
            by_staff: false,
            phones: phones(),
        }
    }
}
