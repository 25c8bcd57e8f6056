//! `mail_rejected`: staff rejected a request for access, with their reason.

use super::example::phones;
use crate::domain::reply::Action;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The request's number.
    pub id: i64,
    pub name: String,
    pub reason: String,
    pub phones: Vec<String>,
}

impl Rejected {
    /// None: the mail is read outside any chat.
    pub fn actions(&self) -> Vec<Action> {
        Vec::new()
    }

    pub fn example() -> Rejected {
        Rejected {
            id: 12,
            name: "Jan Kowalski".into(),
            reason: "Dane niezgodne z kartoteką klientów.".into(),
            phones: phones(),
        }
    }
}
