//! The whole configuration checked at once, before a command opens the database or
//! starts anything: every problem found is listed (key, what is wrong, what to do), so
//! an operator fixes them in one go and `ebok serve` never runs its scheduler, workers
//! or front ends on a configuration it will refuse a moment later.
//!
//! The checks of a front end's own keys live with the code that uses them (the SMTP
//! transport, the IMAP target, the Telegram webhook); this module calls them all.

use crate::config::{Problem, Purpose, Settings};
use std::fmt::Write as _;

/// Every problem of the configuration for `purpose`, as one error naming each key;
/// `Ok` when there is none.
pub fn check(settings: &Settings, purpose: Purpose) -> anyhow::Result<()> {
    let problems = problems(settings, purpose);
    if problems.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "the configuration cannot be used ({} {}); nothing was started:",
        problems.len(),
        if problems.len() == 1 {
            "problem"
        } else {
            "problems"
        }
    );
    for p in &problems {
        let _ = write!(text, "\n  - {}: {}", p.key, p.text);
    }
    anyhow::bail!(text)
}

/// The problems of the configuration for `purpose` (empty: none).
pub fn problems(settings: &Settings, purpose: Purpose) -> Vec<Problem> {
    let mut found = Vec::new();
    database(settings, &mut found);
    app(settings, &mut found);
    security(settings, &mut found);
    if purpose != Purpose::Other
        && let Some(smtp) = &settings.smtp
    {
        found.extend(crate::mail::config_problems(smtp));
    }
    if purpose == Purpose::Serve {
        serve(settings, &mut found);
    }
    found
}

fn database(s: &Settings, found: &mut Vec<Problem>) {
    let url = s.database.url.trim();
    if url.is_empty() {
        found.push(Problem::new(
            "database.url",
            "is empty: set sqlite:PATH or postgres://user:password@host/db \
             (EBOK_DATABASE__URL or --database)",
        ));
        return;
    }
    // A misspelt scheme would otherwise be taken for a SQLite file name.
    if let Some((scheme, _)) = url.split_once("://")
        && !["sqlite", "postgres", "postgresql"].contains(&scheme)
    {
        found.push(Problem::new(
            "database.url",
            format!(
                "the scheme {scheme}:// is neither sqlite: nor postgres://: write \
                 sqlite:PATH or postgres://user:password@host/db"
            ),
        ));
    }
}

fn app(s: &Settings, found: &mut Vec<Problem>) {
    if crate::domain::lang::Lang::parse(&s.app.default_language).is_none() {
        found.push(Problem::new(
            "app.default_language",
            format!(
                "{:?} is not a language ebok speaks: write \"pl\" or \"en\"",
                s.app.default_language
            ),
        ));
    }
    if let Some(dir) = &s.app.templates_dir {
        if !dir.is_dir() {
            found.push(Problem::new(
                "app.templates_dir",
                format!(
                    "{} is not a directory: point it at the directory of template \
                     overrides, or leave it unset for the built-in templates",
                    dir.display()
                ),
            ));
        } else if let Err(e) = crate::render::Renderer::new(Some(dir)) {
            found.push(Problem::new(
                "app.templates_dir",
                format!("{e:#}: fix or remove that override"),
            ));
        }
    }
}

fn security(s: &Settings, found: &mut Vec<Problem>) {
    let sec = &s.security;
    let positive = [
        ("security.temp_password_days", sec.temp_password_days),
        ("security.session_idle_minutes", sec.session_idle_minutes),
        ("security.session_max_hours", sec.session_max_hours),
    ];
    for (key, value) in positive {
        if value < 1 {
            found.push(Problem::new(
                key,
                format!("is {value}: it must be at least 1 (see bot-config/ebok.toml)"),
            ));
        }
    }
    if sec.max_chat_accounts < 1 {
        found.push(Problem::new(
            "security.max_chat_accounts",
            "is 0: nobody could log in; it must be at least 1 (default 10)",
        ));
    }
}

/// What `ebok serve` needs besides: its front ends, its endpoint, a real bank account.
fn serve(s: &Settings, found: &mut Vec<Problem>) {
    if let Err(e) = s.utility.require_own_bank_account() {
        found.push(Problem::new(
            "utility.bank_account",
            format!("{e:#}")
                .trim_start_matches("utility.bank_account ")
                .to_string(),
        ));
    }
    if let Some(email) = &s.email {
        if s.smtp.is_none() {
            found.push(Problem::new(
                "[email]",
                "is configured but [smtp] is not: replies could not be sent. Add an \
                 [smtp] section (host, port, tls, from_address, from_name, \
                 timeout_seconds), or remove [email]",
            ));
        }
        found.extend(crate::channels::email::config_problems(email));
    }
    if let Some(tg) = &s.telegram {
        found.extend(crate::channels::telegram::config_problems(tg));
    }
    if let Some(http) = &s.http {
        http_problems(http, found);
        let webhook = s
            .telegram
            .as_ref()
            .and_then(|t| t.webhook_listen.as_deref());
        if webhook.is_some_and(|w| w.trim() == http.listen.trim()) {
            found.push(Problem::new(
                "http.listen",
                format!(
                    "{:?} is also telegram.webhook_listen: give the operations endpoint \
                     and the webhook different ports",
                    http.listen
                ),
            ));
        }
    }
}

fn http_problems(http: &crate::config::Http, found: &mut Vec<Problem>) {
    if !is_host_port(&http.listen) {
        found.push(Problem::new(
            "http.listen",
            format!(
                "{:?} is not an address:port: write e.g. \"127.0.0.1:9464\"",
                http.listen
            ),
        ));
    }
    if let Some(public) = http.public_url.as_deref().filter(|u| !u.trim().is_empty()) {
        let ok = url::Url::parse(public)
            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
        if !ok {
            found.push(Problem::new(
                "http.public_url",
                format!(
                    "{public:?} is not an http(s) URL: write the address calendar apps \
                     reach ebok at, e.g. \"https://ebok.mpec.example.pl\", or leave it unset"
                ),
            ));
        }
    }
}

/// `host:port` with a port number (`127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`).
pub fn is_host_port(text: &str) -> bool {
    text.trim()
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Figment;
    use figment::providers::{Format, Toml};

    const OWN_ACCOUNT: &str = "[utility]\nbank_account = \"60 1020 1026 0000 1234 5678 9012\"\n";

    fn with(toml: &str) -> Settings {
        Figment::from(Toml::string(crate::config::DEFAULT_TOML))
            .merge(Toml::string(OWN_ACCOUNT))
            .merge(Toml::string(toml))
            .extract()
            .unwrap()
    }

    fn keys(s: &Settings, purpose: Purpose) -> Vec<String> {
        problems(s, purpose).into_iter().map(|p| p.key).collect()
    }

    #[test]
    fn the_shipped_defaults_pass_but_for_the_example_account() {
        let s = Settings::defaults().unwrap();
        assert!(problems(&s, Purpose::Other).is_empty());
        assert_eq!(keys(&s, Purpose::Serve), ["utility.bank_account"]);
        assert!(problems(&with(""), Purpose::Serve).is_empty());
    }

    #[test]
    fn every_problem_is_listed_with_its_key() {
        let s = with(
            "[app]\ndefault_language = \"de\"\n[database]\nurl = \"postgress://x/y\"\n\
             [security]\nmax_chat_accounts = 0\n\
             [http]\nlisten = \"9464\"\npublic_url = \"ebok.example.pl\"\n",
        );
        assert_eq!(
            keys(&s, Purpose::Serve),
            [
                "database.url",
                "app.default_language",
                "security.max_chat_accounts",
                "http.listen",
                "http.public_url"
            ]
        );
        let err = check(&s, Purpose::Serve).unwrap_err().to_string();
        assert!(err.contains("5 problems"), "{err}");
        assert!(err.contains("write \"pl\" or \"en\""), "{err}");
    }

    #[test]
    fn email_without_smtp_and_plain_text_off_loopback_are_refused() {
        let s = with(
            "[email]\nimap_host = \"imap.example.pl\"\nimap_port = 143\nimap_tls = \"plain\"\n\
             imap_user = \"ebok@example.pl\"\nimap_password = \"x\"\nmailbox = \"INBOX\"\n",
        );
        assert_eq!(keys(&s, Purpose::Serve), ["[email]", "email.imap_tls"]);
        // Other commands do not use the mailbox.
        assert!(problems(&s, Purpose::SendsMail).is_empty());
    }

    #[test]
    fn the_webhook_needs_its_keys() {
        let s = with(
            "[telegram]\ntoken = \"123:abc\"\nwebhook_url = \"http://bot.example.pl/hook\"\n\
             webhook_listen = \"8443\"\nwebhook_secret = \"bad secret\"\n",
        );
        assert_eq!(
            keys(&s, Purpose::Serve),
            [
                "telegram.webhook_url",
                "telegram.webhook_listen",
                "telegram.webhook_secret"
            ]
        );
        let s = with("[telegram]\ntoken = \"REPLACE\"\n");
        assert_eq!(keys(&s, Purpose::Serve), ["telegram.token"]);
        let err = check(&s, Purpose::Serve).unwrap_err().to_string();
        assert!(!err.contains("REPLACE"), "a token is never quoted: {err}");
    }

    #[test]
    fn smtp_is_checked_where_mail_is_sent() {
        let s = with(
            "[smtp]\nhost = \"smtp.example.pl\"\nport = 25\ntls = \"plain\"\n\
             from_address = \"not an address\"\nfrom_name = \"e-BOK\"\ntimeout_seconds = 5\n\
             user = \"ebok\"\n",
        );
        let expected = ["smtp.from_address", "smtp.tls", "smtp.password"];
        assert_eq!(keys(&s, Purpose::SendsMail), expected);
        assert_eq!(keys(&s, Purpose::Serve), expected);
        assert!(problems(&s, Purpose::Other).is_empty());
    }

    #[test]
    fn host_and_port() {
        assert!(is_host_port("127.0.0.1:9464"));
        assert!(is_host_port("[::1]:9464"));
        assert!(is_host_port("localhost:9464"));
        assert!(!is_host_port("9464"));
        assert!(!is_host_port("127.0.0.1:http"));
        assert!(!is_host_port(":9464"));
    }
}
