//! Test helpers for the loopback mail stack started by `scripts/test` (Dovecot IMAP + Postfix SMTP).
//!
//! ```no_run
//! # async fn demo() {
//! let Some(mail) = mail_support::MailEnv::from_env_or_skip("my_test") else { return };
//! let user = mail.fresh_address();
//! mail.send_with_swaks(&user, "ebok@example.test", "Odczyt", "Stan licznika: 123", &[], &[])
//!     .await
//!     .unwrap();
//! let reply = mail
//!     .wait_for_mail(&user, |m| m.subject_contains("Re:"), std::time::Duration::from_secs(10))
//!     .await
//!     .unwrap();
//! assert!(reply.text.unwrap().contains("Dziękujemy"));
//! # }
//! ```
//!
//! Every `user@domain` logs in over IMAP with `MAIL_PASS`; a mailbox appears on first delivery,
//! so each test should use its own [`MailEnv::fresh_address`]. Postfix delivers every domain.

mod imap_read;
mod parsed;
mod send;

use std::path::PathBuf;

pub use imap_read::MailError;
pub use parsed::{Attachment, ParsedMail};
pub use send::{OutgoingAttachment, encode_header_value};

/// Connection data of the test mail stack, from the `MAIL_*` variables `scripts/test` exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailEnv {
    /// `MAIL_IMAP_HOST` (127.0.0.1)
    pub imap_host: String,
    /// `MAIL_IMAP_PORT`: plain IMAP with STARTTLS
    pub imap_port: u16,
    /// `MAIL_IMAPS_PORT`: implicit TLS
    pub imaps_port: u16,
    /// `MAIL_SMTP_HOST` (127.0.0.1)
    pub smtp_host: String,
    /// `MAIL_SMTP_PORT`: Postfix, no auth needed from loopback, AUTH PLAIN/LOGIN with `pass`, STARTTLS
    pub smtp_port: u16,
    /// `MAIL_PASS`: the password of every mailbox
    pub pass: String,
    /// `MAIL_DOMAIN` (example.test): the domain of [`MailEnv::fresh_address`]
    pub domain: String,
    /// `MAIL_CA_CERT`: PEM of the servers' self-signed certificate (CN/SAN localhost, 127.0.0.1)
    pub ca_cert: PathBuf,
}

const VARS: [&str; 8] = [
    "MAIL_IMAP_HOST",
    "MAIL_IMAP_PORT",
    "MAIL_IMAPS_PORT",
    "MAIL_SMTP_HOST",
    "MAIL_SMTP_PORT",
    "MAIL_PASS",
    "MAIL_DOMAIN",
    "MAIL_CA_CERT",
];

impl MailEnv {
    /// Reads the `MAIL_*` variables. `None` when `MAIL_IMAP_HOST` is not set (no mail stack).
    ///
    /// Panics when only some of them are set or a port is not a number: that is a broken
    /// environment, not a missing one.
    pub fn from_env() -> Option<MailEnv> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`MailEnv::from_env`], for tests that need the mail stack: prints a skip notice and
    /// returns `None` when the variables are missing, but **panics** when `CI` is set (in CI the
    /// stack must be there: run the tests through `scripts/test`).
    pub fn from_env_or_skip(test_name: &str) -> Option<MailEnv> {
        Self::or_skip(
            Self::from_env(),
            std::env::var_os("CI").is_some(),
            test_name,
        )
    }

    fn or_skip(env: Option<MailEnv>, ci: bool, test_name: &str) -> Option<MailEnv> {
        if env.is_none() {
            if ci {
                panic!(
                    "{test_name}: CI is set but the MAIL_* variables are missing; run the tests through scripts/test"
                );
            }
            eprintln!("SKIPPED {test_name}: no MAIL_* variables (run through scripts/test)");
        }
        env
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Option<MailEnv> {
        get("MAIL_IMAP_HOST")?;
        let missing: Vec<&str> = VARS.iter().copied().filter(|k| get(k).is_none()).collect();
        assert!(
            missing.is_empty(),
            "MAIL_IMAP_HOST is set but {missing:?} are not"
        );
        let var = |k: &str| get(k).unwrap();
        let port = |k: &str| {
            var(k)
                .parse::<u16>()
                .unwrap_or_else(|e| panic!("{k}={:?}: {e}", var(k)))
        };
        Some(MailEnv {
            imap_host: var("MAIL_IMAP_HOST"),
            imap_port: port("MAIL_IMAP_PORT"),
            imaps_port: port("MAIL_IMAPS_PORT"),
            smtp_host: var("MAIL_SMTP_HOST"),
            smtp_port: port("MAIL_SMTP_PORT"),
            pass: var("MAIL_PASS"),
            domain: var("MAIL_DOMAIN"),
            ca_cert: PathBuf::from(var("MAIL_CA_CERT")),
        })
    }

    /// A new random address in [`MailEnv::domain`], e.g. `user-3f9a1c07d2e4@example.test`.
    pub fn fresh_address(&self) -> String {
        fresh_address_in(&self.domain)
    }

    /// Same as [`MailEnv::fresh_address`] with a readable prefix: `alice-3f9a1c07d2e4@example.test`.
    pub fn fresh_address_with(&self, prefix: &str) -> String {
        format!(
            "{prefix}-{:012x}@{}",
            rand::random::<u64>() >> 16,
            self.domain
        )
    }
}

/// A new random address `user-xxxxxxxxxxxx@example.test` (use [`MailEnv::fresh_address`] to
/// follow `MAIL_DOMAIN`).
pub fn fresh_address() -> String {
    fresh_address_in("example.test")
}

fn fresh_address_in(domain: &str) -> String {
    format!("user-{:012x}@{domain}", rand::random::<u64>() >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn full() -> HashMap<&'static str, String> {
        VARS.iter().map(|k| (*k, "1025".to_string())).collect()
    }

    #[test]
    fn none_when_unset() {
        assert_eq!(MailEnv::from_lookup(|_| None), None);
    }

    #[test]
    fn parses_all_vars() {
        let mut m = full();
        m.insert("MAIL_DOMAIN", "example.test".into());
        let env = MailEnv::from_lookup(|k| m.get(k).cloned()).unwrap();
        assert_eq!(env.imap_port, 1025);
        assert_eq!(env.domain, "example.test");
        let a = env.fresh_address();
        assert!(
            a.starts_with("user-") && a.ends_with("@example.test"),
            "{a}"
        );
        assert_ne!(a, env.fresh_address());
        assert_eq!(a.len(), "user-@example.test".len() + 12);
    }

    #[test]
    #[should_panic(expected = "are not")]
    fn partial_env_panics() {
        let mut m = full();
        m.remove("MAIL_PASS");
        MailEnv::from_lookup(|k| m.get(k).cloned());
    }

    #[test]
    #[should_panic(expected = "CI is set")]
    fn missing_env_in_ci_panics() {
        MailEnv::or_skip(None, true, "t");
    }

    #[test]
    fn missing_env_outside_ci_skips() {
        assert_eq!(MailEnv::or_skip(None, false, "t"), None);
    }
}
