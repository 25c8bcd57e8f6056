//! The crash campaign of the Telegram front end: `ebok serve` runs as a real child process
//! against the fake Bot API of this test (which keeps its state across the restarts) and
//! is killed with SIGKILL at random points while it answers a few hundred updates.
//! Afterwards every update has been answered, in order, and none twice — except the one
//! reply per chat and kill that may have reached Telegram in the instant between being
//! accepted and being noted as sent (the Bot API has no idempotency key): such a repeat may
//! only be that chat's last reply before a kill, sent again byte for byte (the stored reply
//! of the redelivered update) as its first after it.
//!
//! Sized for CI (300 updates, 12 kills per backend). Longer runs and reruns:
//! `EBOK_TG_CRASH_UPDATES`, `EBOK_TG_CRASH_KILLS`, `EBOK_TG_CRASH_SEED` (the seed of every
//! run is printed).

use crate::helpers::{Backend, TestDb, backends};
use crate::serve::{Launch, Serve, telegram_env};
use fake_telegram::FakeTelegram;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Long enough for a debug build on a busy machine; a pass never waits for it.
const DEADLINE: Duration = Duration::from_secs(90);

/// What a user types, and how its one-message reply is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unknown,
    Balance,
    Contact,
    Language,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Unknown, Kind::Balance, Kind::Contact, Kind::Language];

    fn text(self) -> &'static str {
        match self {
            Kind::Unknown => "xyzzy",
            Kind::Balance => "/saldo",
            Kind::Contact => "kontakt",
            Kind::Language => "jezyk pl",
        }
    }

    fn of(reply: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| match k {
            Kind::Unknown => reply.contains("Nie znam tego polecenia"),
            Kind::Balance => reply.contains("wymaga zalogowania"),
            Kind::Contact => reply.starts_with("Kontakt"),
            Kind::Language => reply.contains("Język: polski"),
        })
    }
}

struct Plan {
    updates: usize,
    kills: usize,
    seed: u64,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn plan() -> Plan {
    let plan = Plan {
        updates: env_or("EBOK_TG_CRASH_UPDATES", 300),
        kills: env_or("EBOK_TG_CRASH_KILLS", 12),
        seed: env_or("EBOK_TG_CRASH_SEED", rand::random()),
    };
    eprintln!(
        "telegram crash campaign: {} updates, {} kills, seed {} (EBOK_TG_CRASH_SEED={} repeats it)",
        plan.updates, plan.kills, plan.seed, plan.seed
    );
    plan
}

/// `ebok serve` on `db` against `fake`, its log appended to `log`.
fn spawn(db: &TestDb, fake: &FakeTelegram, log: &Path) -> Serve {
    Launch::new(&db.url)
        .envs(&telegram_env(fake))
        .env("EBOK_TELEGRAM__POLL_TIMEOUT_SECONDS", "2")
        .log_to(log)
        .start()
}

fn replies(fake: &FakeTelegram, chats: &[i64]) -> usize {
    chats.iter().map(|c| fake.messages_to(*c).len()).sum()
}

#[tokio::test]
async fn killed_at_random_points_every_update_is_answered_once() {
    let plan = plan();
    for backend in backends() {
        campaign(&backend, &plan).await;
    }
}

async fn campaign(backend: &Backend, plan: &Plan) {
    let db = TestDb::new(backend).await;
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let log: PathBuf = dir.path().join("ebok-serve.log");
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let chats: Vec<i64> = (30_001..=30_012).collect();
    let mut expected: BTreeMap<i64, Vec<Kind>> = BTreeMap::new();
    let mut child = spawn(&db, &fake, &log);
    // Per chat: how many replies it had when each kill happened.
    let mut cuts: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    let rounds = plan.kills + 1;
    for round in 0..rounds {
        let burst = plan.updates / rounds + usize::from(round < plan.updates % rounds);
        let answered = replies(&fake, &chats);
        for _ in 0..burst {
            let chat = chats[rng.gen_range(0..chats.len())];
            let kind = Kind::ALL[rng.gen_range(0..Kind::ALL.len())];
            fake.push_text(chat, kind.text());
            expected.entry(chat).or_default().push(kind);
        }
        if round + 1 == rounds {
            break;
        }
        // A random point while the burst is answered: after some of its replies, plus a
        // few milliseconds (inside a handler, between a reply and its record, …).
        let upto = answered + rng.gen_range(0..=burst);
        let reached = fake
            .wait_until(|f| replies(f, &chats) >= upto, DEADLINE)
            .await;
        assert!(reached, "no progress before kill {round}: {}", tail(&log));
        tokio::time::sleep(Duration::from_micros(rng.gen_range(0..5_000))).await;
        child.kill().await;
        for chat in &chats {
            let n = fake.messages_to(*chat).len();
            cuts.entry(*chat).or_default().push(n);
        }
        child = spawn(&db, &fake, &log);
    }
    let total: usize = expected.values().map(Vec::len).sum();
    let done = fake
        .wait_until(
            |f| f.pending_updates() == 0 && replies(f, &chats) >= total,
            DEADLINE,
        )
        .await;
    child.kill().await;
    let mut repeated = 0;
    for (chat, kinds) in &expected {
        let sent = fake.messages_to(*chat);
        let got: Vec<Option<Kind>> = sent.iter().map(|m| Kind::of(m.visible())).collect();
        let bytes: Vec<String> = sent.iter().map(content).collect();
        let want: Vec<Option<Kind>> = kinds.iter().copied().map(Some).collect();
        let cuts: BTreeSet<usize> = cuts.get(chat).into_iter().flatten().copied().collect();
        let explained = in_doubt_repeats(&got, &bytes, &want, &cuts);
        assert!(
            explained.is_some(),
            "{} (seed {}): chat {chat} got other replies than its updates ask for \
             (replies at the kills: {cuts:?})\n got: {got:?}\nwant: {want:?}\n{}",
            db.label,
            plan.seed,
            tail(&log)
        );
        repeated += explained.unwrap_or(0);
    }
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    let skipped = logged.matches("answered before a restart").count();
    let resent = logged.matches("sending the stored reply").count();
    eprintln!(
        "{}: {total} updates answered, {} kills, {repeated} replies repeated after a kill \
         (sent in the instant before it, byte-identical), {skipped} redelivered updates \
         skipped as answered, {resent} got their stored reply",
        db.label, plan.kills
    );
    assert!(
        done,
        "{} (seed {}): not every update was confirmed and answered\n{}",
        db.label,
        plan.seed,
        tail(&log)
    );
    let panics = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches("panicked")
        .count();
    assert_eq!(panics, 0, "ebok serve panicked: {}", tail(&log));
}

/// The end of the children's log, for a failure message.
fn tail(log: &Path) -> String {
    crate::serve::tail(&std::fs::read_to_string(log).unwrap_or_default(), 40)
}

/// Everything a user sees of a message (a repeat must equal it byte for byte).
fn content(m: &fake_telegram::SentMessage) -> String {
    format!(
        "{:?} {:?} {:?} {:?}",
        m.raw, m.parse_mode, m.entities, m.inline_keyboard
    )
}

/// How many replies `got` repeats, when it is `want` (one reply per update, in order)
/// except for repeats of a chat's last reply before a kill, shown again — the same bytes
/// (`bytes` of each reply) — as its first one after the restart (`cuts`: the chat's reply
/// count at each kill). That one reply may have reached Telegram in the instant before it
/// was noted as sent: the Bot API has no idempotency key, so no bookkeeping can tell. Any
/// other difference — a lost reply, a repeat anywhere else, a repeat that differs — is
/// `None`.
fn in_doubt_repeats(
    got: &[Option<Kind>],
    bytes: &[String],
    want: &[Option<Kind>],
    cuts: &BTreeSet<usize>,
) -> Option<usize> {
    // Breadth-first over (replies read, updates matched), fewest repeats first.
    let mut frontier = BTreeSet::from([(0usize, 0usize)]);
    for repeats in 0..=cuts.len() {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<(usize, usize)> = frontier.iter().copied().collect();
        let mut next = BTreeSet::new();
        while let Some((i, j)) = todo.pop() {
            if !seen.insert((i, j)) {
                continue;
            }
            if i == got.len() && j == want.len() {
                return Some(repeats);
            }
            if i < got.len() && j < want.len() && got[i] == want[j] {
                todo.push((i + 1, j + 1));
            }
            // The same bytes as the reply before it (short-circuit: `i` is in range).
            if i < got.len()
                && j > 0
                && cuts.contains(&i)
                && got[i] == want[j - 1]
                && i > 0
                && bytes[i] == bytes[i - 1]
            {
                next.insert((i + 1, j));
            }
        }
        frontier = next;
    }
    None
}
