//! `powiadomienia cisza wylacz` lets everything through at once — the notices quiet
//! hours already hold too: with the clock moved into the quiet hours, a notice written
//! then waits; the customer turns quiet hours off in one chat and the notice arrives
//! there at once (the real bot, the fake Bot API), while the customer's other chat,
//! which keeps its quiet hours, still waits for the morning. By email (the address on
//! file) the same.

use crate::helpers::backends;
use crate::notifications::{notices, warsaw};
use crate::telegram_support::{Bot, PASSWORD};
use chrono::{DateTime, Utc};

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
