//! The small sections: quiet hours, the calendar file, the operations endpoint, shutdown,
//! logging, the database, the application, the import, security.

use secrecy::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

/// `[notifications]`: quiet hours and the daily scheduler (docs/notifications.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Notifications {
    /// Start of the quiet hours, local time (Europe/Warsaw).
    #[serde(deserialize_with = "local_time")]
    pub quiet_from: chrono::NaiveTime,
    /// End of the quiet hours: held notices go out then.
    #[serde(deserialize_with = "local_time")]
    pub quiet_to: chrono::NaiveTime,
    /// "Due soon": days before the effective due date (1–14).
    #[serde(deserialize_with = "lead_days")]
    pub due_soon_days: u32,
    /// A reminder on the due day itself.
    pub due_day_reminder: bool,
    /// After the due date: a reminder every this many days (1–60) while unpaid…
    #[serde(deserialize_with = "every_days")]
    pub overdue_every_days: u32,
    /// … this many times at most (0–12; 0: no overdue reminders).
    #[serde(deserialize_with = "overdue_times")]
    pub overdue_times: u32,
    /// Date-driven reminders pause when the last successful billing import is older
    /// than this many days (1–60): a reminder based on stale payments is a false alarm.
    #[serde(deserialize_with = "stale_days")]
    pub stale_import_days: u32,
    /// The scheduler's daily run, local time.
    #[serde(deserialize_with = "local_time")]
    pub run_at: chrono::NaiveTime,
    /// Overdue notices missed by downtime are produced up to this many days late.
    pub catch_up_days: u32,
    /// The evening preview (tomorrow's planned work and bills due), local time.
    #[serde(deserialize_with = "local_time")]
    pub evening_at: chrono::NaiveTime,
    /// A later end of an announcement by more than this many days gets the customers a
    /// note (an earlier end, and the end itself, always do); the edit goes regardless.
    pub followup_days: u32,
}

impl Default for Notifications {
    fn default() -> Notifications {
        let hm = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        Notifications {
            quiet_from: hm(21, 0),
            quiet_to: hm(8, 0),
            due_soon_days: 3,
            due_day_reminder: true,
            overdue_every_days: 7,
            overdue_times: 3,
            stale_import_days: 3,
            run_at: hm(7, 0),
            catch_up_days: 7,
            evening_at: hm(19, 0),
            followup_days: 0,
        }
    }
}

impl Notifications {
    /// The quiet-hours window as the notices' timing takes it.
    pub fn quiet_hours(&self) -> crate::domain::notice::QuietHours {
        crate::domain::notice::QuietHours {
            from: self.quiet_from,
            to: self.quiet_to,
        }
    }
}

/// A whole number of days within `range`, or an error that names the range.
fn days_in<'de, D: serde::Deserializer<'de>>(
    d: D,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, D::Error> {
    let days = u32::deserialize(d)?;
    if range.contains(&days) {
        Ok(days)
    } else {
        Err(serde::de::Error::custom(format!(
            "{days} is out of range: give a whole number of days from {} to {}",
            range.start(),
            range.end()
        )))
    }
}

fn lead_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    days_in(d, 1..=14)
}

fn every_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    days_in(d, 1..=60)
}

fn overdue_times<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    days_in(d, 0..=12)
}

fn stale_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    days_in(d, 1..=60)
}

/// "HH:MM" local time.
fn local_time<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono::NaiveTime, D::Error> {
    let text = String::deserialize(d)?;
    chrono::NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        serde::de::Error::custom(format!(
            "'{text}' is not a time of day (HH:MM, e.g. \"21:00\")"
        ))
    })
}

/// `[calendar]`: the calendar file of `kalendarz ics`.
#[derive(Debug, Clone, Deserialize)]
pub struct CalendarFile {
    /// Days before a bill's due date its event reminds (at 9:00); 0: on the day.
    pub reminder_days: u32,
}

impl Default for CalendarFile {
    fn default() -> CalendarFile {
        CalendarFile { reminder_days: 3 }
    }
}

/// `[ksef]`: the verification links of invoices issued through KSeF (docs/ksef.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Ksef {
    /// The host of the verification links: `qr.ksef.mf.gov.pl` in production,
    /// `qr-test.ksef.mf.gov.pl` or `qr-demo.ksef.mf.gov.pl` against KSeF's test systems.
    pub host: String,
    /// The KSeF number in the transfer title and the QR code of `zaplac` for invoices
    /// that have one (off until the obligation's date is certain).
    pub payment_title: bool,
}

impl Default for Ksef {
    fn default() -> Ksef {
        Ksef {
            host: crate::domain::ksef::DEFAULT_HOST.to_string(),
            payment_title: false,
        }
    }
}

/// `[http]`: the operations endpoints (`/healthz`, `/readyz`, `/metrics`).
#[derive(Debug, Clone, Deserialize)]
pub struct Http {
    /// Local address, e.g. "127.0.0.1:9464".
    pub listen: String,
    /// Where calendar apps reach the calendar subscriptions (`/kalendarz/…`), e.g.
    /// "https://ebok.mpec.example.pl"; without it `kalendarz link` is not offered.
    #[serde(default)]
    pub public_url: Option<String>,
}

/// `[shutdown]`: how `ebok serve` stops on SIGTERM.
#[derive(Debug, Clone, Deserialize)]
pub struct Shutdown {
    /// Seconds the commands in flight get to finish before the process exits anyway.
    pub grace_seconds: u64,
}

/// `[log]`: how the process logs (see `crate::telemetry`).
#[derive(Debug, Clone, Deserialize)]
pub struct Log {
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines (coloured only on a terminal).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Database {
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct App {
    pub default_language: String,
    /// Directory with template overrides (same layout as `templates/`); empty: none.
    pub templates_dir: Option<PathBuf>,
    pub page_size: u32,
    /// For tests only: a file holding an RFC 3339 instant that this process takes as
    /// "now" from the moment the file was written, running on from there; rewriting
    /// the file moves the clock (docs/notifications.md). Unset: the system clock.
    #[serde(default)]
    pub test_clock_file: Option<PathBuf>,
}

/// How `ebok import` checks the billing export (docs/import.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Import {
    /// The VAT rates line items may carry: whole percentages, `zw`, `np` or `oo`.
    #[serde(deserialize_with = "vat_rates")]
    pub vat_rates: Vec<String>,
    /// The utility's NIP (digits), which a KSeF number must begin with: set from
    /// `[utility] nip` when the configuration is read; `None` checks any valid NIP.
    #[serde(skip)]
    pub seller_nip: Option<String>,
}

impl Default for Import {
    fn default() -> Import {
        Import {
            vat_rates: crate::domain::vat::POLISH_RATES
                .iter()
                .map(|r| r.to_string())
                .collect(),
            seller_nip: None,
        }
    }
}

/// A list of VAT rates each of which ebok can compute VAT at.
fn vat_rates<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let rates = Vec::<String>::deserialize(d)?;
    if rates.is_empty() {
        return Err(serde::de::Error::custom(
            "the list of VAT rates is empty (e.g. [\"23\", \"8\", \"5\", \"0\", \"zw\", \"np\", \"oo\"])",
        ));
    }
    for rate in &rates {
        crate::domain::vat::rate_percent(rate).map_err(serde::de::Error::custom)?;
    }
    Ok(rates)
}

#[derive(Debug, Clone, Deserialize)]
pub struct Security {
    /// Key of the PESEL keyed hash. When empty ebok generates one and keeps it in the database.
    pub pesel_key: Option<SecretString>,
    pub login_wait_seconds: u64,
    pub temp_password_days: i64,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    /// Accounts one chat (Telegram chat, email address, console) may be logged in to at once.
    pub max_chat_accounts: usize,
    /// Threads that hash and check passwords (19 MiB of memory each while in use); the
    /// rest wait in line. 0: one per core, at most 4.
    #[serde(default)]
    pub password_hash_threads: usize,
}
