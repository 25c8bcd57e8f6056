//! `notify_invoice`: a new invoice, correction or interest note from billing.

use super::about::{About, buttons};
use super::example::march;
use super::kind::Kind;
use crate::domain::reply::Action;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    #[serde(flatten)]
    pub about: About,
    pub number: String,
    /// `invoice`, `correction` or `interest_note`.
    pub doc_kind: String,
    pub issue_date: NaiveDate,
    /// As on the document; the notice shows the day it must be paid by.
    pub due_date: NaiveDate,
    pub charge_gr: i64,
    /// Below zero for a credit (nothing to pay, no due date shown).
    pub to_pay_gr: i64,
}

impl Invoice {
    /// Details and PDF of the document, the notification settings.
    pub fn actions(&self) -> Vec<Action> {
        buttons(Some(&self.number), true)
    }

    pub fn example() -> Invoice {
        Invoice {
            about: About::example(Kind::Invoice),
            number: "FV/2025/03/000102".into(),
            doc_kind: "invoice".into(),
            issue_date: march(10),
            due_date: march(24),
            charge_gr: 81_240,
            to_pay_gr: 81_240,
        }
    }
}
