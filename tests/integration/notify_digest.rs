//! Email notifications as digests, through the real Postfix and Dovecot: notifications
//! for one address within the window go out as one threaded mail with the headers of
//! an automatic notice and a way to turn them off; a digest cut off by a failure is sent
//! later with exactly the notifications it had taken. The worker's clock is moved past
//! the window instead of waiting for it.

use crate::email_helpers::{Proxy, fast_policy, smtp_settings};
use crate::helpers::{Backend, TestApp, backends};
use crate::notify_delivery::notice;
use ebok::domain::clock::Clock;
use ebok::domain::lang::Lang;
use ebok::domain::payload::Payload;
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
        assert_eq!(
            digest.subject.as_deref(),
            Some("Nowy wniosek o dostęp nr 1 i 2 inne powiadomienia")
        );
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
        assert_eq!(
            single.subject.as_deref(),
            Some("Nowy wniosek o dostęp nr 2")
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

/// A notification about customer `customer` as the producers write it: an announcement
/// titled `title`, or (any other `kind`) a payment of `n` złoty.
fn real_notice(lang: Lang, kind: &str, n: usize, customer: (&str, &str)) -> Payload {
    let common = serde_json::json!({
        "event": format!("{kind}:{n}"), "account": "EB000001",
        "customer": customer.0, "customer_name": customer.1,
    });
    let mut data = common.as_object().unwrap().clone();
    let specific = if kind == "announcement" {
        serde_json::json!({"reference": format!("M-{n}"), "message_kind": "failure",
            "title": "ul. Toruńska", "body": "Dostawa ciepła może być ograniczona do 6:00.",
            "valid_from": "2026-11-30", "valid_to": "2026-12-01"})
    } else {
        serde_json::json!({"reference": format!("PB/{n}"), "paid_on": "2026-11-30",
            "amount_gr": n * 100, "invoice_number": null, "title": "Przelew"})
    };
    data.extend(specific.as_object().unwrap().clone());
    let template = if kind == "announcement" {
        "notify_announcement"
    } else {
        "notify_payment"
    };
    Payload::new(lang, template, serde_json::Value::Object(data))
}

async fn enqueue_notices(store: &Store, address: &str, notices: &[Payload]) {
    let mut tx = store.begin().await.unwrap();
    for (i, p) in notices.iter().enumerate() {
        tx.enqueue_scheduled(
            &format!("notify:digest-{i}:email:{address}"),
            "email",
            address,
            &p.to_json(),
            Schedule::default(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

const JAN: (&str, &str) = ("K-00102", "Jan Kowalski");

#[tokio::test]
async fn a_digest_is_named_by_its_first_notification_and_the_count_of_the_others_with_one_footer() {
    for backend in backends() {
        let Some(rig) = Rig::new(&backend, "notify_digest_subject").await else {
            return;
        };
        let [ala, ewa, ola, tom, two] = [(); 5].map(|()| rig.mail.fresh_address());
        let failure = |lang| real_notice(lang, "announcement", 0, JAN);
        let payments =
            |lang, count: usize| (1..=count).map(move |n| real_notice(lang, "payment", n, JAN));
        let mut three = vec![failure(Lang::Pl)];
        three.extend(payments(Lang::Pl, 2));
        enqueue_notices(rig.store(), &ala, &three).await;
        let mut six = vec![failure(Lang::Pl)];
        six.extend(payments(Lang::Pl, 5));
        enqueue_notices(rig.store(), &ewa, &six).await;
        enqueue_notices(rig.store(), &ola, &[failure(Lang::Pl)]).await;
        let mut english = vec![failure(Lang::En)];
        english.extend(payments(Lang::En, 1));
        enqueue_notices(rig.store(), &tom, &english).await;
        // One address on file for two customer accounts.
        let zofia = ("K-00101", "Zofia Wiśniewska");
        let mixed = [
            failure(Lang::Pl),
            real_notice(Lang::Pl, "payment", 7, zofia),
        ];
        enqueue_notices(rig.store(), &two, &mixed).await;
        let worker = rig.worker(rig.mail.smtp_port);
        rig.clock.advance(WINDOW + Duration::from_secs(1));
        drain(&worker).await;

        let subjects = [
            (&ala, "Awaria: ul. Toruńska i 2 inne powiadomienia"),
            (&ewa, "Awaria: ul. Toruńska i 5 innych powiadomień"),
            (&ola, "Awaria: ul. Toruńska"),
            (&tom, "Failure: ul. Toruńska and 1 other notification"),
            (&two, "Awaria: ul. Toruńska i 1 inne powiadomienie"),
        ];
        let mut got = std::collections::HashMap::new();
        for (address, subject) in subjects {
            let mut mails = rig.mails(address, 1).await;
            assert_eq!(mails.len(), 1, "{address}: one mail");
            let label = &rig.t.db.label;
            assert_eq!(mails[0].subject.as_deref(), Some(subject), "{label}");
            got.insert(address.clone(), mails.remove(0));
        }
        let text_to = |address: &String| got[address].text.clone().unwrap_or_default();

        // Ala's digest: three notifications, one footer naming the account once.
        let digest = &got[&ala];
        let text = digest.text.clone().unwrap_or_default();
        let html = digest.html.clone().unwrap_or_default();
        for body in [&text, &html] {
            assert_eq!(
                body.matches("po zalogowaniu").count(),
                1,
                "one footer: {body}"
            );
            assert_eq!(
                body.matches("K-00102").count(),
                1,
                "the account once: {body}"
            );
            assert!(
                !body.contains("powiadomienia wylacz"),
                "the chat's footer: {body}"
            );
        }
        for expected in [
            "1. ⚠️ Awaria: ul. Toruńska",
            "2. ✅ Zaksięgowaliśmy wpłatę 1,00 zł",
            "3. ✅ Zaksięgowaliśmy wpłatę 2,00 zł",
            "Konto: K-00102 — Jan Kowalski",
            &format!("z tematem POWIADOMIENIA WYLACZ na {}", rig.utility),
        ] {
            assert!(text.contains(expected), "{expected:?} in {text}");
        }
        let footer_at = text.find("Konto: K-00102").unwrap();
        assert!(
            footer_at > text.find("3. ").unwrap(),
            "the footer is last: {text}"
        );

        // One notification alone: its text and the footer, not numbered.
        let single = text_to(&ola);
        assert!(single.starts_with("⚠️ Awaria: ul. Toruńska"), "{single}");
        assert_eq!(single.matches("po zalogowaniu").count(), 1, "{single}");

        // English, and two accounts at one address: each notification names its own.
        let en = text_to(&tom);
        assert!(en.contains("Account: K-00102 — Jan Kowalski"), "{en}");
        assert_eq!(en.matches("after logging in").count(), 1, "{en}");
        let both = text_to(&two);
        assert!(
            both.contains("Konto: K-00102 — Jan Kowalski")
                && both.contains("Konto: K-00101 — Zofia Wiśniewska"),
            "{both}"
        );
        assert_eq!(both.matches("po zalogowaniu").count(), 1, "{both}");
    }
}
