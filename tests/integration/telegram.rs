//! The Telegram front end driven as a user would, through the strict fake Bot API: menus,
//! login with the password message deleted, every view with its buttons, edits in place,
//! documents, forged and stale buttons, staff commands hidden from strangers, sessions
//! kept across a restart. What Telegram imposes and odd input: `telegram_limits`.

use crate::helpers::backends;
use crate::telegram_support::{Bot, PASSWORD, T, has};
use fake_telegram::SentMessage;

const ZOFIA: &str = "K-00101";

#[tokio::test]
async fn start_help_and_the_command_menus() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let pl = bot.fake.my_commands(None).unwrap();
        assert!(
            pl.iter().any(|(c, d)| c == "saldo" && d.contains("saldo")),
            "{pl:?}"
        );
        assert!(pl.iter().any(|(c, _)| c == "nowe_haslo"));
        assert!(pl.iter().all(|(c, _)| c != "wnioski" && c != "zatwierdz"));
        let en = bot.fake.my_commands(Some("en")).unwrap();
        assert!(
            en.iter()
                .any(|(c, d)| c == "balance" && d.contains("balance")),
            "{en:?}"
        );

        let hello = bot.say(1001, "/start", has("Witamy w e-BOK")).await;
        assert!(hello.visible().contains("zaloguj"));
        let help = bot.say(1001, "/pomoc", has("Polecenia e-BOK")).await;
        for name in ["saldo", "rachunki", "kalendarz", "rejestracja"] {
            assert!(help.visible().contains(name), "{name}");
        }
        assert!(
            !help.visible().contains("zatwierdz"),
            "staff commands are hidden"
        );

        bot.fake.push_text_from(1002, "en", "/start");
        bot.fake.expect_message(1002, has("e-BOK"), T).await;
        let help = bot.say(1002, "/help", has("balance")).await;
        assert!(!help.visible().contains("saldo"), "{}", help.visible());
        // A language chosen in the chat wins over the app's.
        bot.say(1002, "language pl", |_| true).await;
        let help = bot.say(1002, "/help", has("Polecenia e-BOK")).await;
        assert!(help.visible().contains("saldo"), "{}", help.visible());
        // The menu's underscore form of a hyphenated command reaches the core.
        bot.say(1001, "/nowe_haslo", |m| {
            m.visible().contains("identyfikator")
        })
        .await;
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn login_dialogue_deletes_the_password_and_failures_wait() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let id = bot.customer_account(ZOFIA).await;
        let user = 2001;
        bot.say(user, "/zaloguj", has("identyfikator")).await;
        bot.say(user, &id, has("hasło")).await;
        let secret = bot.fake.push_text(user, PASSWORD);
        let panel = bot.after(user, secret, has("Ogólne bieżące saldo")).await;
        assert!(panel.visible().contains("Zofia Wiśniewska"));
        let deleted = bot.fake.calls_of("deleteMessage");
        assert!(
            deleted
                .iter()
                .any(|c| c.ok() && c.param("message_id") == Some(secret.to_string())),
            "the password message was not deleted: {deleted:?}"
        );
        assert!(panel.buttons().count() >= 2, "panel buttons: {panel:?}");

        // A wrong password: the seed's text and the wait; the message is deleted too.
        let other = 2002;
        let wrong = bot
            .fake
            .push_text(other, &format!("zaloguj {id} zle-haslo-123"));
        let failed = bot.after(other, wrong, has("nieprawidłowe")).await;
        assert!(
            failed.visible().contains("po 5 sek."),
            "{}",
            failed.visible()
        );
        assert!(
            bot.fake
                .calls_of("deleteMessage")
                .iter()
                .any(|c| c.param("message_id") == Some(wrong.to_string()))
        );

        // When Telegram refuses the deletion, the user is asked to delete it.
        bot.say(user, "wyloguj", has("Wylogowano")).await;
        bot.fake.fail_next(
            "deleteMessage",
            400,
            "Bad Request: message can't be deleted",
            None,
        );
        let typed = bot
            .fake
            .push_text(user, &format!("zaloguj {id} {PASSWORD}"));
        bot.after(user, typed, has("Usuń ją sam")).await;
        bot.after(user, typed, has("Ogólne bieżące saldo")).await;
        let errors = bot.fake.errors();
        assert!(errors.iter().all(|c| c.is("deleteMessage")), "{errors:?}");
    }
}

#[tokio::test]
async fn views_with_paging_details_pdf_documents_and_calendar() {
    for backend in backends() {
        let bot = Bot::start_with(&backend, |s| s.app.page_size = 1).await;
        let id = bot.customer_account(ZOFIA).await;
        let user = 3001;
        bot.login(user, &id).await;

        let bills = bot.say(user, "/rachunki", has("strona 1 z 2")).await;
        assert!(bills.visible().contains("FV/2025/02/000101"));
        bot.fake.press_button(user, bills.message_id, "strona 2 ▶");
        let page2 = bot
            .edited(user, bills.message_id, has("strona 2 z 2"))
            .await;
        assert!(page2.visible().contains("FV/2025/01/000101"));
        assert!(
            page2.button("◀ strona 1").is_some(),
            "{:?}",
            page2.inline_keyboard
        );

        let before = bot.last_id(user);
        bot.fake
            .press_button(user, bills.message_id, "🔍 FV/2025/01/000101");
        let items = bot.after(user, before, has("Pozycje dokumentu")).await;
        assert!(items.visible().contains("Opłata za ciepło"));
        assert!(items.visible().contains("razem"));

        bot.fake
            .press_button(user, bills.message_id, "⬇️ PDF FV/2025/01/000101");
        assert!(
            bot.fake
                .wait_until(|f| !f.documents_to(user).is_empty(), T)
                .await
        );
        let pdf = &bot.fake.documents_to(user)[0];
        assert!(pdf.bytes.starts_with(b"%PDF"), "{}", pdf.file_name);
        assert!(pdf.file_name.ends_with(".pdf"));

        let docs = bot.say(user, "/dokumenty", has("umowy i aneksy")).await;
        let download = docs.buttons().next().unwrap().text.clone();
        bot.fake.press_button(user, docs.message_id, &download);
        assert!(
            bot.fake
                .wait_until(|f| f.documents_to(user).len() == 2, T)
                .await
        );

        let cal = bot
            .say(user, "/kalendarz", has("Kalendarz: marzec 2025"))
            .await;
        bot.fake.press_button(user, cal.message_id, "2025-04 ▶");
        let april = bot.edited(user, cal.message_id, has("kwiecień 2025")).await;
        bot.fake.press_button(user, cal.message_id, "◀ 2025-03");
        bot.edited(user, cal.message_id, has("marzec 2025")).await;
        assert!(april.edit_count >= 1);

        for (command, text) in [
            ("/saldo", "Ogólne bieżące saldo"),
            ("/windykacje", "Windykacje"),
            ("/wiadomosci", "Wiadomości"),
            ("/kontakt", "Płocka"),
            ("/zgody", "regulamin"),
        ] {
            bot.say(user, command, has(text)).await;
        }
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn forged_stale_and_double_tapped_buttons() {
    for backend in backends() {
        let bot = Bot::start_with(&backend, |s| s.app.page_size = 1).await;
        let zofia = bot.customer_account(ZOFIA).await;
        let user = 4001;
        bot.login(user, &zofia).await;
        let bills = bot.say(user, "/rachunki", has("strona 1 z 2")).await;

        // Forged data that is not on the message is refused before the core sees it.
        let forged =
            bot.fake
                .push_callback_unchecked(user, bills.message_id, "faktura FV/2025/02/000102");
        assert!(
            bot.fake
                .wait_until(|f| f.callback_answer(&forged).is_some(), T)
                .await
        );
        assert!(
            bot.fake.callback_answer(&forged).unwrap()["text"]
                .as_str()
                .unwrap()
                .contains("nieaktualny")
        );
        // On a message Telegram no longer shows (inaccessible), it is just a command, and
        // the session decides: another customer's bill does not exist for Zofia.
        let before = bot.last_id(user);
        bot.fake
            .push_callback_unchecked(user, 999_999, "faktura FV/2025/02/000102");
        let answer = bot.after(user, before, |_| true).await;
        assert!(
            answer.visible().contains("FV/2025/02/000102"),
            "{}",
            answer.visible()
        );
        assert!(!answer.visible().contains("934,30"), "{}", answer.visible());
        assert!(!answer.visible().contains("Kowalski"));

        // Data we never produced, and a button that was replaced by an edit: refused.
        let q = bot
            .fake
            .push_callback_unchecked(user, bills.message_id, "#4711");
        assert!(
            bot.fake
                .wait_until(|f| f.callback_answer(&q).is_some(), T)
                .await
        );
        assert!(
            bot.fake.callback_answer(&q).unwrap()["text"]
                .as_str()
                .unwrap()
                .contains("nieaktualny")
        );
        bot.fake.press_button(user, bills.message_id, "strona 2 ▶");
        bot.edited(user, bills.message_id, has("strona 2 z 2"))
            .await;
        let stale = bot
            .fake
            .push_callback_unchecked(user, bills.message_id, "rachunki 2");
        assert!(
            bot.fake
                .wait_until(|f| f.callback_answer(&stale).is_some(), T)
                .await
        );

        // A double tap on PDF sends one document.
        let label = "⬇️ PDF FV/2025/01/000101";
        let first = bot.fake.press_button(user, bills.message_id, label);
        let second = bot.fake.press_button(user, bills.message_id, label);
        assert!(
            bot.fake
                .wait_until(
                    |f| f.callback_answer(&first).is_some() && f.callback_answer(&second).is_some(),
                    T
                )
                .await
        );
        // A later command proves both presses were handled before it.
        bot.say(user, "/saldo", has("Ogólne bieżące saldo")).await;
        assert_eq!(bot.fake.documents_to(user).len(), 1);

        // After logout, old buttons show nothing.
        bot.say(user, "/wyloguj", has("Wylogowano")).await;
        let before = bot.last_id(user);
        bot.fake
            .push_callback_unchecked(user, bills.message_id, "faktura FV/2025/01/000101");
        bot.after(user, before, has("wymaga zalogowania")).await;
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn a_stranger_cannot_use_staff_commands() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let zofia = bot.customer_account(ZOFIA).await;
        let user = 5001;
        let unknown = bot.say(user, "abrakadabra 1", has("Nie znam")).await;
        let same = |m: &SentMessage, word: &str| {
            assert_eq!(
                m.visible().replace(word, "X"),
                unknown.visible().replace("abrakadabra", "X")
            )
        };
        for (line, word) in [
            ("/wnioski", "wnioski"),
            ("zatwierdz 1", "zatwierdz"),
            ("odrzuc 1", "odrzuc"),
            ("zablokuj EB1", "zablokuj"),
        ] {
            let reply = bot.say(user, line, has("Nie znam")).await;
            same(&reply, word);
        }
        bot.login(user, &zofia).await;
        for (line, word) in [("/wnioski", "wnioski"), ("odrzuc 1", "odrzuc")] {
            let reply = bot.say(user, line, has("Nie znam")).await;
            same(&reply, word);
        }
        // A forged staff button: refused when it is not on the message, and on a message
        // Telegram no longer shows it is an unknown command like any other.
        let bills = bot
            .say(user, "/rachunki", |m| !m.inline_keyboard.is_empty())
            .await;
        let q = bot
            .fake
            .push_callback_unchecked(user, bills.message_id, "zatwierdz 1");
        assert!(
            bot.fake
                .wait_until(|f| f.callback_answer(&q).is_some(), T)
                .await
        );
        let before = bot.last_id(user);
        bot.fake
            .push_callback_unchecked(user, 999_999, "zatwierdz 1");
        let reply = bot.after(user, before, has("Nie znam")).await;
        same(&reply, "zatwierdz");
        assert_eq!(
            bot.t.app.store.count_pending_registrations().await.unwrap(),
            0
        );
        bot.assert_no_errors();
    }
}

/// Sessions and dialogue state are in the database: a restarted bot still knows them.
#[tokio::test]
async fn sessions_and_dialogues_survive_a_restart() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let id = bot.customer_account(ZOFIA).await;
        let (user, other) = (10_001, 10_002);
        bot.login(user, &id).await;
        bot.say(other, "/zaloguj", has("identyfikator")).await;
        let bot = bot.restart().await;
        bot.say(user, "/saldo", has("Ogólne bieżące saldo")).await;
        // The other chat is still asked for its identifier, then its password.
        bot.say(other, &id, has("hasło")).await;
        let errors: Vec<_> = bot
            .fake
            .errors()
            .into_iter()
            .filter(|c| !c.is("getUpdates"))
            .collect();
        assert_eq!(errors, vec![], "the fake refused requests");
    }
}
