//! The whole configuration: one section per part of ebok.

use super::channels::{EmailChannel, Smtp, Telegram};
use super::sections::{
    App, CalendarFile, Database, Http, Import, Ksef, Log, Notifications, Security, Shutdown,
};
use super::utility::{InterestTables, Regulations, Utility};
use serde::Deserialize;

/// The documented default configuration, compiled in.
pub const DEFAULT_TOML: &str = include_str!("../../bot-config/ebok.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub database: Database,
    pub app: App,
    #[serde(default)]
    pub import: Import,
    pub security: Security,
    pub utility: Utility,
    pub regulations: Regulations,
    pub interest: InterestTables,
    pub smtp: Option<Smtp>,
    pub telegram: Option<Telegram>,
    pub email: Option<EmailChannel>,
    pub log: Log,
    pub http: Option<Http>,
    pub shutdown: Shutdown,
    #[serde(default)]
    pub notifications: Notifications,
    #[serde(default)]
    pub calendar: CalendarFile,
    #[serde(default)]
    pub ksef: Ksef,
    pub cases: super::cases::Cases,
}
