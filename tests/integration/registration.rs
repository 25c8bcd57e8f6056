//! Registration requests (S1–S3): the form, consents, the anti-bot check, flood limits,
//! staff notifications, and the PESEL never stored or shown in clear.

use crate::helpers::{TestApp, backends};
use crate::lifecycle::{
    self, all_stored_text, captcha_answer, firm, form, person, register, wrong_answer,
};
use ebok::core::Channel;

#[tokio::test]
async fn every_field_error_is_reported_together_and_precisely() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        // By email the whole form comes at once (chats ask field by field, but take
        // `field: value` lines the same way).
        let mail = t.chat(Channel::Email, "nowy@example.test");
        let out = mail.say("rejestracja").await;
        assert!(
            out.contains("pesel:") && out.contains("regulamin:"),
            "{out}"
        );
        let chat = t.console("newcomer");
        chat.say("rejestracja").await;
        let out = chat
            .say("nazwa: J\npesel: 44051401358\nfaktura:\numowa: UC/2019/1\nemail: jan@\nzgoda: nie\nregulamin: może\nkolor: niebieski")
            .await;
        for expected in [
            "nazwa: podaj pełne imię i nazwisko",
            "PESEL: cyfra kontrolna się nie zgadza",
            "numer ostatniej faktury: pole jest puste",
            "e-mail: to nie jest poprawny adres e-mail",
            "zgoda na przetwarzanie danych: bez tej zgody nie możemy założyć konta",
            "akceptacja regulaminu: odpowiedz „tak” albo „nie”",
            "„kolor”: nie znamy takiego pola",
        ] {
            assert!(out.contains(expected), "{expected:?} missing in:\n{out}");
        }
        // NIP errors are as precise; PESEL and NIP together are refused.
        let out = chat.say("nip: 888-020-54-54").await;
        assert!(out.contains("NIP: cyfra kontrolna się nie zgadza"), "{out}");
        let out = chat.say("pesel: 44051401359; nip: 8880205453").await;
        assert!(
            out.contains("podaj PESEL (osoba prywatna) albo NIP"),
            "{out}"
        );
        let out = chat.say("pesel: 4405140135").await;
        assert!(out.contains("PESEL ma 11 cyfr"), "{out}");
        // English field names and answers work too; the dialogue keeps what was valid.
        let out = chat
            .say("name: Jan Kowalski; pesel: 44051401359; invoice: FV/1/2025; email: jan@example.test; consent: yes; regulations: yes")
            .await;
        assert!(out.contains("Sprawdź wniosek"), "{out}");
        assert!(out.contains("PESEL: *******1359"), "{out}");
        assert!(out.contains("Umowa: UC/2019/1"), "{out}");
        assert!(!out.contains("44051401359"), "{out}");
    }
}

#[tokio::test]
async fn a_request_records_consents_with_the_regulations_version_and_time() {
    for backend in backends() {
        let t = TestApp::with_settings(&backend, |s| {
            s.regulations.version = "2031-07".into();
        })
        .await;
        let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
        let before = chrono::Utc::now();
        let id = register(&t.console("c1"), &form(&c, "jan@example.test")).await;
        let consents = t.app.store.registration_consents(id).await.unwrap();
        let kinds: Vec<&str> = consents.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["data_processing", "regulations"]);
        for consent in &consents {
            assert_eq!(consent.regulations_version, "2031-07");
            assert!(consent.given_at >= before - chrono::Duration::seconds(1));
            assert!(consent.withdrawn_at.is_none());
            assert_eq!(consent.channel, "console");
        }
        // The regulations can be read from the registration step.
        let out = t.console("c2").say("regulamin").await;
        assert!(out.contains("Regulamin e-BOK (wersja 2031-07)"), "{out}");
        assert_eq!(
            out.matches("Regulamin e-BOK").count(),
            1,
            "one title: {out}"
        );
        assert!(out.contains("1. e-BOK jest kanałem"), "{out}");
    }
}

#[tokio::test]
async fn the_anti_bot_check_asks_for_two_named_digits_and_gives_up_after_three_misses() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let c = person(&t, "Jan Kowalski", None).await;
        let chat = t.console("bot");
        let reply = chat
            .send(&format!("rejestracja\n{}", form(&c, "jan@example.test")))
            .await;
        let shown = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        assert!(shown.contains("Zabezpieczenie przed automatami"), "{shown}");
        assert!(
            regex_like_positions(&shown),
            "the positions are named: {shown}"
        );
        // Each miss shows new digits; the answer is checked against the current ones.
        let reply = chat.send(&wrong_answer(&reply)).await;
        let out = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        assert!(out.contains("Pozostałe próby: 2"), "{out}");
        let reply = chat.send(&wrong_answer(&reply)).await;
        let out = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        assert!(out.contains("Pozostałe próby: 1"), "{out}");
        let out = chat.say(&wrong_answer(&reply)).await;
        assert!(out.contains("Wniosek nie został złożony"), "{out}");
        assert!(
            t.app
                .store
                .pending_registrations(10)
                .await
                .unwrap()
                .is_empty()
        );
        // A correct answer submits (from a fresh chat).
        register(&t.console("human"), &form(&c, "jan@example.test")).await;
        assert_eq!(t.app.store.count_pending_registrations().await.unwrap(), 1);
    }
}

/// "Wpisz N. i M. cyfrę" with 1 ≤ N < M ≤ 5.
fn regex_like_positions(text: &str) -> bool {
    (1..=5).any(|a| (a + 1..=5).any(|b| text.contains(&format!("Wpisz {a}. i {b}. cyfrę"))))
}

#[tokio::test]
async fn one_source_cannot_flood_requests() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let chat = t.console("flooder");
        for i in 0..3 {
            let c = person(&t, &format!("Jan Kowalski {i}"), None).await;
            register(&chat, &form(&c, &format!("k{i}@example.test"))).await;
        }
        let out = chat.say("rejestracja").await;
        assert!(out.contains("zbyt wiele wniosków"), "{out}");
        // Another chat is not affected...
        let c = person(&t, "Anna Nowak", None).await;
        register(&t.console("other"), &form(&c, "anna@example.test")).await;
        // ...but one email address cannot be named in more than three requests a day.
        for i in 0..3 {
            let c = person(&t, &format!("Ewa Kot {i}"), None).await;
            let chat = t.console(&format!("src-{i}"));
            if i < 2 {
                register(&chat, &form(&c, "anna@example.test")).await;
            } else {
                let reply = chat
                    .send(&format!("rejestracja\n{}", form(&c, "anna@example.test")))
                    .await;
                let out = chat.say(&captcha_answer(&reply)).await;
                assert!(out.contains("zbyt wiele wniosków"), "{out}");
            }
        }
        // Failed anti-bot checks count too: after six, the source must wait.
        let c = person(&t, "Robot Robotowski", None).await;
        let bot = t.console("bot");
        for round in 0..2 {
            let reply = bot
                .send(&format!("rejestracja\n{}", form(&c, "bot@example.test")))
                .await;
            let mut reply = reply;
            for _ in 0..3 {
                reply = bot.send(&wrong_answer(&reply)).await;
                assert!(
                    !reply.template_names().contains(&"registration_submitted"),
                    "round {round}"
                );
            }
        }
        assert!(bot.say("rejestracja").await.contains("zbyt wiele"));
    }
}

#[tokio::test]
async fn a_second_request_for_the_same_customer_is_flagged_not_silently_merged() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
        let first = register(&t.console("a"), &form(&c, "jan@example.test")).await;
        let second = register(&t.console("b"), &form(&c, "ktos@example.test")).await;
        assert_ne!(first, second);
        let pending = t.app.store.pending_registrations(10).await.unwrap();
        assert_eq!(pending.len(), 2, "both requests stay, each on its own");
        let staff = t.console("staff");
        lifecycle::staff_on(&t, &staff, "Ewa Pracownik").await;
        let out = staff.say("wnioski").await;
        assert_eq!(
            out.matches("Inne wnioski: są inne oczekujące wnioski")
                .count(),
            2,
            "{out}"
        );
    }
}

#[tokio::test]
async fn staff_are_notified_where_they_are_logged_in_and_in_the_configured_places() {
    for backend in backends() {
        let t = TestApp::with_settings(&backend, |s| {
            // Parsed like the operator's file, so new optional keys need no change here.
            s.telegram = Some(toml::from_str("token = \"123:x\"\nstaff_chats = [900001]").unwrap());
            s.email = Some(
                toml::from_str(
                    "imap_host = \"127.0.0.1\"\nimap_port = 1\nimap_tls = \"plain\"\n\
                     imap_user = \"x\"\nimap_password = \"x\"\nmailbox = \"INBOX\"\n\
                     staff_addresses = [\"BOK@example.test\"]",
                )
                .unwrap(),
            );
        })
        .await;
        let staff_tg = t.chat(Channel::Telegram, "555001");
        lifecycle::staff_on(&t, &staff_tg, "Ewa Telegram").await;
        // A staff member on the console gets nothing pushed; an expired session neither.
        lifecycle::staff_on(&t, &t.console("desk"), "Olga Konsola").await;
        let stale = t.chat(Channel::Telegram, "555002");
        lifecycle::staff_on(&t, &stale, "Piotr Dawno").await;
        lifecycle::exec(
            &t,
            "UPDATE chat_sessions SET last_seen_at = $1 WHERE source = '555002'",
            chrono::Utc::now() - chrono::Duration::hours(2),
        )
        .await;
        let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
        let id = register(&t.console("c"), &form(&c, "jan@example.test")).await;
        let mut got: Vec<(String, String)> = Vec::new();
        for channel in ["telegram", "email"] {
            for (key, row) in t.app.store.outbox_rows(channel).await.unwrap() {
                assert!(key.starts_with(&format!("staff-new:{id}:")), "{key}");
                let payload = ebok::domain::payload::Payload::parse(&row.payload).unwrap();
                assert_eq!(payload.template, "staff_new_request");
                assert_eq!(payload.data["id"], id);
                got.push((channel.to_string(), row.recipient));
            }
        }
        got.sort();
        assert_eq!(
            got,
            vec![
                ("email".into(), "bok@example.test".into()),
                ("telegram".into(), "555001".into()),
                ("telegram".into(), "900001".into()),
            ]
        );
        // The notification renders with the flags and no PESEL.
        let (_, row) = &t.app.store.outbox_rows("telegram").await.unwrap()[0];
        let view = ebok::domain::payload::Payload::parse(&row.payload)
            .unwrap()
            .view()
            .unwrap();
        let text = t
            .app
            .renderer
            .view(
                ebok::render::Flavour::Telegram,
                ebok::domain::lang::Lang::Pl,
                &view,
            )
            .unwrap();
        assert!(text.contains("Nowy wniosek o dostęp nr"), "{text}");
        assert!(
            text.contains("Ostatnia faktura: to ostatnia faktura klienta"),
            "{text}"
        );
        assert!(!text.contains(c.pesel.as_deref().unwrap()), "{text}");
    }
}

#[tokio::test]
async fn the_pesel_is_never_stored_logged_or_shown_in_clear() {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let logs = Buffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    // Global, not thread-local: a thread-local subscriber misses events whose callsite
    // another test thread registered first (tracing caches the interest per callsite).
    // Every test's logs then pass through this check, which only makes it stricter.
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only global subscriber in tests");

    let mut nips = Vec::new();
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
        let pesel = c.pesel.clone().unwrap();
        let chat = t.console("c1");
        // Also a wrong PESEL and a form typed as the command's argument.
        chat.say(&format!("rejestracja pesel: {}0", &pesel[..10]))
            .await;
        let reply = chat.send(&form(&c, "jan@example.test")).await;
        assert!(reply.input_was_secret, "front ends may delete the message");
        let shown = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        assert!(!shown.contains(&pesel) && shown.contains(&format!("*******{}", &pesel[7..])));
        chat.say(&captcha_answer(&reply)).await;
        let staff = t.console("staff");
        lifecycle::staff_on(&t, &staff, "Ewa Pracownik").await;
        let listed = staff.say("wnioski").await;
        assert!(
            listed.contains("PESEL *******") && !listed.contains(&pesel),
            "{listed}"
        );
        let stored = all_stored_text(&t).await;
        assert!(!stored.contains(&pesel), "the PESEL is stored in clear");
        assert!(!stored.contains(&pesel[..10]));
        // A sole trader's NIP likewise: deleted from the chat, masked in every echo,
        // summary and staff view, never in the log.
        let f = firm(
            &t,
            "Jan Kowalski Usługi Hydrauliczne",
            Some("jan@example.test"),
        )
        .await;
        let nip = f.nip.clone().unwrap();
        let formatted = format!("{}-{}-{}-{}", &nip[..3], &nip[3..6], &nip[6..8], &nip[8..]);
        let mask = format!("***-***-{}-{}", &nip[6..8], &nip[8..]);
        let chat = t.console("c2");
        chat.say("rejestracja").await;
        let reply = chat.send(&format!("nip: {nip}\nnazwa: {}", f.name)).await;
        assert!(
            reply.input_was_secret,
            "front ends delete the NIP's message"
        );
        let reply = chat.send(&form(&f, "jan@example.test")).await;
        assert!(reply.input_was_secret);
        let shown = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        assert!(shown.contains(&format!("NIP: {mask}")), "{shown}");
        assert!(
            !shown.contains(&nip) && !shown.contains(&formatted),
            "{shown}"
        );
        chat.say(&captcha_answer(&reply)).await;
        let listed = staff.say("wnioski").await;
        assert!(
            listed.contains(&format!("NIP {mask}"))
                && !listed.contains(&nip)
                && !listed.contains(&formatted),
            "{listed}"
        );
        let stored = all_stored_text(&t).await;
        assert!(
            !stored.contains(&nip) && !stored.contains(&formatted),
            "{stored}"
        );
        nips.push(nip);
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("registration request stored"),
        "logging works: {logs}"
    );
    assert!(!logs.contains("800515"), "a PESEL reached the log:\n{logs}");
    for nip in nips {
        assert!(!logs.contains(&nip), "a NIP reached the log:\n{logs}");
    }
}
