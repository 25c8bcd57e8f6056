//! Registration in the bot one field at a time (with a way back, consent buttons, the
//! regulations as a document, the digits check and the summary), and staff deciding on the
//! pushed notification with Approve / Reject buttons.

use crate::helpers::backends;
use crate::telegram_support::{Bot, PASSWORD, T, captcha_answer, has};
use fake_telegram::SentMessage;

/// Presses `label` on `message` and returns the first bot message after it matching `pred`.
pub async fn press(
    bot: &Bot,
    user: i64,
    message: &SentMessage,
    label: &str,
    pred: impl Fn(&SentMessage) -> bool,
) -> SentMessage {
    let before = bot.last_id(user);
    bot.fake.press_button(user, message.message_id, label);
    bot.after(user, before, pred).await
}

/// A staff member logged in to the bot in chat `user`.
pub async fn staff_in_bot(bot: &Bot, user: i64) -> String {
    let id = bot.t.account(None, "Anna Nowak", PASSWORD).await;
    bot.say(
        user,
        &format!("zaloguj {id} {PASSWORD}"),
        has("konto pracownika"),
    )
    .await;
    id
}

#[tokio::test]
async fn registration_step_by_step_then_staff_approve_and_reject_with_buttons() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let staff = 30;
        staff_in_bot(&bot, staff).await;

        let user = 31;
        let step = bot.say(user, "/rejestracja", has("Krok 1 z 7")).await;
        assert!(
            step.button("✖ Anuluj").is_some(),
            "{:?}",
            step.inline_keyboard
        );
        bot.say(user, "Zofia Wiśniewska", has("Krok 2 z 7")).await;
        // Back: the name is asked again, then given again.
        let step2 = bot.fake.last_message_to(user).unwrap();
        let step1 = press(&bot, user, &step2, "◀ Wstecz", has("Krok 1 z 7")).await;
        assert!(step1.button("◀ Wstecz").is_none());
        let step2 = bot.say(user, "Zofia Wiśniewska", has("Krok 2 z 7")).await;
        assert!(
            step2.visible().contains("✅ nazwa: Zofia Wiśniewska"),
            "{}",
            step2.visible()
        );

        let pesel = bot.fake.push_text(user, "58031245127");
        let step3 = bot.after(user, pesel, has("Krok 3 z 7")).await;
        assert!(
            step3.visible().contains("*******5127"),
            "{}",
            step3.visible()
        );
        assert!(!step3.visible().contains("58031245127"));
        assert!(
            bot.fake
                .calls_of("deleteMessage")
                .iter()
                .any(|c| c.ok() && c.param("message_id") == Some(pesel.to_string())),
            "the PESEL message stays in the chat"
        );
        bot.say(user, "FV/2025/02/000101", has("Krok 4 z 7")).await;
        let wrong = bot.say(user, "UM", has("Popraw")).await;
        assert!(
            wrong.visible().contains("Krok 4 z 7"),
            "{}",
            wrong.visible()
        );
        bot.say(user, "UM/2019/0101", has("Krok 5 z 7")).await;
        let consent = bot
            .say(user, "zofia.w@example.test", has("Krok 6 z 7"))
            .await;
        let regs = press(
            &bot,
            user,
            &consent,
            "✅ Tak, wyrażam zgodę",
            has("Krok 7 z 7"),
        )
        .await;
        press(&bot, user, &regs, "📄 Regulamin", has("Krok 7 z 7")).await;
        let doc = bot
            .fake
            .documents_to(user)
            .into_iter()
            .find(|d| d.file_name.starts_with("regulamin"))
            .expect("the regulations as a document");
        assert!(doc.bytes.starts_with(b"%PDF"));
        let regs = bot.fake.last_message_to(user).unwrap();
        let summary = press(&bot, user, &regs, "✅ Akceptuję regulamin", has("Wpisz")).await;
        assert!(
            summary.visible().contains("Sprawdź wniosek"),
            "{}",
            summary.visible()
        );
        assert!(summary.visible().contains("UM/2019/0101"));
        assert!(summary.button("◀ Wstecz").is_some() && summary.button("✖ Anuluj").is_some());
        let answer = captcha_answer(summary.visible());
        let done = bot.say(user, &answer, has("został przyjęty")).await;
        assert!(done.visible().contains("3 dni roboczych"));

        // The staff chat gets the request with its buttons.
        let note = bot
            .fake
            .expect_message(staff, has("Nowy wniosek o dostęp"), T)
            .await;
        assert!(note.visible().contains("Zofia Wiśniewska"));
        assert!(!note.visible().contains("58031245127"));
        let approve = note
            .buttons()
            .find(|b| b.text.starts_with("✅ Zatwierdź"))
            .unwrap()
            .text
            .clone();
        // Her address differs from the billing record's: staff choose one with a button.
        let choose = press(&bot, staff, &note, &approve, has("różni się od kartoteki")).await;
        let typed = choose
            .buttons()
            .find(|b| b.text.contains("e-mail z wniosku"))
            .unwrap_or_else(|| panic!("{:?}", choose.inline_keyboard))
            .text
            .clone();
        assert!(typed.contains("zofia.w@example.test"), "{typed}");
        assert!(
            choose
                .buttons()
                .any(|b| b.text.contains("e-mail z kartoteki"))
        );
        let approved = press(&bot, staff, &choose, &typed, has("zatwierdzony")).await;
        assert!(approved.visible().contains("zofia.w@example.test"));
        // A double tap decides nothing twice (and says nothing twice).
        let q = bot.fake.press_button(staff, choose.message_id, &typed);
        assert!(
            bot.fake
                .wait_until(|f| f.callback_answer(&q).is_some(), T)
                .await
        );
        bot.say(staff, "/wnioski", has("Brak wniosków")).await;
        let decided = bot
            .fake
            .messages_to(staff)
            .into_iter()
            .filter(|m| m.visible().contains("zatwierdzony") || m.visible().contains("ma już"))
            .count();
        assert_eq!(decided, 1);

        // A firm in one form message; the staff member rejects it with a reason button.
        let firm = 32;
        let form = "rejestracja nazwa: Spółdzielnia Mieszkaniowa Zazamcze; nip: 888-123-45-63; \
                    faktura: FV/2025/02/000201; umowa: UM/2018/0201; email: biuro@example.test; \
                    zgoda: tak; regulamin: tak";
        let summary = bot.say(firm, form, has("Wpisz")).await;
        bot.say(
            firm,
            &captcha_answer(summary.visible()),
            has("został przyjęty"),
        )
        .await;
        let note = bot.fake.expect_message(staff, has("Spółdzielnia"), T).await;
        let reject = note
            .buttons()
            .find(|b| b.text.starts_with("❌ Odrzuć"))
            .unwrap()
            .text
            .clone();
        let reasons = press(&bot, staff, &note, &reject, has("Wybierz powód")).await;
        let rejected = press(
            &bot,
            staff,
            &reasons,
            "Faktura lub umowa nie należy do klienta.",
            has("odrzucony"),
        )
        .await;
        assert!(rejected.visible().contains("biuro@example.test"));
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn registration_can_be_cancelled_and_restarted_by_form_lines() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let user = 41;
        // The greeting's menu starts it too.
        let hello = bot.say(user, "/start", has("Witamy")).await;
        for label in ["🔑 Zaloguj", "📝 Rejestracja", "📢 Wiadomości", "☎ Kontakt"] {
            assert!(
                hello.button(label).is_some(),
                "{label}: {:?}",
                hello.inline_keyboard
            );
        }
        let step = press(&bot, user, &hello, "📝 Rejestracja", has("Krok 1 z 7")).await;
        press(&bot, user, &step, "✖ Anuluj", has("Przerwano")).await;
        bot.say(user, "/rejestracja", has("Krok 1 z 7")).await;
        // Lines of the form work in the step dialogue too, several at once.
        let step = bot
            .say(
                user,
                "nazwa: Jan Kowalski\npesel: 85113023816",
                has("Krok 3 z 7"),
            )
            .await;
        assert!(!step.visible().contains("85113023816"));
        bot.say(user, "/anuluj", has("Przerwano")).await;
        bot.say(user, "/saldo", has("wymaga zalogowania")).await;
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn staff_publish_an_announcement_that_customers_see() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let staff = 50;
        staff_in_bot(&bot, staff).await;
        let wrong = bot
            .say(
                staff,
                "/komunikat plotka Tytuł | treść",
                has("Nieznany rodzaj"),
            )
            .await;
        assert!(wrong.visible().contains("komunikat <rodzaj>"));
        // A draft first: whom it reaches, and a button to send it.
        let draft = bot
            .say(
                staff,
                "/komunikat awaria do 2025-03-12 Awaria sieci <WS-12> & okolice | Dostawa ciepła może być ograniczona do 18:00.",
                has("Szkic komunikatu"),
            )
            .await;
        assert!(
            draft.visible().contains("Dotrze do 3 klientów"),
            "{}",
            draft.visible()
        );
        let reference = draft
            .visible()
            .split_whitespace()
            .find(|w| w.starts_with("EBOK-"))
            .unwrap()
            .trim_end_matches(':')
            .to_string();
        bot.fake
            .press_button(staff, draft.message_id, &format!("📣 Wyślij {reference}"));
        let done = bot
            .after(staff, draft.message_id, has("Opublikowano komunikat"))
            .await;
        assert!(done.visible().contains("12.03.2025"), "{}", done.visible());
        let audit = bot
            .say(staff, "/dziennik 5", has("opublikowanie komunikatu"))
            .await;
        assert!(audit.visible().contains("EBOK-"));

        // Anyone sees it under messages; for a customer the staff command does not exist.
        let customer = 51;
        let news = bot
            .say(
                customer,
                "/wiadomosci",
                has("Awaria sieci <WS-12> & okolice"),
            )
            .await;
        assert!(
            news.visible()
                .contains("Dostawa ciepła może być ograniczona do 18:00.")
        );
        bot.say(customer, "/komunikat awaria Tytuł | treść", has("Nie znam"))
            .await;
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn a_staff_login_brings_the_staff_menu_to_that_chat_only() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let staff = 60;
        let names = |list: Option<Vec<(String, String)>>| -> Vec<String> {
            list.unwrap_or_default().into_iter().map(|c| c.0).collect()
        };
        staff_in_bot(&bot, staff).await;
        // setMyCommands comes after the reply: wait for the chat's own menu.
        assert!(
            bot.fake
                .wait_until(|f| f.chat_commands(staff, None).is_some(), T)
                .await,
            "no menu for the staff chat; calls: {:#?}",
            bot.fake.calls_of("setMyCommands")
        );
        let menu = names(bot.fake.chat_commands(staff, None));
        for name in ["wnioski", "zatwierdz", "odrzuc", "zablokuj", "saldo"] {
            assert!(menu.contains(&name.to_string()), "{name}: {menu:?}");
        }
        // The common menu still has none of them, and a customer's chat gets no own menu.
        let common = names(bot.fake.my_commands(None));
        assert!(!common.contains(&"wnioski".to_string()), "{common:?}");
        let customer = 61;
        let zofia = bot.customer_account("K-00101").await;
        bot.login(customer, &zofia).await;
        bot.say(customer, "/wyloguj", has("Wylogowano")).await;
        assert_eq!(bot.fake.chat_commands(customer, None), None);

        // Logging out takes the staff menu away again.
        bot.say(staff, "/wyloguj", has("Wylogowano")).await;
        assert!(
            bot.fake
                .wait_until(|f| f.chat_commands(staff, None).is_none(), T)
                .await,
            "the staff menu stayed after logout"
        );
        bot.assert_no_errors();
    }
}

/// A sole trader's NIP is personal data: its message goes like the PESEL's, and only its
/// mask is shown back.
#[tokio::test]
async fn a_nip_typed_in_a_step_is_deleted_and_shown_masked() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let user = 41;
        bot.say(user, "/rejestracja", has("Krok 1 z 7")).await;
        let step2 = bot
            .say(user, "Jan Kowalski Usługi", has("Krok 2 z 7"))
            .await;
        assert!(
            step2.visible().contains("PESEL albo NIP usunę"),
            "{}",
            step2.visible()
        );
        let nip = bot.fake.push_text(user, "888-020-54-53");
        let step3 = bot.after(user, nip, has("Krok 3 z 7")).await;
        let shown = step3.visible();
        assert!(shown.contains("***-***-54-53"), "{shown}");
        assert!(
            !shown.contains("8880205453") && !shown.contains("888-020"),
            "{shown}"
        );
        assert!(
            bot.fake
                .calls_of("deleteMessage")
                .iter()
                .any(|c| c.ok() && c.param("message_id") == Some(nip.to_string())),
            "the NIP message stays in the chat"
        );
    }
}
