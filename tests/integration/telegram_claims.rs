//! How long a crash keeps a chat waiting, webhook mode: `ebok serve` is killed (SIGKILL)
//! while it answers an update it has claimed, a new one starts on the same database, and
//! Telegram keeps delivering the update. The claim — `webhook_claim_seconds`, 15 s by
//! default, renewed every 5 s while the update is answered — is no longer renewed, and the
//! update is answered at the first retry after it ran out: the chat waits at most the
//! claim's length. The clock of both processes is a file the test moves (one second per
//! retry) instead of waiting. A SIGTERM that cuts an answer off at the grace period gives
//! the claim back: the next retry is answered at once.

use crate::helpers::{Backend, TestDb, backends};
use crate::serve::{Serve, WAIT, free_port, post_update, telegram_env};
use chrono::{DateTime, Utc};
use ebok::domain::clock::write_file_clock;
use fake_telegram::FakeTelegram;
use std::path::PathBuf;
use std::time::Duration;

const SECRET: &str = "s3cret_Token-5";
const PATH: &str = "/telegram/hook";
const CHAT: i64 = 6501;
/// The default claim (`[telegram] webhook_claim_seconds`), and its renewal period.
const CLAIM: i64 = 15;
const RENEWED_EVERY: i64 = CLAIM / 3;

/// One `ebok serve` at a time (webhook on one port) on one database and one fake, its
/// clock read from a file.
struct Rig {
    db: TestDb,
    fake: FakeTelegram,
    port: u16,
    clock: PathBuf,
    _dir: tempfile::TempDir,
    serve: Option<Serve>,
    grace: u64,
}

impl Rig {
    async fn new(backend: &Backend, grace: u64) -> Rig {
        let db = TestDb::new(backend).await;
        let fake = FakeTelegram::start().await;
        fake.add_chat(CHAT);
        let dir = tempfile::tempdir().unwrap();
        let clock = dir.path().join("clock");
        write_file_clock(&clock, Utc::now()).unwrap();
        let mut rig = Rig {
            db,
            fake,
            port: free_port(),
            clock,
            _dir: dir,
            serve: None,
            grace,
        };
        rig.start().await;
        rig
    }

    async fn start(&mut self) {
        let mut env = telegram_env(&self.fake);
        env.extend([
            (
                "EBOK_TELEGRAM__WEBHOOK_URL",
                format!("https://bot.example.test{PATH}"),
            ),
            (
                "EBOK_TELEGRAM__WEBHOOK_LISTEN",
                format!("127.0.0.1:{}", self.port),
            ),
            ("EBOK_TELEGRAM__WEBHOOK_SECRET", SECRET.to_string()),
            ("EBOK_SHUTDOWN__GRACE_SECONDS", self.grace.to_string()),
            (
                "EBOK_APP__TEST_CLOCK_FILE",
                self.clock.display().to_string(),
            ),
        ]);
        let serve = Serve::start(&self.db.url, &env);
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", self.db.label);
        self.serve = Some(serve);
    }

    /// The processes' "now": what the file says, run on since it was written.
    fn now(&self) -> DateTime<Utc> {
        let text = std::fs::read_to_string(&self.clock).unwrap();
        let at = DateTime::parse_from_rfc3339(text.trim())
            .unwrap()
            .with_timezone(&Utc);
        let written = std::fs::metadata(&self.clock).unwrap().modified().unwrap();
        at + chrono::Duration::from_std(written.elapsed().unwrap_or_default()).unwrap()
    }

    /// Flood control holds the reply to `/kontakt` (update 1): the instance answering it
    /// holds its claim. Returns the POST in flight (it never gets a 200).
    async fn hold_an_update(&self) -> tokio::task::JoinHandle<Option<u16>> {
        self.fake.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 600",
            Some(600),
        );
        let port = self.port;
        let in_flight = tokio::spawn(async move { post(port, &update()).await });
        let holding = self
            .fake
            .wait_until(|f| f.errors().iter().any(|c| c.is("sendMessage")), WAIT)
            .await;
        assert!(
            holding,
            "{}: the instance did not try to reply",
            self.db.label
        );
        in_flight
    }

    fn replies(&self) -> usize {
        self.fake
            .messages_to(CHAT)
            .iter()
            .filter(|m| m.visible().starts_with("Kontakt"))
            .count()
    }
}

fn update() -> serde_json::Value {
    serde_json::json!({"update_id": 1, "message": {"message_id": 10, "date": 1_700_000_000,
        "chat": {"id": CHAT, "type": "private", "first_name": "Ala"},
        "from": {"id": CHAT, "is_bot": false, "first_name": "Ala", "language_code": "pl"},
        "text": "/kontakt"}})
}

/// One webhook POST: its status, or `None` when no answer came (the instance died).
async fn post(port: u16, body: &serde_json::Value) -> Option<u16> {
    post_update(port, PATH, SECRET, body).await
}

/// Killed mid-command: Telegram's retries, one a second by the processes' clock, get 503
/// while the dead instance's claim lives and the reply at the first retry after it ran
/// out — at most the claim's length after the kill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_waits_at_most_the_claim_after_its_instance_is_killed() {
    for backend in backends() {
        let mut rig = Rig::new(&backend, 30).await;
        let label = rig.db.label;
        let in_flight = rig.hold_an_update().await;
        let killed_at = rig.now();
        let mut serve = rig.serve.take().unwrap();
        serve.child.kill().unwrap();
        serve.child.wait().unwrap();
        assert_eq!(in_flight.await.unwrap(), None, "{label}");
        rig.start().await;
        // Telegram retries every second (by the clock both processes read).
        let mut waited = None;
        for second in 1..=4 * CLAIM {
            write_file_clock(&rig.clock, killed_at + chrono::Duration::seconds(second)).unwrap();
            match post(rig.port, &update()).await {
                Some(200) => {
                    waited = Some(second);
                    break;
                }
                Some(503) => assert_eq!(rig.replies(), 0, "{label}: answered under a live claim"),
                other => panic!("{label}: the retry got {other:?}"),
            }
        }
        let waited =
            waited.unwrap_or_else(|| panic!("{label}: not answered within {} s", 4 * CLAIM));
        eprintln!(
            "{label}: the chat waited {waited} s after its instance was killed (claim {CLAIM} s, renewed every {RENEWED_EVERY} s)"
        );
        assert!(
            waited <= CLAIM + 1,
            "{label}: waited {waited} s, longer than the {CLAIM} s claim"
        );
        // The claim was taken moments before the kill: it had most of its length left.
        assert!(
            waited > CLAIM - RENEWED_EVERY,
            "{label}: taken over after {waited} s, while the claim still lived"
        );
        assert_eq!(rig.replies(), 1, "{label}");
    }
}

/// SIGTERM with the answer cut off at the grace period: the claim is given back, so
/// Telegram's next retry (at the same clock time) is answered at once by the next process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigterm_gives_back_the_claims_it_holds() {
    const GRACE: u64 = 1;
    for backend in backends() {
        let mut rig = Rig::new(&backend, GRACE).await;
        let label = rig.db.label;
        let in_flight = rig.hold_an_update().await;
        let mut serve = rig.serve.take().unwrap();
        serve.sigterm();
        let status = serve
            .exit_within(Duration::from_secs(GRACE + 15))
            .await
            .unwrap_or_else(|| panic!("{label}: still running after the grace period"));
        assert!(status.success(), "{label}: exit status {status}");
        assert_eq!(in_flight.await.unwrap(), None, "{label}: acknowledged");
        // Nothing holds the update any more, by the database's own record (probed with a
        // claim that has run out already: it holds nothing back).
        let now = rig.now();
        let ended = now - chrono::Duration::seconds(1);
        let free = rig
            .db
            .store
            .telegram_claim(1, CHAT, now, ended)
            .await
            .unwrap();
        assert!(free, "{label}: the stopped process kept its claim");
        rig.start().await;
        assert_eq!(post(rig.port, &update()).await, Some(200), "{label}");
        assert_eq!(rig.replies(), 1, "{label}");
    }
}
