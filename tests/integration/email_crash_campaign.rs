//! The crash campaign: `ebok serve` (only the email front end) runs as a real child
//! process and is killed with SIGKILL at random moments while command mails arrive
//! over SMTP (Postfix → Dovecot), some of them with a customer's login line. Afterwards
//! every mail has been answered, where a reply went out twice (killed in the middle of
//! sending it) the copies are identical byte for byte, and no mail with the password is
//! left in the mailbox (flagged `\Deleted` or not).
//!
//! Sized for CI (about half a minute per backend). Longer runs:
//! `EBOK_CRASH_MAILS=2000 EBOK_CRASH_SEED=<seed> scripts/test -p ebok --test integration
//! -- email_crash_campaign --nocapture` (the seed of every run is printed).

use crate::email_helpers::{EmailRig, as_sent, customer_account, unseen, until};
use crate::helpers::backends;
use crate::serve::{Launch, Serve};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

/// Command mails per backend unless `EBOK_CRASH_MAILS` says otherwise.
const DEFAULT_MAILS: usize = 120;
/// Kills at least, even when the mails are all sent earlier.
const MIN_KILLS: usize = 10;
/// Senders the mails come from.
const SENDERS: usize = 4;
/// How long the last (unkilled) process may take to answer what is left: a reply cut
/// off mid-send waits for its 30-second lease.
const FINAL_WAIT: Duration = Duration::from_secs(120);

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// `ebok serve` for the rig's database and mailbox, configured through the
/// environment only, with its log in `log`.
fn serve(rig: &EmailRig, log: &Path) -> Serve {
    let email = rig.app().settings.email.clone().unwrap();
    let smtp = rig.app().settings.smtp.clone().unwrap();
    let ca = email.ca_cert.clone().unwrap();
    Launch::new(&rig.t.db.url)
        .clear_env()
        .env("EBOK_EMAIL__IMAP_HOST", &email.imap_host)
        .env("EBOK_EMAIL__IMAP_PORT", email.imap_port.to_string())
        .env("EBOK_EMAIL__IMAP_TLS", "starttls")
        .env("EBOK_EMAIL__IMAP_USER", &email.imap_user)
        .env("EBOK_EMAIL__IMAP_PASSWORD", &rig.mail.pass)
        .env("EBOK_EMAIL__MAILBOX", "INBOX")
        .env("EBOK_EMAIL__CA_CERT", &ca)
        .env("EBOK_EMAIL__DAILY_REPLY_CAP", "1000000")
        .env("EBOK_SMTP__HOST", &smtp.host)
        .env("EBOK_SMTP__PORT", smtp.port.to_string())
        .env("EBOK_SMTP__TLS", "starttls")
        .env("EBOK_SMTP__CA_CERT", &ca)
        .env("EBOK_SMTP__FROM_ADDRESS", &smtp.from_address)
        .env("EBOK_SMTP__FROM_NAME", &smtp.from_name)
        .env("EBOK_SMTP__TIMEOUT_SECONDS", "5")
        .log_to(log)
        .start()
}

/// A command mail: a few commands without login (each one cheap to answer) or, with
/// `login`, that line and `SALDO`.
fn command_mail(rng: &mut StdRng, from: &str, to: &str, id: &str, login: Option<&str>) -> String {
    const BODIES: &[&str] = &[
        "KONTAKT",
        "POMOC",
        "WIADOMOSCI",
        "KONTAKT\nPOMOC",
        "JEZYK en\nHELP",
    ];
    let body = match login {
        Some(line) => format!("{line}\nSALDO"),
        None => BODIES[rng.gen_range(0..BODIES.len())].to_string(),
    }
    .replace('\n', "\r\n");
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: e-BOK\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 30 Nov 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

/// Mails in the utility's mailbox (`\Deleted` ones too: all not expunged) holding
/// `secret`.
async fn left_with_password(rig: &EmailRig, secret: &str) -> usize {
    let all = rig.mail.fetch_all(&rig.utility).await.expect("IMAP");
    all.iter()
        .filter(|m| String::from_utf8_lossy(&m.raw).contains(secret))
        .count()
}

/// Replies (raw, as delivered) per request id, for every sender.
async fn replies(rig: &EmailRig, senders: &[String]) -> HashMap<String, Vec<Vec<u8>>> {
    let mut out: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for s in senders {
        for m in rig.mail.fetch_all(s).await.unwrap_or_default() {
            for id in &m.in_reply_to {
                out.entry(id.clone()).or_default().push(m.raw.clone());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn email_crash_campaign_every_mail_answered_duplicates_identical() {
    for backend in backends() {
        let Some(rig) = EmailRig::new(&backend, "email crash campaign", |_| {}).await else {
            return;
        };
        let seed = env_number("EBOK_CRASH_SEED").unwrap_or_else(rand::random);
        let total = env_number("EBOK_CRASH_MAILS").map_or(DEFAULT_MAILS, |n| n as usize);
        println!(
            "crash campaign on {}: {total} mails, EBOK_CRASH_SEED={seed}",
            rig.t.db.label
        );
        let mut rng = StdRng::seed_from_u64(seed);
        let senders: Vec<String> = (0..SENDERS)
            .map(|i| rig.mail.fresh_address_with(&format!("crash{i}")))
            .collect();
        // The first sender is a customer who logs in by mail.
        let creds = customer_account(rig.app(), "K-00102", &senders[0]).await;
        let login = format!("ZALOGUJ {} {}", creds.identifier, creds.password);
        let mut mails = Vec::new();
        let mut logins = 0;
        for n in 0..total {
            let pick = rng.gen_range(0..SENDERS);
            let from = senders[pick].clone();
            let id = format!("crash-{seed:x}-{n}@client.example.test");
            let with_login = (pick == 0 && rng.gen_bool(0.5)).then_some(login.as_str());
            logins += usize::from(with_login.is_some());
            let raw = command_mail(&mut rng, &from, &rig.utility, &id, with_login);
            mails.push((from, id, raw, Duration::from_millis(rng.gen_range(0..40))));
        }
        let sending = {
            let (mail, to, mails) = (rig.mail.clone(), rig.utility.clone(), mails.clone());
            tokio::spawn(async move {
                for (from, _, raw, pause) in mails {
                    mail.send_raw(&from, &to, raw.as_bytes())
                        .await
                        .expect("the mail is accepted");
                    tokio::time::sleep(pause).await;
                }
            })
        };

        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("serve.log");
        let mut kills = 0;
        loop {
            let child = serve(&rig, &log);
            let life = Duration::from_millis(rng.gen_range(100..1500));
            tokio::time::sleep(life).await;
            child.kill().await;
            kills += 1;
            if sending.is_finished() && kills >= MIN_KILLS {
                break;
            }
        }
        sending.await.unwrap();

        // One last process, left running until every mail is answered.
        let last = serve(&rig, &log);
        let deadline = tokio::time::Instant::now() + FINAL_WAIT;
        let answered = loop {
            let answered = replies(&rig, &senders).await;
            let missing: Vec<&String> = mails
                .iter()
                .map(|(_, id, _, _)| id)
                .filter(|id| !answered.contains_key(*id))
                .collect();
            if missing.is_empty() {
                break answered;
            }
            if tokio::time::Instant::now() > deadline {
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                panic!(
                    "{} of {total} mails unanswered after {kills} kills (seed {seed}, {}): {:?}\n\
                     last lines of the log:\n{}",
                    missing.len(),
                    rig.t.db.label,
                    &missing[..missing.len().min(5)],
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let mut duplicates = BTreeMap::new();
        for (id, copies) in &answered {
            let first = as_sent(&copies[0]);
            for copy in &copies[1..] {
                assert_eq!(
                    String::from_utf8_lossy(&as_sent(copy)),
                    String::from_utf8_lossy(&first),
                    "the copies of the reply to {id} differ (seed {seed}, {})",
                    rig.t.db.label
                );
            }
            if copies.len() > 1 {
                duplicates.insert(id.clone(), copies.len());
            }
        }
        let r = &rig;
        until("every mail to be marked read", || async move {
            unseen(r).await.is_empty()
        })
        .await;
        // What a kill left flagged for deletion went when the last process connected;
        // the mail it answered last may still be between its flag and the expunge.
        let secret = creds.password.clone();
        until("no mail with the password left in the mailbox", || {
            let secret = secret.clone();
            async move { left_with_password(r, &secret).await == 0 }
        })
        .await;
        last.kill().await;
        assert_eq!(left_with_password(&rig, &creds.password).await, 0);
        let leftovers = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("flagged for deletion but not expunged")
            .count();
        println!(
            "crash campaign on {}: {total} mails ({logins} with a password) answered after \
             {kills} kills; {} replies went out more than once (identical); {leftovers} \
             restarts expunged a mail a kill left flagged; no password left in the mailbox",
            rig.t.db.label,
            duplicates.len()
        );
    }
}
