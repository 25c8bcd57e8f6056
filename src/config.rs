//! Settings: the built-in `bot-config/ebok.toml`, then the operator's TOML file, then
//! `EBOK_…` environment variables (`EBOK_DATABASE__URL`, `EBOK_TELEGRAM__TOKEN`, …).
//! Later sources win. Secrets are `SecretString`: their `Debug` prints `[REDACTED]`.

use crate::domain::interest::{RatePeriod, RateSource, RateTables};
use anyhow::Context;
use chrono::NaiveDate;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;
use std::path::{Path, PathBuf};

mod problem;
pub use problem::{Problem, Purpose};

/// The documented default configuration, compiled in.
pub const DEFAULT_TOML: &str = include_str!("../bot-config/ebok.toml");

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
}

/// `[notifications]`: quiet hours and the daily scheduler (docs/notifications.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Notifications {
    /// Start of the quiet hours, local time (Europe/Warsaw).
    #[serde(deserialize_with = "local_time")]
    pub quiet_from: chrono::NaiveTime,
    /// End of the quiet hours: held notices go out then.
    #[serde(deserialize_with = "local_time")]
    pub quiet_to: chrono::NaiveTime,
    /// "Due soon": days before the effective due date.
    pub due_soon_days: u32,
    /// The scheduler's daily run, local time.
    #[serde(deserialize_with = "local_time")]
    pub run_at: chrono::NaiveTime,
    /// Overdue notices missed by downtime are produced up to this many days late.
    pub catch_up_days: u32,
}

impl Default for Notifications {
    fn default() -> Notifications {
        let hm = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        Notifications {
            quiet_from: hm(21, 0),
            quiet_to: hm(8, 0),
            due_soon_days: 3,
            run_at: hm(7, 0),
            catch_up_days: 7,
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
}

impl Default for Import {
    fn default() -> Import {
        Import {
            vat_rates: crate::domain::vat::POLISH_RATES
                .iter()
                .map(|r| r.to_string())
                .collect(),
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
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Utility {
    pub name: String,
    pub short_name: String,
    pub address: String,
    /// Checked (it goes into the transfer QR code), kept as written for display.
    #[serde(deserialize_with = "nip")]
    pub nip: String,
    /// The account (NRB, 26 digits) customers pay into when the billing export gives
    /// them no individual one; checked with the IBAN mod-97 rule, kept as its digits.
    #[serde(deserialize_with = "bank_account")]
    pub bank_account: String,
    pub regon: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub customer_service_phones: Vec<String>,
    pub office_hours: String,
    pub regulator_url: String,
}

impl Utility {
    /// Refuses the example account shipped in `bot-config/ebok.toml` (marked REPLACE
    /// there): customers would be told to pay into it. `ebok demo` runs with it.
    pub fn require_own_bank_account(&self) -> anyhow::Result<()> {
        let example = Settings::defaults()?.utility.bank_account;
        if self.bank_account != example {
            return Ok(());
        }
        anyhow::bail!(
            "utility.bank_account is still the example account of bot-config/ebok.toml \
             ({}): customers would be told to pay into it. Set the utility's own account \
             (NRB, 26 digits) as bank_account in the [utility] section of the \
             configuration file, or in EBOK_UTILITY__BANK_ACCOUNT (only `ebok demo` runs \
             with the example)",
            crate::domain::nrb::Nrb::parse(&example).map_or(example.clone(), |n| n.grouped())
        )
    }
}

/// A NIP with a valid check digit.
fn nip<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    crate::domain::ids::Nip::parse(&text)
        .map_err(|e| serde::de::Error::custom(format!("'{text}' is not a valid NIP: {e}")))?;
    Ok(text)
}

/// A valid NRB, as its 26 digits.
fn bank_account<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    crate::domain::nrb::Nrb::parse(&text)
        .map(|n| n.digits().to_string())
        .map_err(|e| {
            serde::de::Error::custom(format!("'{text}' is not a valid account number: {e}"))
        })
}

#[derive(Debug, Clone, Deserialize)]
pub struct Regulations {
    pub version: String,
    /// Text of the regulations (regulamin), shown before consent.
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InterestTables {
    /// Statutory interest for delay (households).
    pub statutory: Vec<RatePeriod>,
    /// Interest for delay in commercial transactions (firms).
    pub commercial: Vec<RatePeriod>,
    /// The day the tables were last checked against the sources (docs/interest.md).
    pub confirmed_on: NaiveDate,
    /// Older than this many days, the tables are stale: `ebok serve` warns and reports
    /// itself degraded.
    #[serde(default = "default_stale_after_days")]
    pub stale_after_days: i64,
}

fn default_stale_after_days() -> i64 {
    45
}

impl InterestTables {
    /// The configured tables, as used when the billing export carries none.
    pub fn tables(&self) -> RateTables {
        RateTables {
            statutory: self.statutory.clone(),
            commercial: self.commercial.clone(),
            confirmed_on: self.confirmed_on,
            source: RateSource::Config,
        }
    }
}

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

impl Settings {
    /// Defaults, then `file` (when given), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("the configuration file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(Env::prefixed("EBOK_").split("__"));
        figment
            .extract::<Settings>()
            .map_err(|e| anyhow::anyhow!(describe_figment_error(e)))
            .context("reading the configuration")
    }

    /// What names `database.url` besides the built-in default: the environment
    /// (`EBOK_DATABASE__URL`) or the configuration `file`; `None` when only the default does.
    pub fn database_url_origin(file: Option<&Path>) -> Option<String> {
        let env = Figment::new().merge(Env::prefixed("EBOK_").split("__"));
        if env.contains("database.url") {
            return Some("EBOK_DATABASE__URL".into());
        }
        let path = file?;
        Figment::new()
            .merge(Toml::file(path))
            .contains("database.url")
            .then(|| format!("the configuration file {}", path.display()))
    }

    /// Only the built-in defaults (tests and the demo start from these).
    pub fn defaults() -> anyhow::Result<Settings> {
        Figment::from(Toml::string(DEFAULT_TOML))
            .extract::<Settings>()
            .map_err(|e| anyhow::anyhow!(describe_figment_error(e)))
    }
}

fn describe_figment_error(e: figment::Error) -> String {
    e.into_iter()
        .map(|err| {
            let key = err.path.join(".");
            let source = err
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_default();
            if let Some(hint) = incomplete_section(&key, &err.kind) {
                return hint;
            }
            format!("{key}: {} ({source})", describe_kind(&key, &err.kind))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A section that exists only through a few `EBOK_<SECTION>__…` variables (typically
/// the password, kept out of the file) lacks its other keys: say what to add where.
fn incomplete_section(key: &str, kind: &figment::error::Kind) -> Option<String> {
    let figment::error::Kind::MissingField(field) = kind else {
        return None;
    };
    let (section, keys, env) = match key {
        "smtp" => (
            "smtp",
            "host, port, tls, from_address, from_name and timeout_seconds",
            "EBOK_SMTP__PASSWORD",
        ),
        "email" => (
            "email",
            "imap_host, imap_port, imap_tls, imap_user and mailbox",
            "EBOK_EMAIL__IMAP_PASSWORD",
        ),
        "telegram" => ("telegram", "token", "EBOK_TELEGRAM__TOKEN"),
        _ => return None,
    };
    Some(format!(
        "{section}.{field} is missing: the configuration has a [{section}] section only through          environment variables (such as {env}); add a [{section}] section with {keys} to the          configuration file (see bot-config/ebok.toml), or unset the EBOK_{}__* variables to          run without it",
        section.to_uppercase()
    ))
}

/// The error without the offending value where the key holds a secret: figment's own
/// text quotes it (`EBOK_SMTP__PASSWORD=12345` is read as a number and refused).
fn describe_kind(key: &str, kind: &figment::error::Kind) -> String {
    use figment::error::Kind;
    let secret = ["password", "token", "secret", "key"]
        .iter()
        .any(|word| key.contains(word));
    match kind {
        Kind::InvalidType(_, expected) if secret => {
            format!("invalid type, expected {expected} (quote the value)")
        }
        Kind::InvalidValue(_, expected) if secret => format!("invalid value, expected {expected}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_never_quote_a_secret() {
        let toml = format!(
            "{DEFAULT_TOML}\n[smtp]\nhost = \"127.0.0.1\"\nport = 25\ntls = \"plain\"\n\
             password = 918273645\nfrom_address = \"a@b.test\"\nfrom_name = \"x\"\n\
             timeout_seconds = 5\n"
        );
        let err = Figment::from(Toml::string(&toml))
            .extract::<Settings>()
            .map_err(describe_figment_error)
            .err()
            .unwrap();
        assert!(err.contains("smtp.password"), "{err}");
        assert!(!err.contains("918273645"), "{err}");
    }

    #[test]
    fn a_password_without_its_section_says_what_to_add() {
        let err = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string("[smtp]\npassword = \"sekret\""))
            .extract::<Settings>()
            .map_err(describe_figment_error)
            .unwrap_err();
        assert!(
            err.contains("add a [smtp] section with host, port"),
            "{err}"
        );
        assert!(err.contains("EBOK_SMTP__PASSWORD"), "{err}");
        assert!(!err.contains("sekret"), "{err}");
    }

    #[test]
    fn built_in_defaults_load() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.app.default_language, "pl");
        assert!(!s.interest.statutory.is_empty());
        assert!(s.utility.name.contains("Energetyki"));
    }

    #[test]
    fn a_bad_value_names_the_key() {
        let err = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string("[app]\npage_size = \"many\""))
            .extract::<Settings>()
            .map_err(describe_figment_error)
            .unwrap_err();
        assert!(err.contains("app.page_size"), "{err}");
    }

    #[test]
    fn vat_rates_default_to_the_polish_set_and_a_bad_one_names_the_key() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.import.vat_rates, ["23", "8", "5", "0", "zw", "np", "oo"]);
        let err = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string("[import]\nvat_rates = [\"23\", \"7,5\"]"))
            .extract::<Settings>()
            .map_err(describe_figment_error)
            .unwrap_err();
        assert!(err.contains("import.vat_rates"), "{err}");
        assert!(err.contains("'7,5' is not a VAT rate"), "{err}");
    }

    #[test]
    fn the_example_bank_account_is_refused_and_another_one_is_not() {
        let s = Settings::defaults().unwrap();
        let err = s
            .utility
            .require_own_bank_account()
            .unwrap_err()
            .to_string();
        assert!(err.contains("utility.bank_account"), "{err}");
        assert!(err.contains("61 1090 1014 0000 0712 1981 2874"), "{err}");
        assert!(err.contains("EBOK_UTILITY__BANK_ACCOUNT"), "{err}");
        let own = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string(
                "[utility]\nbank_account = \"60 1020 1026 0000 1234 5678 9012\"",
            ))
            .extract::<Settings>()
            .unwrap();
        own.utility.require_own_bank_account().unwrap();
    }

    #[test]
    fn a_bad_utility_account_or_nip_names_the_key_and_the_rule() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.utility.bank_account.len(), 26);
        let err = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string(
                "[utility]\nbank_account = \"61 1090 1014 0000 0712 1981 2875\"",
            ))
            .extract::<Settings>()
            .map_err(describe_figment_error)
            .unwrap_err();
        assert!(err.contains("utility.bank_account"), "{err}");
        assert!(err.contains("mod-97"), "{err}");
        let err = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string("[utility]\nnip = \"888-020-54-54\""))
            .extract::<Settings>()
            .map_err(describe_figment_error)
            .unwrap_err();
        assert!(err.contains("utility.nip"), "{err}");
        assert!(err.contains("check digit"), "{err}");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let t = Telegram {
            token: SecretString::from("123:ABC"),
            api_url: None,
            staff_chats: vec![],
            webhook_url: None,
            webhook_listen: None,
            webhook_secret: Some(SecretString::from("s3cret-hook")),
            messages_per_second: 30,
            poll_timeout_seconds: 25,
            webhook_claim_seconds: 15,
            chat_messages_per_second: 1,
            chat_burst: 2,
            allow_paid_broadcast: false,
            paid_messages_per_second: 1000,
            outbox_lease_seconds: 30,
        };
        assert!(!format!("{t:?}").contains("123:ABC"));
        assert!(!format!("{t:?}").contains("s3cret-hook"));
    }
}
