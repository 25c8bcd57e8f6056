//! The real bot (`ebok::channels::telegram::run`) against the strict fake Bot API, on a
//! fresh database with the import example loaded. Waits are on the fake's notifications.

use crate::helpers::{Backend, TestApp};
use ebok::config::Telegram as TelegramSettings;
use fake_telegram::{FakeTelegram, SentMessage};
use secrecy::SecretString;
use std::path::Path;
use std::time::Duration;

/// Long enough for a debug build on a busy machine; a pass never waits for it.
pub const T: Duration = Duration::from_secs(20);
pub const PASSWORD: &str = "Ciepła woda z kranu 2025";

pub struct Bot {
    pub t: TestApp,
    pub fake: FakeTelegram,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A message showing `text` (for [`Bot::say`] and the fake's waits).
pub fn has(text: &'static str) -> impl Fn(&SentMessage) -> bool {
    move |m| m.visible().contains(text)
}

pub fn settings_for(fake: &FakeTelegram, staff_chats: Vec<i64>) -> TelegramSettings {
    TelegramSettings {
        token: SecretString::from("123456:TEST-token"),
        api_url: Some(fake.url().to_string()),
        staff_chats,
        webhook_url: None,
        webhook_listen: None,
        webhook_secret: None,
        messages_per_second: 0,
        poll_timeout_seconds: 25,
        webhook_claim_seconds: 120,
        chat_messages_per_second: 0,
        chat_burst: 1,
        allow_paid_broadcast: false,
        paid_messages_per_second: 1000,
        outbox_lease_seconds: 30,
    }
}

impl Bot {
    pub async fn start(backend: &Backend) -> Bot {
        Bot::start_with(backend, |_| {}).await
    }

    /// The bot on a fresh database with the import example (today frozen at 10 March 2025).
    pub async fn start_with(
        backend: &Backend,
        tweak: impl FnOnce(&mut ebok::config::Settings),
    ) -> Bot {
        let fake = FakeTelegram::start().await;
        let tg = settings_for(&fake, vec![]);
        let t = TestApp::with_settings(backend, |s| {
            s.telegram = Some(tg);
            tweak(s);
        })
        .await;
        t.app
            .core
            .freeze_today(chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
        import(&t, &example_dir()).await;
        Bot::run(t, fake).await
    }

    /// Starts the bot of `t` and waits until its menus are set.
    pub async fn run(t: TestApp, fake: FakeTelegram) -> Bot {
        let task = tokio::spawn(ebok::channels::telegram::run(t.app.clone()));
        assert!(
            fake.wait_until(|f| f.my_commands(Some("en")).is_some(), T)
                .await,
            "the bot did not set its menus: {:?}",
            fake.errors()
        );
        Bot { t, fake, task }
    }

    /// Stops the bot and starts a new one on the same database (a process restart: what
    /// the old one kept in memory is gone).
    pub async fn restart(mut self) -> Bot {
        let fresh = tokio::spawn(ebok::channels::telegram::run(self.t.app.clone()));
        let old = std::mem::replace(&mut self.task, fresh);
        old.abort();
        let _ = old.await;
        self
    }

    /// An account for billing customer `number` with [`PASSWORD`] (no forced change).
    pub async fn customer_account(&self, number: &str) -> String {
        let store = &self.t.app.store;
        let id = store.customer_id_by_number(number).await.unwrap().unwrap();
        let name = store.customer(id).await.unwrap().unwrap().name;
        self.t.account(Some(id), &name, PASSWORD).await
    }

    /// The user types `text`; returns the first bot message after it matching `pred`.
    pub async fn say(
        &self,
        user: i64,
        text: &str,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> SentMessage {
        let mid = self.fake.push_text(user, text);
        self.after(user, mid, pred).await
    }

    /// The first bot message newer than message `mid` matching `pred` (current state).
    pub async fn after(
        &self,
        chat: i64,
        mid: i64,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> SentMessage {
        let found = self
            .fake
            .wait_until(
                |f| {
                    f.messages_to(chat)
                        .iter()
                        .any(|m| m.message_id > mid && pred(m))
                },
                T,
            )
            .await;
        assert!(
            found,
            "no matching bot message after {mid} in chat {chat}\nvisible: {:#?}\nerrors: {:#?}",
            self.fake.messages_to(chat),
            self.fake.errors()
        );
        self.fake
            .messages_to(chat)
            .into_iter()
            .find(|m| m.message_id > mid && pred(m))
            .unwrap()
    }

    /// The newest message id in the chat (user's or bot's): later replies are above it.
    pub fn last_id(&self, chat: i64) -> i64 {
        self.fake
            .messages_to(chat)
            .iter()
            .map(|m| m.message_id)
            .max()
            .unwrap_or(0)
    }

    /// Logs `user` in with one line; waits for the panel.
    pub async fn login(&self, user: i64, identifier: &str) -> SentMessage {
        self.say(user, &format!("zaloguj {identifier} {PASSWORD}"), |m| {
            m.visible().contains("saldo") || m.visible().contains("Saldo")
        })
        .await
    }

    /// Waits until the message `mid` of `chat` shows `pred` (after edits).
    pub async fn edited(
        &self,
        chat: i64,
        mid: i64,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> SentMessage {
        self.fake
            .expect_message(chat, |m| m.message_id == mid && pred(m), T)
            .await
    }

    /// Fails the test if the fake refused anything.
    pub fn assert_no_errors(&self) {
        assert_eq!(self.fake.errors(), vec![], "the fake refused requests");
    }
}

pub fn example_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example")
}

pub async fn import(t: &TestApp, dir: &Path) {
    ebok::import::run(&t.app.store, &t.app.pesel_key, dir)
        .await
        .unwrap_or_else(|e| panic!("import of {}: {e}", dir.display()));
}

/// A copy of the import example in a temporary directory, to add rows to.
pub fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example_dir(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

pub fn append(dir: &Path, file: &str, lines: &[String]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join(file))
        .unwrap();
    for line in lines {
        writeln!(f, "{line}").unwrap();
    }
}

/// Polls `cond` (a database state no fake request signals) until it holds, up to [`T`].
pub async fn eventually<F, Fut>(what: &str, cond: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + T;
    while !cond().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The answer to the anti-bot check shown in `text` ("… 4 7 1 9 3 … Wpisz 2. i 4. cyfrę").
pub fn captcha_answer(text: &str) -> String {
    let digits: Vec<char> = text
        .lines()
        .find(|l| l.contains("🤖"))
        .expect("no anti-bot check in the message")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let line = text
        .lines()
        .find(|l| l.starts_with("Wpisz") || l.starts_with("Type"))
        .expect("no instruction in the message");
    let positions: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .take(2)
        .collect();
    positions.iter().map(|p| digits[p - 1]).collect()
}
