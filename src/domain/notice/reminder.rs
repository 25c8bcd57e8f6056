//! `notify_due_soon` and `notify_overdue`: a reminder of one unpaid bill, before its
//! effective due date or after it.

use super::about::{About, buttons};
use super::example::march;
use super::kind::Kind;
use crate::domain::reply::Action;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    #[serde(flatten)]
    pub about: About,
    pub number: String,
    /// `invoice`, `correction` or `interest_note`.
    pub doc_kind: String,
    /// As on the document.
    pub due_date: NaiveDate,
    /// The day it must be paid by (a weekend or holiday moves it, art. 115 KC).
    pub effective_due: NaiveDate,
    pub to_pay_gr: i64,
    /// Interest for one day of delay, in grosze (overdue; 0 before the due date).
    pub interest_per_day_gr: i64,
    /// The bill's amount: more than `to_pay_gr` when part of it is paid.
    #[serde(default)]
    pub charge_gr: i64,
    /// 1 on the due day's own reminder.
    #[serde(default)]
    pub due_today: i64,
    /// Overdue: this reminder's number (from 1) of at most `rounds`.
    #[serde(default)]
    pub round: i64,
    #[serde(default)]
    pub rounds: i64,
}

impl Reminder {
    /// Details of the bill, the notification settings.
    pub fn actions(&self) -> Vec<Action> {
        buttons(Some(&self.number), false)
    }

    /// The example of a reminder of `kind` (due soon or overdue).
    pub fn example(kind: Kind) -> Reminder {
        let due = march(24);
        Reminder {
            about: About::example(kind),
            number: "FV/2025/03/000102".into(),
            doc_kind: "invoice".into(),
            due_date: due,
            effective_due: due,
            to_pay_gr: 81_240,
            interest_per_day_gr: 25,
            charge_gr: 81_240,
            due_today: 0,
            round: i64::from(kind == Kind::Overdue),
            rounds: if kind == Kind::Overdue { 3 } else { 0 },
        }
    }
}
