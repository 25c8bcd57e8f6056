//! Long polling through quiet spells: the fake holds `getUpdates` open until an update
//! arrives or the poll's timeout passes, as Telegram does.

use crate::helpers::{Backend, backends};
use crate::telegram_support::{Bot, has};
use fake_telegram::FakeTelegram;
use std::time::Duration;

/// Longer than teloxide's default HTTP timeout (17 s): a client that keeps that default
/// gives up on every quiet poll.
const POLL_SECONDS: u64 = 18;

fn polls(fake: &FakeTelegram) -> usize {
    fake.stats().get("getUpdates").copied().unwrap_or(0)
}

/// A silence longer than the poll timeout: every poll is held to its timeout and answered
/// `[]`, none fails (no error, no backoff pause), and the first message after it is taken
/// by the poll already waiting — answered like any other.
#[tokio::test]
async fn the_first_message_after_a_silence_is_answered_by_the_waiting_poll() {
    let runs = backends().into_iter().map(after_a_silence);
    futures::future::join_all(runs).await;
}

async fn after_a_silence(backend: Backend) {
    let bot = Bot::start_with(&backend, |s| {
        s.telegram.as_mut().unwrap().poll_timeout_seconds = POLL_SECONDS;
    })
    .await;
    let user = 20_001;
    bot.say(user, "/pomoc", has("Polecenia e-BOK")).await;
    let before = polls(&bot.fake);
    let silence = Duration::from_secs(POLL_SECONDS + 3);
    // The silence itself is the scenario (nothing to wait for).
    tokio::time::sleep(silence).await;
    let during = polls(&bot.fake) - before;
    assert!(
        (1..=2).contains(&during),
        "{during} polls in a {silence:?} silence with an {POLL_SECONDS} s poll timeout \
         (each should be held to its timeout, then answered [])"
    );
    let waiting = polls(&bot.fake);
    bot.say(user, "/pomoc", has("Polecenia e-BOK")).await;
    // The waiting poll took the message; at most the next poll has started since.
    let after = polls(&bot.fake) - waiting;
    assert!(
        after <= 1,
        "{after} polls between the message and its reply"
    );
    let failed: Vec<_> = bot
        .fake
        .errors()
        .into_iter()
        .filter(|c| c.is("getUpdates"))
        .collect();
    assert_eq!(failed, vec![], "a poll failed during the silence");
    bot.assert_no_errors();
}
