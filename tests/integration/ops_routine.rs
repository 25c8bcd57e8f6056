//! Routine events are not errors: `ebok serve` (the real binary, its log in a file as
//! journald keeps it, its `/metrics`) against the fake Bot API, with customers who left —
//! one blocked the bot, one deleted their Telegram account, one chat Telegram does not
//! know. Their notices are given up at INFO and counted by reason; an ERROR line is
//! kept for what the operator must correct (a configured staff chat that blocked the bot).

use crate::helpers::{TestDb, backends};
use crate::notify_delivery::enqueue;
use crate::serve::{Launch, WAIT, sample, telegram_env};
use ebok::store::Store;
use fake_telegram::FakeTelegram;
use std::time::Duration;

/// A customer who blocked the bot after using it.
const BLOCKED: i64 = 9001;
/// A customer who deleted their Telegram account.
const DEACTIVATED: i64 = 9002;
/// A chat Telegram does not know (never wrote to the bot, or deleted).
const UNKNOWN: i64 = 9003;
/// A staff chat named in `telegram.staff_chats` that blocked the bot.
const STAFF: i64 = 9100;

/// Waits until the outbox row of notice `n` has failed; its last error.
async fn failed(store: &Store, n: usize) -> String {
    let key = format!("notify:test-{n}:");
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = store.outbox_rows("telegram").await.unwrap();
        if let Some((_, row)) = rows.iter().find(|(k, _)| k.starts_with(&key))
            && row.status == "failed"
        {
            return row.last_error.clone().unwrap_or_default();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "notice {n} never failed: {rows:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn lines_at<'a>(log: &'a str, level: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|l| l.contains(&format!(" {level} ")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_who_left_are_counted_at_info_and_not_logged_as_errors() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let fake = FakeTelegram::start().await;
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut env = telegram_env(&fake);
        env.push(("EBOK_TELEGRAM__STAFF_CHATS", format!("[{STAFF}]")));
        let serve = Launch::new(&db.url)
            .env("RUST_LOG", "warn,ebok=info")
            .envs(&env)
            .log_to(log.path())
            .start();
        let (status, ready) = serve.wait_ready(true).await;
        assert_eq!(status, 200, "{}: {ready}", db.label);
        // They used the bot once, then left.
        for chat in [BLOCKED, DEACTIVATED, STAFF] {
            fake.push_text(chat, "kontakt");
            fake.expect_message(chat, |_| true, WAIT).await;
        }
        fake.block_user(BLOCKED);
        fake.block_user(STAFF);
        let store = &db.store;
        // One notice at a time: Telegram's answer for the deactivated account is
        // injected into the next send.
        fake.fail_next("sendMessage", 403, "Forbidden: user is deactivated", None);
        let mut last_errors = Vec::new();
        for (n, chat) in [(1, DEACTIVATED), (2, BLOCKED), (3, UNKNOWN), (4, STAFF)] {
            enqueue(store, &[(n, chat, 0)]).await;
            last_errors.push(failed(store, n).await);
        }

        let log = std::fs::read_to_string(log.path()).unwrap();
        let errors = lines_at(&log, "ERROR");
        assert_eq!(errors.len(), 1, "{}: {errors:#?}", db.label);
        assert!(
            errors[0].contains("named in the configuration") && errors[0].contains("9100"),
            "{}: {errors:#?}",
            db.label
        );
        let given_up: Vec<&str> = lines_at(&log, "INFO")
            .into_iter()
            .filter(|l| l.contains("the recipient cannot be reached"))
            .collect();
        assert_eq!(given_up.len(), 3, "{}: {log}", db.label);

        let scrape = serve.metrics().await;
        let counted = |reason: &str| {
            sample(
                &scrape,
                "ebok_unreachable_recipients_total",
                &[("channel", "telegram"), ("reason", reason)],
            )
        };
        assert_eq!(counted("blocked"), 1.0, "{}", db.label);
        assert_eq!(counted("user_deactivated"), 1.0, "{}", db.label);
        assert_eq!(counted("chat_not_found"), 1.0, "{}", db.label);
        let deliveries = |result: &str| {
            sample(
                &scrape,
                "ebok_deliveries_total",
                &[("channel", "telegram"), ("result", result)],
            )
        };
        assert_eq!(deliveries("unreachable"), 3.0, "{}", db.label);
        // Only the configured staff chat is the operator's business.
        assert_eq!(deliveries("failed"), 1.0, "{}", db.label);
        // What `ebok outbox` shows for each.
        let expected = ["deleted", "blocked", "does not exist", "blocked"];
        for (error, words) in last_errors.iter().zip(expected) {
            assert!(error.contains(words), "{}: {last_errors:?}", db.label);
        }
        drop(serve);
    }
}
