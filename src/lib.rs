//! ebok: the self-service channel (e-BOK) of a district-heating utility.
//!
//! One core ([`core::Core`]) parses a customer's text into a command, checks the
//! session, runs it against the [`store::Store`] and returns a channel-neutral
//! [`core::Reply`]. Front ends (console, Telegram, email) only translate.

pub mod app;
pub mod channels;
pub mod cli;
pub mod config;
pub mod core;
pub mod demo;
pub mod domain;
pub mod health;
pub mod http;
pub mod ics;
pub mod import;
pub mod mail;
pub mod metrics;
pub mod notify;
pub mod outbox;
pub mod payment;
#[cfg(test)]
mod proptests;
pub mod rates;
pub mod render;
pub mod serve;
pub mod shutdown;
pub mod store;
pub mod telemetry;
