//! Webhook mode with two instances on one database: Telegram's POSTs are answered before
//! they are acknowledged, and an update delivered again (to either instance) is answered
//! once; requests without the secret token are refused.

use crate::helpers::{Backend, TestApp, backends};
use crate::telegram_support::{Bot, T, settings_for};
use fake_telegram::FakeTelegram;

const SECRET: &str = "s3cret_Token-1";
const USER: i64 = 77;

/// A free loopback port for a webhook server.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn webhook_settings(fake: &FakeTelegram, port: u16, claim_seconds: u64) -> ebok::config::Telegram {
    let mut tg = settings_for(fake, vec![]);
    tg.webhook_claim_seconds = claim_seconds;
    tg.webhook_url = Some("https://bot.example.test/telegram/hook".into());
    tg.webhook_listen = Some(format!("127.0.0.1:{port}"));
    tg.webhook_secret = Some(secrecy::SecretString::from(SECRET));
    tg
}

fn update(id: i64, text: &str) -> serde_json::Value {
    serde_json::json!({"update_id": id, "message": {"message_id": 1000 + id, "date": 1_700_000_000,
        "chat": {"id": USER, "type": "private", "first_name": "Ala"},
        "from": {"id": USER, "is_bot": false, "first_name": "Ala", "language_code": "pl"},
        "text": text}})
}

/// POSTs `body` to the webhook on `port` (retrying while the server is not bound yet).
async fn post(port: u16, body: &serde_json::Value, secret: Option<&str>) -> u16 {
    let url = format!("http://127.0.0.1:{port}/telegram/hook");
    let deadline = tokio::time::Instant::now() + T;
    loop {
        let mut request = reqwest::Client::new().post(&url).json(body);
        if let Some(s) = secret {
            request = request.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        match request.send().await {
            Ok(r) => return r.status().as_u16(),
            Err(e) if e.is_connect() && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// The replies the user has got that contain `text`.
fn replies_with(fake: &FakeTelegram, text: &str) -> usize {
    fake.messages_to(USER)
        .iter()
        .filter(|m| m.visible().contains(text))
        .count()
}

/// Two instances behind one webhook URL on one database.
struct Pair {
    bot: Bot,
    second: tokio::task::JoinHandle<anyhow::Result<()>>,
    ports: (u16, u16),
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.second.abort();
    }
}

async fn start_pair(backend: &Backend) -> Pair {
    start_pair_with(backend, 120).await
}

/// Two instances whose claims on an update last `claim_seconds` unless renewed.
async fn start_pair_with(backend: &Backend, claim_seconds: u64) -> Pair {
    let fake = FakeTelegram::start().await;
    fake.add_chat(USER);
    let ports = (free_port(), free_port());
    let first = webhook_settings(&fake, ports.0, claim_seconds);
    let t = TestApp::with_settings(backend, |s| s.telegram = Some(first)).await;
    // The second instance: its own settings and its own pool on the same database.
    let mut settings = (*t.app.settings).clone();
    settings.telegram = Some(webhook_settings(&fake, ports.1, claim_seconds));
    let store = ebok::store::Store::open(&t.db.url)
        .await
        .expect("second pool");
    let app = ebok::app::App::with_store(settings, store)
        .await
        .expect("second app");
    let bot = Bot::run(t, fake.clone()).await;
    let second = tokio::spawn(ebok::channels::telegram::run(app));
    let both = fake
        .wait_until(|f| f.calls_of("setWebhook").len() >= 2, T)
        .await;
    assert!(both, "both instances set the webhook: {:?}", fake.errors());
    Pair { bot, second, ports }
}

/// Telegram gets its 200 only once the reply has been sent, and an update delivered
/// again — to the same instance or the other one — is not answered again.
#[tokio::test]
async fn an_update_delivered_twice_is_answered_once_by_either_instance() {
    for backend in backends() {
        let pair = start_pair(&backend).await;
        let (a, b) = pair.ports;
        let fake = &pair.bot.fake;
        let set = fake.calls_of("setWebhook");
        assert_eq!(set[0].param("secret_token").as_deref(), Some(SECRET));

        let contact = update(1, "/kontakt");
        assert_eq!(post(a, &contact, Some(SECRET)).await, 200);
        // Acknowledged only after it was answered: the reply is there already.
        assert_eq!(replies_with(fake, "Płocka"), 1, "answered before the 200");
        // Telegram retries (it got no 200 in time): once here, once at the other instance.
        assert_eq!(post(a, &contact, Some(SECRET)).await, 200);
        assert_eq!(post(b, &contact, Some(SECRET)).await, 200);
        // A new update at the other instance is answered as usual.
        assert_eq!(post(b, &update(2, "/pomoc"), Some(SECRET)).await, 200);
        assert_eq!(replies_with(fake, "Polecenia e-BOK"), 1);
        assert_eq!(
            replies_with(fake, "Płocka"),
            1,
            "a redelivered update was answered again"
        );
        pair.bot.assert_no_errors();
    }
}

/// Without the secret token (or with a wrong one) nothing is answered, on either instance.
#[tokio::test]
async fn webhook_requests_without_the_secret_are_refused() {
    for backend in backends() {
        let pair = start_pair(&backend).await;
        let (a, b) = pair.ports;
        let fake = &pair.bot.fake;
        assert_eq!(post(a, &update(1, "/pomoc"), None).await, 401);
        assert_eq!(post(b, &update(2, "/pomoc"), Some("guess")).await, 401);
        assert_eq!(
            post(b, &update(3, "/pomoc"), Some("s3cret_Token-2")).await,
            401
        );
        assert_eq!(post(a, &update(4, "/kontakt"), Some(SECRET)).await, 200);
        assert_eq!(replies_with(fake, "Płocka"), 1);
        assert_eq!(
            replies_with(fake, "Polecenia e-BOK"),
            0,
            "a refused update was answered"
        );
        // The refused updates were not recorded: sent properly, they are answered.
        assert_eq!(post(b, &update(2, "/pomoc"), Some(SECRET)).await, 200);
        assert_eq!(replies_with(fake, "Polecenia e-BOK"), 1);
        pair.bot.assert_no_errors();
    }
}

/// Answered updates are forgotten once older than the cutoff, newer ones are kept (so a
/// webhook's record does not grow for ever, and a recent retry is still recognised).
#[tokio::test]
async fn old_answered_updates_are_forgotten() {
    for backend in backends() {
        let db = crate::helpers::TestDb::new(&backend).await;
        let s = &db.store;
        s.telegram_answered_now(5, USER).await.unwrap();
        let hour = chrono::Duration::hours(1);
        let now = chrono::Utc::now();
        assert_eq!(s.telegram_answered_before(now - hour).await.unwrap(), 0);
        assert!(s.telegram_answered(5, 5).await.unwrap().contains(&5));
        assert_eq!(s.telegram_answered_before(now + hour).await.unwrap(), 1);
        assert!(
            s.telegram_answered(5, 5).await.unwrap().is_empty(),
            "{}",
            db.label
        );
    }
}

/// The same update at both instances at once: one answers it, the other gets 503 while
/// it is being answered, and 200 without a second reply when Telegram retries.
#[tokio::test]
async fn an_update_at_both_instances_at_once_is_answered_once() {
    for backend in backends() {
        let pair = start_pair(&backend).await;
        let (a, b) = pair.ports;
        let fake = pair.bot.fake.clone();
        // Flood control holds the first instance's reply for a second: it is still
        // answering when the copy reaches the second instance.
        fake.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 1",
            Some(1),
        );
        let contact = update(1, "/kontakt");
        let first = tokio::spawn({
            let contact = contact.clone();
            async move { post(a, &contact, Some(SECRET)).await }
        });
        let held = fake.wait_until(|f| !f.errors().is_empty(), T).await;
        assert!(held, "the first instance tried to reply");
        assert_eq!(
            post(b, &contact, Some(SECRET)).await,
            503,
            "the copy at the other instance was not told to retry later"
        );
        assert_eq!(first.await.unwrap(), 200);
        assert_eq!(replies_with(&fake, "Płocka"), 1);
        // Telegram's retry finds it answered.
        assert_eq!(post(b, &contact, Some(SECRET)).await, 200);
        assert_eq!(
            replies_with(&fake, "Płocka"),
            1,
            "answered by both instances"
        );
        assert_eq!(
            fake.errors().len(),
            1,
            "only the injected 429: {:?}",
            fake.errors()
        );
    }
}

/// An update claimed by an instance that died: refused (503) while the claim lives, and
/// answered once by another instance after the claim ran out.
#[tokio::test]
async fn an_update_claimed_by_a_dead_instance_is_taken_over_after_its_claim_runs_out() {
    for backend in backends() {
        let pair = start_pair(&backend).await;
        let (a, b) = pair.ports;
        let fake = &pair.bot.fake;
        let store = &pair.bot.t.app.store;
        let minutes = chrono::Duration::minutes;
        let now = chrono::Utc::now();
        // A dead instance claimed update 2 just now and update 1 ten minutes ago.
        assert!(
            store
                .telegram_claim(2, USER, now, now + minutes(10))
                .await
                .unwrap()
        );
        let then = now - minutes(10);
        assert!(
            store
                .telegram_claim(1, USER, then, then + minutes(2))
                .await
                .unwrap()
        );
        assert_eq!(post(a, &update(2, "/kontakt"), Some(SECRET)).await, 503);
        assert_eq!(post(b, &update(2, "/kontakt"), Some(SECRET)).await, 503);
        assert_eq!(
            replies_with(fake, "Płocka"),
            0,
            "answered under a live claim"
        );
        assert_eq!(post(b, &update(1, "/pomoc"), Some(SECRET)).await, 200);
        assert_eq!(replies_with(fake, "Polecenia e-BOK"), 1, "not taken over");
        assert_eq!(post(a, &update(1, "/pomoc"), Some(SECRET)).await, 200);
        assert_eq!(replies_with(fake, "Polecenia e-BOK"), 1, "answered twice");
        pair.bot.assert_no_errors();
    }
}

/// A claim keeps others off until it runs out, as of the clock passed in (moved here,
/// not waited for); only one of two claims made at once wins.
#[tokio::test]
async fn a_claim_holds_until_it_runs_out() {
    for backend in backends() {
        let db = crate::helpers::TestDb::new(&backend).await;
        let s = &db.store;
        let t0 = chrono::Utc::now();
        let lease = chrono::Duration::minutes(2);
        let second = chrono::Duration::seconds(1);
        assert!(s.telegram_claim(7, USER, t0, t0 + lease).await.unwrap());
        let later = t0 + lease - second;
        assert!(
            !s.telegram_claim(7, USER, later, later + lease)
                .await
                .unwrap(),
            "{}",
            db.label
        );
        let after = t0 + lease + second;
        assert!(
            s.telegram_claim(7, USER, after, after + lease)
                .await
                .unwrap(),
            "{}",
            db.label
        );
        // Taken over: the new claim holds in turn.
        assert!(
            !s.telegram_claim(7, USER, after, after + lease)
                .await
                .unwrap()
        );
        // Only the holder renews or releases: the claim taken over has another end.
        let renewed = after + lease + second;
        assert!(!s.telegram_renew(7, t0 + lease, renewed).await.unwrap());
        assert!(s.telegram_renew(7, after + lease, renewed).await.unwrap());
        s.telegram_release(7, after + lease).await.unwrap();
        assert!(
            !s.telegram_claim(7, USER, after, after + lease)
                .await
                .unwrap(),
            "{}: a stale holder released the renewed claim",
            db.label
        );
        s.telegram_release(7, renewed).await.unwrap();
        assert!(
            s.telegram_claim(7, USER, after, after + lease)
                .await
                .unwrap()
        );
        // Two instances (two pools) claiming one update at the same moment: one wins.
        let other = ebok::store::Store::open(&db.url)
            .await
            .expect("second pool");
        let (x, y) = tokio::join!(
            s.telegram_claim(8, USER, t0, t0 + lease),
            other.telegram_claim(8, USER, t0, t0 + lease)
        );
        assert_eq!(
            u8::from(x.unwrap()) + u8::from(y.unwrap()),
            1,
            "{}",
            db.label
        );
        // Claims left by dead instances are forgotten.
        assert_eq!(
            s.telegram_claims_ended_before(t0 + lease * 3)
                .await
                .unwrap(),
            2
        );
    }
}

/// One chat's updates are answered in order across instances: a later update waits (503)
/// while an earlier one of the same chat is being answered elsewhere; other chats do not.
#[tokio::test]
async fn a_chats_later_update_waits_for_its_earlier_one_at_another_instance() {
    const OTHER: i64 = 78;
    for backend in backends() {
        let pair = start_pair(&backend).await;
        let (a, b) = pair.ports;
        let fake = pair.bot.fake.clone();
        fake.add_chat(OTHER);
        // Flood control holds the first instance's reply to update 1 for a second.
        fake.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 1",
            Some(1),
        );
        let first =
            tokio::spawn(async move { post(a, &update(1, "/kontakt"), Some(SECRET)).await });
        let held = fake.wait_until(|f| !f.errors().is_empty(), T).await;
        assert!(held, "the first instance tried to reply");
        assert_eq!(
            post(b, &update(2, "/pomoc"), Some(SECRET)).await,
            503,
            "a later update of the chat was not held back"
        );
        assert_eq!(
            replies_with(&fake, "Polecenia e-BOK"),
            0,
            "answered out of order"
        );
        // Another chat's update is answered meanwhile.
        let mut other = update(3, "/pomoc");
        other["message"]["chat"]["id"] = OTHER.into();
        other["message"]["from"]["id"] = OTHER.into();
        assert_eq!(post(b, &other, Some(SECRET)).await, 200);
        assert_eq!(
            fake.messages_to(OTHER).len(),
            1,
            "another chat was held back"
        );
        assert_eq!(first.await.unwrap(), 200);
        // Telegram's retry of update 2 is answered, after update 1.
        assert_eq!(post(b, &update(2, "/pomoc"), Some(SECRET)).await, 200);
        let texts: Vec<String> = fake
            .messages_to(USER)
            .iter()
            .map(|m| m.visible().to_string())
            .collect();
        let at = |t: &str| texts.iter().position(|m| m.contains(t));
        assert!(at("Płocka").is_some(), "{texts:?}");
        assert!(
            at("Płocka") < at("Polecenia e-BOK"),
            "out of order: {texts:?}"
        );
        assert_eq!(replies_with(&fake, "Płocka"), 1);
        assert_eq!(replies_with(&fake, "Polecenia e-BOK"), 1);
        assert_eq!(
            fake.errors().len(),
            1,
            "only the injected 429: {:?}",
            fake.errors()
        );
    }
}

/// An answer that takes longer than the claim (here one second; a flood-control pause of
/// three) keeps it, renewed while it answers: a copy delivered to the other instance after
/// the first second waits (503) and is not answered a second time.
#[tokio::test]
async fn a_claim_is_renewed_while_an_answer_outlasts_it() {
    for backend in backends() {
        let pair = start_pair_with(&backend, 1).await;
        let (a, b) = pair.ports;
        let fake = pair.bot.fake.clone();
        fake.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 3",
            Some(3),
        );
        let contact = update(1, "/kontakt");
        let started = tokio::time::Instant::now();
        let first = tokio::spawn({
            let contact = contact.clone();
            async move { post(a, &contact, Some(SECRET)).await }
        });
        let held = fake.wait_until(|f| !f.errors().is_empty(), T).await;
        assert!(held, "the first instance tried to reply");
        // The first claim has run out by now, unless it was renewed.
        tokio::time::sleep_until(started + std::time::Duration::from_millis(1700)).await;
        assert!(
            !first.is_finished(),
            "the answer was not slower than the claim"
        );
        assert_eq!(
            post(b, &contact, Some(SECRET)).await,
            503,
            "{}: the other instance took over an update still being answered",
            pair.bot.t.db.label
        );
        assert_eq!(first.await.unwrap(), 200);
        assert_eq!(post(b, &contact, Some(SECRET)).await, 200);
        assert_eq!(
            replies_with(&fake, "Płocka"),
            1,
            "answered by both instances"
        );
        assert_eq!(
            fake.errors().len(),
            1,
            "only the injected 429: {:?}",
            fake.errors()
        );
    }
}
