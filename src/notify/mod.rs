//! Notifications: events (a new invoice, a payment booked, a bill due soon or overdue, a
//! collection case, an announcement) become outbox rows for the customers who asked for
//! them, in the same transaction as the event. Each event has a stable key; a row's
//! dedupe key is `notify:<event key>:<channel>:<recipient>`, so no event reaches a
//! recipient twice, whoever produces it and however often.
//!
//! Kinds, keys and timing are plain data in [`crate::domain::notice`].
//! - [`events`]: the producers used by the import, staff and the scheduler.
//! - [`scheduler`]: the daily run for due-soon and overdue notices in `ebok serve`.
//! - [`freshness`]: whether the last billing import is recent enough for reminders.
//! - [`evening`]: the evening preview of tomorrow's planned work and bills due.
//! - [`daily`]: the loop that runs the reminders and the evening preview each day.

pub mod daily;
pub mod evening;
pub mod events;
pub mod freshness;
pub mod scheduler;
