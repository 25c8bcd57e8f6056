//! The command core every front end calls: text in, [`Reply`] out.
//!
//! [`Core::handle`] (in `dispatch`) loads the chat (session and dialogue), checks the
//! session's timeouts, answers the open dialogue or parses a command, applies the
//! rules of the command's group (login, staff, the first-login password change), runs
//! the handler and turns errors into a reply. This file is the folder's face: it only
//! declares the modules and re-exports what the rest of the crate uses.
//!
//! Floors inside (each file imports only from those below it): `engine` (the [`Core`]),
//! `ctx`; the shared pieces (`password`, `throttle`, `limits`, `chat_accounts`, `home`,
//! `views`, …); the features (`auth`, `password_change`, `registration`, `reset`,
//! `consents`, `notifications`, `staff`, `announce`); `commands` (each command's
//! declaration and handler); `command` (the table and the parser); `dialogue`;
//! `dispatch` (the router) on top.

pub mod command;
mod commands;
mod common_passwords;
mod ctx;
pub mod dialogue;
mod dispatch;
mod engine;
pub mod hash_pool;
pub mod password;

pub mod accounts;
mod auth;
mod chat_accounts;
mod home;
mod password_change;
mod throttle;
mod views;

pub mod cases;
mod consents;
mod limits;
mod owner_notice;
pub mod registration;
mod reset;
pub mod staff;
mod staff_notice;

mod announce;
mod announce_life;
pub mod decisions;
mod menu;
mod notifications;
mod registration_steps;

pub use crate::domain::reply::{Action, Attachment, Expect, Reply, View};
pub use command::{Command, DEFS, Def, Lang, ParseError, Secret, parse};
pub use ctx::{Channel, Origin};
pub use ctx::{Ctx, CustomerSession, IncomingFile};
pub(crate) use ctx::{Idle, Step};
pub use engine::Core;
pub use notifications::NotifyChange;
