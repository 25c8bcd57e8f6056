//! Flood limits on registration and self-service reset, counted in the database
//! (`rate_events`) rather than in memory (e.g. with `governor`): the windows are hours
//! long, the limits must survive a restart, and the Telegram bot, the email responder
//! and the console may run as separate processes against one database.

use super::Origin;
use crate::store::Store;
use chrono::Duration;

/// A limit: at most `max` events of one key within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub prefix: &'static str,
    pub max: i64,
    pub window_hours: i64,
}

/// Registration requests submitted from one chat or email sender.
pub const REGISTRATIONS_PER_SOURCE: Limit = Limit {
    prefix: "reg:src",
    max: 3,
    window_hours: 24,
};
/// Registration requests naming one email address for the credentials.
pub const REGISTRATIONS_PER_EMAIL: Limit = Limit {
    prefix: "reg:email",
    max: 3,
    window_hours: 24,
};
/// Failed anti-bot checks from one source.
pub const CAPTCHA_FAILURES_PER_SOURCE: Limit = Limit {
    prefix: "captcha:src",
    max: 6,
    window_hours: 1,
};
/// Self-service resets asked from one source (answered "too many" when exceeded).
pub const RESETS_PER_SOURCE: Limit = Limit {
    prefix: "reset:src",
    max: 5,
    window_hours: 1,
};
/// Reset emails for one identifier (silently not sent when exceeded, so the answer
/// does not reveal whether the identifier exists).
pub const RESETS_PER_IDENTIFIER: Limit = Limit {
    prefix: "reset:id",
    max: 3,
    window_hours: 24,
};

impl Limit {
    pub fn key(&self, subject: &str) -> String {
        format!("{}:{}", self.prefix, subject)
    }

    pub fn source_key(&self, origin: &Origin) -> String {
        self.key(&format!("{}:{}", origin.channel.as_str(), origin.source))
    }

    /// True when `key` has used up this limit.
    pub async fn exceeded(&self, store: &Store, key: &str) -> anyhow::Result<bool> {
        let n = store
            .rate_count(key, Duration::hours(self.window_hours))
            .await?;
        Ok(n >= self.max)
    }
}
