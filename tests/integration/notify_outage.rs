//! One message per outage, kept current (the real bot, the fake Bot API, which refuses
//! to edit a message that is gone, as Telegram does): a failure published to six chats;
//! staff end it; each chat's message is edited in place to show the end and its time,
//! and one short note replies to it; a chat whose message the customer deleted gets the
//! note alone; ending it again is refused. On SQLite and PostgreSQL.

use crate::helpers::backends;
use crate::notifications::warsaw;
use crate::telegram_support::{Bot, PASSWORD, T, eventually};
use fake_telegram::SentMessage;

const TITLE: &str = "Awaria sieci – ul. Toruńska";

/// Notices of the outage delivered and recorded as such (their message ids kept, their
/// rows marked sent): only then may the test move the clock on by hours, which would
/// let a delivery still in flight lose its lease.
async fn delivered(bot: &Bot) -> i64 {
    let sql = "SELECT COUNT(*) FROM notify_sent s JOIN outbox o ON o.dedupe_key = s.dedupe_key \
               WHERE o.status = 'sent'";
    match &bot.t.app.store {
        ebok::store::Store::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        ebok::store::Store::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

#[tokio::test]
async fn ending_an_outage_edits_each_message_in_place_and_replies_once() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let jan = bot.customer_account("K-00102").await;
        let chats: Vec<i64> = (5001..=5006).collect();
        for &chat in &chats {
            bot.login(chat, &jan).await;
            bot.say(chat, "powiadomienia wlacz komunikaty", |m| {
                m.visible().contains("✅ komunikaty")
            })
            .await;
        }
        bot.t.app.core.clock().set(warsaw("2025-03-10 10:00"));
        let staff = bot.t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = bot.t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        let draft = desk
            .say(&format!(
                "komunikat awaria obszar=WS-31 {TITLE} | Brak ciepła do odwołania."
            ))
            .await;
        let reference = draft
            .split_whitespace()
            .find(|w| w.starts_with("EBOK-"))
            .unwrap_or_else(|| panic!("{draft}"))
            .trim_end_matches(':')
            .to_string();
        desk.say(&format!("komunikat wyslij {reference}")).await;
        let outage = |m: &SentMessage| m.visible().contains(TITLE);
        let mut originals = Vec::new();
        for &chat in &chats {
            originals.push(bot.fake.expect_message(chat, outage, T).await.message_id);
        }
        eventually("every message id kept", || async {
            delivered(&bot).await == 6
        })
        .await;
        // The customer of the last chat deleted the notice.
        bot.fake.user_deletes(5006, originals[5]);

        bot.t.app.core.clock().set(warsaw("2025-03-10 12:30"));
        let done = desk
            .say(&format!(
                "komunikat zakoncz {reference} Dostawa ciepła przywrócona."
            ))
            .await;
        assert!(
            done.contains("zakończony")
                && done.contains("Wiadomości poprawione na czatach: 6")
                && done.contains("krótkie powiadomienia o zmianie: 6"),
            "{done}"
        );
        let note = |m: &SentMessage| m.visible().contains(&format!("✅ Zakończono: {TITLE}"));
        for (n, &chat) in chats.iter().enumerate() {
            let got = bot.fake.expect_message(chat, note, T).await;
            assert!(
                got.visible().contains("Dostawa ciepła przywrócona."),
                "{}",
                got.visible()
            );
            if chat == 5006 {
                assert_eq!(
                    got.reply_to, None,
                    "the deleted message cannot be replied to"
                );
                continue;
            }
            assert_eq!(
                got.reply_to,
                Some(originals[n]),
                "chat {chat}: {:#?}",
                bot.fake
                    .messages_to(chat)
                    .iter()
                    .map(|m| (
                        m.message_id,
                        m.reply_to,
                        m.visible().chars().take(60).collect::<String>()
                    ))
                    .collect::<Vec<_>>()
            );
            let edited = |f: &fake_telegram::FakeTelegram| {
                f.messages_to(chat).iter().any(|m| {
                    m.message_id == originals[n]
                        && m.edit_count == 1
                        && m.visible()
                            .contains("✅ Zakończono 10.03.2025 12:30: Dostawa ciepła przywrócona.")
                })
            };
            assert!(
                bot.fake.wait_until(edited, T).await,
                "chat {chat}: {:#?}",
                bot.fake
                    .messages_to(chat)
                    .iter()
                    .map(|m| m.visible().to_string())
                    .collect::<Vec<_>>()
            );
        }
        // Exactly one note per chat; the outage is not sent again as a new message.
        for &chat in &chats {
            let sent = bot.fake.messages_to(chat);
            assert_eq!(sent.iter().filter(|m| note(m)).count(), 1, "chat {chat}");
            assert_eq!(
                sent.iter()
                    .filter(|m| m.visible().contains("Brak ciepła do odwołania"))
                    .count(),
                usize::from(chat != 5006),
                "chat {chat}"
            );
        }
        // The operator counts edits and notes apart, and previews the edited form.
        let follow_ups_sent = || async {
            let sql = "SELECT COUNT(*) FROM outbox WHERE status = 'sent' \
                       AND (dedupe_key LIKE '%:edit:%' OR dedupe_key LIKE '%:note:%')";
            let n: i64 = match &bot.t.app.store {
                ebok::store::Store::Sqlite(p) => {
                    sqlx::query_scalar(sql).fetch_one(p).await.unwrap()
                }
                ebok::store::Store::Postgres(p) => {
                    sqlx::query_scalar(sql).fetch_one(p).await.unwrap()
                }
            };
            n == 12
        };
        eventually("the edits and notes marked sent", follow_ups_sent).await;
        let status = ebok::cli::notify::status(&bot.t.app).await.unwrap();
        for expected in ["announce-edit", "announce-note"] {
            let line = status
                .lines()
                .find(|l| l.starts_with(expected) && l.contains("telegram") && l.contains("sent"))
                .unwrap_or_else(|| panic!("{expected} in {status}"));
            assert_eq!(line.split_whitespace().nth(3), Some("6"), "{line}");
        }
        let edited =
            ebok::cli::notify::preview(&bot.t.app, &format!("announcement:{reference}:r1:edit"))
                .await
                .unwrap();
        assert!(
            edited.contains("✅ Zakończono 10.03.2025 12:30"),
            "{edited}"
        );
        // `wiadomosci` shows the current state: ended, and when.
        let jan_console = bot.t.console("jan");
        jan_console.say(&format!("zaloguj {jan} {PASSWORD}")).await;
        let shown = jan_console.say("wiadomosci").await;
        assert!(shown.contains("✅ Zakończono 10.03.2025 12:30"), "{shown}");
        let again = desk.say(&format!("komunikat zakoncz {reference}")).await;
        assert!(again.contains("nie trwa"), "{again}");
        // The one refusal was Telegram's answer to editing the deleted message.
        let refusals = bot.fake.errors();
        assert!(
            refusals
                .iter()
                .all(|e| format!("{e:?}").contains("message to edit not found")),
            "{refusals:?}"
        );
    }
}

/// A failure whose last day has passed without staff ending it is still shown for a
/// week — marked as not confirmed ended, never as an all-clear.
#[tokio::test]
async fn an_expired_failure_not_ended_says_so_in_wiadomosci() {
    for backend in backends() {
        // F-00201 is in WS-30, where MSG-2025-001 (3–4 February 2025) was a failure.
        let (t, ids) = crate::notifications::app_with_customers(&backend, &["F-00201"]).await;
        let chat = t.console("c");
        chat.say(&format!("zaloguj {} {PASSWORD}", ids[0])).await;
        let failure = "Awaria sieci ciepłowniczej – ul. Kaliska";
        t.app
            .core
            .freeze_today(crate::notifications::day("2025-02-04"));
        let during = chat.say("wiadomosci").await;
        assert!(during.contains(failure), "{during}");
        assert!(!during.contains("bez potwierdzenia"), "{during}");
        t.app
            .core
            .freeze_today(crate::notifications::day("2025-02-06"));
        let after = chat.say("wiadomosci").await;
        assert!(
            after.contains(failure)
                && after.contains("Termin minął, bez potwierdzenia zakończenia"),
            "{after}"
        );
        t.app
            .core
            .freeze_today(crate::notifications::day("2025-02-12"));
        let later = chat.say("wiadomosci").await;
        assert!(!later.contains(failure), "{later}");
    }
}
