//! Email notifications as digests, through the real Postfix and Dovecot: notifications
//! for one address within the window go out as one threaded mail with the headers of
//! an automatic notice and a way to turn them off; a digest cut off by a failure is sent
//! later with exactly the notifications it had taken. The worker's clock is moved past
//! the window instead of waiting for it.

use crate::email_helpers::{Proxy, fast_policy, smtp_settings};
use crate::helpers::{Backend, TestApp, backends};
use crate::notify_delivery::notice;
use ebok::domain::clock::Clock;
use ebok::mail::{DigestDeliverer, Mailer};
use ebok::outbox::{Outcome, Worker};
use ebok::store::{Schedule, Store};
use mail_support::{MailEnv, ParsedMail};
use std::sync::Arc;
use std::time::Duration;

const WINDOW: Duration = Duration::from_secs(120);

struct Rig {
    t: TestApp,
    mail: MailEnv,
    utility: String,
    clock: Clock,
}

impl Rig {
    async fn new(backend: &Backend, test: &str) -> Option<Rig> {
        let mail = MailEnv::from_env_or_skip(test)?;
        let utility = mail.fresh_address_with("ebok");
        let (m, u) = (mail.clone(), utility.clone());
        let t = TestApp::with_settings(backend, move |s| {
            s.smtp = Some(smtp_settings(&m, &u, m.smtp_port));
        })
        .await;
        Some(Rig {
            t,
            mail,
            utility,
            clock: Clock::default(),
        })
    }

    /// The email worker as `ebok serve` runs it, sending through SMTP port `port`.
    fn worker(&self, port: u16) -> Worker {
        let mut smtp = self.t.app.settings.smtp.clone().unwrap();
        smtp.port = port;
        let deliverer = DigestDeliverer::new(
            Mailer::new(&smtp).unwrap(),
            self.t.app.renderer.clone(),
            self.t.app.store.clone(),
            WINDOW,
            self.clock.clone(),
        );
        Worker::new(
            self.t.app.store.clone(),
            "email",
            Arc::new(deliverer),
            fast_policy(),
        )
        .with_clock(self.clock.clone())
    }

    fn store(&self) -> &Store {
        &self.t.app.store
    }

    async fn mails(&self, address: &str, n: usize) -> Vec<ParsedMail> {
        for _ in 0..n {
            self.mail
                .wait_for_mail(address, |_| true, Duration::from_secs(20))
                .await
                .unwrap_or_else(|e| panic!("no mail for {address}: {e}"));
        }
        self.mail.fetch_all(address).await.unwrap()
    }
}

/// Email notifications `(n, address)`, written in one transaction.
async fn enqueue(store: &Store, rows: &[(usize, &str)]) {
    let mut tx = store.begin().await.unwrap();
    for &(n, address) in rows {
        tx.enqueue_scheduled(
            &format!("notify:test-{n}:email:{address}"),
            "email",
            address,
            &notice(n).to_json(),
            Schedule::default(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Runs the worker until nothing is due.
async fn drain(worker: &Worker) {
    for _ in 0..100 {
        if worker.try_process_next().await.unwrap() == Outcome::Empty {
            return;
        }
    }
    panic!("the worker never ran dry");
}

async fn statuses(store: &Store) -> Vec<String> {
    let mut s: Vec<String> = store
        .outbox_rows("email")
        .await
        .unwrap()
        .into_iter()
        .map(|(_, r)| r.status)
        .collect();
    s.sort();
    s
}

fn header<'a>(mail: &'a ParsedMail, name: &str) -> &'a str {
    mail.header(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", mail.headers))
}

#[tokio::test]
async fn notifications_within_the_window_go_as_one_threaded_mail_that_says_how_to_stop_them() {
    for backend in backends() {
        let Some(rig) = Rig::new(&backend, "notify_digest").await else {
            return;
        };
        let (ala, ola) = (rig.mail.fresh_address(), rig.mail.fresh_address());
        enqueue(rig.store(), &[(1, &ala), (2, &ola)]).await;
        enqueue(rig.store(), &[(3, &ala), (4, &ala)]).await;
        let worker = rig.worker(rig.mail.smtp_port);
        drain(&worker).await;
        assert_eq!(
            statuses(rig.store()).await,
            ["pending"; 4],
            "sent before the window closed"
        );

        rig.clock.advance(WINDOW + Duration::from_secs(1));
        drain(&worker).await;
        assert_eq!(statuses(rig.store()).await, ["sent"; 4]);
        let mails = rig.mails(&ala, 1).await;
        assert_eq!(mails.len(), 1, "one mail for three notifications");
        let digest = &mails[0];
        let text = digest.text.clone().unwrap_or_default();
        for n in [1, 3, 4] {
            assert!(
                text.contains(&format!("Powiadomienie {n}")),
                "{n} missing: {text}"
            );
        }
        assert!(
            !text.contains("Powiadomienie 2"),
            "another address's notice: {text}"
        );
        assert_eq!(digest.subject.as_deref(), Some("e-BOK: Powiadomienia (3)"));
        assert_eq!(header(digest, "Auto-Submitted"), "auto-generated");
        assert_eq!(header(digest, "X-Auto-Response-Suppress"), "All");
        assert_eq!(
            header(digest, "List-Unsubscribe"),
            format!("<mailto:{}?subject=POWIADOMIENIA%20WYLACZ>", rig.utility)
        );
        assert!(digest.header("List-Unsubscribe-Post").is_none());
        let thread = digest.in_reply_to.clone();
        assert_eq!(thread.len(), 1, "{:?}", digest.headers);
        assert_eq!(digest.references, thread);

        // Ola's one notification goes as itself, in a thread of her own.
        let single = &rig.mails(&ola, 1).await[0];
        assert!(
            single
                .text
                .clone()
                .unwrap_or_default()
                .contains("Powiadomienie 2")
        );
        assert!(
            !single
                .subject
                .clone()
                .unwrap_or_default()
                .contains("Powiadomienia (")
        );
        assert_ne!(single.in_reply_to, thread);

        // A later notification to Ala: a new mail in the same thread.
        enqueue(rig.store(), &[(5, &ala)]).await;
        rig.clock.advance(WINDOW + Duration::from_secs(1));
        drain(&worker).await;
        let mails = rig.mails(&ala, 1).await;
        assert_eq!(mails.len(), 2);
        let later = mails
            .iter()
            .find(|m| m.message_id != digest.message_id)
            .unwrap();
        assert!(
            later
                .text
                .clone()
                .unwrap_or_default()
                .contains("Powiadomienie 5")
        );
        assert_eq!(later.in_reply_to, thread, "not in the same thread");
    }
}

#[tokio::test]
async fn a_digest_cut_off_by_a_failure_is_sent_once_with_the_notifications_it_had_taken() {
    for backend in backends() {
        let Some(rig) = Rig::new(&backend, "notify_digest_failure").await else {
            return;
        };
        let ala = rig.mail.fresh_address();
        enqueue(rig.store(), &[(1, &ala), (2, &ala)]).await;
        let proxy = Proxy::start(rig.mail.smtp_port).await;
        proxy.set_up(false);
        let worker = rig.worker(proxy.port);
        rig.clock.advance(WINDOW + Duration::from_secs(1));
        drain(&worker).await;
        let rows = rig.store().outbox_rows("email").await.unwrap();
        assert!(
            rows.iter()
                .any(|(_, r)| r.attempts == 1 && r.last_error.is_some()),
            "the send did not fail: {rows:?}"
        );
        // Written after the digest was formed: it goes in the next one.
        enqueue(rig.store(), &[(3, &ala)]).await;
        proxy.set_up(true);
        rig.clock.advance(WINDOW + Duration::from_secs(1));
        drain(&worker).await;
        assert_eq!(statuses(rig.store()).await, ["sent"; 3]);
        let mails = rig.mails(&ala, 2).await;
        assert_eq!(
            mails.len(),
            2,
            "{:?}",
            mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        let texts: Vec<String> = mails
            .iter()
            .map(|m| m.text.clone().unwrap_or_default())
            .collect();
        let first = texts
            .iter()
            .find(|t| t.contains("Powiadomienie 1"))
            .unwrap();
        assert!(
            first.contains("Powiadomienie 2") && !first.contains("Powiadomienie 3"),
            "{first}"
        );
        let second = texts
            .iter()
            .find(|t| t.contains("Powiadomienie 3"))
            .unwrap();
        assert!(!second.contains("Powiadomienie 1"), "{second}");
    }
}
