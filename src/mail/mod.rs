//! Outgoing mail over SMTP (lettre): the transport built from `[smtp]` settings, and
//! the [`EmailDeliverer`] that sends the outbox's `"email"` rows.
//!
//! TLS: `implicit` (SMTPS), `starttls` (required, never a silent plain-text fallback) or
//! `plain`, which is allowed only to a loopback address. An extra root certificate
//! (`smtp.ca_cert`) is trusted beside the public roots.

mod compose;
mod deliver;
pub mod digest;
pub mod headers;
mod worker;

pub use compose::{Composed, build, compose, message_id};
pub use deliver::{EmailDeliverer, recipient};
pub use digest::DigestDeliverer;
pub use worker::email_worker;

use crate::config::Problem;
use crate::config::{Smtp, TlsMode};
use anyhow::Context;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

/// Why a message was not sent, in words an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: the server is down, slow, or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// Never going to work: the server refused the message or the address (5xx).
    #[error("{0}")]
    Permanent(String),
    /// Never going to work, by the recipient's doing: the mailbox does not exist, is
    /// disabled or full (`reason`, a metric label).
    #[error("{detail}")]
    Unreachable {
        reason: &'static str,
        detail: String,
    },
}

impl From<SendError> for crate::outbox::DeliveryError {
    fn from(e: SendError) -> crate::outbox::DeliveryError {
        use crate::outbox::DeliveryError;
        match e {
            SendError::Transient(t) => DeliveryError::Transient(t),
            SendError::Permanent(p) => DeliveryError::Permanent(p),
            SendError::Unreachable { reason, detail } => {
                DeliveryError::Unreachable { reason, detail }
            }
        }
    }
}

/// An SMTP connection pool and the sender's mailbox.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Domain of the sender address: the right-hand side of Message-IDs.
    domain: String,
    server: String,
}

impl Mailer {
    pub fn new(smtp: &Smtp) -> anyhow::Result<Mailer> {
        let from = sender(smtp)?;
        let domain = from.email.domain().to_string();
        let tls = tls(smtp)?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
            .port(smtp.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(smtp.timeout_seconds.max(1))));
        if let Some(user) = smtp.user.as_deref().filter(|u| !u.is_empty()) {
            let password = smtp
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.to_string(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            domain,
            server: format!("{}:{}", smtp.host, smtp.port),
        })
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Sends bytes stored earlier (an email reply), exactly as they are.
    #[tracing::instrument(skip_all, fields(server = %self.server))]
    pub async fn send_raw(
        &self,
        envelope: &lettre::address::Envelope,
        bytes: &[u8],
    ) -> Result<(), SendError> {
        match self.transport.send_raw(envelope, bytes).await {
            Ok(_) => Ok(()),
            Err(e) => Err(describe(&self.server, &e)),
        }
    }

    /// Sends one message.
    #[tracing::instrument(skip_all, fields(server = %self.server))]
    pub async fn send(&self, message: lettre::Message) -> Result<(), SendError> {
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) => Err(describe(&self.server, &e)),
        }
    }

    /// Whether the server takes a connection (TLS and login included) and answers NOOP:
    /// `/readyz` asks this, so that a server that is gone shows before mail piles up.
    pub async fn check(&self) -> Result<(), String> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!(
                "the SMTP server {} does not answer NOOP",
                self.server
            )),
            Err(e) => Err(format!(
                "the SMTP server {} cannot be used: {}",
                self.server,
                error_chain(&e)
            )),
        }
    }
}

/// The mailbox mail is sent from: `smtp.from_name <smtp.from_address>`.
pub fn sender(smtp: &Smtp) -> anyhow::Result<Mailbox> {
    format!("{} <{}>", smtp.from_name, smtp.from_address)
        .parse()
        .or_else(|_| {
            smtp.from_address
                .parse()
                .map(|a| Mailbox::new(Some(smtp.from_name.clone()), a))
        })
        .with_context(|| {
            format!(
                "smtp.from_address {:?} is not an address",
                smtp.from_address
            )
        })
}

fn tls(smtp: &Smtp) -> anyhow::Result<Tls> {
    if smtp.tls == TlsMode::Plain {
        if let Some(refused) = plain_refused(&smtp.host) {
            anyhow::bail!("smtp.tls: {refused}");
        }
        return Ok(Tls::None);
    }
    let mut params = TlsParameters::builder(smtp.host.clone());
    if let Some(path) = &smtp.ca_cert {
        let cert = root_certificate(path).map_err(|e| anyhow::anyhow!("smtp.ca_cert: {e}"))?;
        params = params.add_root_certificate(cert);
    }
    let params = params.build().context("setting up TLS for SMTP")?;
    Ok(match smtp.tls {
        TlsMode::Implicit => Tls::Wrapper(params),
        _ => Tls::Required(params),
    })
}

/// The extra root certificate of `smtp.ca_cert`; the error says what to do.
fn root_certificate(path: &std::path::Path) -> Result<Certificate, String> {
    let pem = std::fs::read(path).map_err(|e| {
        format!(
            "{} cannot be read ({e}): point it at the CA's certificate (PEM), or leave it unset",
            path.display()
        )
    })?;
    Certificate::from_pem(&pem).map_err(|e| {
        format!(
            "{} is not a PEM certificate ({e}): point it at the CA's certificate (PEM)",
            path.display()
        )
    })
}

/// Why plain text (no TLS) is refused for `host`: it is not a loopback address.
pub fn plain_refused(host: &str) -> Option<String> {
    (!is_loopback(host)).then(|| {
        format!(
            "\"plain\" (no TLS) is allowed only for a loopback server (127.0.0.1, ::1, \
             localhost), not {host}: use \"starttls\" or \"implicit\""
        )
    })
}

/// What is wrong with `[smtp]` (checked before anything starts, [`crate::config::check`]).
pub fn config_problems(smtp: &Smtp) -> Vec<Problem> {
    let mut found = Vec::new();
    if smtp.host.trim().is_empty() {
        found.push(Problem::new(
            "smtp.host",
            "is empty: write the SMTP server's name or address",
        ));
    }
    if sender(smtp).is_err() {
        found.push(Problem::new(
            "smtp.from_address",
            format!(
                "{:?} is not an email address: write the address ebok's mail comes from, \
                 e.g. \"ebok@mpec.example.pl\"",
                smtp.from_address
            ),
        ));
    }
    if smtp.tls == TlsMode::Plain {
        if let Some(refused) = plain_refused(&smtp.host) {
            found.push(Problem::new("smtp.tls", refused));
        }
    } else if let Some(Err(e)) = smtp.ca_cert.as_deref().map(root_certificate) {
        found.push(Problem::new("smtp.ca_cert", e));
    }
    let user = smtp.user.as_deref().is_some_and(|u| !u.is_empty());
    let password = smtp
        .password
        .as_ref()
        .is_some_and(|p| !p.expose_secret().is_empty());
    if user && !password {
        found.push(Problem::new(
            "smtp.password",
            "is not set, but smtp.user is: set EBOK_SMTP__PASSWORD (or remove smtp.user \
             for a server that takes mail without a login)",
        ));
    }
    found
}

/// A literal loopback address or `localhost` (names are not resolved on purpose).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the SMTP server of `smtp` can be used now (the `smtp` check of `/readyz`),
/// through one connection pool kept for these checks.
pub async fn check(smtp: &Smtp) -> Result<(), String> {
    static MAILER: std::sync::OnceLock<Mailer> = std::sync::OnceLock::new();
    let mailer = match MAILER.get() {
        Some(mailer) => mailer,
        None => {
            let mailer = Mailer::new(smtp).map_err(|e| format!("{e:#}"))?;
            MAILER.get_or_init(|| mailer)
        }
    };
    mailer.check().await
}

/// The error and its causes, each once.
fn error_chain(e: &lettre::transport::smtp::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn describe(server: &str, e: &lettre::transport::smtp::Error) -> SendError {
    let text = error_chain(e);
    if e.is_permanent() {
        let detail = format!("the SMTP server {server} refused the message: {text}");
        match recipient_gone(&text) {
            Some(reason) => SendError::Unreachable { reason, detail },
            None => SendError::Permanent(detail),
        }
    } else if e.is_timeout() {
        SendError::Transient(format!(
            "the SMTP server {server} did not answer in time: {text}"
        ))
    } else if e.is_tls() {
        SendError::Transient(format!("TLS with the SMTP server {server} failed: {text}"))
    } else if e.is_transient() {
        SendError::Transient(format!(
            "the SMTP server {server} asked to try later: {text}"
        ))
    } else {
        SendError::Transient(format!("sending through {server} failed: {text}"))
    }
}

/// Why a permanent refusal is the recipient's doing, if it is: read from the enhanced
/// status code (RFC 3463) the servers put first (`550 5.1.1 …`), or from the words
/// servers without one use. Refusals of ebok's own mail (5.7.x: policy, spam, relaying)
/// are not: the operator has to look at those.
pub fn recipient_gone(text: &str) -> Option<&'static str> {
    let code = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.len() == 3
                && parts[0] == "5"
                && parts[1..]
                    .iter()
                    .all(|p| (1..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()))
        });
    match code {
        Some("5.1.1" | "5.1.6") => return Some("no_mailbox"),
        Some("5.1.2" | "5.1.10") => return Some("no_domain"),
        Some("5.2.1") => return Some("mailbox_disabled"),
        Some("5.2.2") => return Some("mailbox_full"),
        Some(_) => return None,
        None => {}
    }
    let lower = text.to_lowercase();
    let words = [
        "user unknown",
        "unknown user",
        "no such user",
        "mailbox not found",
        "recipient not found",
        "does not exist",
    ];
    words
        .iter()
        .any(|w| lower.contains(w))
        .then_some("no_mailbox")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_that_are_the_recipients_doing() {
        let cases = [
            (
                "permanent error (550): 5.1.1 <nikt@example.test>: Recipient address rejected: \
                 User unknown in virtual mailbox table",
                Some("no_mailbox"),
            ),
            (
                "permanent error (550): 5.1.1 The email account that you tried to reach does \
                 not exist. Please try double-checking the recipient's email address",
                Some("no_mailbox"),
            ),
            (
                "permanent error (550): 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not \
                 found by SMTP address lookup",
                Some("no_domain"),
            ),
            (
                "permanent error (552): 5.2.2 The email account that you tried to reach is \
                 over quota",
                Some("mailbox_full"),
            ),
            (
                "permanent error (550): 5.2.1 mailbox disabled",
                Some("mailbox_disabled"),
            ),
            (
                "permanent error (550): No such user here",
                Some("no_mailbox"),
            ),
            // Refusals of ebok's own mail: the operator looks.
            (
                "permanent error (554): 5.7.1 <a@b.test>: Relay access denied",
                None,
            ),
            (
                "permanent error (550): 5.7.26 Unauthenticated email is not accepted; the \
                 user does not exist on our blocklist",
                None,
            ),
            (
                "permanent error (552): 5.3.4 Message size exceeds fixed limit",
                None,
            ),
            ("permanent error (554): Transaction failed", None),
        ];
        for (text, reason) in cases {
            assert_eq!(recipient_gone(text), reason, "{text}");
        }
    }

    fn smtp(host: &str, tls: TlsMode) -> Smtp {
        Smtp {
            host: host.into(),
            port: 25,
            tls,
            user: None,
            password: None,
            ca_cert: None,
            from_address: "ebok@example.test".into(),
            from_name: "e-BOK MPEC".into(),
            timeout_seconds: 5,
            digest_window_seconds: 120,
        }
    }

    // The pooled transport starts a task: these need a runtime.
    #[tokio::test]
    async fn plain_text_only_on_loopback() {
        assert!(Mailer::new(&smtp("127.0.0.1", TlsMode::Plain)).is_ok());
        assert!(Mailer::new(&smtp("::1", TlsMode::Plain)).is_ok());
        assert!(Mailer::new(&smtp("localhost", TlsMode::Plain)).is_ok());
        let err = Mailer::new(&smtp("smtp.example.com", TlsMode::Plain))
            .err()
            .unwrap();
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(Mailer::new(&smtp("smtp.example.com", TlsMode::Starttls)).is_ok());
    }

    #[tokio::test]
    async fn a_missing_ca_file_is_named() {
        let mut s = smtp("127.0.0.1", TlsMode::Starttls);
        s.ca_cert = Some("/nonexistent/ca.pem".into());
        let err = format!("{:#}", Mailer::new(&s).err().unwrap());
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[tokio::test]
    async fn the_sender_is_a_named_mailbox() {
        let m = Mailer::new(&smtp("127.0.0.1", TlsMode::Plain)).unwrap();
        assert_eq!(m.from().name.as_deref(), Some("e-BOK MPEC"));
        assert_eq!(m.domain(), "example.test");
    }
}
