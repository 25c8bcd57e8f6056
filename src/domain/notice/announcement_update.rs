//! `notify_announcement_update`: a published announcement changed by staff — ended
//! ("dostawa ciepła przywrócona") or given another end. Two notices per recipient who
//! got it: the `edit`, which replaces the text of the Telegram message already sent (it
//! shows the change and its time; no sound), and the `note`, one short new message that
//! replies to it (by email: one short mail) for a customer the change matters to.

use super::about::{About, buttons};
use super::example::{at, march};
use crate::domain::reply::Action;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementUpdate {
    #[serde(flatten)]
    pub about: About,
    /// `edit` (the sent message, replaced) or `note` (a short new message).
    pub role: String,
    /// `ended` or `until` (a new end date).
    pub change: String,
    pub reference: String,
    /// `failure`, `interruption`, `maintenance`, `tariff` or `information`.
    pub message_kind: String,
    pub title: String,
    pub body: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// When staff made the change.
    pub changed_at: DateTime<Utc>,
    /// Staff's words with the change ("Dostawa ciepła przywrócona."), if any.
    #[serde(default)]
    pub note: String,
    /// Telegram: the message the announcement became (the edit's target, the note's
    /// reply); `None` when it is not known (by email, or sent before ids were kept).
    #[serde(default)]
    pub message_id: Option<i64>,
}

impl AnnouncementUpdate {
    /// The notification settings.
    pub fn actions(&self) -> Vec<Action> {
        buttons(None, false)
    }

    pub fn is_edit(&self) -> bool {
        self.role == "edit"
    }

    pub fn example() -> AnnouncementUpdate {
        AnnouncementUpdate {
            about: About {
                event: "announcement:MSG-2025-010:r1:note".into(),
                account: "EB000000".into(),
                customer: "K-00102".into(),
                customer_name: "Jan Kowalski".into(),
            },
            role: "note".into(),
            change: "ended".into(),
            reference: "MSG-2025-010".into(),
            message_kind: "failure".into(),
            title: "Awaria sieci – ul. Toruńska".into(),
            body: "Dostawa ciepła może być ograniczona do 6:00.".into(),
            valid_from: march(10),
            valid_to: Some(march(10)),
            changed_at: at(march(10), 13, 20),
            note: "Dostawa ciepła przywrócona.".into(),
            message_id: Some(42),
        }
    }
}
