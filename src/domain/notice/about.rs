//! What every notice to a customer carries besides its event's own data: the event's
//! key and the account and customer it is about (a notice names them, so a person with
//! several accounts knows which one it concerns), and the buttons they share.

use super::kind::Kind;
use crate::domain::reply::Action;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct About {
    /// The event's key, e.g. `invoice:FV/2025/03/000102`.
    pub event: String,
    /// The identifier of the account that asked for the notice.
    pub account: String,
    /// The customer's number and name.
    pub customer: String,
    pub customer_name: String,
}

impl About {
    /// The example of a notice of `kind` (the operator's preview, the template tests).
    pub fn example(kind: Kind) -> About {
        About {
            event: format!("{kind}:example"),
            account: "EB000000".into(),
            customer: "K-00102".into(),
            customer_name: "Jan Kowalski".into(),
        }
    }
}

/// The buttons of a customer's notice: the details of the bill it names and, for a new
/// document, its PDF (both ask for a login, as any command does), then the notification
/// settings on a row of their own.
pub fn buttons(bill: Option<&str>, pdf: bool) -> Vec<Action> {
    let action = |kind, arg: &str, command: String, row| Action {
        kind,
        arg: arg.to_string(),
        command,
        row,
    };
    let mut actions = Vec::new();
    if let Some(number) = bill {
        actions.push(action("details", number, format!("faktura {number}"), 0));
        if pdf {
            actions.push(action("pdf", number, format!("pdf {number}"), 0));
        }
    }
    actions.push(action("notifications", "", "powiadomienia".into(), 1));
    actions
}
