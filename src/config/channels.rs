//! The channels' sections: outgoing mail (SMTP), the Telegram bot, the command mailbox.

use secrecy::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Copy)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Implicit,
    Starttls,
    /// No TLS: allowed only for loopback addresses.
    Plain,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<SecretString>,
    /// Extra root certificate (PEM) to trust, e.g. a private CA.
    pub ca_cert: Option<PathBuf>,
    pub from_address: String,
    pub from_name: String,
    pub timeout_seconds: u64,
    /// Email notifications to one address written within this many seconds of the
    /// first go out as one mail (a digest).
    #[serde(default = "default_digest_window_seconds")]
    pub digest_window_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Telegram {
    pub token: SecretString,
    pub api_url: Option<String>,
    /// Chats (Telegram ids) that get staff notifications.
    #[serde(default)]
    pub staff_chats: Vec<i64>,
    /// Webhook mode instead of long polling: the public HTTPS URL Telegram posts to.
    pub webhook_url: Option<String>,
    /// Webhook mode: the local address to listen on, e.g. "0.0.0.0:8443".
    pub webhook_listen: Option<String>,
    /// Webhook mode: the secret Telegram sends in X-Telegram-Bot-Api-Secret-Token.
    pub webhook_secret: Option<SecretString>,
    /// Messages per second over all chats (Telegram allows about 30); 0 turns pacing off
    /// (429s are honoured anyway). With several sending processes: this process's share.
    #[serde(default = "default_messages_per_second")]
    pub messages_per_second: u32,
    /// Messages per second to one chat (Telegram allows about 1); 0: not paced per chat.
    #[serde(default = "default_chat_messages_per_second")]
    pub chat_messages_per_second: u32,
    /// Messages one chat may get at once before the per-chat pace applies.
    #[serde(default = "default_chat_burst")]
    pub chat_burst: u32,
    /// Notifications are sent with Telegram's `allow_paid_broadcast` (paid in Stars) at
    /// `paid_messages_per_second` instead of the free limit.
    #[serde(default)]
    pub allow_paid_broadcast: bool,
    #[serde(default = "default_paid_messages_per_second")]
    pub paid_messages_per_second: u32,
    /// How long a claimed notification is hidden from other processes (renewed while it
    /// waits and is sent): after a crash its rows are due again within this.
    #[serde(default = "default_outbox_lease_seconds")]
    pub outbox_lease_seconds: u64,
    /// Long polling: how long Telegram holds a `getUpdates` request when nothing happens.
    #[serde(default = "default_poll_timeout_seconds")]
    pub poll_timeout_seconds: u64,
    /// Webhook mode: how long an instance's claim on an update keeps the other instances
    /// off it. Renewed every third of it while the update is being answered, so it only
    /// bounds how soon an update whose instance died is taken over.
    #[serde(default = "default_webhook_claim_seconds")]
    pub webhook_claim_seconds: u64,
}

fn default_messages_per_second() -> u32 {
    30
}

fn default_digest_window_seconds() -> u64 {
    120
}

fn default_chat_messages_per_second() -> u32 {
    1
}

fn default_chat_burst() -> u32 {
    2
}

fn default_outbox_lease_seconds() -> u64 {
    30
}

fn default_paid_messages_per_second() -> u32 {
    1000
}

fn default_poll_timeout_seconds() -> u64 {
    25
}

fn default_webhook_claim_seconds() -> u64 {
    15
}

#[derive(Debug, Clone, Deserialize)]
pub struct EmailChannel {
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_tls: TlsMode,
    pub imap_user: String,
    pub imap_password: SecretString,
    pub mailbox: String,
    pub ca_cert: Option<PathBuf>,
    #[serde(default = "default_daily_cap")]
    pub daily_reply_cap: u32,
    /// Staff addresses that get staff notifications by email.
    #[serde(default)]
    pub staff_addresses: Vec<String>,
}

fn default_daily_cap() -> u32 {
    10
}
