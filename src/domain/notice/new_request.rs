//! `staff_new_request`: staff are told of a new request for access, with the automatic
//! checks against the billing data, and offered to approve or reject it. No PESEL or
//! NIP: only their masks.

use crate::domain::reply::Action;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRequest {
    /// The request's number.
    pub id: i64,
    /// `person` or `firm`.
    pub kind: String,
    pub name: String,
    pub pesel_masked: Option<String>,
    /// Masked.
    pub nip: Option<String>,
    pub email: String,
    pub verification: Checks,
}

/// The checks of the request, and the billing customer they point to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checks {
    pub flags: Vec<Check>,
    pub customer_number: Option<String>,
    pub customer_name: Option<String>,
    /// The billing record's address when it differs from the request's.
    pub email_on_file: Option<String>,
    /// Every check passed.
    pub all_ok: bool,
}

/// One check: `key` and `code` name texts of `strings.toml` (`[flag]`, `[flag_code]`),
/// `state` is `ok`, `warn`, `bad` or `na`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub key: String,
    pub state: String,
    pub code: String,
}

impl NewRequest {
    /// Approve and reject: the commands staff would type (rejecting asks for a reason).
    pub fn actions(&self) -> Vec<Action> {
        let id = self.id;
        let action = |kind, command: String| Action {
            kind,
            arg: id.to_string(),
            command,
            row: 0,
        };
        vec![
            action("approve", format!("zatwierdz {id}")),
            action("reject", format!("odrzuc {id}")),
        ]
    }

    pub fn example() -> NewRequest {
        let check = |key: &str, state: &str, code: &str| Check {
            key: key.into(),
            state: state.into(),
            code: code.into(),
        };
        NewRequest {
            id: 12,
            kind: "person".into(),
            name: "Jan Kowalski".into(),
            pesel_masked: Some("*******1234".into()),
            nip: None,
            email: "jan@example.test".into(),
            verification: Checks {
                flags: vec![
                    check("customer", "ok", "found"),
                    check("email", "warn", "different"),
                ],
                customer_number: Some("K-00102".into()),
                customer_name: Some("Jan Kowalski".into()),
                email_on_file: Some("klient@example.test".into()),
                all_ok: false,
            },
        }
    }
}
