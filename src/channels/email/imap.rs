//! The IMAP side (imap 2.4.1, blocking): connecting with the configured TLS mode,
//! selecting the command mailbox, reading unseen mail without marking it, flagging it
//! afterwards, and waiting for new mail with IDLE (or a plain poll).
//!
//! TLS modes: `implicit` (IMAPS, 993), `starttls` (143; refused when the server does not
//! offer it — never a silent fall-back to plain text) and `plain`, allowed only to a
//! loopback address. The extra CA of `email.ca_cert` is trusted beside the system roots.
//! Every socket read has a timeout, so a dead server is noticed.

use crate::config::Problem;
use crate::config::{EmailChannel, TlsMode};
use anyhow::{Context, anyhow, bail};
use imap::extensions::idle::{SetReadTimeout, WaitOutcome};
use native_tls::{Certificate, TlsConnector, TlsStream};
use secrecy::ExposeSecret;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The transport under the IMAP session: TLS, or plain TCP on loopback.
pub enum Conn {
    Plain(TcpStream, Duration),
    Tls(Box<TlsStream<TcpStream>>, Duration),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s, _) => s.read(buf),
            Conn::Tls(s, _) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s, _) => s.write(buf),
            Conn::Tls(s, _) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Plain(s, _) => s.flush(),
            Conn::Tls(s, _) => s.flush(),
        }
    }
}

impl SetReadTimeout for Conn {
    /// `None` (what the IDLE handle sets when it is done) restores the I/O timeout:
    /// no read ever waits forever.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> imap::error::Result<()> {
        let (tcp, io) = match self {
            Conn::Plain(s, io) => (&*s, *io),
            Conn::Tls(s, io) => (s.get_ref(), *io),
        };
        tcp.set_read_timeout(Some(timeout.unwrap_or(io)))
            .map_err(imap::error::Error::Io)
    }
}

/// What is needed to reach the mailbox.
#[derive(Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: String,
    pub password: secrecy::SecretString,
    pub mailbox: String,
    pub ca_cert: Option<std::path::PathBuf>,
    pub io_timeout: Duration,
}

impl Target {
    pub fn from_settings(e: &EmailChannel, io_timeout: Duration) -> Target {
        Target {
            host: e.imap_host.clone(),
            port: e.imap_port,
            tls: e.imap_tls,
            user: e.imap_user.clone(),
            password: e.imap_password.clone(),
            mailbox: e.mailbox.clone(),
            ca_cert: e.ca_cert.clone(),
            io_timeout,
        }
    }

    /// Fails early on a configuration that can never work.
    pub fn check(&self) -> anyhow::Result<()> {
        match self.problem() {
            Some(p) => bail!("{}: {}", p.key, p.text),
            None => Ok(()),
        }
    }

    /// What makes this target unusable whatever the server does: plain text off
    /// loopback, an extra CA certificate that cannot be read.
    pub fn problem(&self) -> Option<Problem> {
        if self.tls == TlsMode::Plain {
            return crate::mail::plain_refused(&self.host)
                .map(|refused| Problem::new("email.imap_tls", refused));
        }
        self.ca_cert.as_ref()?;
        self.connector().err().map(|e| {
            Problem::new(
                "email.ca_cert",
                format!("{e:#}: point it at the CA's certificate (PEM), or leave it unset"),
            )
        })
    }

    fn connector(&self) -> anyhow::Result<TlsConnector> {
        let mut builder = TlsConnector::builder();
        if let Some(path) = &self.ca_cert {
            let pem =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let cert = Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", path.display()))?;
            builder.add_root_certificate(cert);
        }
        builder.build().context("setting up TLS for IMAP")
    }
}

/// A fetched mail, read in place in the IMAP response (a large mail is not copied).
pub struct RawMail {
    fetched: imap::types::ZeroCopy<Vec<imap::types::Fetch>>,
    uid: u32,
}

impl std::ops::Deref for RawMail {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.fetched
            .iter()
            .find(|f| f.uid == Some(self.uid))
            .and_then(|f| f.body())
            .unwrap_or_default()
    }
}

/// A logged-in session with the command mailbox selected.
pub struct Connection {
    session: imap::Session<Conn>,
    pub uidvalidity: u32,
    /// The server supports IDLE.
    pub idle: bool,
    uidplus: bool,
    server: String,
}

fn imap_err(context: &str, e: imap::error::Error) -> anyhow::Error {
    anyhow!("{context}: {e}")
}

/// `1,5,7`: a UID set for a command.
fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Connects, logs in and selects the mailbox (blocking).
pub fn connect(target: &Target) -> anyhow::Result<Connection> {
    target.check()?;
    let server = format!("{}:{}", target.host, target.port);
    let addr = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .with_context(|| format!("resolving the IMAP server {server}"))?
        .next()
        .ok_or_else(|| anyhow!("the IMAP server {server} has no address"))?;
    let tcp = TcpStream::connect_timeout(&addr, target.io_timeout)
        .with_context(|| format!("connecting to the IMAP server {server}"))?;
    tcp.set_read_timeout(Some(target.io_timeout))?;
    tcp.set_write_timeout(Some(target.io_timeout))?;
    let io = target.io_timeout;
    let conn = match target.tls {
        TlsMode::Plain => {
            let mut client = imap::Client::new(Conn::Plain(tcp, io));
            client
                .read_greeting()
                .map_err(|e| imap_err(&format!("IMAP greeting of {server}"), e))?;
            client
        }
        TlsMode::Implicit => {
            let tls = target
                .connector()?
                .connect(&target.host, tcp)
                .map_err(|e| anyhow!("TLS with the IMAP server {server} failed: {e}"))?;
            let mut client = imap::Client::new(Conn::Tls(Box::new(tls), io));
            client
                .read_greeting()
                .map_err(|e| imap_err(&format!("IMAP greeting of {server}"), e))?;
            client
        }
        TlsMode::Starttls => {
            let tcp = starttls(tcp).with_context(|| format!("STARTTLS with {server}"))?;
            let tls = target
                .connector()?
                .connect(&target.host, tcp)
                .map_err(|e| anyhow!("TLS with the IMAP server {server} failed: {e}"))?;
            // No greeting after STARTTLS.
            imap::Client::new(Conn::Tls(Box::new(tls), io))
        }
    };
    let mut session = conn
        .login(&target.user, target.password.expose_secret())
        .map_err(|(e, _)| imap_err(&format!("IMAP login of {} at {server}", target.user), e))?;
    let caps = session
        .capabilities()
        .map_err(|e| imap_err("IMAP CAPABILITY", e))?;
    let (idle, uidplus) = (caps.has_str("IDLE"), caps.has_str("UIDPLUS"));
    drop(caps);
    let mailbox = session
        .select(&target.mailbox)
        .map_err(|e| imap_err(&format!("selecting the mailbox {:?}", target.mailbox), e))?;
    let uidvalidity = mailbox.uid_validity.ok_or_else(|| {
        anyhow!(
            "the IMAP server gave no UIDVALIDITY for {:?}",
            target.mailbox
        )
    })?;
    Ok(Connection {
        session,
        uidvalidity,
        idle,
        uidplus,
        server,
    })
}

/// The plain-text part of STARTTLS, before the TLS handshake: the greeting, the
/// command, its tagged OK. Anything else (no STARTTLS offered) is an error.
fn starttls(tcp: TcpStream) -> anyhow::Result<TcpStream> {
    let mut reader = BufReader::new(tcp.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if !line.starts_with("* OK") && !line.starts_with("* PREAUTH") {
        bail!("unexpected IMAP greeting {:?}", line.trim_end());
    }
    (&tcp).write_all(b"a0 STARTTLS\r\n")?;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            bail!("the server closed the connection");
        }
        if line.starts_with("a0 ") {
            if line.to_ascii_uppercase().starts_with("A0 OK") {
                break;
            }
            bail!("the server refused STARTTLS: {}", line.trim_end());
        }
    }
    // The server waits for the handshake: nothing may be left unread.
    if !reader.buffer().is_empty() {
        bail!("unexpected data after STARTTLS");
    }
    Ok(tcp)
}

impl Connection {
    /// UIDs of unseen mail, oldest first.
    pub fn unseen(&mut self) -> anyhow::Result<Vec<u32>> {
        let mut uids: Vec<u32> = self
            .session
            .uid_search("UNSEEN")
            .map_err(|e| imap_err("UID SEARCH UNSEEN", e))?
            .into_iter()
            .collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The raw mail, without setting \Seen; `None` when it is gone.
    pub fn fetch(&mut self, uid: u32) -> anyhow::Result<Option<RawMail>> {
        let fetched = self
            .session
            .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
            .map_err(|e| imap_err(&format!("UID FETCH {uid}"), e))?;
        let found = fetched
            .iter()
            .any(|f| f.uid == Some(uid) && f.body().is_some());
        Ok(found.then_some(RawMail { fetched, uid }))
    }

    pub fn mark_seen(&mut self, uid: u32) -> anyhow::Result<()> {
        self.session
            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
            .map_err(|e| imap_err(&format!("UID STORE {uid} \\Seen"), e))?;
        Ok(())
    }

    /// Flags a mail with a password `\Seen \Deleted`; [`Connection::expunge`] then
    /// removes it for good.
    pub fn flag_deleted(&mut self, uid: u32) -> anyhow::Result<()> {
        self.session
            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen \\Deleted)")
            .map_err(|e| imap_err(&format!("UID STORE {uid} \\Deleted"), e))?;
        Ok(())
    }

    /// UIDs of the mails flagged `\Deleted` (by ebok or by anyone else).
    pub fn deleted(&mut self) -> anyhow::Result<Vec<u32>> {
        let mut uids: Vec<u32> = self
            .session
            .uid_search("DELETED")
            .map_err(|e| imap_err("UID SEARCH DELETED", e))?
            .into_iter()
            .collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The headers of the mails `uids`, without setting `\Seen`: (UID, header bytes).
    pub fn headers(&mut self, uids: &[u32]) -> anyhow::Result<Vec<(u32, Vec<u8>)>> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let fetched = self
            .session
            .uid_fetch(uid_set(uids), "(UID BODY.PEEK[HEADER])")
            .map_err(|e| imap_err("UID FETCH headers", e))?;
        Ok(fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.header()?.to_vec())))
            .collect())
    }

    /// Removes for good the mails `ours` (flagged `\Deleted` by ebok) and no other:
    /// `UID EXPUNGE` of exactly those where the server has UIDPLUS; otherwise the
    /// `\Deleted` flag of `others` (flagged by someone else) is taken off for the
    /// EXPUNGE and put back after it. Cut off in between, those keep their mail and
    /// lose only the flag.
    pub fn expunge(&mut self, ours: &[u32], others: &[u32]) -> anyhow::Result<()> {
        if ours.is_empty() {
            return Ok(());
        }
        if self.uidplus {
            self.session
                .uid_expunge(uid_set(ours))
                .map_err(|e| imap_err("UID EXPUNGE", e))?;
            return Ok(());
        }
        let flag = |s: &mut imap::Session<Conn>, change: &str| -> anyhow::Result<()> {
            if !others.is_empty() {
                s.uid_store(uid_set(others), format!("{change}FLAGS.SILENT (\\Deleted)"))
                    .map_err(|e| imap_err("UID STORE others' \\Deleted", e))?;
            }
            Ok(())
        };
        flag(&mut self.session, "-")?;
        let expunged = self.session.expunge().map_err(|e| imap_err("EXPUNGE", e));
        flag(&mut self.session, "+")?;
        expunged.map(|_| ())
    }

    /// Whether removals go by `UID EXPUNGE` (the server has UIDPLUS).
    pub fn uid_expunge(&self) -> bool {
        self.uidplus
    }

    /// Tests only: act as on a server without UIDPLUS.
    pub fn forget_uidplus(&mut self) {
        self.uidplus = false;
    }

    /// Waits up to `timeout` for the mailbox to change: IDLE when the server has it,
    /// else a sleep and a NOOP. `true` when something happened (or may have).
    pub fn wait(&mut self, timeout: Duration) -> anyhow::Result<bool> {
        if !self.idle {
            std::thread::sleep(timeout);
            self.session.noop().map_err(|e| imap_err("NOOP", e))?;
            return Ok(true);
        }
        let handle = self.session.idle().map_err(|e| imap_err("IDLE", e))?;
        let outcome = handle
            .wait_with_timeout(timeout)
            .map_err(|e| imap_err(&format!("IDLE on {}", self.server), e))?;
        Ok(outcome == WaitOutcome::MailboxChanged)
    }

    pub fn logout(mut self) {
        let _ = self.session.logout();
    }
}
