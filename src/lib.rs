//! ebok: the self-service channel (e-BOK) of a district-heating utility.
//!
//! One core ([`core::Core`]) parses a customer's text into a command, checks the
//! session, runs it against the [`store::Store`] and returns a channel-neutral
//! [`core::Reply`]. Front ends (console, Telegram, email) only translate.

pub mod config;
pub mod domain;
pub mod store;

pub use config::Settings;
