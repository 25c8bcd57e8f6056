//! The calendar file (`kalendarz ics`): parsed with an iCalendar parser, one all-day
//! event per unpaid bill on its effective due date, a reminder, the same UIDs on a
//! second export, and only the account's own bills.

use crate::helpers::{Backend, TestApp, backends};
use crate::import::edited_example;
use crate::views::login_customer;
use ebok::core::Reply;
use ical::parser::ical::component::{IcalCalendar, IcalEvent};

/// The example set with one more bill for Jan Kowalski, due on Saturday 3 May 2025 (a
/// public holiday too): payable on Monday 5 May. "Today" 22 April 2025.
async fn app(backend: &Backend) -> TestApp {
    app_with(backend, |_| {}).await
}

async fn app_with(backend: &Backend, tweak: impl FnOnce(&mut ebok::config::Settings)) -> TestApp {
    let t = TestApp::with_settings(backend, tweak).await;
    t.app
        .core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(2025, 4, 22).unwrap());
    let dir = edited_example(&[(
        "invoices.csv",
        "FV/2025/01/000201,",
        Some(
            "FV/2025/04/000102,K-00102,invoice,2025-04-18,2025-05-03,Ciepło – kwiecień 2025,500.00,0.00,500.00,,,,\nFV/2025/01/000201,",
        ),
    )]);
    ebok::import::run(&t.app.store, &t.app.pesel_key, dir.path())
        .await
        .expect("the example set imports");
    t
}

/// The reply's .ics file, parsed.
pub fn parse_ics(reply: &Reply) -> IcalCalendar {
    assert_eq!(reply.attachments.len(), 1, "{:?}", reply.attachments);
    let file = &reply.attachments[0];
    assert_eq!(file.content_type, "text/calendar");
    assert!(file.file_name.ends_with(".ics"), "{}", file.file_name);
    parse_bytes(&file.body)
}

pub fn parse_bytes(body: &[u8]) -> IcalCalendar {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(body));
    let cal = parser
        .next()
        .expect("one calendar")
        .expect("a valid iCalendar file");
    assert!(parser.next().is_none(), "only one calendar");
    cal
}

fn prop<'a>(event: &'a IcalEvent, name: &str) -> &'a ical::property::Property {
    event
        .properties
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no {name} in {event:?}"))
}

/// A TEXT value as written, unescaped (RFC 5545 §3.3.11).
fn text(event: &IcalEvent, name: &str) -> String {
    prop(event, name)
        .value
        .clone()
        .unwrap_or_default()
        .replace("\\n", "\n")
        .replace("\\N", "\n")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
}

#[tokio::test]
async fn one_all_day_event_per_unpaid_bill_on_its_effective_due_date() {
    for backend in backends() {
        let t = app(&backend).await;
        login_customer(&t, "K-00102", "jan").await;
        let chat = t.console("jan");
        let cal = parse_ics(&chat.send("kalendarz ics").await);
        let mut days: Vec<(String, String)> = Vec::new();
        for event in &cal.events {
            let start = prop(event, "DTSTART");
            let params = start.params.clone().unwrap_or_default();
            assert!(
                params
                    .iter()
                    .any(|(k, v)| k == "VALUE" && v == &["DATE".to_string()]),
                "an all-day event: {start:?}"
            );
            days.push((start.value.clone().unwrap(), text(event, "SUMMARY")));
            assert_eq!(event.alarms.len(), 1, "{event:?}");
            let trigger = event.alarms[0]
                .properties
                .iter()
                .find(|p| p.name == "TRIGGER")
                .and_then(|p| p.value.clone());
            // Three days before (the default), at 9:00: 2 days 15 hours before midnight.
            assert_eq!(trigger.as_deref(), Some("-PT226800S"));
        }
        days.sort();
        assert_eq!(
            days,
            [
                (
                    "20250314".into(),
                    "Faktura FV/2025/02/000102 — 934,30 zł".into()
                ),
                (
                    "20250424".into(),
                    "Nota odsetkowa NO/2025/04/000007 — 2,98 zł".into()
                ),
                // Due on Saturday 3 May (a holiday): payable on Monday 5 May.
                (
                    "20250505".into(),
                    "Faktura FV/2025/04/000102 — 500,00 zł".into()
                ),
            ],
            "{}",
            t.db.label
        );
        let may = cal
            .events
            .iter()
            .find(|e| text(e, "SUMMARY").contains("FV/2025/04/000102"))
            .unwrap();
        let description = text(may, "DESCRIPTION");
        for needle in [
            "Do zapłaty 500,00 zł do 05.05.2025 (termin z dokumentu 03.05.2025 to dzień wolny od pracy",
            "61 1090 1014 0000 0712 1981 2874",
            "K-00102 FV/2025/04/000102",
            "zaplac FV/2025/04/000102",
        ] {
            assert!(description.contains(needle), "{needle:?} in {description}");
        }
        let tz = cal
            .properties
            .iter()
            .find(|p| p.name == "X-WR-TIMEZONE")
            .and_then(|p| p.value.clone());
        assert_eq!(tz.as_deref(), Some("Europe/Warsaw"));

        // A second export: the same UIDs (a calendar app updates, not duplicates).
        let uids = |cal: &IcalCalendar| -> Vec<String> {
            let mut u: Vec<String> = cal.events.iter().map(|e| text(e, "UID")).collect();
            u.sort();
            u
        };
        let again = parse_ics(&chat.send("calendar ics").await);
        assert_eq!(uids(&cal), uids(&again));
        assert_eq!(uids(&cal).len(), 3);
        assert!(uids(&cal)[0].starts_with("K-00102."), "{:?}", uids(&cal));
        assert!(
            uids(&cal).iter().all(|u| u.ends_with("@www.mpec.com.pl")),
            "{:?}",
            uids(&cal)
        );
        // English: the events' texts too.
        chat.send("language en").await;
        let en = parse_ics(&chat.send("calendar ics").await);
        assert_eq!(uids(&en), uids(&cal));
        assert!(
            en.events
                .iter()
                .any(|e| text(e, "SUMMARY") == "Invoice FV/2025/04/000102: 500,00 zł")
        );
    }
}

#[tokio::test]
async fn a_calendar_holds_only_the_accounts_own_unpaid_bills() {
    for backend in backends() {
        let t = app(&backend).await;
        login_customer(&t, "F-00201", "firm").await;
        login_customer(&t, "K-00101", "zofia").await;
        let firm = parse_ics(&t.console("firm").send("kalendarz ics").await);
        let summaries: Vec<String> = firm.events.iter().map(|e| text(e, "SUMMARY")).collect();
        assert_eq!(
            summaries,
            ["Faktura FV/2025/02/000201 — 54 706,74 zł"],
            "{}",
            t.db.label
        );
        // Everything paid: an empty calendar, still a valid file.
        let zofia = t.console("zofia");
        let reply = zofia.send("kalendarz ics").await;
        assert!(parse_ics(&reply).events.is_empty());
        let said = zofia.say("kalendarz ics").await;
        assert!(said.contains("Niezapłacone rachunki w nim: 0"), "{said}");
        // Logged out: no file.
        zofia.send("wyloguj").await;
        assert!(zofia.send("kalendarz ics").await.attachments.is_empty());
    }
}

/// Two bills whose numbers differ only in separators (`FV/MX/0007`, `FV-MX-0007`, both
/// legal) are two events with their own UIDs and reminders, the same in every export.
#[tokio::test]
async fn bills_differing_only_in_separators_are_two_events() {
    for backend in backends() {
        let t = app(&backend).await;
        let dir = edited_example(&[(
            "invoices.csv",
            "FV/2025/01/000201,",
            Some(
                "FV/2025/04/000102,K-00102,invoice,2025-04-18,2025-05-03,Ciepło – kwiecień 2025,500.00,0.00,500.00,,,,\n\
                 FV/MX/0007,K-00102,invoice,2025-04-18,2025-05-14,Ciepła woda,70.00,0.00,70.00,,,,\n\
                 FV-MX-0007,K-00102,invoice,2025-04-18,2025-05-14,Ciepła woda – lokal 2,80.00,0.00,80.00,,,,\n\
                 FV/2025/01/000201,",
            ),
        )]);
        ebok::import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .expect("both numbers import");
        login_customer(&t, "K-00102", "jan").await;
        let chat = t.console("jan");
        let cal = parse_ics(&chat.send("kalendarz ics").await);
        let uid_of = |summary: &str| -> Vec<String> {
            cal.events
                .iter()
                .filter(|e| text(e, "SUMMARY").starts_with(summary))
                .map(|e| text(e, "UID"))
                .collect()
        };
        assert_eq!(
            uid_of("Faktura FV/MX/0007 — 70,00 zł"),
            ["K-00102.FV-MX-0007@www.mpec.com.pl"],
            "{}",
            t.db.label
        );
        assert_eq!(
            uid_of("Faktura FV-MX-0007 — 80,00 zł"),
            ["K-00102.FV%2DMX%2D0007@www.mpec.com.pl"]
        );
        let all = uids_and_days(&cal);
        assert_eq!(all.len(), 5, "{all:?}");
        let distinct: std::collections::BTreeSet<&String> = all.iter().map(|(u, _)| u).collect();
        assert_eq!(distinct.len(), 5, "one UID per bill: {all:?}");
        // Each event keeps its own reminder.
        let alarms: std::collections::BTreeSet<String> = cal
            .events
            .iter()
            .flat_map(|e| &e.alarms)
            .filter_map(|a| a.properties.iter().find(|p| p.name == "UID"))
            .filter_map(|p| p.value.clone())
            .collect();
        assert_eq!(alarms.len(), 5, "{alarms:?}");
        // The same UIDs in the next export, in either language.
        assert_eq!(
            uids_and_days(&parse_ics(&chat.send("kalendarz ics").await)),
            all
        );
        chat.send("language en").await;
        assert_eq!(
            uids_and_days(&parse_ics(&chat.send("calendar ics").await)),
            all
        );
    }
}

/// Telegram: the calendar's button sends the file as a document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_sends_the_calendar_file_as_a_document() {
    use crate::telegram_support::Bot;
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let identifier = bot.customer_account("K-00102").await;
        let user = 7_130_001;
        bot.login(user, &identifier).await;
        let month = bot
            .say(user, "kalendarz 2025-03", |m| {
                m.visible().contains("Kalendarz")
            })
            .await;
        let before = bot.last_id(user);
        bot.fake
            .press_button(user, month.message_id, "📥 Plik do kalendarza (.ics)");
        let sent = bot
            .after(user, before, |m| {
                m.document
                    .as_ref()
                    .is_some_and(|d| d.method == "sendDocument")
            })
            .await;
        let doc = sent.document.unwrap();
        assert_eq!(doc.file_name, "kalendarz-K-00102.ics");
        let cal = parse_bytes(&doc.bytes);
        assert_eq!(cal.events.len(), 2, "{}", bot.t.db.label);
        bot.assert_no_errors();
    }
}

/// The events of a calendar as (UID, DTSTART), sorted.
fn uids_and_days(cal: &IcalCalendar) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = cal
        .events
        .iter()
        .map(|e| {
            let day = prop(e, "DTSTART").value.clone().unwrap_or_default();
            (text(e, "UID"), day)
        })
        .collect();
    out.sort();
    out
}

/// The link a `kalendarz link` answer gives, split at the public URL: the path.
fn link_path(answer: &str) -> String {
    let base = "https://ebok.example.test/kalendarz/";
    let at = answer
        .find(base)
        .unwrap_or_else(|| panic!("no link in: {answer}"));
    let rest = &answer[at + base.len() - "/kalendarz/".len()..];
    let end = rest.find(".ics").expect("the link ends in .ics") + ".ics".len();
    rest[..end].to_string()
}

/// `kalendarz link`: a private URL with a long random token (only its hash stored),
/// served by `ebok serve` over real HTTP with the same calendar as `kalendarz ics`,
/// current data, only that account's; a new link replaces the old one, revoking or an
/// unknown token is 404; creating and revoking are audited. Without `[http] public_url`
/// it is not offered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_subscription_link_serves_the_accounts_own_calendar_until_revoked() {
    for backend in backends() {
        let t = app_with(&backend, |s| {
            s.http = Some(ebok::config::Http {
                listen: "127.0.0.1:0".into(),
                public_url: Some("https://ebok.example.test/".into()),
            })
        })
        .await;
        let jan_id = login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");
        let answer = jan.say("kalendarz link").await;
        assert!(answer.contains("Prywatny adres kalendarza"), "{answer}");
        let first = link_path(&answer);
        let token = first
            .trim_start_matches("/kalendarz/")
            .trim_end_matches(".ics")
            .to_string();
        assert_eq!(token.len(), 43, "{token}");
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{token}"
        );
        // Only a hash of the token is stored.
        let sql = "SELECT token_hash FROM calendar_links";
        let stored: Vec<String> =
            ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar(sql).fetch_all(p).await).unwrap();
        assert_eq!(stored.len(), 1);
        assert!(
            stored[0].len() == 64 && !stored[0].contains(&token),
            "{stored:?}"
        );

        let serve = crate::serve::Serve::start(&t.db.url, &[]);
        let deadline = tokio::time::Instant::now() + crate::serve::WAIT;
        while serve.get("/healthz").await.is_none() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "ebok serve did not answer"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let get = |path: String| {
            let serve = &serve;
            async move { serve.get(&path).await.expect("an answer") }
        };
        let (status, body) = get(first.clone()).await;
        assert_eq!(status, 200, "{body}");
        let served = parse_bytes(body.as_bytes());
        let file = parse_ics(&jan.send("kalendarz ics").await);
        assert_eq!(uids_and_days(&served), uids_and_days(&file));
        assert_eq!(served.events.len(), 3, "Jan's unpaid bills");

        // Current data: a new bill is in the next fetch.
        let dir = edited_example(&[(
            "invoices.csv",
            "FV/2025/01/000201,",
            Some(
                "FV/2025/04/000102,K-00102,invoice,2025-04-18,2025-05-03,Ciepło – kwiecień 2025,500.00,0.00,500.00,,,,\nFV/2025/05/000102,K-00102,invoice,2025-05-20,2025-06-04,Ciepło – maj 2025,300.00,0.00,300.00,,,,\n\
                 FV/MX/0007,K-00102,invoice,2025-05-20,2025-06-05,Ciepła woda,70.00,0.00,70.00,,,,\nFV-MX-0007,K-00102,invoice,2025-05-20,2025-06-05,Ciepła woda,80.00,0.00,80.00,,,,\n\
                 FV/2025/01/000201,",
            ),
        )]);
        ebok::import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .expect("the new bill imports");
        let (status, body) = get(first.clone()).await;
        assert_eq!(status, 200);
        let served = parse_bytes(body.as_bytes());
        assert_eq!(served.events.len(), 6);
        assert!(body.contains("FV/2025/05/000102"), "{body}");
        // The link and the file give every bill the same UID, FV/MX/0007 and
        // FV-MX-0007 each their own.
        let file = parse_ics(&jan.send("kalendarz ics").await);
        assert_eq!(uids_and_days(&served), uids_and_days(&file));
        assert!(body.contains("UID:K-00102.FV%2DMX%2D0007@"), "{body}");

        // Zofia's link gives her calendar only: none of Jan's bills.
        login_customer(&t, "K-00101", "zofia").await;
        let zofias = link_path(&t.console("zofia").say("kalendarz link").await);
        assert_ne!(zofias, first);
        let (status, body) = get(zofias).await;
        assert_eq!(status, 200);
        assert!(
            body.contains("K-00101") && !body.contains("000102"),
            "{body}"
        );
        assert!(parse_bytes(body.as_bytes()).events.is_empty());

        // Unknown tokens and other paths: 404.
        for path in [
            format!("/kalendarz/{}.ics", "A".repeat(43)),
            format!("/kalendarz/{token}"),
            "/kalendarz/.ics".to_string(),
            "/kalendarz/".to_string(),
        ] {
            assert_eq!(get(path.clone()).await.0, 404, "{path}");
        }

        // A new link replaces the old one; revoking ends the new one.
        let second = link_path(&jan.say("kalendarz link").await);
        assert_ne!(second, first);
        assert_eq!(get(first.clone()).await.0, 404);
        assert_eq!(get(second.clone()).await.0, 200);
        let out = jan.say("kalendarz link odwolaj").await;
        assert!(out.contains("wyłączony"), "{out}");
        assert_eq!(get(second.clone()).await.0, 404);
        let out = jan.say("calendar link revoke").await;
        assert!(out.contains("nie ma adresu subskrypcji"), "{out}");

        let sql = format!(
            "SELECT action FROM audit_log WHERE actor = '{jan_id}' \
             AND action LIKE 'calendar_link%' ORDER BY id"
        );
        let actions: Vec<String> = ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar(&sql)
            .fetch_all(p)
            .await)
        .unwrap();
        assert_eq!(
            actions,
            [
                "calendar_link_created",
                "calendar_link_created",
                "calendar_link_revoked"
            ]
        );
        drop(serve);

        // Without a public address the link is not offered.
        let t = app(&backend).await;
        login_customer(&t, "K-00102", "jan").await;
        let out = t.console("jan").say("kalendarz link").await;
        assert!(out.contains("nie jest tu dostępny"), "{out}");
        assert_eq!(
            ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar::<_, i64>(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM calendar_links"
            )
            .fetch_one(p)
            .await)
            .unwrap(),
            0
        );
    }
}
