//! Notifications as customers read them: a credit correction says it is a credit (no
//! amount "to pay" below zero, no due date, no reminders), quiet hours name the hour
//! they end at, and staff's draft counts chats and addresses in correct Polish.

use crate::helpers::backends;
use crate::notifications::{app_with_customers, app_with_customers_and, as_customer, read};
use crate::notifications::{keys, warsaw};
use crate::telegram_support::{append, example_copy, import};
use ebok::core::{Channel, Lang};

const CREDIT: &str = "KOR/2025/03/000102";

#[tokio::test]
async fn a_credit_correction_is_announced_as_a_credit_without_a_due_date_or_reminders() {
    for backend in backends() {
        let (t, ids) = app_with_customers(&backend, &["K-00102"]).await;
        as_customer(
            &t,
            Channel::Telegram,
            "5001",
            &ids[0],
            "powiadomienia wlacz",
        )
        .await;
        let dir = example_copy();
        append(
            dir.path(),
            "invoices.csv",
            &[format!(
                "{CREDIT},K-00102,correction,2025-03-10,2025-03-24,Korekta – marzec 2025,-50.00,0.00,-50.00,,,,"
            )],
        );
        import(&t, dir.path()).await;
        let key = format!("notify:invoice:{CREDIT}:telegram:5001");
        let pl = read(&t, &key, Lang::Pl).await;
        assert!(
            pl.contains(&format!("Nowy dokument: Korekta {CREDIT}")),
            "{pl}"
        );
        assert!(
            pl.contains("Nadpłata do zwrotu: 50,00 zł — nic do zapłaty."),
            "{pl}"
        );
        for wrong in ["-50,00", "Do zapłaty", "termin płatności", "24.03.2025"] {
            assert!(!pl.contains(wrong), "{wrong:?} in {pl}");
        }
        let en = read(&t, &key, Lang::En).await;
        assert!(
            en.contains("Credit to be refunded: 50,00 zł; nothing to pay."),
            "{en}"
        );
        for wrong in ["-50,00", "To pay", "due"] {
            assert!(!en.contains(wrong), "{wrong:?} in {en}");
        }
        // The reminders' days of a bill due on 24 March: nothing for the credit.
        for (when, holder) in [
            (warsaw("2025-03-21 07:00"), "a"),
            (warsaw("2025-03-25 07:00"), "b"),
        ] {
            ebok::notify::scheduler::run_once(&t.app.store, &t.app.settings, when, holder)
                .await
                .unwrap();
        }
        let reminders: Vec<String> = keys(&t)
            .await
            .into_iter()
            .filter(|k| k.contains("due_soon:") || k.contains("overdue:"))
            .collect();
        assert!(!reminders.is_empty(), "the scheduler ran: {reminders:?}");
        assert!(
            reminders.iter().all(|k| !k.contains(CREDIT)),
            "{reminders:?} ({})",
            t.db.label
        );
    }
}

#[tokio::test]
async fn quiet_hours_are_described_with_the_hour_they_end() {
    for backend in backends() {
        let (t, ids) = app_with_customers_and(&backend, &["K-00102"], |s| {
            s.notifications.quiet_from = chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap();
            s.notifications.quiet_to = chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap();
        })
        .await;
        let pl = as_customer(&t, Channel::Telegram, "5001", &ids[0], "powiadomienia").await;
        assert!(
            pl.contains(
                "Godziny ciszy (22:00–07:00): włączone — powiadomienia, które przyjdą w tych \
                 godzinach, poczekają do 07:00"
            ),
            "{pl}"
        );
        assert!(!pl.contains("do rana"), "{pl}");
        let chat = t.chat(Channel::Telegram, "5001");
        chat.say("jezyk en").await;
        let en = chat.say("notifications").await;
        assert!(
            en.contains(
                "Quiet hours (22:00–07:00): on — notifications that come in these hours wait \
                 until 07:00"
            ),
            "{en}"
        );
        assert!(!en.contains("morning"), "{en}");
        let off = chat.say("notifications quiet off").await;
        assert!(
            off.contains("Quiet hours (22:00–07:00): off — notifications come at once"),
            "{off}"
        );
    }
}

#[tokio::test]
async fn the_staff_draft_counts_chats_addresses_and_customers_in_correct_polish() {
    for backend in backends() {
        let numbers = ["K-00102", "K-00101", "F-00201"];
        let (t, ids) = app_with_customers(&backend, &numbers).await;
        // Jan on one chat, Zofia on two, the cooperative on one: 4 chats; Jan by email.
        for (i, chat) in [(0, "7001"), (1, "7002"), (1, "7003"), (2, "7004")] {
            as_customer(&t, Channel::Telegram, chat, &ids[i], "powiadomienia wlacz").await;
        }
        as_customer(&t, Channel::Console, "jan", &ids[0], "powiadomienia wlacz").await;
        let staff = t
            .account(None, "Anna Nowak", crate::telegram_support::PASSWORD)
            .await;
        let desk = t.console("desk");
        desk.say(&format!(
            "zaloguj {staff} {}",
            crate::telegram_support::PASSWORD
        ))
        .await;
        let all = desk
            .say("komunikat taryfa Nowa taryfa | Od kwietnia.")
            .await;
        assert!(
            all.contains("Dotrze do 3 klientów w wiadomosci; powiadomienie pójdzie na 4 czaty Telegram i 1 adres e-mail."),
            "{all}"
        );
        // WS-31 is Jan's area only.
        let one = desk
            .say("komunikat remont obszar=WS-31 Wymiana zaworów | Przerwa 8:00–14:00.")
            .await;
        assert!(
            one.contains("Dotrze do 1 klienta w wiadomosci; powiadomienie pójdzie na 1 czat Telegram i 1 adres e-mail."),
            "{one}"
        );
        desk.say("jezyk en").await;
        let en = desk.say("announce tariff New tariff | From April.").await;
        assert!(
            en.contains("It reaches 3 customers under messages; a notification goes to 4 Telegram chats and 1 email address."),
            "{en}"
        );
    }
}
