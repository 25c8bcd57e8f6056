//! `notify_announcement`: a failure, a planned interruption, maintenance, a tariff, from
//! staff or the billing export, for everyone or for some heat areas.

use super::about::{About, buttons};
use super::example::march;
use super::kind::Kind;
use crate::domain::reply::Action;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    #[serde(flatten)]
    pub about: About,
    pub reference: String,
    /// `failure`, `interruption`, `maintenance`, `tariff` or `information`.
    pub message_kind: String,
    pub title: String,
    pub body: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl Announcement {
    /// The notification settings.
    pub fn actions(&self) -> Vec<Action> {
        buttons(None, false)
    }

    pub fn example() -> Announcement {
        Announcement {
            about: About::example(Kind::Announcement),
            reference: "MSG-2025-010".into(),
            message_kind: "failure".into(),
            title: "Awaria sieci – ul. Toruńska".into(),
            body: "Dostawa ciepła może być ograniczona do 6:00.".into(),
            valid_from: march(10),
            valid_to: Some(march(11)),
        }
    }
}
