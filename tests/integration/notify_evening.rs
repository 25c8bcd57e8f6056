//! The evening preview as a customer gets it on Telegram (the real bot, the fake Bot
//! API): a chat that turned it on gets, at 19:00, one message with tomorrow's planned
//! interruption in its area and the bill due tomorrow; the customer's other chat gets
//! nothing; a second run the same evening writes nothing new, and an evening with
//! nothing to say sends nothing. The clock is moved, on SQLite and PostgreSQL.

use crate::helpers::backends;
use crate::notifications::warsaw;
use crate::telegram_support::{Bot, PASSWORD, T};
use ebok::notify::evening::run_once;
use fake_telegram::SentMessage;

#[tokio::test]
async fn the_evening_preview_lists_tomorrows_work_and_bills_once_and_only_when_asked() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let jan = bot.customer_account("K-00102").await;
        let (asked, other) = (5001, 5002);
        bot.login(asked, &jan).await;
        bot.login(other, &jan).await;
        let settings = bot
            .say(asked, "powiadomienia wieczorem wlacz", |m| {
                m.visible().contains("Wieczorny przegląd włączony")
            })
            .await;
        assert!(
            settings.button("🌆 Wieczorny przegląd: wyłącz").is_some(),
            "{:?}",
            settings.inline_keyboard
        );

        // Thursday 13 March: staff announce tomorrow's interruption in WS-31 (Jan's).
        bot.t.app.core.clock().set(warsaw("2025-03-13 12:00"));
        let staff = bot.t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = bot.t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        let draft = desk
            .say("komunikat przerwa obszar=WS-31 do 2025-03-14 Wymiana zaworów | Przerwa 8–14.")
            .await;
        let reference = draft
            .split_whitespace()
            .find(|w| w.starts_with("EBOK-"))
            .unwrap_or_else(|| panic!("{draft}"))
            .trim_end_matches(':')
            .to_string();
        desk.say(&format!("komunikat wyslij {reference}")).await;

        let evening = warsaw("2025-03-13 19:00");
        bot.t.app.core.clock().set(evening);
        let (store, cfg) = (&bot.t.app.store, &bot.t.app.settings);
        assert_eq!(run_once(store, cfg, evening, "a").await.unwrap(), Some(1));
        let preview = |m: &SentMessage| m.visible().contains("Jutro, 14.03.2025");
        let got = bot.fake.expect_message(asked, preview, T).await;
        for expected in [
            "Wymiana zaworów",
            "Termin płatności mija jutro",
            "Faktura FV/2025/02/000102: do zapłaty 934,30 zł",
            "Konto: K-00102 — Jan Kowalski",
        ] {
            assert!(
                got.visible().contains(expected),
                "{expected} in {}",
                got.visible()
            );
        }
        // Once per evening, whoever runs it again.
        let again = warsaw("2025-03-13 19:05");
        assert_eq!(run_once(store, cfg, again, "b").await.unwrap(), Some(0));

        // Friday evening: Saturday has no planned work and no bill: nothing is sent.
        let friday = warsaw("2025-03-14 19:00");
        bot.t.app.core.clock().set(friday);
        assert_eq!(run_once(store, cfg, friday, "a").await.unwrap(), Some(0));
        let count = |chat| {
            bot.fake
                .messages_to(chat)
                .iter()
                .filter(|m| m.visible().contains("🌆"))
                .count()
        };
        assert_eq!((count(asked), count(other)), (1, 0), "({})", bot.t.db.label);
        bot.assert_no_errors();
    }
}
