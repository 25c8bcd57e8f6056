//! The Telegram front end under what Telegram imposes and what users send besides
//! commands, through the strict fake Bot API: flood waits, replies longer than a message
//! (split, names escaped), groups, stickers, photos, voice, edits and huge texts, and
//! users who blocked the bot.

use crate::helpers::backends;
use crate::telegram_support::{Bot, T, append, eventually, example_copy, has, import};
use ebok::channels::telegram::{Telegram, TelegramDeliverer};
use ebok::outbox::{Deliverer, DeliveryError};
use fake_telegram::SentMessage;

#[tokio::test]
async fn flood_waits_are_honoured_and_nothing_is_dropped() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let user = 6001;
        bot.fake.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 1",
            Some(1),
        );
        bot.fake.fail_next(
            "sendMessage",
            429,
            "Too Many Requests: retry after 1",
            Some(1),
        );
        bot.fake.set_rate_limit(Some(3));
        let sent: Vec<i64> = ["/kontakt", "/pomoc", "/wiadomosci", "/start", "/kontakt"]
            .iter()
            .map(|c| bot.fake.push_text(user, c))
            .collect();
        let order = [
            "Kontakt",
            "Polecenia e-BOK",
            "Wiadomości",
            "Witamy",
            "Kontakt",
        ];
        let in_order = |f: &fake_telegram::FakeTelegram| {
            let mut at = 0;
            for m in f.messages_to(user) {
                if m.message_id > sent[0] && at < order.len() && m.visible().contains(order[at]) {
                    at += 1;
                }
            }
            at
        };
        bot.fake.wait_until(|f| in_order(f) == order.len(), T).await;
        let at = in_order(&bot.fake);
        let texts: Vec<String> = bot
            .fake
            .messages_to(user)
            .iter()
            .map(|m| m.visible().chars().take(40).collect())
            .collect();
        assert_eq!(
            at,
            order.len(),
            "replies out of order or missing: {texts:#?}"
        );
        let errors = bot.fake.errors();
        assert!(!errors.is_empty(), "the flood was not exercised");
        assert!(
            errors
                .iter()
                .all(|c| matches!(&c.result, Err(e) if e.code == 429)),
            "{errors:?}"
        );
    }
}

/// Forty bills on one page: the reply is longer than a message and is split cleanly.
#[tokio::test]
async fn long_lists_are_split_and_names_are_escaped() {
    for backend in backends() {
        let dir = example_copy();
        let customer = "K-00999,person,<Kowalski & Syn>,44051401359,,\"ul. Długa 1, 87-800 Włocławek\",Zazamcze / WS-31,syn@example.pl,".to_string();
        append(dir.path(), "customers.csv", &[customer]);
        let invoices: Vec<String> = (1..=40)
            .map(|i| {
                format!(
                    "FV/2024/{i:02}/009990,K-00999,invoice,2024-01-{d:02},2025-02-{d:02},Ciepło <część {i}> & woda,100.{i:02},0.00,100.{i:02},,,,",
                    d = (i % 28) + 1
                )
            })
            .collect();
        append(dir.path(), "invoices.csv", &invoices);
        let fake = fake_telegram::FakeTelegram::start().await;
        let tg = crate::telegram_support::settings_for(&fake, vec![]);
        let t = crate::helpers::TestApp::with_settings(&backend, |s| {
            s.telegram = Some(tg);
            s.app.page_size = 40;
        })
        .await;
        t.app
            .core
            .freeze_today(chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
        import(&t, dir.path()).await;
        let bot = Bot::run(t, fake).await;
        let id = bot.customer_account("K-00999").await;
        let user = 7001;
        let panel = bot.login(user, &id).await;
        assert!(
            panel.visible().contains("<Kowalski & Syn>"),
            "{}",
            panel.visible()
        );
        assert!(
            panel
                .raw
                .as_deref()
                .unwrap()
                .contains("&lt;Kowalski &amp; Syn&gt;")
        );

        let mid = bot.fake.push_text(user, "/rachunki");
        let last = bot
            .after(user, mid, |m| !m.inline_keyboard.is_empty())
            .await;
        let parts: Vec<SentMessage> = bot
            .fake
            .messages_to(user)
            .into_iter()
            .filter(|m| m.message_id > mid && m.message_id <= last.message_id)
            .collect();
        assert!(
            parts.len() >= 2,
            "expected a split reply, got {}",
            parts.len()
        );
        let all: String = parts
            .iter()
            .map(|m| m.visible())
            .collect::<Vec<_>>()
            .join("\n");
        for i in 1..=40 {
            assert!(
                all.contains(&format!("FV/2024/{i:02}/009990")),
                "bill {i} missing"
            );
            assert!(
                all.contains(&format!("Ciepło <część {i}> & woda")),
                "description {i}"
            );
        }
        for p in &parts {
            assert!(fake_telegram::utf16_len(p.visible()) <= fake_telegram::MAX_TEXT);
        }
        assert_eq!(
            last.message_id,
            parts.last().unwrap().message_id,
            "keyboard on the last part"
        );
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn groups_stickers_photos_voice_edits_and_huge_text() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let user = 8001;
        bot.fake.push_group_text(-100_200, user, "/saldo");
        bot.fake
            .expect_message(-100_200, has("czacie prywatnym"), T)
            .await;
        let s = bot.fake.push_sticker(user);
        bot.after(user, s, has("tylko polecenia tekstowe")).await;
        let p = bot
            .fake
            .push_photo(user, b"\xff\xd8jpeg", Some("mój licznik"));
        // A photo outside a case is not kept, and the user is told where files go.
        bot.after(user, p, has("Tego pliku nie zapisano")).await;
        let v = bot.fake.push_voice(user, 3);
        bot.after(user, v, has("tylko polecenia tekstowe")).await;
        let m = bot.fake.push_text(user, "/kontakt");
        bot.after(user, m, has("Płocka")).await;
        let before = bot.last_id(user);
        bot.fake.push_edited_text(user, m, "/saldo");
        bot.after(user, before, has("nie wykonuję ponownie")).await;
        let huge = "ą".repeat(4096);
        bot.say(user, &huge, has("Nie znam")).await;
        let weird = "<b>&amp;</b> ' \" <script>";
        bot.say(user, weird, has("Nie znam")).await;
        bot.say(user, "/kontakt", has("Płocka")).await;
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn a_user_who_blocked_the_bot_is_marked_and_skipped() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let store = bot.t.app.store.clone();
        let blocked = |user: i64| {
            let store = store.clone();
            async move {
                store
                    .chat("telegram", &user.to_string())
                    .await
                    .unwrap()
                    .is_some_and(|c| c.blocked)
            }
        };
        // A reply that meets a 403 marks the chat.
        let user = 9001;
        bot.say(user, "/kontakt", has("Płocka")).await;
        bot.fake.block_user(user);
        bot.fake.push_text(user, "/kontakt");
        eventually("the chat is marked blocked", || blocked(user)).await;

        // The outbox deliverer: a 403 marks the chat and gives up for good, as the
        // recipient's doing (not an error); a marked chat is not even tried.
        let deliverer = TelegramDeliverer::new(Telegram::from_settings(bot.t.app.clone()).unwrap());
        let other = 9002;
        bot.say(other, "/kontakt", has("Płocka")).await;
        bot.fake.block_user(other);
        let row = notification(other);
        assert!(matches!(
            deliverer.deliver(&row).await,
            Err(DeliveryError::Unreachable {
                reason: "blocked",
                ..
            })
        ));
        assert!(blocked(other).await);
        let calls = bot.fake.call_count();
        assert!(matches!(
            deliverer.deliver(&row).await,
            Err(DeliveryError::Unreachable {
                reason: "blocked",
                ..
            })
        ));
        assert_eq!(
            bot.fake.call_count(),
            calls,
            "a blocked chat was tried again"
        );

        // Telegram's own notice of a block (my_chat_member) marks the chat at once.
        let third = 9003;
        bot.say(third, "/kontakt", has("Płocka")).await;
        let member = |status: &str| {
            let mut m = serde_json::json!({"user": {"id": fake_telegram::BOT_ID, "is_bot": true,
                "first_name": "e-BOK", "username": fake_telegram::BOT_USERNAME}, "status": status});
            if status == "kicked" {
                m["until_date"] = serde_json::json!(0);
            }
            m
        };
        let change = |old: &str, new: &str| {
            serde_json::json!({"my_chat_member": {
                "chat": {"id": third, "type": "private", "first_name": "user"},
                "from": {"id": third, "is_bot": false, "first_name": "user"},
                "date": 1_700_000_000, "old_chat_member": member(old), "new_chat_member": member(new)}})
        };
        bot.fake.push_update(change("member", "kicked"));
        eventually("blocked by my_chat_member", || blocked(third)).await;
        bot.fake.push_update(change("kicked", "member"));
        eventually("unblocked by my_chat_member", || async {
            !blocked(third).await
        })
        .await;

        // Writing again unblocks.
        bot.fake.unblock_user(user);
        bot.say(user, "/kontakt", has("Płocka")).await;
        assert!(!blocked(user).await);
        let errors = bot.fake.errors();
        assert!(
            errors
                .iter()
                .all(|c| matches!(&c.result, Err(e) if e.code == 403)),
            "{errors:?}"
        );
    }
}

fn notification(chat: i64) -> ebok::outbox::Message {
    let payload = ebok::domain::payload::Payload::new(
        ebok::domain::lang::Lang::Pl,
        "staff_new_request",
        serde_json::json!({"id": 1, "kind": "person", "name": "X", "email": "x@example.test",
            "verification": {"flags": [], "all_ok": false}}),
    );
    ebok::outbox::Message {
        id: 0,
        dedupe_key: format!("test:{chat}"),
        channel: "telegram".into(),
        recipient: chat.to_string(),
        payload,
        attempts: 0,
        priority: 0,
        silent: false,
    }
}
