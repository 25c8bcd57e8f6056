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

fn webhook_settings(fake: &FakeTelegram, port: u16) -> ebok::config::Telegram {
    let mut tg = settings_for(fake, vec![]);
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
    let fake = FakeTelegram::start().await;
    fake.add_chat(USER);
    let ports = (free_port(), free_port());
    let first = webhook_settings(&fake, ports.0);
    let t = TestApp::with_settings(backend, |s| s.telegram = Some(first)).await;
    // The second instance: its own settings and its own pool on the same database.
    let mut settings = (*t.app.settings).clone();
    settings.telegram = Some(webhook_settings(&fake, ports.1));
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
