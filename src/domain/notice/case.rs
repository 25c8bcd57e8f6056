//! Case notices: `notify_case` tells the customer a case of theirs moved (taken, more
//! information asked, deadline extended, answered, accepted by law, closed), to the
//! chat or address it was filed from; `staff_case` tells staff of a new case, one
//! whose deadline nears (the assignee) or passed (everyone), with buttons to act.

use crate::domain::reply::Action;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseUpdate {
    /// `RK/2026/000123`.
    pub number: String,
    /// The subject's code (`bill`, `disconnection`, …).
    pub subject: String,
    /// What happened: `taken`, `info_requested`, `extended`, `answered`,
    /// `deemed_accepted`, `closed` (`case_event.<event>` in strings.toml).
    pub event: String,
    pub deadline: NaiveDate,
    /// The staff's text: the question, the reason of the extension, the answer.
    pub text: Option<String>,
    /// `accepted`, `rejected`, `partial`, `deemed_accepted` with an answer.
    pub outcome: Option<String>,
    /// The discount of the answer, in grosze.
    pub discount_gr: Option<i64>,
    pub discount_days: Option<i64>,
    /// The ADR statement of a household's rejected complaint.
    pub adr: Option<String>,
}

impl CaseUpdate {
    /// The case, to read it in full.
    pub fn actions(&self) -> Vec<Action> {
        vec![Action {
            kind: "case",
            arg: self.number.clone(),
            command: format!("sprawa {}", self.number),
            row: 0,
        }]
    }

    pub fn example() -> CaseUpdate {
        CaseUpdate {
            number: "RK/2026/000123".into(),
            subject: "bill".into(),
            event: "extended".into(),
            deadline: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
            text: Some("Potrzebny odczyt kontrolny licznika.".into()),
            outcome: None,
            discount_gr: None,
            discount_days: None,
            adr: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCase {
    pub number: String,
    /// `complaint` or `request`.
    pub kind: String,
    pub subject: String,
    /// `new`, `due_soon` (to the assignee) or `overdue` (to all staff).
    pub event: String,
    pub urgent: bool,
    pub deadline: NaiveDate,
    pub customer: String,
    pub customer_name: String,
    pub assignee: Option<String>,
}

impl StaffCase {
    /// Show, take, ask, extend, answer: the commands staff would type.
    pub fn actions(&self) -> Vec<Action> {
        let n = &self.number;
        let action = |kind, command: String, row| Action {
            kind,
            arg: n.clone(),
            command,
            row,
        };
        vec![
            action("case", format!("sprawa {n}"), 0),
            action("case_take", format!("przejmij {n}"), 0),
            action("case_ask", format!("dopytaj {n}"), 1),
            action("case_extend", format!("przedluz {n}"), 1),
            action("case_answer", format!("odpowiedz {n}"), 2),
        ]
    }

    pub fn example() -> StaffCase {
        StaffCase {
            number: "RK/2026/000123".into(),
            kind: "complaint".into(),
            subject: "disconnection".into(),
            event: "new".into(),
            urgent: true,
            deadline: NaiveDate::from_ymd_opt(2026, 3, 16).unwrap_or_default(),
            customer: "K-00102".into(),
            customer_name: "Jan Kowalski".into(),
            assignee: None,
        }
    }
}
