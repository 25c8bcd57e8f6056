//! Notifications end to end through real `ebok serve` processes: the billing import,
//! staff's `komunikat` and the scheduler inside serve write them (every kind of notice:
//! `notify_serve_kinds`; the scheduler's runs and quiet hours: here); serve delivers them to
//! the fake Bot API enforcing Telegram's limits (scaled, the pacer scaled the same) and
//! through the real Postfix into Dovecot. The clock of every process (serve's scheduler,
//! quiet hours, outbox, and this test's own core) is read from one file
//! (`[app] test_clock_file`) that the test rewrites instead of waiting for a day.

use crate::helpers::{Backend, TestApp, TestDb, backends};
use crate::notifications::warsaw;
use crate::serve::{Launch, Serve, smtp_env, telegram_env};
use crate::telegram_support::{PASSWORD, example_dir};
use chrono::{DateTime, Utc};
use ebok::core::Channel;
use fake_telegram::{FakeTelegram, Limits, SentMessage};
use mail_support::MailEnv;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SCALE: u32 = 10;
const DEADLINE: Duration = Duration::from_secs(30);
pub const JAN_CHAT: i64 = 5001;
pub const ZOFIA_CHAT: i64 = 5002;

/// A database with the import example, Jan (K-00102) and Zofia (K-00101), a clock file
/// shared with the `ebok serve` processes, and the fake Bot API enforcing the limits.
pub struct Rig {
    pub t: TestApp,
    pub fake: FakeTelegram,
    pub clock: PathBuf,
    pub jan: String,
    pub zofia: String,
    pub mail: Option<(MailEnv, String)>,
    dir: tempfile::TempDir,
    children: Vec<Serve>,
}

impl Rig {
    /// `mail`: also the SMTP server and the customers' addresses (`jan_mail`,
    /// `zofia_mail`) as their addresses on file.
    pub async fn new(
        backend: &Backend,
        start: DateTime<Utc>,
        mail: Option<(MailEnv, String)>,
        emails: (&str, &str),
    ) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let clock = dir.path().join("clock");
        ebok::domain::clock::write_file_clock(&clock, start).unwrap();
        let path = clock.clone();
        let t = TestApp::with_settings(backend, move |s| {
            s.app.test_clock_file = Some(path);
        })
        .await;
        import(&t, &example_dir()).await;
        let mut ids = Vec::new();
        for (number, email) in [("K-00102", emails.0), ("K-00101", emails.1)] {
            let store = &t.app.store;
            let id = store.customer_id_by_number(number).await.unwrap().unwrap();
            let name = store.customer(id).await.unwrap().unwrap().name;
            ids.push(t.account_with_email(Some(id), &name, PASSWORD, email).await);
        }
        let fake = FakeTelegram::start().await;
        fake.set_require_known_chat(false);
        fake.enforce_limits(Some(Limits::telegram().scaled(f64::from(SCALE))));
        Rig {
            t,
            fake,
            clock,
            zofia: ids.pop().unwrap(),
            jan: ids.pop().unwrap(),
            mail,
            dir,
            children: Vec::new(),
        }
    }

    pub fn db(&self) -> &TestDb {
        &self.t.db
    }

    /// Waits until no row is being sent or due now: a claimed row's lease runs on the
    /// processes' clock, so moving that clock by days while a message is in flight
    /// would hand the row to a second claim, as a send that took days would. Rows put
    /// off to later (quiet hours) may wait.
    pub async fn settle(&self) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let now = ebok::domain::clock::Clock::from_file(&self.clock).now();
            let sql = "SELECT next_attempt_at FROM outbox WHERE status = 'pending'";
            let pending: Vec<DateTime<Utc>> = match &self.t.app.store {
                ebok::store::Store::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
                ebok::store::Store::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await,
            }
            .unwrap();
            let busy = pending
                .iter()
                .filter(|at| **at <= now + chrono::Duration::minutes(5))
                .count();
            if busy == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: {busy} rows still due or being sent\n{}",
                self.db().label,
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Moves the clock of every process to `at` (see [`Rig::settle`] first).
    pub fn set_clock(&self, at: DateTime<Utc>) {
        ebok::domain::clock::write_file_clock(&self.clock, at).unwrap();
    }

    /// Types `line` in `chat` logged in as `identifier`; returns the text shown.
    pub async fn say(&self, channel: Channel, chat: &str, identifier: &str, line: &str) -> String {
        let c = self.t.chat(channel, chat);
        let login = c.say(&format!("zaloguj {identifier} {PASSWORD}")).await;
        assert!(login.contains("Zalogowano"), "{login}");
        c.say(line).await
    }

    /// Staff publish an announcement (`komunikat …`, then `komunikat wyslij`).
    pub async fn announce(&self, line: &str) -> String {
        let staff = self.t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = self.t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        let draft = desk.say(line).await;
        let reference = draft
            .split_whitespace()
            .find(|w| w.starts_with("EBOK-"))
            .unwrap_or_else(|| panic!("no reference in {draft}"))
            .trim_end_matches(':')
            .to_string();
        let sent = desk.say(&format!("komunikat wyslij {reference}")).await;
        assert!(sent.contains("Powiadomienia do wysłania"), "{sent}");
        reference
    }

    /// Starts an `ebok serve` on the rig's database; returns once it is up.
    pub async fn serve(&mut self) {
        let mut launch = Launch::new(&self.t.db.url)
            .env("EBOK_APP__TEST_CLOCK_FILE", &self.clock)
            .envs(&telegram_env(&self.fake))
            .env(
                "EBOK_TELEGRAM__MESSAGES_PER_SECOND",
                (15 * SCALE).to_string(),
            )
            .env("EBOK_TELEGRAM__CHAT_MESSAGES_PER_SECOND", SCALE.to_string())
            .env("EBOK_TELEGRAM__OUTBOX_LEASE_SECONDS", "3")
            .env("EBOK_TELEGRAM__POLL_TIMEOUT_SECONDS", "1")
            .log_to(&self.log());
        if let Some((mail, utility)) = &self.mail {
            launch = launch
                .envs(&smtp_env(mail, mail.smtp_port, utility, 10))
                .env("EBOK_SMTP__DIGEST_WINDOW_SECONDS", "1");
        }
        let before = self.fake.calls_of("setMyCommands").len();
        self.children.push(launch.start());
        let up = self
            .fake
            .wait_until(|f| f.calls_of("setMyCommands").len() > before, DEADLINE)
            .await;
        assert!(up, "ebok serve did not start: {}", self.tail());
    }

    /// Kills every `ebok serve` of the rig (SIGKILL).
    pub async fn kill_all(&mut self) {
        for child in self.children.drain(..) {
            child.kill().await;
        }
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("ebok-serve.log")
    }

    /// How many scheduler runs the processes logged.
    pub fn runs_logged(&self) -> usize {
        let text = std::fs::read_to_string(self.log()).unwrap_or_default();
        text.matches("reminders written").count()
    }

    /// Waits until the scheduler of each of the `n` processes started has made (or
    /// found taken) its run at start.
    pub async fn started_runs(&self, n: usize) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let text = std::fs::read_to_string(self.log()).unwrap_or_default();
            let seen = text.matches("reminders written").count()
                + text
                    .matches("another instance is running the reminders")
                    .count();
            if seen >= n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no run at start: {}",
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn tail(&self) -> String {
        crate::serve::tail(&std::fs::read_to_string(self.log()).unwrap_or_default(), 30)
    }

    /// Waits until `chat` got a message containing every one of `texts`.
    pub async fn telegram(&self, chat: i64, texts: &[&str]) -> SentMessage {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let found = self
                .fake
                .messages_to(chat)
                .into_iter()
                .find(|m| texts.iter().all(|t| m.visible().contains(t)));
            if let Some(m) = found {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "{}: no message to {chat} with {texts:?}; got {:#?}\n{}",
                self.db().label,
                visible(&self.fake, chat),
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the outbox has nothing pending.
    pub async fn all_sent(&self) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let counts = self.t.app.store.outbox_counts().await.unwrap();
            if counts.iter().all(|(s, _)| s == "sent") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: not all sent: {counts:?}\n{}",
                self.db().label,
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn visible(fake: &FakeTelegram, chat: i64) -> Vec<String> {
    fake.messages_to(chat)
        .iter()
        .map(|m| m.visible().to_string())
        .collect()
}

/// The billing import, its notices timed by the test's clock (as `ebok import` does).
pub async fn import(t: &TestApp, dir: &Path) {
    ebok::import::run_at(
        &t.app.store,
        &t.app.pesel_key,
        dir,
        &t.app.settings.import,
        t.app.core.timing(),
    )
    .await
    .unwrap_or_else(|e| panic!("import of {}: {e:#}", dir.display()));
}

/// Notices written for a recipient: outbox rows keyed `notify:…:<recipient>`.
pub async fn notice_count(t: &TestApp) -> i64 {
    let sql = "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'notify:%'";
    match &t.app.store {
        ebok::store::Store::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        ebok::store::Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

/// When the scheduler's last run was recorded (local date).
async fn last_run(rig: &Rig) -> Option<chrono::NaiveDate> {
    rig.t
        .app
        .store
        .job_last_run(ebok::notify::scheduler::JOB)
        .await
        .unwrap()
}

async fn until_last_run(rig: &Rig, day: &str) {
    let want = crate::notifications::day(day);
    let deadline = Instant::now() + DEADLINE;
    while last_run(rig).await != Some(want) {
        assert!(
            Instant::now() < deadline,
            "{}: the scheduler did not run for {day}: {:?}\n{}",
            rig.db().label,
            last_run(rig).await,
            rig.tail()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (created, next attempt) of the notice keyed `key`.
async fn written(rig: &Rig, key: &str) -> (DateTime<Utc>, DateTime<Utc>) {
    let sql = "SELECT created_at, next_attempt_at FROM outbox WHERE dedupe_key = $1";
    match &rig.t.app.store {
        ebok::store::Store::Sqlite(p) => sqlx::query_as(sql).bind(key).fetch_one(p).await,
        ebok::store::Store::Postgres(p) => sqlx::query_as(sql).bind(key).fetch_one(p).await,
    }
    .unwrap_or_else(|e| panic!("{key}: {e}"))
}

#[tokio::test]
async fn the_scheduler_in_serve_runs_on_start_at_its_hour_and_after_downtime_once_with_two_processes()
 {
    for backend in backends() {
        let mut rig = Rig::new(
            &backend,
            warsaw("2025-03-10 20:00"),
            None,
            ("a@x.test", "b@x.test"),
        )
        .await;
        let jan = rig.jan.clone();
        rig.say(Channel::Telegram, "5001", &jan, "powiadomienia wlacz")
            .await;
        // Two processes on one database; each runs the scheduler when it starts.
        rig.serve().await;
        rig.serve().await;
        rig.started_runs(2).await;
        until_last_run(&rig, "2025-03-10").await;
        assert_eq!(notice_count(&rig.t).await, 0, "nothing due on the 10th");

        // Tuesday 11 March, three seconds before the daily run at 07:00: FV/2025/02/000102
        // (due Friday the 14th) gets its reminder at 07:00, held by quiet hours until 08:00.
        rig.set_clock(warsaw("2025-03-11 06:59") + chrono::Duration::seconds(57));
        until_last_run(&rig, "2025-03-11").await;
        let key = "notify:due_soon:FV/2025/02/000102:telegram:5001";
        let (created, due) = written(&rig, key).await;
        assert!(
            created >= warsaw("2025-03-11 07:00"),
            "ran at {created}, not at 07:00: {}",
            rig.tail()
        );
        assert_eq!(due, warsaw("2025-03-11 08:00"), "held by quiet hours");
        // An urgent failure notice goes through the quiet hours; the reminder waits.
        rig.announce("komunikat awaria obszar=WS-31 Awaria sieci | Brak ciepła do 10:00.")
            .await;
        rig.telegram(JAN_CHAT, &["Awaria: Awaria sieci", "Brak ciepła"])
            .await;
        let so_far = visible(&rig.fake, JAN_CHAT);
        assert_eq!(so_far.len(), 1, "the reminder is held: {so_far:#?}");
        rig.settle().await;
        rig.set_clock(warsaw("2025-03-11 08:00"));
        rig.telegram(JAN_CHAT, &["Przypomnienie: termin płatności 14.03.2025"])
            .await;

        // Down from the 11th to Tuesday the 18th: the overdue notice of Monday the 17th
        // comes at the next start; a second start the same day adds nothing. (Killed
        // once everything is recorded as sent: a message in flight at a SIGKILL may be
        // sent again, see notify_crash.)
        rig.all_sent().await;
        rig.kill_all().await;
        rig.set_clock(warsaw("2025-03-18 12:00"));
        rig.serve().await;
        rig.telegram(JAN_CHAT, &["Termin płatności minął", "odsetki ok."])
            .await;
        until_last_run(&rig, "2025-03-18").await;
        rig.all_sent().await;
        rig.kill_all().await;
        let runs = rig.runs_logged();
        rig.serve().await;
        rig.serve().await;
        let deadline = Instant::now() + DEADLINE;
        while rig.runs_logged() == runs {
            assert!(
                Instant::now() < deadline,
                "no run at the restart: {}",
                rig.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        rig.all_sent().await;
        let tg = visible(&rig.fake, JAN_CHAT);
        for head in [
            "Awaria sieci",
            "Przypomnienie: termin",
            "Termin płatności minął",
        ] {
            let n = tg.iter().filter(|m| m.contains(head)).count();
            assert_eq!(n, 1, "{}: {head} once in {tg:#?}", rig.db().label);
        }
        assert_eq!(tg.len(), 3, "{}: {tg:#?}", rig.db().label);
        assert_eq!(notice_count(&rig.t).await, 3);
        rig.kill_all().await;
    }
}

#[tokio::test]
async fn a_notice_that_falls_due_in_quiet_hours_waits_for_the_morning_at_the_worker() {
    for backend in backends() {
        let mut rig = Rig::new(
            &backend,
            warsaw("2025-03-10 20:59"),
            None,
            ("a@x.test", "b@x.test"),
        )
        .await;
        let jan = rig.jan.clone();
        rig.say(Channel::Telegram, "5001", &jan, "powiadomienia wlacz")
            .await;
        // Written at 20:59, before the quiet hours: due at once...
        let tariff = rig
            .announce("komunikat taryfa Nowa taryfa | Od kwietnia nowe ceny.")
            .await;
        let key = format!("notify:announcement:{tariff}:telegram:5001");
        let (_, due) = written(&rig, &key).await;
        assert!(due < warsaw("2025-03-10 21:00"), "{due}");
        // ...but nothing sends until 21:30 (the process was down).
        rig.set_clock(warsaw("2025-03-10 21:30"));
        rig.serve().await;
        rig.announce("komunikat awaria Awaria sieci | Brak ciepła do 23:00.")
            .await;
        rig.telegram(JAN_CHAT, &["Awaria: Awaria sieci"]).await;
        // The worker has looked at the tariff notice and put it off until 08:00.
        let deadline = Instant::now() + DEADLINE;
        while written(&rig, &key).await.1 != warsaw("2025-03-11 08:00") {
            assert!(
                Instant::now() < deadline,
                "{}: not held: {:?} {:#?}\n{}",
                rig.db().label,
                written(&rig, &key).await,
                visible(&rig.fake, JAN_CHAT),
                rig.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            visible(&rig.fake, JAN_CHAT).len(),
            1,
            "only the failure at night"
        );
        // (At 08:00 the day's reminders come too: FV/2025/02/000102 is due on the 14th.)
        rig.settle().await;
        rig.set_clock(warsaw("2025-03-11 08:00"));
        rig.telegram(JAN_CHAT, &["Taryfa: Nowa taryfa"]).await;
        rig.all_sent().await;
        let tg = visible(&rig.fake, JAN_CHAT);
        for head in ["Awaria: Awaria sieci", "Taryfa: Nowa taryfa"] {
            let n = tg.iter().filter(|m| m.contains(head)).count();
            assert_eq!(n, 1, "{}: {head} once in {tg:#?}", rig.db().label);
        }
        rig.kill_all().await;
    }
}
