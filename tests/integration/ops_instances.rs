//! Three `ebok serve` processes on one PostgreSQL, Telegram in webhook mode, the test
//! playing Telegram: updates go round-robin to the three, each chat's next update only
//! after its previous one got a 200, and whatever got no 200 (a 503, a refused or cut
//! connection) is delivered again to the next instance. One instance is killed with
//! SIGKILL in the middle, while it answers an update whose reply it has not sent yet:
//! that chat's next update is held back (503) until the killed instance's claim has run
//! out and another instance has answered the update it held. Afterwards every update has been answered exactly once, in each chat's order, and
//! every outbox row (staff notices, delivered by the three outbox workers) exactly once.
//!
//! PostgreSQL only: several instances on one database need it (docs/operations.md).

use crate::helpers::{Backend, TestDb, backends};
use crate::serve::{Serve, WAIT, free_port, telegram_env};
use fake_telegram::FakeTelegram;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const SECRET: &str = "s3cret_Token-3";
const PATH: &str = "/telegram/hook";
/// Short, so that the update claimed by the killed instance is taken over in seconds;
/// long enough that the test's next POST certainly meets the claim still live.
const CLAIM_SECONDS: u64 = 4;

/// What each chat types, in order, and how each reply is recognised. The language switch
/// in the middle makes the replies depend on order: `contact` answered before `jezyk en`
/// would come back in Polish.
const STEPS: [(&str, &str); 6] = [
    ("kontakt", "Kontakt"),
    ("pomoc", "Polecenia e-BOK"),
    ("jezyk en", "✅ Language: English"),
    ("contact", "Contact"),
    ("help", "e-BOK commands"),
    ("language pl", "✅ Język: polski"),
];
/// Steps answered before the kill.
const BEFORE_KILL: usize = 3;
const CHATS: [i64; 6] = [4101, 4102, 4103, 4104, 4105, 4106];
const STAFF: [i64; 2] = [4901, 4902];
const NOTICES: usize = 12;

fn update(step: usize, chat_index: usize) -> serde_json::Value {
    let chat = CHATS[chat_index];
    let id = (step * CHATS.len() + chat_index + 1) as i64;
    serde_json::json!({"update_id": id, "message": {"message_id": 100 + id, "date": 1_700_000_000,
        "chat": {"id": chat, "type": "private", "first_name": "Ala"},
        "from": {"id": chat, "is_bot": false, "first_name": "Ala", "language_code": "pl"},
        "text": STEPS[step].0}})
}

/// Telegram, as far as the webhook goes: POSTs with the secret, round-robin over the
/// instances, again at the next one until a 200.
struct Sender {
    ports: Vec<u16>,
    next: AtomicUsize,
    client: reqwest::Client,
}

impl Sender {
    /// One POST to `port`: its status, or `None` when no answer came (refused, cut).
    async fn post(&self, port: u16, body: &serde_json::Value) -> Option<u16> {
        let response = self
            .client
            .post(format!("http://127.0.0.1:{port}{PATH}"))
            .header("X-Telegram-Bot-Api-Secret-Token", SECRET)
            .json(body)
            .send()
            .await
            .ok()?;
        Some(response.status().as_u16())
    }

    /// Delivers `body` until an instance acknowledges it; how many attempts it took.
    async fn deliver(&self, body: &serde_json::Value) -> usize {
        let deadline = tokio::time::Instant::now() + WAIT;
        for attempt in 1.. {
            let port = self.ports[self.next.fetch_add(1, Ordering::SeqCst) % self.ports.len()];
            if self.post(port, body).await == Some(200) {
                return attempt;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "update {} never acknowledged",
                body["update_id"]
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        unreachable!()
    }

    /// Each chat's `steps` in order, the chats at once.
    async fn deliver_steps(self: &Arc<Self>, chats: &[usize], steps: std::ops::Range<usize>) {
        let mut tasks = tokio::task::JoinSet::new();
        for &c in chats {
            let sender = self.clone();
            let steps = steps.clone();
            tasks.spawn(async move {
                for step in steps {
                    sender.deliver(&update(step, c)).await;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
    }
}

fn instance_env(fake: &FakeTelegram, port: u16) -> Vec<(&'static str, String)> {
    let mut env = telegram_env(fake);
    env.extend([
        (
            "EBOK_TELEGRAM__WEBHOOK_URL",
            format!("https://bot.example.test{PATH}"),
        ),
        ("EBOK_TELEGRAM__WEBHOOK_LISTEN", format!("127.0.0.1:{port}")),
        ("EBOK_TELEGRAM__WEBHOOK_SECRET", SECRET.to_string()),
        (
            "EBOK_TELEGRAM__WEBHOOK_CLAIM_SECONDS",
            CLAIM_SECONDS.to_string(),
        ),
    ]);
    env
}

/// Staff notices `from..to` in the outbox, to the staff chats in turn.
async fn enqueue_notices(db: &TestDb, from: usize, to: usize) {
    let mut tx = db.store.begin().await.unwrap();
    for n in from..to {
        let payload = serde_json::json!({"lang": "pl", "template": "staff_new_request",
            "data": {"id": 9000 + n, "kind": "person", "name": format!("Osoba {n}"),
                     "pesel_masked": null, "nip": null, "email": format!("o{n}@example.pl"),
                     "verification": {"flags": [], "customer_number": null,
                         "customer_name": null, "email_on_file": null, "all_ok": true}}});
        tx.enqueue(
            &format!("instances:{n}"),
            "telegram",
            &STAFF[n % STAFF.len()].to_string(),
            &payload.to_string(),
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// How many times each notice reached a staff chat.
fn notices_seen(fake: &FakeTelegram) -> Vec<usize> {
    let texts: Vec<String> = STAFF
        .iter()
        .flat_map(|s| fake.messages_to(*s))
        .map(|m| m.visible().to_string())
        .collect();
    (0..NOTICES)
        .map(|n| {
            let title = format!("Nowy wniosek o dostęp nr {}\n", 9000 + n);
            texts.iter().filter(|t| t.contains(&title)).count()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_answer_every_update_once_in_order_when_one_is_killed() {
    let pg: Vec<Backend> = backends()
        .into_iter()
        .filter(|b| matches!(b, Backend::Postgres(_)))
        .collect();
    if pg.is_empty() {
        eprintln!("three instances need PostgreSQL: skipped (scripts/test sets it up)");
    }
    for backend in pg {
        let db = TestDb::new(&backend).await;
        let fake = FakeTelegram::start().await;
        for chat in CHATS.iter().chain(&STAFF) {
            fake.add_chat(*chat);
        }
        // Waiting before the instances start: their three outbox workers race for them.
        enqueue_notices(&db, 0, NOTICES / 2).await;
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let mut instances: Vec<Serve> = ports
            .iter()
            .map(|port| Serve::start(&db.url, &instance_env(&fake, *port)))
            .collect();
        for serve in &instances {
            let (status, ready) = serve.wait_ready(true).await;
            assert_eq!(status, 200, "{ready}");
        }
        let sender = Arc::new(Sender {
            ports: ports.clone(),
            next: AtomicUsize::new(0),
            client: reqwest::Client::builder().timeout(WAIT).build().unwrap(),
        });
        let all: Vec<usize> = (0..CHATS.len()).collect();
        sender.deliver_steps(&all, 0..BEFORE_KILL).await;
        let first_half = fake
            .wait_until(
                |f| notices_seen(f)[..NOTICES / 2].iter().all(|n| *n > 0),
                WAIT,
            )
            .await;
        assert!(
            first_half,
            "notices not delivered: {:?}",
            notices_seen(&fake)
        );

        // The victim takes chat 0's next update and is held by flood control before its
        // reply goes out; it is killed then, holding the update's claim, with no 200 given.
        fake.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 30",
            Some(30),
        );
        let victim = 2;
        let held = update(BEFORE_KILL, 0);
        let in_flight = tokio::spawn({
            let sender = sender.clone();
            let held = held.clone();
            let port = ports[victim];
            async move { sender.post(port, &held).await }
        });
        let holding = fake.wait_until(|f| !f.errors().is_empty(), WAIT).await;
        assert!(holding, "the victim did not try to reply");
        instances[victim].child.kill().unwrap();
        instances[victim].child.wait().unwrap();
        assert_eq!(
            in_flight.await.unwrap(),
            None,
            "the killed instance acknowledged the update"
        );
        enqueue_notices(&db, NOTICES / 2, NOTICES).await;
        // Chat 0's next update, sent on meanwhile, waits for the one the dead instance held.
        let next = update(BEFORE_KILL + 1, 0);
        for port in &ports[..2] {
            assert_eq!(
                sender.post(*port, &next).await,
                Some(503),
                "a chat's update answered before its earlier one"
            );
        }
        // Telegram delivers it again, and the rest, round-robin (the dead one refuses).
        let rest = tokio::spawn({
            let sender = sender.clone();
            async move {
                let others: Vec<usize> = (1..CHATS.len()).collect();
                sender
                    .deliver_steps(&others, BEFORE_KILL..STEPS.len())
                    .await;
            }
        });
        let attempts = sender.deliver(&held).await;
        sender
            .deliver_steps(&[0], BEFORE_KILL + 1..STEPS.len())
            .await;
        rest.await.unwrap();

        for chat in CHATS {
            let seen: Vec<String> = fake
                .messages_to(chat)
                .iter()
                .map(|m| m.visible().to_string())
                .collect();
            let expected: Vec<&str> = STEPS.iter().map(|(_, reply)| *reply).collect();
            let matches = seen.len() == expected.len()
                && seen.iter().zip(&expected).all(|(s, e)| s.starts_with(e));
            assert!(
                matches,
                "chat {chat}: not every update answered once in order: {seen:#?}"
            );
        }
        let all_notices = fake
            .wait_until(|f| notices_seen(f).iter().all(|n| *n > 0), WAIT)
            .await;
        assert!(
            all_notices,
            "notices not delivered: {:?}",
            notices_seen(&fake)
        );
        assert!(
            notices_seen(&fake).iter().all(|n| *n == 1),
            "a notice delivered twice: {:?}",
            notices_seen(&fake)
        );
        assert_eq!(
            fake.errors().len(),
            1,
            "only the injected 429: {:?}",
            fake.errors()
        );
        eprintln!("the killed instance's update was acknowledged at attempt {attempts}");
        drop(instances);
    }
}
