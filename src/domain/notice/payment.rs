//! `notify_payment`: a payment was booked.

use super::about::{About, buttons};
use super::example::march;
use super::kind::Kind;
use crate::domain::reply::Action;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    #[serde(flatten)]
    pub about: About,
    pub reference: String,
    pub paid_on: NaiveDate,
    pub amount_gr: i64,
    /// The bill it paid, when billing says.
    pub invoice_number: Option<String>,
    /// The transfer's title.
    pub title: Option<String>,
}

impl Payment {
    /// The notification settings.
    pub fn actions(&self) -> Vec<Action> {
        buttons(None, false)
    }

    pub fn example() -> Payment {
        Payment {
            about: About::example(Kind::Payment),
            reference: "PB/2025/03/10/0101".into(),
            paid_on: march(10),
            amount_gr: 50_000,
            invoice_number: Some("FV/2025/02/000102".into()),
            title: Some("Awaria sieci – ul. Toruńska".into()),
        }
    }
}
