//! One due date everywhere: a bill due on a Saturday, Sunday or public holiday is shown
//! on the next working day (art. 115 KC) in every view that places it on a date — the
//! month calendar and its pages, the bills, a bill, the panel, `zaplac`, the .ics file,
//! the notices — each saying once that the document's date moved and why. "Today" is
//! frozen at Tuesday 10 November 2026.

use crate::calendar_file::parse_ics;
use crate::helpers::{Backend, TestApp, backends};
use crate::notifications::{as_customer, day, keys, notices, warsaw};
use crate::telegram_support::{PASSWORD, append, example_copy, import};
use ebok::core::{Channel, Reply};
use ebok::render::Flavour;

/// (number, the date on the document, the date payment is due by).
const BILLS: &[(&str, &str, &str)] = &[
    // Saturday; Sunday 1 November is All Saints' Day too: Monday 2 November.
    ("FV/2026/10/000501", "2026-10-31", "02.11.2026"),
    ("FV/2026/11/000501", "2026-11-14", "16.11.2026"),
    ("FV/2026/12/000501", "2026-12-12", "14.12.2026"),
    // A Tuesday: stays.
    ("FV/2026/12/000502", "2026-12-15", "15.12.2026"),
    ("FV/2026/12/000503", "2026-12-20", "21.12.2026"),
    // Christmas Eve (a holiday from 2025), Christmas, then the weekend.
    ("FV/2026/12/000504", "2026-12-24", "28.12.2026"),
    // Epiphany.
    ("FV/2027/01/000501", "2027-01-06", "07.01.2027"),
    // Sunday 31 January: Monday 1 February, on February's page.
    ("FV/2027/01/000502", "2027-01-31", "01.02.2027"),
];

fn dmy(iso: &str) -> String {
    day(iso).format("%d.%m.%Y").to_string()
}

/// What the views say of a bill whose date moved.
fn moved_pl(iso: &str) -> String {
    format!(
        "termin z dokumentu {} to dzień wolny od pracy, przesunięty na pierwszy dzień roboczy",
        dmy(iso)
    )
}

fn moved_en(iso: &str) -> String {
    format!(
        "the document's due date {} is a day off, moved to the next working day",
        dmy(iso)
    )
}

fn rows() -> Vec<String> {
    BILLS
        .iter()
        .enumerate()
        .map(|(i, (number, due, _))| {
            let issued = if *due < "2026-11-10" {
                "2026-10-17"
            } else {
                "2026-11-10"
            };
            let amount = 100 + i;
            format!(
                "{number},K-00102,invoice,{issued},{due},Ciepło,{amount}.00,0.00,{amount}.00,,,,"
            )
        })
        .collect()
}

/// The example set, then [`BILLS`] for Jan Kowalski (K-00102), who turned notifications
/// on in Telegram chat 5001 before they came and is logged in on the console as "jan".
async fn app(backend: &Backend) -> TestApp {
    let t = TestApp::new(backend).await;
    t.app.core.freeze_today(day("2026-11-10"));
    t.app.core.clock().set(warsaw("2026-11-10 12:00"));
    import(&t, &crate::telegram_support::example_dir()).await;
    let store = &t.app.store;
    let id = store
        .customer_id_by_number("K-00102")
        .await
        .unwrap()
        .unwrap();
    let identifier = t.account(Some(id), "Jan Kowalski", PASSWORD).await;
    as_customer(
        &t,
        Channel::Telegram,
        "5001",
        &identifier,
        "powiadomienia wlacz",
    )
    .await;
    let dir = example_copy();
    append(dir.path(), "invoices.csv", &rows());
    import(&t, dir.path()).await;
    let out = t
        .console("jan")
        .say(&format!("zaloguj {identifier} {PASSWORD}"))
        .await;
    assert!(out.contains("Zalogowano"), "{out}");
    t
}

fn render(t: &TestApp, reply: &Reply, flavour: Flavour) -> String {
    t.app.renderer.reply(flavour, reply).unwrap()
}

/// The calendar's grid: the days marked as due ("*14").
fn marked_days(page: &str) -> Vec<u32> {
    page.split('*')
        .skip(1)
        .filter_map(|rest| rest.trim_start().split(' ').next()?.parse().ok())
        .collect()
}

/// The dates the calendar lists bills under ("28.12.2026 — do zapłaty").
fn listed_days(page: &str) -> Vec<String> {
    page.lines()
        .filter_map(|l| l.split_once(" — do zapłaty"))
        .map(|(date, _)| date.trim().to_string())
        .collect()
}

#[tokio::test]
async fn the_calendar_places_each_bill_on_its_effective_due_date() {
    for backend in backends() {
        let t = app(&backend).await;
        let jan = t.console("jan");
        let label = t.db.label;

        let december = jan.say("kalendarz 2026-12").await;
        assert_eq!(
            marked_days(&december),
            [14, 15, 21, 28],
            "{label}: {december}"
        );
        assert_eq!(
            listed_days(&december),
            ["14.12.2026", "15.12.2026", "21.12.2026", "28.12.2026"],
            "{december}"
        );
        for (number, due, _) in &BILLS[2..6] {
            let line = december
                .lines()
                .find(|l| l.contains(number))
                .unwrap_or_else(|| panic!("{number} in {december}"));
            if *due == "2026-12-15" {
                assert!(!line.contains("dokumentu"), "{line}");
            } else {
                assert!(line.contains(&moved_pl(due)), "{line}");
            }
        }
        // Said once per bill, and nowhere under the document's own dates.
        assert_eq!(december.matches("dzień wolny").count(), 3, "{december}");

        // A bill moved into the next month is on that month's page only.
        let october = jan.say("kalendarz 2026-10").await;
        assert!(!october.contains("FV/2026/10/000501"), "{october}");
        let november = jan.say("kalendarz 2026-11").await;
        assert_eq!(
            listed_days(&november),
            ["02.11.2026", "16.11.2026"],
            "{november}"
        );
        assert!(november.contains(&moved_pl("2026-10-31")), "{november}");
        let january = jan.say("kalendarz 2027-01").await;
        assert_eq!(listed_days(&january), ["07.01.2027"], "{january}");
        assert_eq!(marked_days(&january), [7], "{january}");
        let february = jan.say("kalendarz 2027-02").await;
        assert_eq!(listed_days(&february), ["01.02.2027"], "{february}");
        assert!(february.contains("FV/2027/01/000502"), "{february}");
        assert!(february.contains(&moved_pl("2027-01-31")), "{february}");

        // The same in Telegram's and email's HTML, and in English.
        let reply = jan.send("kalendarz 2026-12").await;
        for flavour in [Flavour::Telegram, Flavour::EmailHtml] {
            let html = render(&t, &reply, flavour);
            assert!(html.contains("<b>28.12.2026</b>"), "{html}");
            assert!(!html.contains("24.12.2026</b>"), "{html}");
            assert!(html.contains(&moved_pl("2026-12-24")), "{html}");
        }
        jan.send("jezyk en").await;
        let english = jan.say("calendar 2026-12").await;
        assert!(english.contains("28.12.2026"), "{english}");
        assert!(english.contains(&moved_en("2026-12-24")), "{english}");
    }
}

#[tokio::test]
async fn bills_a_bill_the_panel_and_pay_show_the_effective_due_date() {
    for backend in backends() {
        let t = app(&backend).await;
        let jan = t.console("jan");
        for (number, due, pay_by) in BILLS {
            let moved = dmy(due) != *pay_by;
            let bill = jan.say(&format!("faktura {number}")).await;
            assert!(bill.contains(&format!("termin {pay_by}")), "{bill}");
            assert_eq!(bill.contains(&moved_pl(due)), moved, "{bill}");
            assert_eq!(bill.matches(&dmy(due)).count(), 1, "{bill}");
            let pay = jan.say(&format!("zaplac {number}")).await;
            assert!(pay.contains(&format!("termin {pay_by}")), "{pay}");
            assert_eq!(pay.contains(&moved_pl(due)), moved, "{pay}");
        }
        // The table of bills: newest first, each on its effective date.
        let bills = jan.say("rachunki").await;
        for (number, due, pay_by) in BILLS {
            let at = bills
                .find(number)
                .unwrap_or_else(|| panic!("{number}: {bills}"));
            let entry: String = bills[at..].lines().take(2).collect();
            assert!(entry.contains(&format!("termin {pay_by}")), "{entry}");
            assert_eq!(
                entry.contains(&moved_pl(due)),
                dmy(due) != *pay_by,
                "{entry}"
            );
        }
        // The panel's next due date: Saturday 14 November, payable Monday the 16th
        // (the bill due 31 October was payable on 2 November, now past).
        let panel = jan.say("saldo").await;
        assert!(
            panel.contains(&format!(
                "Najbliższy termin: 16.11.2026 ({})",
                moved_pl("2026-11-14")
            )),
            "{panel}"
        );
        // HTML (Telegram, email) and English say the same.
        let reply = jan.send("faktura FV/2026/12/000504").await;
        for flavour in [Flavour::Telegram, Flavour::EmailHtml] {
            let html = render(&t, &reply, flavour);
            assert!(html.contains("termin 28.12.2026"), "{html}");
            assert!(html.contains(&moved_pl("2026-12-24")), "{html}");
        }
        jan.send("jezyk en").await;
        let pay = jan.say("pay FV/2026/12/000504").await;
        assert!(pay.contains("due 28.12.2026"), "{pay}");
        assert!(pay.contains(&moved_en("2026-12-24")), "{pay}");
        let bill = jan.say("bill FV/2027/01/000501").await;
        assert!(bill.contains("due 07.01.2027"), "{bill}");
        assert!(bill.contains(&moved_en("2027-01-06")), "{bill}");
    }
}

#[tokio::test]
async fn the_calendar_file_has_the_same_dates() {
    for backend in backends() {
        let t = app(&backend).await;
        let cal = parse_ics(&t.console("jan").send("kalendarz ics").await);
        for (number, due, pay_by) in BILLS {
            let event = cal
                .events
                .iter()
                .find(|e| {
                    e.properties.iter().any(|p| {
                        p.name == "SUMMARY" && p.value.as_deref().unwrap_or("").contains(number)
                    })
                })
                .unwrap_or_else(|| panic!("{number} in the file"));
            let value = |name: &str| {
                event
                    .properties
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.value.clone())
                    .unwrap_or_default()
            };
            let start = chrono::NaiveDate::parse_from_str(&value("DTSTART"), "%Y%m%d").unwrap();
            assert_eq!(start.format("%d.%m.%Y").to_string(), *pay_by, "{number}");
            let description = value("DESCRIPTION").replace("\\,", ",");
            assert_eq!(
                description.contains(&moved_pl(due)),
                dmy(due) != *pay_by,
                "{description}"
            );
        }
    }
}

/// Reminders and the notice of a new bill name the effective date and why it moved.
#[tokio::test]
async fn notices_name_the_effective_due_date() {
    for backend in backends() {
        let t = app(&backend).await;
        let settings = t.app.settings.clone();
        for (when, holder) in [
            ("2026-12-25 07:00", "a"), // due soon: the 24th's bill, payable on the 28th
            ("2026-12-29 07:00", "b"), // overdue from the 29th
        ] {
            ebok::notify::scheduler::run_once(&t.app.store, &settings, warsaw(when), holder)
                .await
                .unwrap();
        }
        let keys = keys(&t).await;
        for key in [
            "notify:due_soon:FV/2026/12/000504:telegram:5001",
            "notify:overdue:FV/2026/12/000504:telegram:5001",
            "notify:invoice:FV/2026/12/000504:telegram:5001",
        ] {
            assert!(keys.contains(&key.to_string()), "{key} in {keys:?}");
        }
        let rows = notices(&t).await;
        // A notice as its recipient reads it, in `lang` and `flavour`.
        let rendered = |key: &str, lang: ebok::domain::lang::Lang, flavour: Flavour| {
            let (_, _, _, payload) = rows.iter().find(|r| r.0 == key).unwrap();
            let mut payload = ebok::domain::payload::Payload::parse(payload).unwrap();
            payload.lang = lang;
            let reply = Reply::new(lang, payload.view().unwrap());
            t.app.renderer.reply(flavour, &reply).unwrap()
        };
        use ebok::domain::lang::Lang::{En, Pl};
        for flavour in [Flavour::Text, Flavour::Telegram, Flavour::EmailHtml] {
            let soon = rendered(
                "notify:due_soon:FV/2026/12/000504:telegram:5001",
                Pl,
                flavour,
            );
            assert!(soon.contains("termin płatności 28.12.2026"), "{soon}");
            assert!(soon.contains(&moved_pl("2026-12-24")), "{soon}");
            let late = rendered(
                "notify:overdue:FV/2026/12/000504:telegram:5001",
                Pl,
                flavour,
            );
            assert!(late.contains("termin upłynął 28.12.2026"), "{late}");
            assert!(late.contains(&moved_pl("2026-12-24")), "{late}");
            let new = rendered(
                "notify:invoice:FV/2026/12/000504:telegram:5001",
                Pl,
                flavour,
            );
            assert!(new.contains("termin płatności: 28.12.2026"), "{new}");
            assert!(new.contains(&moved_pl("2026-12-24")), "{new}");
            let plain = rendered(
                "notify:invoice:FV/2026/12/000502:telegram:5001",
                Pl,
                flavour,
            );
            assert!(plain.contains("termin płatności: 15.12.2026"), "{plain}");
            assert!(!plain.contains("dokumentu"), "{plain}");
        }
        let soon = rendered(
            "notify:due_soon:FV/2026/12/000504:telegram:5001",
            En,
            Flavour::Text,
        );
        assert!(soon.contains("payment due 28.12.2026"), "{soon}");
        assert!(soon.contains(&moved_en("2026-12-24")), "{soon}");
        let new = rendered(
            "notify:invoice:FV/2027/01/000501:telegram:5001",
            En,
            Flavour::Text,
        );
        assert!(new.contains("due 07.01.2027"), "{new}");
        assert!(new.contains(&moved_en("2027-01-06")), "{new}");
    }
}

/// Telegram: the month pages, stepped through with their buttons, place each bill on
/// its effective date; the bill due Sunday 31 January is on February's page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_month_pages_follow_the_effective_due_date() {
    use crate::telegram_support::Bot;
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        bot.t.app.core.freeze_today(day("2026-11-10"));
        let dir = example_copy();
        append(dir.path(), "invoices.csv", &rows());
        import(&bot.t, dir.path()).await;
        let identifier = bot.customer_account("K-00102").await;
        let user = 7_130_501;
        bot.login(user, &identifier).await;
        let december = bot
            .say(user, "kalendarz 2026-12", |m| {
                m.visible().contains("Kalendarz")
            })
            .await;
        let text = december.visible().to_string();
        assert!(text.contains("28.12.2026 — do zapłaty"), "{text}");
        assert!(!text.contains("24.12.2026 — do zapłaty"), "{text}");
        assert!(text.contains(&moved_pl("2026-12-24")), "{text}");
        let mut page = december;
        for (month, expected, absent) in [
            ("2027-01", "07.01.2027 — do zapłaty", "FV/2027/01/000502"),
            ("2027-02", "01.02.2027 — do zapłaty", "FV/2027/01/000501"),
        ] {
            bot.fake
                .press_button(user, page.message_id, &format!("{month} ▶"));
            page = bot
                .edited(user, page.message_id, |m| m.visible().contains(expected))
                .await;
            assert!(
                !page.visible().contains(absent),
                "{month}: {}",
                page.visible()
            );
        }
        assert!(
            page.visible().contains(&moved_pl("2027-01-31")),
            "{}",
            page.visible()
        );
        bot.assert_no_errors();
    }
}
