//! `notify_collection`: a collection case was opened or moved to a new stage.

use super::about::{About, buttons};
use super::example::march;
use super::kind::Kind;
use crate::domain::reply::Action;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    #[serde(flatten)]
    pub about: About,
    pub case_number: String,
    /// `reminder`, `demand`, `court` or `enforcement`.
    pub stage: String,
    pub opened_on: NaiveDate,
    pub updated_on: NaiveDate,
    pub principal_gr: i64,
    pub interest_gr: i64,
    pub costs_gr: i64,
    pub court: Option<String>,
    /// The court case's signature.
    pub signature: Option<String>,
}

impl Collection {
    /// The notification settings.
    pub fn actions(&self) -> Vec<Action> {
        buttons(None, false)
    }

    pub fn example() -> Collection {
        Collection {
            about: About::example(Kind::Collection),
            case_number: "WN/2025/0040".into(),
            stage: "demand".into(),
            opened_on: march(1),
            updated_on: march(10),
            principal_gr: 93_430,
            interest_gr: 340,
            costs_gr: 0,
            court: None,
            signature: None,
        }
    }
}
