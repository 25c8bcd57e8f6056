//! `powiadomienia cisza wylacz` lets everything through at once — the notices quiet
//! hours already hold too: with the clock moved into the quiet hours, a notice written
//! then waits; the customer turns quiet hours off in one chat and the notice arrives
//! there at once (the real bot, the fake Bot API), while the customer's other chat,
//! which keeps its quiet hours, still waits for the morning. By email (the address on
//! file) the same.

use crate::helpers::{Chat, backends};
use crate::notifications::{notices, warsaw};
use crate::telegram_support::{Bot, PASSWORD, T};
use chrono::{DateTime, Utc};
use fake_telegram::SentMessage;

const TARIFF: &str = "Nowa taryfa";

/// When each notice of the tariff announcement may go, by recipient.
async fn due(bot: &Bot) -> Vec<(String, DateTime<Utc>)> {
    notices(&bot.t)
        .await
        .into_iter()
        .map(|(key, next, _, _)| (key.rsplit(':').next().unwrap_or("").to_string(), next))
        .collect()
}

#[tokio::test]
async fn turning_quiet_hours_off_sends_the_notices_they_were_holding_at_once() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let jan = bot.customer_account("K-00102").await;
        for user in [5001, 5002] {
            bot.login(user, &jan).await;
            bot.say(user, "powiadomienia wlacz komunikaty", |m| {
                m.visible().contains("✅ komunikaty")
            })
            .await;
        }
        let by_mail = bot.t.console("jan");
        by_mail.say(&format!("zaloguj {jan} {PASSWORD}")).await;
        let on = by_mail.say("powiadomienia wlacz komunikaty").await;
        assert!(on.contains("e-mailem na adres z kartoteki"), "{on}");

        // 22:30: staff publish a tariff, which is not urgent: quiet hours hold it.
        let morning = warsaw("2025-03-11 08:00");
        bot.t.app.core.clock().set(warsaw("2025-03-10 22:30"));
        let staff = bot.t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = bot.t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        let draft = desk
            .say(&format!(
                "komunikat taryfa {TARIFF} | Od kwietnia nowe ceny."
            ))
            .await;
        let reference = draft
            .split_whitespace()
            .find(|w| w.starts_with("EBOK-"))
            .unwrap()
            .trim_end_matches(':')
            .to_string();
        desk.say(&format!("komunikat wyslij {reference}")).await;
        let held = due(&bot).await;
        assert_eq!(held.len(), 3, "{held:?}");
        assert!(held.iter().all(|(_, at)| *at == morning), "{held:?}");

        // Jan turns quiet hours off in chat 5001: the tariff comes there at once.
        let reply = bot
            .say(5001, "powiadomienia cisza wylacz", |m| {
                m.visible().contains("Godziny ciszy wyłączone")
            })
            .await;
        let tariff = bot
            .after(5001, reply.message_id, |m| m.visible().contains(TARIFF))
            .await;
        assert!(tariff.visible().contains("K-00102"), "{}", tariff.visible());
        assert!(
            reply
                .visible()
                .contains("Wstrzymane powiadomienie (1) wysyłamy teraz"),
            "{}",
            reply.visible()
        );
        let now = bot.t.app.core.clock().now();
        assert!(now < morning, "delivered in the quiet hours, at {now}");

        // Chat 5002 keeps its quiet hours: its notice still waits for the morning.
        let waiting = due(&bot).await;
        assert!(
            waiting
                .iter()
                .any(|(to, at)| to == "5002" && *at == morning),
            "{waiting:?}"
        );
        let seen = |chat| {
            bot.fake
                .messages_to(chat)
                .iter()
                .filter(|m| m.visible().contains(TARIFF))
                .count()
        };
        assert_eq!((seen(5001), seen(5002)), (1, 0), "{}", bot.t.db.label);

        // By email: the notice to the address on file is released too.
        let off = by_mail.say("powiadomienia cisza wylacz").await;
        assert!(off.contains("Wstrzymane powiadomienie (1)"), "{off}");
        let email = due(&bot).await;
        let (_, at) = email
            .iter()
            .find(|(to, _)| to.contains('@'))
            .expect("the email notice");
        assert!(*at < morning, "still held: {email:?}");
        // Turning them off again finds nothing more to release.
        let again = by_mail.say("powiadomienia cisza wylacz").await;
        assert!(!again.contains("Wstrzymane"), "{again}");
        bot.assert_no_errors();
    }
}

/// Publishes an announcement from the staff console (draft, then send).
async fn publish(desk: &Chat<'_>, line: &str) {
    let draft = desk.say(line).await;
    let reference = draft
        .split_whitespace()
        .find(|w| w.starts_with("EBOK-"))
        .unwrap_or_else(|| panic!("no reference in {draft}"))
        .trim_end_matches(':')
        .to_string();
    desk.say(&format!("komunikat wyslij {reference}")).await;
}

/// Three chats of one customer, one per choice: at 22:30 "silent" gets the tariff at
/// once without a sound, "off" at once with one, "hold" waits for the morning; an
/// urgent failure comes to all three at once, silent only where silence was chosen;
/// by day even the silent chat's notices ring.
#[tokio::test]
async fn silent_quiet_hours_deliver_at_once_without_a_sound() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let jan = bot.customer_account("K-00102").await;
        let (silent, hold, off) = (5001, 5002, 5003);
        for user in [silent, hold, off] {
            bot.login(user, &jan).await;
            bot.say(user, "powiadomienia wlacz komunikaty", |m| {
                m.visible().contains("✅ komunikaty")
            })
            .await;
        }
        let settings = bot
            .say(silent, "powiadomienia cisza bez-dzwieku", |m| {
                m.visible().contains("Godziny ciszy bez dźwięku")
            })
            .await;
        assert!(
            settings
                .visible()
                .contains("Godziny ciszy (21:00–08:00): bez dźwięku"),
            "{}",
            settings.visible()
        );
        assert!(
            settings.button("🌙 Godziny ciszy: włącz").is_some()
                && settings.button("🌙 Godziny ciszy: wyłącz").is_some(),
            "{:?}",
            settings.inline_keyboard
        );
        bot.say(off, "powiadomienia cisza wylacz", |m| {
            m.visible().contains("Godziny ciszy wyłączone")
        })
        .await;

        let staff = bot.t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = bot.t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        bot.t.app.core.clock().set(warsaw("2025-03-10 22:30"));
        publish(
            &desk,
            &format!("komunikat taryfa {TARIFF} | Od kwietnia nowe ceny."),
        )
        .await;
        let tariff = |m: &SentMessage| m.visible().contains(TARIFF);
        let quietly = bot.fake.expect_message(silent, tariff, T).await;
        let loudly = bot.fake.expect_message(off, tariff, T).await;
        assert!(quietly.silent, "the silent chat's tariff rang");
        assert!(
            !loudly.silent,
            "the chat without quiet hours got it silently"
        );
        let waiting = due(&bot).await;
        assert!(
            waiting
                .iter()
                .any(|(to, at)| to == "5002" && *at == warsaw("2025-03-11 08:00")),
            "{waiting:?}"
        );
        let seen = |chat| {
            bot.fake
                .messages_to(chat)
                .iter()
                .filter(|m| tariff(m))
                .count()
        };
        assert_eq!(seen(hold), 0, "{}", bot.t.db.label);

        // An urgent failure: at once everywhere; only the silent chat hears nothing.
        publish(
            &desk,
            "komunikat awaria obszar=WS-31 Awaria sieci | Brak ciepła.",
        )
        .await;
        let failure = |m: &SentMessage| m.visible().contains("Awaria sieci");
        for (user, muted) in [(silent, true), (hold, false), (off, false)] {
            let m = bot.fake.expect_message(user, failure, T).await;
            assert_eq!(m.silent, muted, "chat {user} ({})", bot.t.db.label);
        }

        // By day the silent chat's notices ring like any other.
        bot.t.app.core.clock().set(warsaw("2025-03-11 12:00"));
        publish(
            &desk,
            "komunikat taryfa Cennik usług | Nowy cennik usług dodatkowych.",
        )
        .await;
        let price_list = |m: &SentMessage| m.visible().contains("Cennik usług");
        let by_day = bot.fake.expect_message(silent, price_list, T).await;
        assert!(!by_day.silent, "a notice by day came without a sound");
        bot.assert_no_errors();
    }
}

/// By email there is no sound to turn off: "silent" is refused with what to do instead,
/// and the address keeps its choice.
#[tokio::test]
async fn silent_quiet_hours_are_refused_for_email_with_what_to_do() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let jan = bot.customer_account("K-00102").await;
        let by_mail = bot.t.console("jan");
        by_mail.say(&format!("zaloguj {jan} {PASSWORD}")).await;
        by_mail.say("powiadomienia wlacz komunikaty").await;
        let refused = by_mail.say("powiadomienia cisza bez-dzwieku").await;
        assert!(refused.contains("E-mail nie wydaje dźwięku"), "{refused}");
        assert!(refused.contains("powiadomienia cisza wylacz"), "{refused}");
        let shown = by_mail.say("powiadomienia").await;
        assert!(
            shown.contains("Godziny ciszy (21:00–08:00): włączone"),
            "{shown}"
        );
    }
}
