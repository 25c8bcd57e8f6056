//! [`Notice`]: every notice the outbox carries to a customer or to staff, one variant
//! each, with its data as a typed struct (its own file in this folder). The one list
//! below names each variant's template and, for a customer's notice, the kind that turns
//! it on; the template names, the kind → template map, the buttons and the examples all
//! come from it, so a new notice is one line here and one file beside it.
//!
//! As JSON a notice is `{"template": …, "data": {…}}`, the `template` and `data` of
//! `outbox.payload` (see [`crate::domain::payload::Payload`]).

use super::announcement::Announcement;
use super::announcement_update::AnnouncementUpdate;
use super::case::{CaseUpdate, StaffCase};
use super::collection::Collection;
use super::credentials::Credentials;
use super::evening::Evening;
use super::foreign_sender::ForeignSender;
use super::invoice::Invoice;
use super::kind::Kind;
use super::new_request::NewRequest;
use super::payment::Payment;
use super::rejected::Rejected;
use super::reminder::Reminder;
use super::reset::Reset;
use crate::domain::reply::Action;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Declares [`Notice`] from rows `Variant(Data) = "template", example <expr>[, kind
/// <Kind>]`.
macro_rules! notices {
    ($($(#[$doc:meta])* $variant:ident($data:ty) = $template:literal,
        example $example:expr $(, kind $kind:path)?;)+) => {
        /// A notice of the outbox, with its data.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "template", content = "data")]
        pub enum Notice {
            $($(#[$doc])* #[serde(rename = $template)] $variant($data),)+
        }

        impl Notice {
            /// The templates an outbox row may name: those of the notices.
            pub const TEMPLATES: &'static [&'static str] = &[$($template),+];

            /// The template (`templates/<lang>/<template>.hbs`, and the email subject
            /// `mail_subject.<template>`).
            pub fn template(&self) -> &'static str {
                match self {
                    $(Notice::$variant(_) => $template,)+
                }
            }

            /// The kind a customer turns on to get this notice; `None` for the mails
            /// of the account's life and for staff's notices.
            pub fn kind(&self) -> Option<Kind> {
                match self {
                    $(Notice::$variant(_) => None $(.or(Some($kind)))?,)+
                }
            }

            /// The template of the notices of `kind`.
            pub fn template_of(kind: Kind) -> &'static str {
                match kind {
                    $($($kind => $template,)?)+
                }
            }

            /// The follow-ups a front end with buttons offers with the notice.
            pub fn actions(&self) -> Vec<Action> {
                match self {
                    $(Notice::$variant(data) => data.actions(),)+
                }
            }

            /// The data as the template reads it.
            pub fn data(&self) -> Map<String, Value> {
                let value = match self {
                    $(Notice::$variant(data) => serde_json::to_value(data),)+
                };
                // Structs of strings, numbers and dates always serialise to an object.
                match value {
                    Ok(Value::Object(map)) => map,
                    _ => Map::new(),
                }
            }

            /// One example of every notice, in the order declared.
            pub fn examples() -> Vec<Notice> {
                vec![$(Notice::$variant($example)),+]
            }
        }
    };
}

notices! {
    /// The identifier and temporary password of an approved request (email).
    Credentials(Credentials) = "mail_credentials", example Credentials::example();
    /// The right password came from another address (email, to the owner).
    ForeignSender(ForeignSender) = "mail_foreign_sender", example ForeignSender::example();
    /// A request for access was rejected (email).
    Rejected(Rejected) = "mail_rejected", example Rejected::example();
    /// A new temporary password (email).
    Reset(Reset) = "mail_reset", example Reset::example();
    /// An announcement: failure, interruption, maintenance, tariff, information.
    Announcement(Announcement) = "notify_announcement",
        example Announcement::example(), kind Kind::Announcement;
    /// A published announcement ended or given another end: the edit of the message
    /// sent, and a short note.
    AnnouncementUpdate(AnnouncementUpdate) = "notify_announcement_update",
        example AnnouncementUpdate::example();
    /// A case of the customer moved (taken, question, extension, answer, closed).
    CaseUpdate(CaseUpdate) = "notify_case", example CaseUpdate::example();
    /// A collection case opened or moved to a new stage.
    Collection(Collection) = "notify_collection",
        example Collection::example(), kind Kind::Collection;
    /// A bill is due in a few days.
    DueSoon(Reminder) = "notify_due_soon",
        example Reminder::example(Kind::DueSoon), kind Kind::DueSoon;
    /// The evening preview: tomorrow's planned interruptions and bills due.
    Evening(Evening) = "notify_evening", example Evening::example();
    /// A new invoice, correction or interest note.
    Invoice(Invoice) = "notify_invoice", example Invoice::example(), kind Kind::Invoice;
    /// A bill is unpaid after its due date.
    Overdue(Reminder) = "notify_overdue",
        example Reminder::example(Kind::Overdue), kind Kind::Overdue;
    /// A payment was booked.
    Payment(Payment) = "notify_payment", example Payment::example(), kind Kind::Payment;
    /// Staff: a new case, or one whose deadline nears or passed.
    StaffCase(StaffCase) = "staff_case", example StaffCase::example();
    /// Staff: a new request for access, to approve or reject.
    NewRequest(NewRequest) = "staff_new_request", example NewRequest::example();
}

impl Notice {
    /// The example of the notices of `kind`.
    pub fn example_of(kind: Kind) -> Option<Notice> {
        Notice::examples()
            .into_iter()
            .find(|n| n.kind() == Some(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notice_reads_back_as_itself_under_its_own_template() {
        let mut seen = std::collections::BTreeSet::new();
        for notice in Notice::examples() {
            assert!(
                seen.insert(notice.template()),
                "{} twice",
                notice.template()
            );
            let json = serde_json::to_value(&notice).unwrap();
            assert_eq!(json["template"], notice.template());
            assert_eq!(json["data"], Value::Object(notice.data()));
            let back: Notice = serde_json::from_value(json).unwrap();
            assert_eq!(back, notice);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), Notice::TEMPLATES);
    }

    #[test]
    fn every_kind_has_its_notice() {
        for kind in Kind::ALL {
            let notice = Notice::example_of(*kind).unwrap();
            assert_eq!(notice.template(), Notice::template_of(*kind));
        }
    }

    #[test]
    fn a_new_request_offers_approve_and_reject() {
        let Some(Notice::NewRequest(mut request)) = Notice::examples()
            .into_iter()
            .find(|n| matches!(n, Notice::NewRequest(_)))
        else {
            panic!("the examples hold a new request");
        };
        request.id = 12;
        let commands: Vec<String> = Notice::NewRequest(request)
            .actions()
            .into_iter()
            .map(|a| a.command)
            .collect();
        assert_eq!(commands, ["zatwierdz 12", "odrzuc 12"]);
        let other = Notice::Credentials(Credentials::example());
        assert!(other.actions().is_empty());
    }
}
