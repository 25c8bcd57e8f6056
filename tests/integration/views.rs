//! Every customer view, rendered as the user sees it, compared with golden files in
//! tests/golden/ (regenerate with UPDATE_GOLDEN=1 after a deliberate change, and
//! review the diff). Data: the import example set; "today" is frozen.

use crate::helpers::{Backend, TestApp, backends};
use ebok::core::{Channel, Origin};
use ebok::render::Flavour;
use std::path::{Path, PathBuf};

const PASSWORD: &str = "Ciepła woda w kranie";

/// The example set, imported; "today" fixed to a day when Jan Kowalski is overdue.
pub async fn example_app(backend: &Backend) -> TestApp {
    let t = TestApp::new(backend).await;
    t.app
        .core
        .freeze_today(chrono::NaiveDate::from_ymd_opt(2025, 4, 22).unwrap());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example");
    ebok::import::run(&t.app.store, &t.app.pesel_key, &dir)
        .await
        .expect("the example set imports");
    t
}

/// Creates an account for the customer with this billing number and logs in `chat`.
pub async fn login_customer(t: &TestApp, number: &str, source: &str) -> String {
    let id = t
        .app
        .store
        .customer_id_by_number(number)
        .await
        .unwrap()
        .expect("customer exists");
    let identifier = t.account(Some(id), number, PASSWORD).await;
    let out = t
        .console(source)
        .say(&format!("zaloguj {identifier} {PASSWORD}"))
        .await;
    assert!(out.contains("Zalogowano"), "{out}");
    identifier
}

const VIEWS: &[(&str, &str)] = &[
    ("balance", "saldo"),
    ("bills", "rachunki"),
    ("bills_page_2", "rachunki 2"),
    ("bill", "faktura FV/2025/02/000102"),
    ("calendar", "kalendarz 2025-03"),
    ("calendar_empty", "kalendarz 2025-06"),
    ("collections", "windykacje"),
    ("documents", "dokumenty"),
    ("messages", "wiadomosci"),
    ("contact", "kontakt"),
    ("help", "pomoc"),
    ("unknown", "abrakadabra"),
    ("bad_arguments", "kalendarz marzec"),
    ("not_found", "faktura FV/0000/00/000000"),
    ("pay", "zaplac"),
    ("pay_bill", "zaplac NO/2025/04/000007"),
    ("usage", "zuzycie"),
];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn check_golden(name: &str, actual: &str, failures: &mut Vec<String>) {
    let path = golden_dir().join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|_| format!("<missing {}>", path.display()));
    if expected != actual {
        failures.push(format!(
            "--- {name} expected:\n{expected}\n--- actual:\n{actual}\n"
        ));
    }
}

#[tokio::test]
async fn every_view_renders_as_the_golden_files_show() {
    for backend in backends() {
        let t = example_app(&backend).await;
        login_customer(&t, "K-00102", "golden").await;
        let origin = Origin::new(Channel::Console, "golden");
        let mut failures = Vec::new();
        for lang in ["pl", "en"] {
            t.app.core.handle(&origin, &format!("jezyk {lang}")).await;
            for (name, command) in VIEWS {
                let reply = t.app.core.handle(&origin, command).await;
                for (flavour, suffix) in [(Flavour::Text, "txt"), (Flavour::Telegram, "tg.html")] {
                    let out = t.app.renderer.reply(flavour, &reply).unwrap();
                    check_golden(&format!("{name}.{lang}.{suffix}"), &out, &mut failures);
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} on {}:\n{}",
            failures.len(),
            t.db.label,
            failures.join("\n")
        );
    }
}

#[tokio::test]
async fn a_firms_name_with_quotes_is_escaped_for_telegram_only() {
    for backend in backends() {
        let t = example_app(&backend).await;
        login_customer(&t, "F-00201", "firm").await;
        let reply = t.console("firm").send("saldo").await;
        let tg = t.app.renderer.reply(Flavour::Telegram, &reply).unwrap();
        assert!(
            tg.contains("Spółdzielnia Mieszkaniowa &quot;Zazamcze&quot;"),
            "{tg}"
        );
        let text = t.app.renderer.reply(Flavour::Text, &reply).unwrap();
        assert!(
            text.contains("Spółdzielnia Mieszkaniowa \"Zazamcze\""),
            "{text}"
        );
    }
}

#[tokio::test]
async fn one_account_cannot_read_another_customers_bill_pdf_or_document() {
    for backend in backends() {
        let t = example_app(&backend).await;
        login_customer(&t, "K-00102", "jan").await;
        let jan = t.console("jan");
        // Zofia's (K-00101) invoice, its PDF and her contract, by number.
        for (command, refusal) in [
            ("faktura FV/2025/01/000101", "Nie znaleziono rachunku"),
            ("pdf FV/2025/01/000101", "Nie znaleziono rachunku"),
            ("dokument UM/2019/0101", "Nie znaleziono dokumentu"),
        ] {
            let reply = jan.send(command).await;
            let out = t.app.renderer.reply(Flavour::Text, &reply).unwrap();
            assert!(out.contains(refusal), "{command}: {out}");
            assert!(reply.attachments.is_empty(), "{command} leaked a file");
            assert!(
                !out.contains("Wiśniewska") && !out.contains("1 208,82"),
                "{command}: {out}"
            );
        }
        // His own PDF-less bill answers differently from a foreign one.
        let own = jan.say("pdf FV/2025/01/000102").await;
        assert!(own.contains("nie ma pliku PDF"), "{own}");
    }
}

#[tokio::test]
async fn pdfs_and_documents_arrive_as_attachments() {
    for backend in backends() {
        let t = example_app(&backend).await;
        login_customer(&t, "K-00101", "zofia").await;
        let zofia = t.console("zofia");
        let reply = zofia.send("pdf fv/2025/01/000101").await;
        assert_eq!(
            reply.attachments.len(),
            1,
            "lower-case number finds the bill"
        );
        assert!(reply.attachments[0].body.starts_with(b"%PDF-"));
        assert_eq!(reply.attachments[0].content_type, "application/pdf");
        let reply = zofia.send("dokument UM/2019/0101").await;
        assert_eq!(reply.attachments.len(), 1);
        assert!(reply.attachments[0].body.starts_with(b"%PDF-"));
    }
}

/// A login in a chat where another customer's session is open shows the new customer
/// at once (the session's customer is read with each command, and never reused for
/// another account).
#[tokio::test]
async fn a_second_login_in_the_same_chat_shows_the_new_customer() {
    for backend in backends() {
        let t = example_app(&backend).await;
        login_customer(&t, "K-00102", "shared").await;
        let chat = t.console("shared");
        let jan = chat.say("saldo").await;
        assert!(jan.contains("Jan Kowalski"), "{jan}");
        let zofia = t
            .app
            .store
            .customer_id_by_number("K-00101")
            .await
            .unwrap()
            .unwrap();
        let identifier = t.account(Some(zofia), "K-00101", PASSWORD).await;
        let panel = chat.say(&format!("zaloguj {identifier} {PASSWORD}")).await;
        assert!(panel.contains("Zalogowano"), "{panel}");
        assert!(
            panel.contains("K-00101") && !panel.contains("Jan Kowalski"),
            "{}: {panel}",
            t.db.label
        );
        let bills = chat.say("rachunki").await;
        assert!(
            bills.contains("FV/2025/01/000101") && !bills.contains("000102"),
            "{}: {bills}",
            t.db.label
        );
    }
}
