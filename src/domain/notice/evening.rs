//! `notify_evening`: the evening preview a chat (or the address on file) may turn on —
//! tomorrow's planned interruptions and maintenance in the customer's area and the bills
//! due tomorrow, in one message at `[notifications] evening_at`; none when there is
//! nothing to say.

use super::about::{About, buttons};
use super::example::march;
use crate::domain::reply::Action;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evening {
    #[serde(flatten)]
    pub about: About,
    /// The day the preview is about (tomorrow when it is written).
    pub date: NaiveDate,
    /// Planned interruptions and maintenance in force that day.
    pub interruptions: Vec<Planned>,
    /// Unpaid bills whose effective due date is that day.
    pub bills: Vec<DueBill>,
}

/// One planned interruption or maintenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// `interruption` or `maintenance`.
    pub message_kind: String,
    pub title: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// One bill due that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueBill {
    pub number: String,
    /// `invoice`, `correction` or `interest_note`.
    pub doc_kind: String,
    pub to_pay_gr: i64,
}

impl Evening {
    /// Nothing to say: no message is written.
    pub fn is_empty(&self) -> bool {
        self.interruptions.is_empty() && self.bills.is_empty()
    }

    /// The details of the first bill (if any) and the notification settings.
    pub fn actions(&self) -> Vec<Action> {
        buttons(self.bills.first().map(|b| b.number.as_str()), false)
    }

    pub fn example() -> Evening {
        Evening {
            about: About {
                event: "evening:2025-03-14:EB000000".into(),
                account: "EB000000".into(),
                customer: "K-00102".into(),
                customer_name: "Jan Kowalski".into(),
            },
            date: march(14),
            interruptions: vec![Planned {
                message_kind: "maintenance".into(),
                title: "Przegląd węzła – ul. Toruńska 12".into(),
                valid_from: march(14),
                valid_to: Some(march(14)),
            }],
            bills: vec![DueBill {
                number: "FV/2025/02/000102".into(),
                doc_kind: "invoice".into(),
                to_pay_gr: 93_430,
            }],
        }
    }
}
