//! The email front end against the real mail stack: a fresh utility mailbox per test,
//! the responder and the reply worker running as in `ebok serve`, customers writing
//! with swaks and reading their replies over IMAP.

use crate::helpers::{Backend, TestApp};
use ebok::channels::email::{self, Options, Responder};
use ebok::config::{EmailChannel, Smtp, TlsMode};
use ebok::outbox::RetryPolicy;
use mail_support::{MailEnv, ParsedMail};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// How long a test waits for a reply before failing.
pub const REPLY_WAIT: Duration = Duration::from_secs(30);

/// Responder timings for tests: quick reconnects, short IDLE keepalive.
pub fn fast_options() -> Options {
    Options {
        idle: true,
        poll_interval: Duration::from_millis(300),
        idle_keepalive: Duration::from_secs(5),
        reconnect_min: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(500),
        io_timeout: Duration::from_secs(15),
        uid_expunge: true,
        crash_at: None,
    }
}

/// Retries quickly, so an outage that ends is noticed within a second or two.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        base: Duration::from_millis(200),
        max: Duration::from_secs(1),
        lease: Duration::from_secs(30),
        idle_poll: Duration::from_millis(200),
    }
}

/// The app with `[email]` and `[smtp]` pointing at the test stack.
pub struct EmailRig {
    pub t: TestApp,
    pub mail: MailEnv,
    /// The utility's command mailbox (IMAP user, From of the replies).
    pub utility: String,
    pub wake: Arc<Notify>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for EmailRig {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl EmailRig {
    /// `None` (test skipped) without the mail stack.
    pub async fn new(
        backend: &Backend,
        test: &str,
        tweak: impl FnOnce(&mut ebok::config::Settings),
    ) -> Option<EmailRig> {
        let mail = MailEnv::from_env_or_skip(test)?;
        let utility = mail.fresh_address_with("ebok");
        let (m, u) = (mail.clone(), utility.clone());
        let t = TestApp::with_settings(backend, move |s| {
            s.email = Some(email_settings(&m, &u, m.imap_port, TlsMode::Starttls));
            s.smtp = Some(smtp_settings(&m, &u, m.smtp_port));
            tweak(s);
        })
        .await;
        Some(EmailRig {
            t,
            mail,
            utility,
            wake: Arc::new(Notify::new()),
            tasks: Vec::new(),
        })
    }

    pub fn app(&self) -> &ebok::app::App {
        &self.t.app
    }

    pub fn responder(&self, opts: Options) -> Responder {
        Responder::new(self.t.app.clone(), opts, self.wake.clone()).expect("a responder")
    }

    /// Starts the responder (IDLE), the reply worker and the credentials worker.
    pub fn start(&mut self) {
        let responder = self.responder(fast_options());
        self.tasks.push(tokio::spawn(async move {
            if let Err(e) = responder.run().await {
                eprintln!("responder stopped: {e:#}");
            }
        }));
        self.start_workers();
    }

    /// Starts the reply worker and the other outbox mail (credentials) worker only.
    pub fn start_workers(&mut self) {
        let smtp = self.t.app.settings.smtp.clone().expect("smtp settings");
        self.start_reply_worker(&smtp);
        if let Some(w) = ebok::mail::email_worker(&self.t.app).expect("email worker") {
            self.tasks.push(w.spawn());
        }
    }

    /// A reply worker sending through `smtp` (e.g. a proxy that can fail).
    pub fn start_reply_worker(&mut self, smtp: &Smtp) {
        let mailer = ebok::mail::Mailer::new(smtp).expect("a mailer");
        let worker = email::deliver::reply_worker(self.t.app.store.clone(), mailer, fast_policy());
        let wake = self.wake.clone();
        self.tasks.push(tokio::spawn(email::deliver::run_worker(
            worker,
            wake,
            fast_policy().idle_poll,
        )));
    }

    pub fn spawn(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// Sends a plain UTF-8 mail from `from` to the utility; returns its Message-ID
    /// (without brackets).
    pub async fn send(&self, from: &str, subject: &str, body: &str) -> String {
        self.send_with(from, subject, body, &[]).await
    }

    pub async fn send_with(
        &self,
        from: &str,
        subject: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> String {
        let id = format!("{}@client.example.test", uuid_like());
        let mid = format!("<{id}>");
        let mut all: Vec<(&str, &str)> = vec![("Message-Id", mid.as_str())];
        all.extend_from_slice(headers);
        self.mail
            .send_with_swaks(from, &self.utility, subject, body, &all, &[])
            .await
            .expect("swaks sends");
        id
    }

    /// Waits for the reply to the mail `id` in `customer`'s mailbox.
    pub async fn reply_to(&self, customer: &str, id: &str) -> ParsedMail {
        let want = id.to_string();
        self.mail
            .wait_for_mail(customer, move |m| m.in_reply_to.contains(&want), REPLY_WAIT)
            .await
            .unwrap_or_else(|e| panic!("no reply to {id}: {e}"))
    }

    /// Every mail in `customer`'s mailbox that answers `id` (read or not).
    pub async fn replies_to(&self, customer: &str, id: &str) -> Vec<ParsedMail> {
        self.mail
            .fetch_all(customer)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.in_reply_to.iter().any(|r| r == id))
            .collect()
    }

    /// Message-IDs of the mails still in the utility's INBOX.
    pub async fn utility_ids(&self) -> Vec<String> {
        self.mail
            .fetch_all(&self.utility)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.message_id)
            .collect()
    }

    /// Waits until the outbox has no pending reply (so "no second reply" is checked
    /// after the worker had its chance).
    pub async fn replies_settled(&self) {
        let deadline = tokio::time::Instant::now() + REPLY_WAIT;
        loop {
            let rows = self
                .t
                .app
                .store
                .outbox_rows(email::REPLY_CHANNEL)
                .await
                .expect("outbox rows");
            if rows.iter().all(|(_, r)| r.status != "pending") {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "replies still pending: {:?}",
                rows.iter()
                    .map(|(k, r)| (k, &r.status, &r.last_error))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn email_settings(mail: &MailEnv, utility: &str, port: u16, tls: TlsMode) -> EmailChannel {
    EmailChannel {
        imap_host: mail.imap_host.clone(),
        imap_port: port,
        imap_tls: tls,
        imap_user: utility.to_string(),
        imap_password: mail.pass.clone().into(),
        mailbox: "INBOX".into(),
        ca_cert: Some(mail.ca_cert.clone()),
        daily_reply_cap: 10,
        staff_addresses: Vec::new(),
    }
}

pub fn smtp_settings(mail: &MailEnv, utility: &str, port: u16) -> Smtp {
    Smtp {
        host: mail.smtp_host.clone(),
        port,
        tls: TlsMode::Starttls,
        user: None,
        password: None,
        ca_cert: Some(mail.ca_cert.clone()),
        from_address: utility.to_string(),
        from_name: "e-BOK MPEC".into(),
        timeout_seconds: 5,
        digest_window_seconds: 120,
    }
}

fn uuid_like() -> String {
    format!(
        "{:016x}{:08x}",
        rand::random::<u64>(),
        rand::random::<u32>()
    )
}

/// The plain-text body of a reply, with LF line ends.
pub fn text(mail: &ParsedMail) -> String {
    mail.text.clone().unwrap_or_default().replace("\r\n", "\n")
}

/// Imports the example billing data and gives customer `number` an account with
/// `email` on file and a ready password.
pub async fn customer_account(
    app: &ebok::app::App,
    number: &str,
    email: &str,
) -> ebok::core::accounts::Credentials {
    customer_account_with(
        app,
        number,
        email,
        ebok::core::accounts::FirstPassword::Permanent,
    )
    .await
}

/// [`customer_account`] with a temporary (must change at first login) or ready password.
pub async fn customer_account_with(
    app: &ebok::app::App,
    number: &str,
    email: &str,
    first: ebok::core::accounts::FirstPassword,
) -> ebok::core::accounts::Credentials {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example");
    ebok::import::run(&app.store, &app.pesel_key, &example)
        .await
        .expect("the example data imports");
    let customer = app
        .store
        .customer_id_by_number(number)
        .await
        .unwrap()
        .expect("the customer exists");
    let mut tx = app.store.begin().await.unwrap();
    let creds = app
        .core
        .create_account(
            &mut tx,
            ebok::domain::model::Role::Customer,
            Some(customer),
            number,
            Some(email),
            first,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    creds
}

/// A TCP proxy to a loopback port that a test can take down (new connections are
/// closed at once) and whose live connections it can cut.
pub struct Proxy {
    pub port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    live: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    /// Connections refused while down.
    pub refused: Arc<std::sync::atomic::AtomicUsize>,
    accept: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

impl Proxy {
    pub async fn start(upstream: u16) -> Proxy {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let live: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let refused = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (up2, live2, refused2) = (up.clone(), live.clone(), refused.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    refused2.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) =
                        tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                live2.lock().unwrap().push(task.abort_handle());
            }
        });
        Proxy {
            port,
            up,
            live,
            refused,
            accept,
        }
    }

    pub fn set_up(&self, up: bool) {
        self.up.store(up, std::sync::atomic::Ordering::SeqCst);
    }

    /// Closes every live connection (the server "drops" its clients).
    pub fn cut(&self) {
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub fn refused(&self) -> usize {
        self.refused.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Waits (polling every 20 ms) until `check` is true, or panics after `REPLY_WAIT`.
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + REPLY_WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// UIDs still unseen in the utility's INBOX, read as the responder reads them.
pub async fn unseen(rig: &EmailRig) -> Vec<u32> {
    let email = rig.t.app.settings.email.clone().unwrap();
    let target =
        ebok::channels::email::imap::Target::from_settings(&email, Duration::from_secs(10));
    tokio::task::spawn_blocking(move || {
        let mut conn = ebok::channels::email::imap::connect(&target).expect("IMAP");
        let uids = conn.unseen().expect("UNSEEN");
        conn.logout();
        uids
    })
    .await
    .unwrap()
}

/// Runs `responder` until it has dealt with `n` mails (they may still be on their way).
pub async fn drain(responder: &Responder, n: usize) {
    let deadline = tokio::time::Instant::now() + REPLY_WAIT;
    let mut done = 0;
    while done < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {done} of {n} mails arrived"
        );
        done += responder.run_once().await.expect("a responder pass");
        if done < n {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Runs `responder` (set to crash) until its simulated crash: the mail it crashes on may
/// still be on its way.
pub async fn drain_until_crash(responder: &Responder) {
    let deadline = tokio::time::Instant::now() + REPLY_WAIT;
    loop {
        match responder.run_once().await {
            Err(e) if format!("{e:#}").contains("simulated crash") => return,
            Err(e) => panic!("the responder failed: {e:#}"),
            Ok(_) => {}
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no mail came to crash on"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A delivered mail without the trace headers the servers put on top of it
/// (`Return-Path`, `Delivered-To`, `Received`, `X-Original-To`): the message as sent.
pub fn as_sent(raw: &[u8]) -> Vec<u8> {
    const TRACE: &[&str] = &[
        "return-path:",
        "delivered-to:",
        "received:",
        "x-original-to:",
    ];
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n");
    let mut out = String::new();
    let mut skipping = false;
    let mut in_headers = true;
    for line in text.split_inclusive('\n') {
        if in_headers {
            if line == "\n" {
                in_headers = false;
            } else if line.starts_with([' ', '\t']) {
                if skipping {
                    continue;
                }
            } else {
                let lower = line.to_ascii_lowercase();
                skipping = TRACE.iter().any(|t| lower.starts_with(t));
                if skipping {
                    continue;
                }
            }
        }
        out.push_str(line);
    }
    out.into_bytes()
}
