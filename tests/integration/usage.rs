//! `zuzycie` / `usage`: the figures a customer reads equal the sums of the imported
//! line items; the chart is a PNG of the stated size; a customer whose bills came
//! without line items is told what is missing; both languages; console and Telegram.

use crate::helpers::{TestApp, backends};
use crate::telegram_support::import;
use crate::usage_support::{TODAY, gj, history, zl};
use crate::views::login_customer;
use ebok::domain::calendar::YearMonth;

fn ym(year: i32, month: u32) -> YearMonth {
    YearMonth { year, month }
}

async fn app_with_history(
    backend: &crate::helpers::Backend,
) -> (TestApp, crate::usage_support::History) {
    let t = TestApp::new(backend).await;
    let (y, m, d) = TODAY;
    t.app
        .core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
    let h = history();
    import(&t, h.dir.path()).await;
    (t, h)
}

fn png_size(png: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    (reader.info().width, reader.info().height)
}

#[tokio::test]
async fn usage_figures_are_the_imported_items_summed() {
    for backend in backends() {
        let (t, h) = app_with_history(&backend).await;
        login_customer(&t, "K-00101", "usage-console").await;
        let chat = t.console("usage-console");

        let reply = chat.send("zuzycie").await;
        let text = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        let s = h.sum(ym(2023, 12), ym(2025, 11));
        let totals = format!(
            "Razem: {} GJ, {} brutto (opłaty stałe {}, zmienne {})",
            gj(s.gj),
            zl(s.fixed_gr + s.variable_gr),
            zl(s.fixed_gr),
            zl(s.variable_gr)
        );
        assert!(text.contains(&totals), "{totals}\n{text}");
        assert!(text.contains("grudzień 2023 – listopad 2025"), "{text}");
        let nov = h.months[&ym(2025, 11)];
        let row = format!("lis 2025 {:>9}", gj(nov.gj));
        assert!(text.contains(&row), "{row}\n{text}");
        assert!(
            text.contains("Rok do roku (listopad 2025 i listopad 2024): koszt +"),
            "{text}"
        );
        assert!(text.contains("Bez danych o pogodzie"), "{text}");
        assert_eq!(reply.attachments.len(), 1);
        let chart = &reply.attachments[0];
        assert_eq!(chart.file_name, "zuzycie-K-00101-2023-12-2025-11.png");
        assert_eq!(chart.content_type, "image/png");
        assert!(chart.inline);
        assert_eq!(png_size(&chart.body), (1000, 760));

        let year = chat.say("zuzycie 2024").await;
        let s = h.sum(ym(2024, 1), ym(2024, 12));
        assert!(year.contains("rok 2024"), "{year}");
        assert!(
            year.contains(&format!(
                "Razem: {} GJ, {} brutto",
                gj(s.gj),
                zl(s.fixed_gr + s.variable_gr)
            )),
            "{year}"
        );

        let season = chat.say("zuzycie sezon").await;
        let this = h.sum(ym(2025, 7), ym(2025, 11));
        let last = h.sum(ym(2024, 7), ym(2024, 11));
        let line = format!(
            "Sezon 2025/26 do teraz (5 mies.): {} GJ, {}; te same miesiące sezonu 2024/25: {} GJ, {}.",
            gj(this.gj),
            zl(this.fixed_gr + this.variable_gr),
            gj(last.gj),
            zl(last.fixed_gr + last.variable_gr)
        );
        assert!(season.contains(&line), "{line}\n{season}");

        let none = chat.say("zuzycie 2019").await;
        assert!(
            none.contains("W tym okresie nie ma rachunków z pozycjami"),
            "{none}"
        );
        let bad = chat.say("zuzycie wczoraj").await;
        assert!(bad.contains("zuzycie [RRRR|sezon]"), "{bad}");

        chat.say("jezyk en").await;
        let en = chat.say("usage").await;
        assert!(en.contains("December 2023 to November 2025"), "{en}");
        assert!(
            en.contains(&format!(
                "Total: {} GJ",
                gj(h.sum(ym(2023, 12), ym(2025, 11)).gj)
            )),
            "{en}"
        );
        assert!(en.contains("Without weather data"), "{en}");
    }
}

/// A housing community: each building (point of delivery) beside the total.
#[tokio::test]
async fn a_community_sees_each_building_and_the_total() {
    for backend in backends() {
        let (t, _h) = app_with_history(&backend).await;
        login_customer(&t, "F-00201", "usage-buildings").await;
        let text = t.console("usage-buildings").say("zuzycie 2025").await;
        assert!(text.contains("Punkty poboru:"), "{text}");
        // 120,500 GJ × 62,87 zł = 7 575,84 zł net, 9 318,28 zł with VAT.
        assert!(
            text.contains("• ul. Kaliska 76: 120,500 GJ, 9 318,28 zł"),
            "{text}"
        );
        assert!(text.contains("• ul. Kaliska 78: 80,250 GJ"), "{text}");
        assert!(text.contains("• bez wskazanego punktu:"), "{text}");
    }
}

#[tokio::test]
async fn a_customer_without_line_items_is_told_what_is_missing() {
    for backend in backends() {
        let (t, _h) = app_with_history(&backend).await;
        login_customer(&t, "F-00301", "usage-community").await;
        let chat = t.console("usage-community");
        let reply = chat.send("zuzycie").await;
        assert!(reply.attachments.is_empty());
        let text = t
            .app
            .renderer
            .reply(ebok::render::Flavour::Text, &reply)
            .unwrap();
        assert!(
            text.contains("Twoje rachunki (1) są w e-BOK bez pozycji"),
            "{text}"
        );
        assert!(text.contains("ilości ciepła (GJ)"), "{text}");
        chat.say("jezyk en").await;
        let en = chat.say("usage").await;
        assert!(en.contains("without line items"), "{en}");
    }
}

/// Telegram: the chart comes as a photo, the figures as text with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_sends_the_chart_as_a_photo_with_the_figures() {
    use crate::telegram_support::Bot;
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let (y, m, d) = TODAY;
        bot.t
            .app
            .core
            .freeze_today(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let h = history();
        import(&bot.t, h.dir.path()).await;
        let identifier = bot.customer_account("K-00101").await;
        let user = 7_230_001;
        bot.login(user, &identifier).await;
        let before = bot.last_id(user);
        bot.fake.push_text(user, "/zuzycie");
        let photo = bot
            .after(user, before, |m| {
                m.document.as_ref().is_some_and(|d| d.method == "sendPhoto")
            })
            .await;
        let sent = photo.document.clone().unwrap();
        assert_eq!(sent.mime_type, "image/png");
        assert_eq!(png_size(&sent.bytes), (1000, 760));
        let s = h.sum(ym(2023, 12), ym(2025, 11));
        let figures = bot
            .after(user, before, |m| m.visible().contains("Razem:"))
            .await;
        assert!(
            figures.visible().contains(&format!("{} GJ", gj(s.gj))),
            "{}",
            figures.visible()
        );
        bot.assert_no_errors();
    }
}

/// Email: the chart inline in the HTML and attached, the figures in the text.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn email_shows_the_chart_inline_with_the_figures() {
    use crate::email_helpers::{EmailRig, customer_account, text};
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email usage", |_| {}).await else {
            return;
        };
        let (y, m, d) = TODAY;
        rig.app()
            .core
            .freeze_today(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let h = history();
        import(&rig.t, h.dir.path()).await;
        let zofia = rig.mail.fresh_address_with("zofia");
        let creds = customer_account(rig.app(), "K-00101", &zofia).await;
        rig.start();
        let id = rig
            .send(
                &zofia,
                "zużycie",
                &format!(
                    "ZALOGUJ {} {}\nZUZYCIE 2024",
                    creds.identifier, creds.password
                ),
            )
            .await;
        let reply = rig.reply_to(&zofia, &id).await;
        let body = text(&reply);
        let s = h.sum(ym(2024, 1), ym(2024, 12));
        let totals = format!(
            "Razem: {} GJ, {} brutto",
            gj(s.gj),
            zl(s.fixed_gr + s.variable_gr)
        );
        assert!(body.contains(&totals), "{totals}\n{body}");
        let cid = "zuzycie-K-00101-2024.png@ebok";
        let html = reply.html.clone().expect("an HTML part");
        assert!(html.contains(&format!("src=\"cid:{cid}\"")), "{html}");
        let chart = reply
            .attachments
            .iter()
            .find(|a| a.file_name.as_deref() == Some("zuzycie-K-00101-2024.png"))
            .expect("the chart is attached");
        assert_eq!(chart.content_type, "image/png");
        assert_eq!(png_size(&chart.bytes), (1000, 760));
    }
}
