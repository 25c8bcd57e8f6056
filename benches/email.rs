//! The email front end on the real servers: a few hundred command mails through the
//! same Postfix (SMTP in) and Dovecot (IMAP), answered by ebok (responder with IDLE,
//! core, SQLite, outbox worker) and, for comparison, by a bare loop that only fetches
//! each mail and sends a fixed answer over the same IMAP client and mailer.
//!
//! Prints, for each: replies per second for mails already waiting in the mailbox when
//! the loop starts (until the last reply is in the customer's mailbox), and the latency
//! from the moment a mail was accepted by Postfix to the moment its reply is in the
//! customer's mailbox, for mails sent one at a time (median, p90, max).
//!
//!     scripts/mailstack.sh start; eval "$(scripts/mailstack.sh env)"
//!     cargo bench --bench email            # EBOK_BENCH_MAILS=300 by default
//!
//! Without the MAIL_* variables it prints a notice and does nothing.

use ebok::channels::email::{self, Options, Responder};
use ebok::config::{EmailChannel, Smtp, TlsMode};
use ebok::outbox::RetryPolicy;
use lettre::AsyncTransport;
use mail_support::MailEnv;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

const PACED: usize = 40;
const PACE: Duration = Duration::from_millis(300);
const BODY: &str = "WIADOMOSCI\nKONTAKT\n";

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("email benchmark: run it with `cargo bench --bench email` (needs the mail stack)");
        return Ok(());
    }
    let Some(mail) = MailEnv::from_env() else {
        println!("email benchmark: no MAIL_* variables (start scripts/mailstack.sh): skipped");
        return Ok(());
    };
    let burst: usize = std::env::var("EBOK_BENCH_MAILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        println!(
            "{burst} mails waiting in the mailbox, then {PACED} mails one every {PACE:?}; body {BODY:?}\n"
        );
        let bare = run(&mail, Kind::Bare, burst).await?;
        let ebok = run(&mail, Kind::Ebok, burst).await?;
        println!(
            "\nebok / bare loop throughput: {:.2}",
            ebok.rate / bare.rate
        );
        anyhow::Ok(())
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Bare,
    Ebok,
}

struct Figures {
    rate: f64,
}

async fn run(mail: &MailEnv, kind: Kind, burst: usize) -> anyhow::Result<Figures> {
    let utility = mail.fresh_address_with("bench-ebok");
    let dir = tempfile::tempdir()?;
    let mut settings = ebok::config::Settings::defaults()?;
    settings.database.url = format!("sqlite:{}", dir.path().join("ebok.sqlite").display());
    settings.email = Some(EmailChannel {
        imap_host: mail.imap_host.clone(),
        imap_port: mail.imap_port,
        imap_tls: TlsMode::Starttls,
        imap_user: utility.clone(),
        imap_password: mail.pass.clone().into(),
        mailbox: "INBOX".into(),
        ca_cert: Some(mail.ca_cert.clone()),
        daily_reply_cap: 100_000,
        staff_addresses: Vec::new(),
    });
    let smtp = Smtp {
        host: mail.smtp_host.clone(),
        port: mail.smtp_port,
        tls: TlsMode::Starttls,
        user: None,
        password: None,
        ca_cert: Some(mail.ca_cert.clone()),
        from_address: utility.clone(),
        from_name: "e-BOK MPEC".into(),
        timeout_seconds: 10,
        digest_window_seconds: 120,
    };
    settings.smtp = Some(smtp.clone());
    let app = ebok::app::App::build(settings).await?;
    let mailer = ebok::mail::Mailer::new(&smtp)?;
    let name = match kind {
        Kind::Bare => "bare loop (fetch + fixed answer)",
        Kind::Ebok => "ebok (responder + core + outbox)",
    };
    println!("{name}");

    // Throughput: the mails wait in the mailbox, then the loop starts.
    let customer = mail.fresh_address_with("bench-burst");
    let sender = Sender::new(mail)?;
    for _ in 0..burst {
        sender.send(&customer, &utility).await?;
    }
    wait_for_count(mail, &utility, burst).await?;
    let collector = Collector::start(mail.clone(), customer.clone(), burst);
    let started = Instant::now();
    let mut tasks = Vec::new();
    match kind {
        Kind::Ebok => {
            let wake = Arc::new(Notify::new());
            let policy = RetryPolicy::default();
            let worker = email::deliver::reply_worker(app.store.clone(), mailer, policy);
            tasks.push(tokio::spawn(email::deliver::run_worker(
                worker,
                wake.clone(),
                policy.idle_poll,
            )));
            let responder = Responder::new(app.clone(), Options::default(), wake)?;
            tasks.push(tokio::spawn(async move {
                if let Err(e) = responder.run().await {
                    eprintln!("responder: {e:#}");
                }
            }));
        }
        Kind::Bare => {
            let email = app.settings.email.clone().expect("email settings");
            tasks.push(tokio::spawn(bare_loop(email, mailer)));
        }
    }
    let arrivals = collector.finish().await?;
    let last = arrivals.values().max().copied().unwrap_or(started);
    let secs = (last - started).as_secs_f64();
    let rate = burst as f64 / secs;
    println!("  {burst} waiting mails answered in {secs:.2} s = {rate:.1} replies/s");

    // Latency: one mail at a time.
    let customer = mail.fresh_address_with("bench-paced");
    let collector = Collector::start(mail.clone(), customer.clone(), PACED);
    let mut sent_at = HashMap::new();
    for _ in 0..PACED {
        let (id, at) = sender.send(&customer, &utility).await?;
        sent_at.insert(id, at);
        tokio::time::sleep(PACE).await;
    }
    let arrivals = collector.finish().await?;
    let mut latencies: Vec<Duration> = sent_at
        .iter()
        .filter_map(|(id, sent)| arrivals.get(id).map(|a| a.saturating_duration_since(*sent)))
        .collect();
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  latency delivery → reply ({} mails): median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        latencies.len(),
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.9).as_secs_f64() * 1e3,
        pick(1.0).as_secs_f64() * 1e3
    );
    if kind == Kind::Ebok {
        logged_in(mail, &app, &utility, &sender, burst / 3).await?;
    }
    for t in tasks {
        t.abort();
    }
    Ok(Figures { rate })
}

/// ebok only: mails of a customer with an account — `ZALOGUJ` (an argon2 check),
/// `SALDO`, `RACHUNKI` and `PDF` (an attachment) — sent in a burst while the responder
/// runs.
async fn logged_in(
    mail: &MailEnv,
    app: &ebok::app::App,
    utility: &str,
    sender: &Sender,
    n: usize,
) -> anyhow::Result<()> {
    let customer = mail.fresh_address_with("bench-account");
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example");
    ebok::import::run(&app.store, &app.pesel_key, &example).await?;
    let id = app
        .store
        .customer_id_by_number("K-00101")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no K-00101"))?;
    let mut tx = app.store.begin().await?;
    let creds = app
        .core
        .create_account(
            &mut tx,
            ebok::domain::model::Role::Customer,
            Some(id),
            "K-00101",
            Some(&customer),
            ebok::core::accounts::FirstPassword::Permanent,
        )
        .await?;
    tx.commit().await?;
    let body = format!(
        "ZALOGUJ {} {}\nSALDO\nRACHUNKI\nPDF FV/2025/02/000101\n",
        creds.identifier, creds.password
    );
    let collector = Collector::start(mail.clone(), customer.clone(), n);
    let started = Instant::now();
    for _ in 0..n {
        sender.send_body(&customer, utility, &body).await?;
    }
    let arrivals = collector.finish().await?;
    let last = arrivals.values().max().copied().unwrap_or(started);
    let secs = (last - started).as_secs_f64();
    println!(
        "  {n} mails ZALOGUJ + SALDO + RACHUNKI + PDF, sent in a burst: {secs:.2} s from the first send to the last reply = {:.1} replies/s",
        n as f64 / secs
    );
    Ok(())
}

/// Waits until `address`'s INBOX holds `n` mails.
async fn wait_for_count(mail: &MailEnv, address: &str, n: usize) -> anyhow::Result<()> {
    let (mail, address) = (mail.clone(), address.to_string());
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(300);
        let mut s = mail.imap_session(&address)?;
        loop {
            let exists = s.select("INBOX")?.exists as usize;
            if exists >= n {
                let _ = s.logout();
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "only {exists} of {n} mails arrived"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await?
}

/// The baseline: IDLE, fetch, one fixed answer per mail, mark seen.
async fn bare_loop(email: EmailChannel, mailer: ebok::mail::Mailer) {
    let target = email::imap::Target::from_settings(&email, Duration::from_secs(30));
    let conn = Arc::new(Mutex::new(None));
    loop {
        let c = conn.clone();
        let t = target.clone();
        let step =
            tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<email::imap::RawMail>> {
                let mut guard = c.lock().expect("lock");
                if guard.is_none() {
                    *guard = Some(email::imap::connect(&t)?);
                }
                let conn = guard.as_mut().expect("connected");
                let uids = conn.unseen()?;
                if uids.is_empty() {
                    conn.wait(Duration::from_secs(60))?;
                    return Ok(Vec::new());
                }
                let mut mails = Vec::new();
                for uid in uids {
                    if let Some(raw) = conn.fetch(uid)? {
                        mails.push(raw);
                    }
                    conn.mark_seen(uid)?;
                }
                Ok(mails)
            })
            .await;
        let Ok(Ok(mails)) = step else {
            return;
        };
        for raw in mails {
            let Some(parsed) = email::parse::parse(&raw) else {
                continue;
            };
            let (Some(from), Some(id)) = (parsed.from, parsed.message_id) else {
                continue;
            };
            let Ok(to) = from.parse() else { continue };
            let message = lettre::Message::builder()
                .from(mailer.from().clone())
                .to(to)
                .subject("Re: e-BOK")
                .in_reply_to(format!("<{id}>"))
                .body("Dziękujemy, odpowiemy wkrótce.".to_string());
            if let Ok(message) = message {
                let _ = mailer.send(message).await;
            }
        }
    }
}

/// Sends command mails into Postfix over one pooled SMTP connection.
struct Sender {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
}

impl Sender {
    fn new(mail: &MailEnv) -> anyhow::Result<Sender> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::builder_dangerous(
            &mail.smtp_host,
        )
        .port(mail.smtp_port)
        .build();
        Ok(Sender { transport })
    }

    /// Returns the mail's Message-ID and when Postfix accepted it.
    async fn send(&self, from: &str, to: &str) -> anyhow::Result<(String, Instant)> {
        self.send_body(from, to, BODY).await
    }

    async fn send_body(
        &self,
        from: &str,
        to: &str,
        body: &str,
    ) -> anyhow::Result<(String, Instant)> {
        let id = format!(
            "bench-{:016x}{:08x}@client.example.test",
            rand::random::<u64>(),
            rand::random::<u32>()
        );
        let message = lettre::Message::builder()
            .message_id(Some(format!("<{id}>")))
            .from(from.parse()?)
            .to(to.parse()?)
            .subject("e-BOK")
            .body(body.to_string())?;
        self.transport.send(message).await?;
        Ok((id, Instant::now()))
    }
}

/// Watches a customer's mailbox and notes when each reply (by In-Reply-To) arrives.
struct Collector {
    handle: std::thread::JoinHandle<anyhow::Result<HashMap<String, Instant>>>,
}

impl Collector {
    fn start(mail: MailEnv, address: String, expected: usize) -> Collector {
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(300);
            let mut seen: HashMap<String, Instant> = HashMap::new();
            let mut known = std::collections::HashSet::new();
            let mut session = loop {
                // The mailbox exists from the first delivery on.
                match mail.imap_session(&address) {
                    Ok(s) => break s,
                    Err(e) if Instant::now() > deadline => anyhow::bail!("{e}"),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            };
            session.select("INBOX")?;
            while seen.len() < expected {
                anyhow::ensure!(
                    Instant::now() < deadline,
                    "only {} of {expected} replies arrived",
                    seen.len()
                );
                let uids = session.uid_search("ALL")?;
                let new: Vec<String> = uids
                    .into_iter()
                    .filter(|u| known.insert(*u))
                    .map(|u| u.to_string())
                    .collect();
                if !new.is_empty() {
                    let now = Instant::now();
                    let fetched = session.uid_fetch(new.join(","), "(UID BODY.PEEK[HEADER])")?;
                    for f in fetched.iter() {
                        let Some(header) = f.header() else { continue };
                        let Some(m) = mail_parser::MessageParser::default().parse(header) else {
                            continue;
                        };
                        if let mail_parser::HeaderValue::Text(id) = m.in_reply_to() {
                            seen.entry(id.to_string()).or_insert(now);
                        }
                    }
                } else {
                    std::thread::sleep(Duration::from_millis(5));
                    session.noop()?;
                }
            }
            let _ = session.logout();
            Ok(seen)
        });
        Collector { handle }
    }

    async fn finish(self) -> anyhow::Result<HashMap<String, Instant>> {
        tokio::task::spawn_blocking(move || self.handle.join())
            .await?
            .map_err(|_| anyhow::anyhow!("the collector panicked"))?
    }
}
