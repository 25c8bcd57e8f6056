//! `powiadomienia` in Telegram as the user sees it (the real bot against the fake Bot
//! API): the greeting after login offers it, and its buttons turn each kind and quiet
//! hours on and off, editing the settings message in place.

use crate::helpers::backends;
use crate::notifications::account_id;
use crate::telegram_support::{Bot, T};
use fake_telegram::SentMessage;

const JAN: &str = "K-00102";

/// Presses `button` on message `mid`; returns the message (edited, or the next one)
/// that then shows `expect`.
async fn press(bot: &Bot, user: i64, mid: i64, button: &str, expect: &str) -> SentMessage {
    bot.fake.press_button(user, mid, button);
    let shown = |m: &SentMessage| m.message_id >= mid && m.visible().contains(expect);
    let found = bot
        .fake
        .wait_until(|f| f.messages_to(user).iter().any(shown), T)
        .await;
    assert!(
        found,
        "after {button:?}: no {expect:?} in {:#?}",
        bot.fake
            .messages_to(user)
            .iter()
            .map(|m| m.visible().to_string())
            .collect::<Vec<_>>()
    );
    bot.fake
        .messages_to(user)
        .into_iter()
        .filter(shown)
        .max_by_key(|m| m.message_id)
        .unwrap()
}

#[tokio::test]
async fn the_buttons_of_powiadomienia_turn_each_kind_and_quiet_hours_on_and_off() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let id = bot.customer_account(JAN).await;
        let user = 5001;
        let before = bot.last_id(user);
        bot.login(user, &id).await;
        let offered = bot
            .fake
            .messages_to(user)
            .iter()
            .any(|m| m.message_id > before && m.visible().contains("powiadomienia wlacz"));
        assert!(offered, "the login offers notifications");
        let greeting = bot
            .say(user, "/start", |m| m.button("🔔 Powiadomienia").is_some())
            .await;

        let mut settings = press(
            &bot,
            user,
            greeting.message_id,
            "🔔 Powiadomienia",
            "Powiadomienia na tym czacie Telegram",
        )
        .await;
        assert!(
            settings.visible().contains("▫️ faktury"),
            "{}",
            settings.visible()
        );
        for word in [
            "faktury",
            "wplaty",
            "terminy",
            "zaleglosci",
            "windykacja",
            "komunikaty",
        ] {
            settings = press(
                &bot,
                user,
                settings.message_id,
                &format!("🔕 {word}: włącz"),
                &format!("✅ {word}"),
            )
            .await;
            assert!(
                settings.button(&format!("🔔 {word}: wyłącz")).is_some(),
                "{word}: {:?}",
                settings.inline_keyboard
            );
        }
        settings = press(
            &bot,
            user,
            settings.message_id,
            "🔔 terminy: wyłącz",
            "▫️ terminy",
        )
        .await;
        settings = press(
            &bot,
            user,
            settings.message_id,
            "🌙 Godziny ciszy: wyłącz",
            "Godziny ciszy (21:00–08:00): wyłączone",
        )
        .await;
        let jan = account_id(&bot.t, &id).await;
        let (mut kinds, quiet) = bot
            .t
            .app
            .store
            .subscriptions(jan, "telegram", "5001")
            .await
            .unwrap();
        kinds.sort();
        assert_eq!(
            kinds,
            [
                "announcement",
                "collection",
                "invoice",
                "overdue",
                "payment"
            ],
            "{}",
            bot.t.db.label
        );
        assert_eq!(quiet, ebok::domain::notice::QuietMode::Off);
        press(
            &bot,
            user,
            settings.message_id,
            "🌙 Godziny ciszy: włącz",
            "Godziny ciszy (21:00–08:00): włączone",
        )
        .await;
        let (_, quiet) = bot
            .t
            .app
            .store
            .subscriptions(jan, "telegram", "5001")
            .await
            .unwrap();
        assert_eq!(
            quiet,
            ebok::domain::notice::QuietMode::Hold,
            "{}",
            bot.t.db.label
        );
        let audit = bot.t.app.store.audit_tail(30).await.unwrap();
        let count = |action: &str| audit.iter().filter(|a| a.action == action).count();
        assert_eq!(count("notifications_on"), 6, "{audit:?}");
        assert_eq!(count("notifications_off"), 1);
        assert_eq!((count("quiet_hours_off"), count("quiet_hours_on")), (1, 1));
        bot.assert_no_errors();
    }
}
