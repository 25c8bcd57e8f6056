//! Reading a test mailbox over IMAP (imap 2.4.1, STARTTLS trusting `MAIL_CA_CERT`).

use std::collections::BTreeSet;
use std::fmt;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use native_tls::{Certificate, TlsConnector, TlsStream};

use crate::{MailEnv, ParsedMail};

/// An IMAP/SMTP/swaks failure or a timeout, with enough context to debug the test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailError(pub String);

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MailError {}

pub(crate) fn err(ctx: &str, e: impl fmt::Display) -> MailError {
    MailError(format!("{ctx}: {e}"))
}

/// A logged-in IMAP session over STARTTLS.
pub type ImapSession = imap::Session<TlsStream<TcpStream>>;

const IO_TIMEOUT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(50);

impl MailEnv {
    /// A TLS connector that trusts the stack's self-signed certificate (and nothing else).
    pub fn tls_connector(&self) -> Result<TlsConnector, MailError> {
        let pem = std::fs::read(&self.ca_cert)
            .map_err(|e| err(&format!("reading {}", self.ca_cert.display()), e))?;
        let cert = Certificate::from_pem(&pem).map_err(|e| err("MAIL_CA_CERT", e))?;
        TlsConnector::builder()
            .add_root_certificate(cert)
            .disable_built_in_roots(true)
            .build()
            .map_err(|e| err("TLS connector", e))
    }

    /// Logs in as `address` (any address works, password `MAIL_PASS`) on the IMAP port with
    /// STARTTLS and returns the session (blocking; socket timeouts 15 s).
    pub fn imap_session(&self, address: &str) -> Result<ImapSession, MailError> {
        let ctx = format!("IMAP {}:{} as {address}", self.imap_host, self.imap_port);
        let addr = (self.imap_host.as_str(), self.imap_port)
            .to_socket_addrs()
            .map_err(|e| err(&ctx, e))?
            .next()
            .ok_or_else(|| MailError(format!("{ctx}: no address")))?;
        let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT).map_err(|e| err(&ctx, e))?;
        tcp.set_read_timeout(Some(IO_TIMEOUT))
            .map_err(|e| err(&ctx, e))?;
        tcp.set_write_timeout(Some(IO_TIMEOUT))
            .map_err(|e| err(&ctx, e))?;
        let mut client = imap::Client::new(tcp);
        client.read_greeting().map_err(|e| err(&ctx, e))?;
        let client = client
            .secure(&self.imap_host, &self.tls_connector()?)
            .map_err(|e| err(&format!("{ctx}: STARTTLS"), e))?;
        client
            .login(address, &self.pass)
            .map_err(|(e, _)| err(&format!("{ctx}: LOGIN"), e))
    }

    /// Waits until `address`'s INBOX holds an unread mail for which `pred` is true, marks it
    /// `\Seen` and returns it. Unread mails that do not match are left unread (and reported in
    /// the timeout error). So calling it twice with the same predicate returns two different
    /// mails. Polls every 50 ms; errors after `timeout`.
    ///
    /// Runs the blocking IMAP client on tokio's blocking pool, so the code under test keeps
    /// running on the test's runtime meanwhile.
    pub async fn wait_for_mail<F>(
        &self,
        address: &str,
        pred: F,
        timeout: Duration,
    ) -> Result<ParsedMail, MailError>
    where
        F: Fn(&ParsedMail) -> bool + Send + 'static,
    {
        let (env, address) = (self.clone(), address.to_owned());
        tokio::task::spawn_blocking(move || env.wait_for_mail_blocking(&address, pred, timeout))
            .await
            .map_err(|e| err("wait_for_mail task", e))?
    }

    /// Blocking version of [`MailEnv::wait_for_mail`] (do not call it on a runtime thread).
    pub fn wait_for_mail_blocking(
        &self,
        address: &str,
        pred: impl Fn(&ParsedMail) -> bool,
        timeout: Duration,
    ) -> Result<ParsedMail, MailError> {
        let deadline = Instant::now() + timeout;
        let mut s = self.imap_session(address)?;
        s.select("INBOX").map_err(|e| err("SELECT INBOX", e))?;
        let mut rejected: BTreeSet<u32> = BTreeSet::new();
        let mut rejected_desc: Vec<String> = Vec::new();
        loop {
            let unseen = s
                .uid_search("UNSEEN")
                .map_err(|e| err("UID SEARCH UNSEEN", e))?;
            let mut new: Vec<u32> = unseen
                .into_iter()
                .filter(|u| !rejected.contains(u))
                .collect();
            new.sort_unstable();
            for mail in fetch(&mut s, &new)? {
                if pred(&mail) {
                    s.uid_store(mail.uid.to_string(), "+FLAGS (\\Seen)")
                        .map_err(|e| err("UID STORE \\Seen", e))?;
                    let _ = s.logout();
                    return Ok(mail);
                }
                rejected.insert(mail.uid);
                rejected_desc.push(format!("uid {} subject {:?}", mail.uid, mail.subject));
            }
            let now = Instant::now();
            if now >= deadline {
                let _ = s.logout();
                return Err(MailError(format!(
                    "no matching mail for {address} within {timeout:?}; unread mails that did not match: {rejected_desc:?}"
                )));
            }
            std::thread::sleep(POLL.min(deadline - now));
            s.noop().map_err(|e| err("NOOP", e))?;
        }
    }

    /// Adds `flags` (e.g. `\\Seen \\Deleted`) to the mails of `address`'s INBOX whose
    /// Message-ID (without brackets) is `message_id`; returns how many there were.
    pub async fn add_flags(
        &self,
        address: &str,
        message_id: &str,
        flags: &str,
    ) -> Result<usize, MailError> {
        let (env, address) = (self.clone(), address.to_owned());
        let (id, flags) = (message_id.to_owned(), flags.to_owned());
        tokio::task::spawn_blocking(move || {
            let mut s = env.imap_session(&address)?;
            s.select("INBOX").map_err(|e| err("SELECT INBOX", e))?;
            let uids = s
                .uid_search(format!("HEADER Message-ID \"<{id}>\""))
                .map_err(|e| err("UID SEARCH HEADER", e))?;
            for uid in &uids {
                s.uid_store(uid.to_string(), format!("+FLAGS ({flags})"))
                    .map_err(|e| err("UID STORE", e))?;
            }
            let _ = s.logout();
            Ok(uids.len())
        })
        .await
        .map_err(|e| err("add_flags task", e))?
    }

    /// Every mail in `address`'s INBOX (read or not, flagged `\\Deleted` or not: all that
    /// is not expunged), oldest first, with its flags, without changing them.
    pub async fn fetch_all(&self, address: &str) -> Result<Vec<ParsedMail>, MailError> {
        let (env, address) = (self.clone(), address.to_owned());
        tokio::task::spawn_blocking(move || env.fetch_all_blocking(&address))
            .await
            .map_err(|e| err("fetch_all task", e))?
    }

    /// Blocking version of [`MailEnv::fetch_all`].
    pub fn fetch_all_blocking(&self, address: &str) -> Result<Vec<ParsedMail>, MailError> {
        let mut s = self.imap_session(address)?;
        s.select("INBOX").map_err(|e| err("SELECT INBOX", e))?;
        let mut uids: Vec<u32> = s
            .uid_search("ALL")
            .map_err(|e| err("UID SEARCH ALL", e))?
            .into_iter()
            .collect();
        uids.sort_unstable();
        let mails = fetch(&mut s, &uids)?;
        let _ = s.logout();
        Ok(mails)
    }
}

/// `UID FETCH uids (UID FLAGS BODY.PEEK[])`, parsed, in UID order.
fn fetch(s: &mut ImapSession, uids: &[u32]) -> Result<Vec<ParsedMail>, MailError> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let fetched = s
        .uid_fetch(&set, "(UID FLAGS BODY.PEEK[])")
        .map_err(|e| err("UID FETCH", e))?;
    let mut out = Vec::new();
    for f in fetched.iter() {
        let (Some(uid), Some(body)) = (f.uid, f.body()) else {
            continue;
        };
        let mut mail = ParsedMail::parse_with_uid(uid, body.to_vec())
            .ok_or_else(|| MailError(format!("uid {uid}: mail-parser could not parse the mail")))?;
        mail.flags = f.flags().iter().map(ToString::to_string).collect();
        out.push(mail);
    }
    out.sort_by_key(|m| m.uid);
    Ok(out)
}
