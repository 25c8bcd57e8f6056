//! Notices as plain data: the kinds a customer turns on or off, their event keys, when a
//! notice written now may go (quiet hours), and [`Notice`] — every notice of the outbox,
//! one variant each, its data in a file of its own:
//!
//! | file | template | to |
//! |---|---|---|
//! | `invoice.rs` | `notify_invoice` | customers who turned on `invoice` |
//! | `payment.rs` | `notify_payment` | … `payment` |
//! | `reminder.rs` | `notify_due_soon`, `notify_overdue` | … `due_soon`, `overdue` |
//! | `collection.rs` | `notify_collection` | … `collection` |
//! | `announcement.rs` | `notify_announcement` | … `announcement` |
//! | `announcement_update.rs` | `notify_announcement_update` | those who got the announcement |
//! | `evening.rs` | `notify_evening` | chats (addresses) that turned the evening preview on |
//! | `credentials.rs` | `mail_credentials` | the address of an approved request |
//! | `reset.rs` | `mail_reset` | the account's address on file |
//! | `rejected.rs` | `mail_rejected` | the address of a rejected request |
//! | `foreign_sender.rs` | `mail_foreign_sender` | the account's address on file |
//! | `new_request.rs` | `staff_new_request` | staff |
//! | `case.rs` | `notify_case`, `staff_case` | the chat a case came from; staff |
//!
//! Adding a notice: its file here (data, buttons, example), its row in `all.rs`, its
//! templates in `templates/{pl,en}/` and its `mail_subject` in both `strings.toml`
//! (`render`'s notice tests fail until every language has them).

mod about;
mod all;
mod announcement;
mod announcement_update;
mod case;
mod collection;
mod credentials;
mod evening;
mod example;
mod foreign_sender;
mod invoice;
mod kind;
mod new_request;
mod payment;
mod quiet_mode;
mod rejected;
mod reminder;
mod reset;
mod schedule;
mod stamp;
mod timing;

pub use about::About;
pub use all::Notice;
pub use announcement::Announcement;
pub use announcement_update::AnnouncementUpdate;
pub use case::{CaseUpdate, StaffCase};
pub use collection::Collection;
pub use credentials::Credentials;
pub use evening::{DueBill, Evening, Planned};
pub use foreign_sender::ForeignSender;
pub use invoice::Invoice;
pub use kind::{Kind, dedupe_key};
pub use new_request::{Check, Checks, NewRequest};
pub use payment::Payment;
pub use quiet_mode::QuietMode;
pub use rejected::Rejected;
pub use reminder::Reminder;
pub use reset::Reset;
pub use schedule::{ReminderRule, Reminding};
pub use timing::{QuietHours, Timing, next_local_time, quiet_until};
