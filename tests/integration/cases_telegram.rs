//! A complaint about a bill on Telegram with a photo (the fake Bot API, on SQLite and
//! PostgreSQL): filed through the buttons, announced to staff in their chat, taken from
//! the push's button, extended to 30 days and answered — each step reaching the
//! customer's chat through the outbox — then followed by the customer, photo included.

use crate::helpers::backends;
use crate::telegram_support::{Bot, PASSWORD, has};
use chrono::TimeZone;

/// The next 10:00 (Warsaw) after now.
pub fn next_daytime() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now().with_timezone(&ebok::domain::calendar::TZ);
    let tomorrow = now.date_naive().succ_opt().unwrap();
    let at = tomorrow.and_hms_opt(10, 0, 0).unwrap();
    ebok::domain::calendar::TZ
        .from_local_datetime(&at)
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// A JPEG's first bytes and some more: what a camera sends, to the case's eyes.
const PHOTO: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0 radiator at 18 C";

#[tokio::test]
async fn a_bill_complaint_with_a_photo_is_filed_taken_extended_answered_and_followed() {
    for backend in backends() {
        let bot = Bot::start(&backend).await; // today: Monday 10 March 2025
        // The clock forward to the next 10:00 in Warsaw, so quiet hours hold nothing
        // back (forward only: the outbox's rows are due from when they were written).
        bot.t.app.core.clock().set(next_daytime());
        let (jan, ewa) = (7001, 7100);
        let staff_id = bot.t.account(None, "Ewa Pracownik", PASSWORD).await;
        bot.say(
            ewa,
            &format!("zaloguj {staff_id} {PASSWORD}"),
            has("pracownika"),
        )
        .await;
        let account = bot.customer_account("K-00102").await;
        bot.login(jan, &account).await;

        let m = bot.say(jan, "/reklamacja", has("Nowa reklamacja")).await;
        let labels: Vec<&str> = m.buttons().map(|b| b.text.as_str()).collect();
        assert!(labels.contains(&"⚠️ Wstrzymanie dostaw (6c)"), "{labels:?}");
        bot.fake.press_button(jan, m.message_id, "🧾 Rachunek");
        let m = bot.after(jan, m.message_id, has("Którego rachunku")).await;
        bot.fake
            .press_button(jan, m.message_id, "🧾 FV/2025/02/000102");
        let m = bot.after(jan, m.message_id, has("Opisz sprawę")).await;
        let mid = bot
            .fake
            .push_text(jan, "Za luty naliczono 12 GJ, a grzejniki były zimne.");
        let filed = bot
            .after(jan, mid, has("Przyjęliśmy reklamację nr RK/2025/000001"))
            .await;
        assert!(
            filed.visible().contains("Odpowiemy do 24.03.2025"),
            "{}",
            filed.visible()
        );
        assert!(m.message_id < filed.message_id);
        let p = bot.fake.push_photo(jan, PHOTO, None);
        bot.after(
            jan,
            p,
            has("Dopisano do sprawy RK/2025/000001: załączniki (1)"),
        )
        .await;
        bot.say(jan, "gotowe", has("jest kompletna")).await;

        // Staff's push, with its buttons; taking it from there.
        let push = bot
            .fake
            .expect_message(
                ewa,
                has("Nowa sprawa: RK/2025/000001"),
                crate::telegram_support::T,
            )
            .await;
        assert!(
            push.visible().contains("Klient: K-00102"),
            "{}",
            push.visible()
        );
        bot.fake.press_button(ewa, push.message_id, "🙋 Przejmij");
        bot.after(ewa, push.message_id, has("sprawa przyjęta do rozpatrzenia"))
            .await;
        let before = bot.last_id(jan);
        bot.after(
            jan,
            before - 1,
            has("Sprawa RK/2025/000001: sprawa przyjęta"),
        )
        .await;

        // The extension reaches the customer with the reason and the new deadline.
        let before = bot.last_id(jan);
        bot.say(
            ewa,
            "/przedluz RK/2025/000001 Potrzebny odczyt kontrolny licznika.",
            has("termin przedłużony"),
        )
        .await;
        let ext = bot
            .after(jan, before, has("Nowy termin odpowiedzi: 09.04.2025"))
            .await;
        assert!(
            ext.visible().contains("Potrzebny odczyt kontrolny"),
            "{}",
            ext.visible()
        );

        let before = bot.last_id(jan);
        bot.say(
            ewa,
            "/odpowiedz RK/2025/000001 czesciowo Korygujemy 6 GJ; reszta zgodna z odczytem.",
            has("odpowiedź"),
        )
        .await;
        let answer = bot.after(jan, before, has("uwzględniona częściowo")).await;
        assert!(
            answer.visible().contains("Korygujemy 6 GJ"),
            "{}",
            answer.visible()
        );
        assert!(
            answer.visible().contains("pozasądowe rozwiązanie sporu"),
            "{}",
            answer.visible()
        );

        let case = bot
            .say(jan, "/sprawa RK/2025/000001", has("Historia"))
            .await;
        let text = case.visible();
        assert!(
            text.contains("Stan: rozpatrzona — uwzględniona częściowo"),
            "{text}"
        );
        assert!(text.contains("termin odpowiedzi: 09.04.2025"), "{text}");
        assert!(text.contains("dodany załącznik"), "{text}");
        assert!(text.contains(&format!("Prowadzi: {staff_id}")), "{text}");
        bot.say(jan, "/sprawa RK/2025/000001 plik 1", |_| true)
            .await;
        bot.fake
            .wait_until(
                |f| f.documents_to(jan).iter().any(|d| d.bytes == PHOTO),
                crate::telegram_support::T,
            )
            .await;
        assert!(bot.fake.documents_to(jan).iter().any(|d| d.bytes == PHOTO));
        bot.assert_no_errors();
    }
}
