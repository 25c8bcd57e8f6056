//! Updates that Telegram delivers again because `ebok serve` was killed (SIGKILL) while
//! answering them. The reply of an update is decided once and stored with the record that
//! the update was answered: a redelivered update gets that reply — sent again when the kill
//! came before Telegram took it, or once more when it came in the instant after (Telegram
//! took it, the bot never heard back) — and the command is never run a second time. A
//! button's callback query that was answered before the kill is refused when answered
//! again (Telegram allows one answer): the command runs and replies all the same.

use crate::helpers::{Backend, TestApp, backends};
use crate::serve::{Serve, WAIT, free_port, post_update, telegram_env};
use crate::telegram_support::{PASSWORD, example_dir, import};
use fake_telegram::{FakeTelegram, SentMessage};
use std::time::Duration;

/// Long enough that the killed instance is still waiting when the kill comes.
const HELD: Duration = Duration::from_secs(120);
const SECRET: &str = "s3cret_Token-4";
const PATH: &str = "/telegram/hook";

/// Everything a user sees of a message: the resend of a reply must equal it.
fn content(m: &SentMessage) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        m.raw,
        m.parse_mode,
        m.entities,
        m.inline_keyboard,
        m.other_markup,
        m.document.as_ref().map(|d| (&d.file_name, &d.bytes))
    )
}

/// A database with the import example and a customer account, the fake Bot API, and one
/// `ebok serve` at a time on them (long polling, or a webhook on `port`).
struct Rig {
    t: TestApp,
    fake: FakeTelegram,
    identifier: String,
    serve: Option<Serve>,
    webhook: Option<u16>,
}

impl Rig {
    async fn new(backend: &Backend, webhook: bool) -> Rig {
        let t = TestApp::new(backend).await;
        import(&t, &example_dir()).await;
        let store = &t.app.store;
        let id = store
            .customer_id_by_number("K-00101")
            .await
            .unwrap()
            .unwrap();
        let name = store.customer(id).await.unwrap().unwrap().name;
        let identifier = t.account(Some(id), &name, PASSWORD).await;
        let fake = FakeTelegram::start().await;
        let mut rig = Rig {
            t,
            fake,
            identifier,
            serve: None,
            webhook: webhook.then(free_port),
        };
        rig.start().await;
        rig
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = telegram_env(&self.fake);
        env.push(("EBOK_TELEGRAM__POLL_TIMEOUT_SECONDS", "2".into()));
        if let Some(port) = self.webhook {
            env.extend([
                (
                    "EBOK_TELEGRAM__WEBHOOK_URL",
                    format!("https://bot.example.test{PATH}"),
                ),
                ("EBOK_TELEGRAM__WEBHOOK_LISTEN", format!("127.0.0.1:{port}")),
                ("EBOK_TELEGRAM__WEBHOOK_SECRET", SECRET.to_string()),
                // The killed instance's claim is taken over after this.
                ("EBOK_TELEGRAM__WEBHOOK_CLAIM_SECONDS", "2".into()),
            ]);
        }
        env
    }

    /// Starts `ebok serve` and waits until it serves.
    async fn start(&mut self) {
        let serve = Serve::start(&self.t.db.url, &self.env());
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", self.t.db.label);
        self.serve = Some(serve);
    }

    /// SIGKILL: nothing more runs in that process.
    fn kill(&mut self) {
        let mut serve = self.serve.take().expect("a running ebok serve");
        serve.child.kill().unwrap();
        serve.child.wait().unwrap();
    }

    /// The bot's messages to `chat` newer than message `after`.
    fn since(&self, chat: i64, after: i64) -> Vec<SentMessage> {
        self.fake
            .messages_to(chat)
            .into_iter()
            .filter(|m| m.message_id > after)
            .collect()
    }

    /// Waits until `chat` has a bot message newer than `after` containing `text`.
    async fn wait_for(&self, chat: i64, after: i64, text: &str) -> SentMessage {
        let found = self
            .fake
            .wait_until(
                |f| {
                    f.messages_to(chat)
                        .iter()
                        .any(|m| m.message_id > after && m.visible().contains(text))
                },
                WAIT,
            )
            .await;
        assert!(
            found,
            "{}: no {text:?} in chat {chat} after {after}: {:#?}\nerrors: {:#?}",
            self.t.db.label,
            self.since(chat, after),
            self.fake.errors()
        );
        self.since(chat, after)
            .into_iter()
            .find(|m| m.visible().contains(text))
            .unwrap()
    }

    /// Logs `chat` in with one line; the newest message id after the panel.
    async fn login(&self, chat: i64) -> i64 {
        let typed = self
            .fake
            .push_text(chat, &format!("zaloguj {} {PASSWORD}", self.identifier));
        self.wait_for(chat, typed, "Zalogowano").await.message_id
    }

    /// How many times the audit log holds `action` for the account.
    async fn audited(&self, action: &str) -> usize {
        let entries = self.t.app.store.audit_tail(1000).await.unwrap();
        entries
            .iter()
            .filter(|e| e.action == action && e.actor == self.identifier)
            .count()
    }

    /// The newest message id in `chat` (the user's or the bot's).
    fn last_id(&self, chat: i64) -> i64 {
        self.fake
            .messages_to(chat)
            .iter()
            .map(|m| m.message_id)
            .max()
            .unwrap_or(0)
    }
}

/// Where the kill comes: before Telegram took the reply (flood control holds the bot), or
/// in the instant after it took it (its answer never comes back).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Window {
    BeforeSend,
    AfterSend,
}

impl Window {
    /// Arms the fake for the bot's next reply message.
    fn arm(self, rig: &Rig) {
        match self {
            Window::BeforeSend => {
                let seconds = HELD.as_secs() as u32;
                rig.fake.fail_next(
                    "sendMessage",
                    429,
                    &format!("Too Many Requests: retry after {seconds}"),
                    Some(seconds),
                );
            }
            Window::AfterSend => rig.fake.stall_next_answer("sendMessage", HELD),
        }
    }

    /// Waits until the bot is inside the window (its reply to `chat` after `after`).
    async fn reached(self, rig: &Rig, chat: i64, after: i64) {
        let reached = match self {
            Window::BeforeSend => {
                rig.fake
                    .wait_until(|f| f.errors().iter().any(|c| c.is("sendMessage")), WAIT)
                    .await
            }
            Window::AfterSend => {
                rig.fake
                    .wait_until(
                        |f| f.messages_to(chat).iter().any(|m| m.message_id > after),
                        WAIT,
                    )
                    .await
            }
        };
        assert!(reached, "{}: the bot never replied", rig.t.db.label);
    }
}

/// The reply the redelivered update got: once when the kill came before Telegram took
/// it, twice and byte-identical when it came after (the in-doubt message sent once more).
fn assert_resent(rig: &Rig, chat: i64, after: i64, window: Window, text: &str) {
    let label = rig.t.db.label;
    let replies: Vec<SentMessage> = rig
        .since(chat, after)
        .into_iter()
        .filter(|m| m.text.is_some())
        .collect();
    let expected = match window {
        Window::BeforeSend => 1,
        Window::AfterSend => 2,
    };
    assert_eq!(replies.len(), expected, "{label} {window:?}: {replies:#?}");
    assert!(replies[0].visible().contains(text), "{label}: {replies:#?}");
    for again in &replies[1..] {
        assert_eq!(
            content(again),
            content(&replies[0]),
            "{label}: not identical"
        );
    }
}

/// `wyloguj`, killed between its record and its reply: the redelivered update gets
/// "Wylogowano" (never "wymaga zalogowania"), and the account was logged out once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_logout_gets_its_reply_and_is_not_run_again() {
    for backend in backends() {
        for window in [Window::BeforeSend, Window::AfterSend] {
            let mut rig = Rig::new(&backend, false).await;
            let chat = 6101;
            rig.fake.add_chat(chat);
            rig.login(chat).await;
            let after = rig.last_id(chat);
            window.arm(&rig);
            rig.fake.push_text(chat, "wyloguj");
            window.reached(&rig, chat, after).await;
            rig.kill();
            rig.start().await;
            rig.wait_for(chat, after, "Wylogowano").await;
            // The resend (AfterSend) comes with the restart; wait for it to have come.
            if window == Window::AfterSend {
                let twice = rig
                    .fake
                    .wait_until(
                        |f| {
                            f.messages_to(chat)
                                .iter()
                                .filter(|m| m.message_id > after)
                                .count()
                                >= 2
                        },
                        WAIT,
                    )
                    .await;
                assert!(
                    twice,
                    "{}: the in-doubt reply was not sent again",
                    rig.t.db.label
                );
            }
            wait_confirmed(&rig).await;
            assert_resent(&rig, chat, after, window, "Wylogowano");
            assert_eq!(rig.audited("logout").await, 1, "{}", rig.t.db.label);
        }
    }
}

/// The password message of the step-by-step login, killed between its record and its
/// reply: the redelivered update gets "Zalogowano" — it is not run as a command ("Nie znam
/// tego polecenia") — the account logged in once, and the stored reply never held the
/// password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_password_message_gets_its_reply_and_is_not_run_as_a_command() {
    for backend in backends() {
        for window in [Window::BeforeSend, Window::AfterSend] {
            let mut rig = Rig::new(&backend, false).await;
            let chat = 6201;
            rig.fake.add_chat(chat);
            let typed = rig.fake.push_text(chat, "/zaloguj");
            rig.wait_for(chat, typed, "identyfikator").await;
            let typed = rig.fake.push_text(chat, &rig.identifier.clone());
            rig.wait_for(chat, typed, "hasło").await;
            let logins = rig.audited("login").await;
            let after = rig.last_id(chat);
            window.arm(&rig);
            let secret = rig.fake.push_text(chat, PASSWORD);
            window.reached(&rig, chat, secret).await;
            assert_no_password_stored(&rig).await;
            rig.kill();
            rig.start().await;
            rig.wait_for(chat, secret, "Zalogowano").await;
            if window == Window::AfterSend {
                let twice = rig
                    .fake
                    .wait_until(
                        |f| {
                            f.messages_to(chat)
                                .iter()
                                .filter(|m| m.message_id > secret)
                                .count()
                                >= 2
                        },
                        WAIT,
                    )
                    .await;
                assert!(
                    twice,
                    "{}: the in-doubt reply was not sent again",
                    rig.t.db.label
                );
            }
            wait_confirmed(&rig).await;
            assert_resent(&rig, chat, secret, window, "Zalogowano");
            assert_eq!(rig.audited("login").await, logins + 1, "{}", rig.t.db.label);
            let deleted = rig.fake.calls_of("deleteMessage");
            assert!(
                deleted
                    .iter()
                    .any(|c| c.ok() && c.param("message_id") == Some(secret.to_string())),
                "{}: the password message was not deleted: {deleted:?}",
                rig.t.db.label
            );
            let texts: Vec<String> = rig
                .since(chat, after)
                .iter()
                .map(|m| m.visible().to_string())
                .collect();
            assert!(
                texts
                    .iter()
                    .all(|t| !t.contains("Nie znam") && !t.contains(PASSWORD)),
                "{}: {texts:#?}",
                rig.t.db.label
            );
            assert!(
                !rig.fake.errors().iter().any(|c| c.is("deleteMessage")),
                "{}: {:?}",
                rig.t.db.label,
                rig.fake.errors()
            );
        }
    }
}

/// A button tap (invoice notices on), killed between its record and its reply: the
/// redelivered update gets the same settings view, and the change was made once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_button_tap_gets_its_reply_and_is_not_run_again() {
    for backend in backends() {
        for window in [Window::BeforeSend, Window::AfterSend] {
            let mut rig = Rig::new(&backend, false).await;
            let chat = 6301;
            rig.fake.add_chat(chat);
            rig.login(chat).await;
            let typed = rig.fake.push_text(chat, "powiadomienia");
            let settings = rig.wait_for(chat, typed, "Powiadomienia").await;
            let data = settings
                .callback_data()
                .into_iter()
                .find(|d| *d == "powiadomienia wlacz faktury")
                .unwrap_or_else(|| panic!("no button for invoice notices: {settings:#?}"))
                .to_string();
            let after = rig.last_id(chat);
            window.arm(&rig);
            rig.fake.push_callback(chat, settings.message_id, &data);
            window.reached(&rig, chat, after).await;
            rig.kill();
            rig.start().await;
            rig.wait_for(chat, after, "Włączono").await;
            if window == Window::AfterSend {
                let twice = rig
                    .fake
                    .wait_until(
                        |f| {
                            f.messages_to(chat)
                                .iter()
                                .filter(|m| m.message_id > after)
                                .count()
                                >= 2
                        },
                        WAIT,
                    )
                    .await;
                assert!(
                    twice,
                    "{}: the in-doubt reply was not sent again",
                    rig.t.db.label
                );
            }
            wait_confirmed(&rig).await;
            assert_resent(&rig, chat, after, window, "Włączono");
            assert_eq!(
                rig.audited("notifications_on").await,
                1,
                "{}",
                rig.t.db.label
            );
        }
    }
}

/// Waits until Telegram holds no unconfirmed update (every reply sent and recorded).
async fn wait_confirmed(rig: &Rig) {
    let confirmed = rig
        .fake
        .wait_until(|f| f.pending_updates() == 0, WAIT)
        .await;
    assert!(confirmed, "{}: updates left unconfirmed", rig.t.db.label);
}

/// Nothing stored for Telegram holds the password typed.
async fn assert_no_password_stored(rig: &Rig) {
    let rows: Vec<(Option<String>,)> = match &rig.t.app.store {
        ebok::store::Store::Sqlite(p) => sqlx::query_as("SELECT reply FROM telegram_updates")
            .fetch_all(p)
            .await
            .unwrap(),
        ebok::store::Store::Postgres(p) => sqlx::query_as("SELECT reply FROM telegram_updates")
            .fetch_all(p)
            .await
            .unwrap(),
    };
    assert!(!rows.is_empty(), "{}: no reply stored", rig.t.db.label);
    for (reply,) in rows {
        assert!(
            !reply.unwrap_or_default().contains(PASSWORD),
            "{}: the password is stored",
            rig.t.db.label
        );
    }
}

/// A tap whose callback query the killed instance answered: answering it again is refused
/// (as Telegram does), and the instance that takes the update over still runs the command
/// and replies — over long polling and over the webhook.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tap_answered_before_a_kill_still_gets_its_reply() {
    for backend in backends() {
        for webhook in [false, true] {
            let mut rig = Rig::new(&backend, webhook).await;
            let chat = 6401;
            rig.fake.add_chat(chat);
            let label = format!("{} webhook={webhook}", rig.t.db.label);
            let start = match rig.webhook {
                None => {
                    let typed = rig.fake.push_text(chat, "/start");
                    rig.wait_for(chat, typed, "zaloguj").await
                }
                Some(port) => {
                    let update = text_update(chat, "/start");
                    assert_eq!(post(port, &update).await, Some(200), "{label}");
                    rig.wait_for(chat, 0, "zaloguj").await
                }
            };
            let after = rig.last_id(chat);
            // The answer to the tap is taken by Telegram, and its instance dies before it
            // hears back.
            rig.fake.stall_next_answer("answerCallbackQuery", HELD);
            let data = "kontakt";
            let (query, in_flight) = match rig.webhook {
                None => (rig.fake.push_callback(chat, start.message_id, data), None),
                Some(port) => {
                    let update = rig.fake.callback_update(chat, start.message_id, data);
                    let query = update["callback_query"]["id"].as_str().unwrap().to_string();
                    let task = tokio::spawn({
                        let update = update.clone();
                        async move { post(port, &update).await }
                    });
                    (query, Some((update, task)))
                }
            };
            let answered = rig
                .fake
                .wait_until(|f| f.callback_answer(&query).is_some(), WAIT)
                .await;
            assert!(answered, "{label}: the tap was not answered");
            rig.kill();
            rig.start().await;
            if let Some((update, task)) = in_flight {
                assert_eq!(
                    task.await.unwrap(),
                    None,
                    "{label}: acknowledged by the dead"
                );
                // Telegram delivers it again until an instance acknowledges it.
                let port = rig.webhook.unwrap();
                let deadline = tokio::time::Instant::now() + WAIT;
                while post(port, &update).await != Some(200) {
                    assert!(
                        tokio::time::Instant::now() < deadline,
                        "{label}: never acknowledged"
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            rig.wait_for(chat, after, "Kontakt").await;
            let refused = rig.fake.errors();
            assert!(
                refused.iter().all(|c| c.is("answerCallbackQuery")),
                "{label}: {refused:?}"
            );
            assert_eq!(refused.len(), 1, "{label}: the second answer: {refused:?}");
        }
    }
}

/// A private text message from `chat` as Telegram posts it to a webhook.
fn text_update(chat: i64, text: &str) -> serde_json::Value {
    let id = 1_000 + chat;
    serde_json::json!({"update_id": id, "message": {"message_id": id, "date": 1_700_000_000,
        "chat": {"id": chat, "type": "private", "first_name": "Ala"},
        "from": {"id": chat, "is_bot": false, "first_name": "Ala", "language_code": "pl"},
        "text": text}})
}

/// One webhook POST: its status, or `None` when no answer came (the instance died).
async fn post(port: u16, body: &serde_json::Value) -> Option<u16> {
    post_update(port, PATH, SECRET, body).await
}

/// A reply that fails on the way every time it is tried (here: flood waits that never
/// end for that chat) is tried again at each redelivery of its update, five times, then
/// dropped: its update is confirmed at last. Unconfirmed, Telegram would deliver it again
/// for ever, and once a hundred updates were waiting behind it (one `getUpdates` returns
/// at most 100) the bot would receive nothing new.
#[tokio::test]
async fn a_reply_that_never_gets_through_is_dropped_after_five_tries() {
    for backend in backends() {
        let bot = crate::telegram_support::Bot::start(&backend).await;
        let label = bot.t.db.label;
        let stuck = 6601;
        bot.fake.add_chat(stuck);
        bot.fake
            .fail_chat(stuck, 429, "Too Many Requests: retry after 0", Some(0));
        bot.fake.push_text(stuck, "/kontakt");
        let confirmed = bot
            .fake
            .wait_until(|f| f.pending_updates() == 0, WAIT)
            .await;
        // Each try gives up after 21 answers of 429 (20 flood waits honoured).
        let refusals = bot.fake.errors().len();
        assert!(confirmed, "{label}: never confirmed ({refusals} refusals)");
        assert_eq!(refusals, 5 * 21, "{label}");
        assert!(bot.fake.messages_to(stuck).is_empty(), "{label}");
        // The chat goes on once Telegram takes its messages again.
        bot.fake.heal_chat(stuck);
        bot.say(stuck, "/pomoc", |m| m.visible().contains("Polecenia e-BOK"))
            .await;
    }
}
