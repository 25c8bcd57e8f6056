//! Delivery of notifications to Telegram: the real bot (dispatcher, pacer, sender)
//! against the fake Bot API enforcing Telegram's flood limits (scaled up by [`SCALE`],
//! the pacer by the same factor, so the tests take seconds). Notification rows are
//! written into the outbox as the producers write them: channel "telegram", recipient
//! the chat, key `notify:<event>:telegram:<chat>`, priority 10 for an urgent notice.

use crate::helpers::backends;
use crate::telegram_support::{Bot, T};
use ebok::domain::lang::Lang;
use ebok::domain::payload::Payload;
use ebok::store::{Schedule, Store};
use fake_telegram::{FakeTelegram, Limits};
use std::time::{Duration, Instant};

/// Telegram's limits times this (the pacer's too).
pub const SCALE: u32 = 10;

/// The bot paced at Telegram's limits × `scale`, the fake enforcing the same.
pub async fn paced_bot(backend: &crate::helpers::Backend, scale: u32) -> Bot {
    let bot = Bot::start_with(backend, |s| {
        let tg = s.telegram.as_mut().unwrap();
        tg.messages_per_second = 30 * scale;
        tg.chat_messages_per_second = scale;
        tg.chat_burst = 2;
    })
    .await;
    bot.fake
        .enforce_limits(Some(Limits::telegram().scaled(f64::from(scale))));
    bot.fake.set_require_known_chat(false);
    bot
}

/// The payload of notification `n` (its text carries "Powiadomienie n").
pub fn notice(n: usize) -> Payload {
    Payload::new(
        Lang::Pl,
        "staff_new_request",
        serde_json::json!({"id": n, "kind": "person", "name": format!("Powiadomienie {n}"),
            "email": "x@example.test", "verification": {"flags": [], "all_ok": false}}),
    )
}

/// Writes notifications `(n, chat, priority)` in one transaction, as a producer does.
pub async fn enqueue(store: &Store, rows: &[(usize, i64, i64)]) {
    let mut tx = store.begin().await.unwrap();
    for &(n, chat, priority) in rows {
        tx.enqueue_scheduled(
            &format!("notify:test-{n}:telegram:{chat}"),
            "telegram",
            &chat.to_string(),
            &notice(n).to_json(),
            Schedule {
                priority,
                not_before: None,
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The notification numbers that reached `chat`, in order of arrival.
pub fn received(fake: &FakeTelegram, chat: i64) -> Vec<usize> {
    fake.messages_to(chat)
        .iter()
        .filter_map(|m| number(m.visible()))
        .collect()
}

fn number(text: &str) -> Option<usize> {
    let at = text.find("Powiadomienie ")? + "Powiadomienie ".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Every notification accepted by the fake, in order of acceptance.
pub fn accepted(fake: &FakeTelegram) -> Vec<(usize, Instant)> {
    fake.calls_of("sendMessage")
        .iter()
        .filter(|c| c.result.is_ok())
        .filter_map(|c| Some((number(c.params.get("text")?.as_str()?)?, c.at)))
        .collect()
}

async fn all_sent(store: &Store, total: usize) {
    let deadline = Instant::now() + T * 2;
    loop {
        let counts = store.outbox_counts().await.unwrap();
        let sent = counts
            .iter()
            .find(|(s, _)| s == "sent")
            .map_or(0, |(_, n)| *n);
        if sent as usize >= total {
            return;
        }
        assert!(Instant::now() < deadline, "not all sent: {counts:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_broadcast_keeps_to_telegrams_limits_and_waits_out_a_429_with_nothing_lost() {
    for backend in backends() {
        let bot = paced_bot(&backend, SCALE).await;
        // 240 chats one notice each, and chat 1 five in a row.
        let mut rows: Vec<(usize, i64, i64)> = (0..240).map(|n| (n, 1000 + n as i64, 0)).collect();
        rows.extend((240..245).map(|n| (n, 1, 0)));
        enqueue(&bot.t.app.store, &rows).await;
        // A 429 in the middle of it.
        assert!(
            bot.fake.wait_until(|f| accepted(f).len() >= 60, T).await,
            "the broadcast did not start"
        );
        bot.fake.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 1",
            Some(1),
        );
        all_sent(&bot.t.app.store, rows.len()).await;

        let errors = bot.fake.errors();
        assert_eq!(errors.len(), 1, "only the injected 429: {errors:#?}");
        let stats = bot.fake.limit_stats();
        assert_eq!(
            stats.violations, 0,
            "the pacer broke Telegram's limits: {stats:?}"
        );
        for &(n, chat, _) in &rows[..240] {
            assert_eq!(received(&bot.fake, chat), vec![n], "chat {chat}");
        }
        assert_eq!(received(&bot.fake, 1), vec![240, 241, 242, 243, 244]);
        // Every send waited out the 429 (those already on the wire excepted).
        let flood = errors[0].at;
        let during = accepted(&bot.fake)
            .iter()
            .filter(|(_, at)| {
                *at > flood + Duration::from_millis(250) && *at < flood + Duration::from_millis(950)
            })
            .count();
        assert_eq!(during, 0, "messages went during the flood wait");
    }
}

#[tokio::test]
async fn a_chat_that_blocked_the_bot_gets_nothing_more_and_its_notices_fail_at_once() {
    for backend in backends() {
        let bot = paced_bot(&backend, SCALE).await;
        bot.fake.block_user(5);
        enqueue(
            &bot.t.app.store,
            &[(1, 5, 0), (2, 5, 0), (3, 5, 10), (4, 6, 0)],
        )
        .await;
        assert!(bot.fake.wait_until(|f| received(f, 6) == vec![4], T).await);
        let store = &bot.t.app.store;
        let deadline = Instant::now() + T;
        loop {
            let rows = store.outbox_rows("telegram").await.unwrap();
            let of_5: Vec<_> = rows.iter().filter(|(_, r)| r.recipient == "5").collect();
            if of_5.iter().all(|(_, r)| r.status == "failed") {
                assert!(of_5.iter().all(|(_, r)| r.attempts <= 1), "{of_5:#?}");
                break;
            }
            assert!(Instant::now() < deadline, "{of_5:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let tried = bot
            .fake
            .calls_of("sendMessage")
            .iter()
            .filter(|c| {
                c.params
                    .get("chat_id")
                    .is_some_and(|v| v.to_string().trim_matches('"') == "5")
            })
            .count();
        assert!(tried <= 2, "{tried} sends to a chat that blocked the bot");
        let chat = store.chat("telegram", "5").await.unwrap().unwrap();
        assert!(chat.blocked, "the chat is not marked blocked");
    }
}

#[tokio::test]
async fn urgent_notices_overtake_ordinary_ones_and_a_reply_overtakes_both() {
    for backend in backends() {
        let bot = paced_bot(&backend, 2).await;
        let ordinary: Vec<(usize, i64, i64)> = (0..150).map(|n| (n, 2000 + n as i64, 0)).collect();
        enqueue(&bot.t.app.store, &ordinary).await;
        assert!(bot.fake.wait_until(|f| accepted(f).len() >= 10, T).await);
        enqueue(&bot.t.app.store, &[(500, 3000, 10), (501, 3001, 10)]).await;
        let before = accepted(&bot.fake).len();
        let user = 4242;
        let asked = bot.fake.push_text(user, "/kontakt");
        let reply = bot
            .after(user, asked, |m| m.visible().starts_with("Kontakt"))
            .await;
        let order: Vec<usize> = accepted(&bot.fake).iter().map(|(n, _)| *n).collect();
        let after_reply = order.len();
        assert!(
            bot.fake
                .wait_until(
                    |f| received(f, 3000) == vec![500] && received(f, 3001) == vec![501],
                    T
                )
                .await
        );
        let order: Vec<usize> = accepted(&bot.fake).iter().map(|(n, _)| *n).collect();
        let urgent_at = order.iter().rposition(|n| *n >= 500).unwrap();
        // At most the rows in flight when the urgent ones came (15 at 60/s) go first.
        assert!(
            urgent_at <= before + 2 + 15,
            "urgent notices waited behind ordinary ones: at {urgent_at}, {before} sent when they came"
        );
        assert!(
            order.len() < ordinary.len(),
            "the broadcast was over before the urgent notices went"
        );
        // The reply did not wait for the broadcast either.
        assert!(
            after_reply < before + 60,
            "the reply waited for the broadcast: {} notices before it",
            after_reply
        );
        assert!(reply.visible().starts_with("Kontakt"));
        all_sent(&bot.t.app.store, ordinary.len() + 2).await;
        assert_eq!(bot.fake.limit_stats().violations, 0);
    }
}

#[tokio::test]
async fn paid_broadcasts_carry_the_flag_and_go_at_their_own_pace_while_replies_stay_free() {
    for backend in backends() {
        let bot = Bot::start_with(&backend, |s| {
            let tg = s.telegram.as_mut().unwrap();
            tg.messages_per_second = 30;
            tg.chat_messages_per_second = 1;
            tg.allow_paid_broadcast = true;
            tg.paid_messages_per_second = 1000;
        })
        .await;
        bot.fake.enforce_limits(Some(Limits::telegram()));
        bot.fake.set_require_known_chat(false);
        // More than the free limit lets through in a second: only the paid one does.
        let rows: Vec<(usize, i64, i64)> = (0..90).map(|n| (n, 6000 + n as i64, 0)).collect();
        enqueue(&bot.t.app.store, &rows).await;
        let asked = bot.fake.push_text(4343, "/kontakt");
        bot.after(4343, asked, |m| m.visible().starts_with("Kontakt"))
            .await;
        all_sent(&bot.t.app.store, rows.len()).await;
        let sends = bot.fake.calls_of("sendMessage");
        let paid = |c: &&fake_telegram::Call| {
            c.params
                .get("allow_paid_broadcast")
                .and_then(|v| v.as_bool())
                == Some(true)
        };
        let notices: Vec<_> = sends
            .iter()
            .filter(|c| number(text_of(c)).is_some())
            .collect();
        assert_eq!(notices.len(), rows.len());
        assert!(
            notices.iter().all(paid),
            "a notification went without the flag"
        );
        let replies: Vec<_> = sends
            .iter()
            .filter(|c| text_of(c).contains("Kontakt"))
            .collect();
        assert!(
            !replies.is_empty() && !replies.iter().any(paid),
            "a reply was paid for"
        );
        assert_eq!(bot.fake.limit_stats().violations, 0);
    }
}

fn text_of(c: &fake_telegram::Call) -> &str {
    c.params.get("text").and_then(|v| v.as_str()).unwrap_or("")
}
