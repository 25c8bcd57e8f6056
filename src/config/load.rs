//! Reading the configuration: the built-in defaults, the operator's file, the
//! environment; errors that name the key and never quote a secret.

use super::settings::{DEFAULT_TOML, Settings};
use super::utility::Utility;
use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use std::path::Path;

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

    /// The import's options with the utility's NIP, which KSeF numbers must carry.
    pub fn import_options(&self) -> super::sections::Import {
        let nip = self
            .utility
            .nip
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        super::sections::Import {
            seller_nip: Some(nip),
            ..self.import.clone()
        }
    }

    /// Only the built-in defaults (tests and the demo start from these).
    pub fn defaults() -> anyhow::Result<Settings> {
        Figment::from(Toml::string(DEFAULT_TOML))
            .extract::<Settings>()
            .map_err(|e| anyhow::anyhow!(describe_figment_error(e)))
    }
}

pub(super) fn describe_figment_error(e: figment::Error) -> String {
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
