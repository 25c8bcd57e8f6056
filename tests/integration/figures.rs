//! Figures that add up: the import refuses a changed charge its stored items no longer
//! add up to and a VAT rate outside the configured set; the views show amounts and
//! quantities as Polish users write them, an overpayment as such, no empty VAT summary,
//! and the effective next due date on the panel. Every case runs on both backends.

use crate::helpers::{TestApp, backends};
use crate::views::{example_app, login_customer};
use ebok::core::{Channel, Origin};
use ebok::import::{self, ImportError};
use ebok::render::Flavour;
use std::path::Path;

fn example_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example")
}

/// A directory holding just these files (and the example's PDFs they point at).
fn files(list: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("pdf");
    std::fs::create_dir_all(&pdf).unwrap();
    for f in std::fs::read_dir(example_dir().join("pdf")).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), pdf.join(f.file_name())).unwrap();
    }
    for (name, text) in list {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The example's invoices.csv with one text replaced.
fn invoices_with(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(example_dir().join("invoices.csv")).unwrap();
    assert!(text.contains(from), "invoices.csv has no '{from}'");
    text.replacen(from, to, 1)
}

fn items_with(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(example_dir().join("invoice_items.csv")).unwrap();
    assert!(text.contains(from), "invoice_items.csv has no '{from}'");
    text.replacen(from, to, 1)
}

fn error_lines(err: &ImportError) -> Vec<String> {
    match err {
        ImportError::Invalid { errors, .. } => errors.iter().map(ToString::to_string).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

async fn charge_gr(t: &TestApp, number: &str) -> i64 {
    let sql = format!("SELECT charge_gr FROM invoices WHERE number = '{number}'");
    ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar::<_, i64>(&sql)
        .fetch_one(p)
        .await
        .unwrap())
}

const JAN_FEB: &str = "FV/2025/02/000102,K-00102,invoice,2025-02-28,2025-03-14,Ciepło – luty 2025,934.30,0.00,934.30,,";

#[tokio::test]
async fn a_changed_charge_must_still_add_up_to_the_stored_items() {
    for backend in backends() {
        let t = example_app(&backend).await;
        // Jan's February invoice (line 5 of invoices.csv) now says 950.00, but its four
        // items in ebok come to 934.30: 759.59 net + 23% of it (174.7057 → 174.71).
        let changed = invoices_with(
            JAN_FEB,
            "FV/2025/02/000102,K-00102,invoice,2025-02-28,2025-03-14,Ciepło – luty 2025,950.00,0.00,950.00,,",
        );
        let dir = files(&[("invoices.csv", &changed)]);
        let err = import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_err();
        let lines = error_lines(&err);
        assert_eq!(
            lines,
            [
                "invoices.csv, line 5, column charge: the charge changes from 934.30 to 950.00 but \
              the invoice's 4 line items in ebok come to 934.30 (VAT per rate on the net totals); \
              send the invoice's new items in invoice_items.csv in the same import, or correct \
              the charge"
            ],
            "{}",
            t.db.label
        );
        // Nothing half-applied: the charge (and every other invoice) is as it was.
        assert_eq!(charge_gr(&t, "FV/2025/02/000102").await, 93430);

        // The same change with the invoice's new items in the same run is accepted.
        // Line 2 now 7.000 GJ × 62.87 = 440.09 net (VAT 101.22, gross 541.31); the
        // nets 122.89 + 440.09 + 48.15 + 149.72 = 760.85, 23% of that 174.9955 → 175.00,
        // gross 935.85.
        let changed = invoices_with(
            JAN_FEB,
            "FV/2025/02/000102,K-00102,invoice,2025-02-28,2025-03-14,Ciepło – luty 2025,935.85,0.00,935.85,,",
        );
        let items = items_with(
            "FV/2025/02/000102,2,Opłata za ciepło,6.980,GJ,62.87,438.83,23,100.93,539.76",
            "FV/2025/02/000102,2,Opłata za ciepło,7.000,GJ,62.87,440.09,23,101.22,541.31",
        );
        let dir = files(&[("invoices.csv", &changed), ("invoice_items.csv", &items)]);
        import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.db.label));
        assert_eq!(charge_gr(&t, "FV/2025/02/000102").await, 93585);

        // A document without items (the interest note) may change its charge freely.
        // (The rest of the file as last imported: Jan's February bill is 935.85 now.)
        let note = changed.replacen(",2.98,0.00,2.98,,", ",3.10,0.00,3.10,,", 1);
        let dir = files(&[("invoices.csv", &note)]);
        import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.db.label));
        assert_eq!(charge_gr(&t, "NO/2025/04/000007").await, 310);
    }
}

/// 153.61 net at 7% (a Polish rate until 2010) is 10.7527 → 10.75 VAT, 164.36 gross.
const SEVEN_PERCENT: &str =
    "FV/2025/01/000101,1,Opłata za zamówioną moc cieplną,0.015,MW,10240.56,153.61,7,10.75,164.36";
const LINE_ONE: &str =
    "FV/2025/01/000101,1,Opłata za zamówioną moc cieplną,0.015,MW,10240.56,153.61,23,35.33,188.94";

#[tokio::test]
async fn a_vat_rate_outside_the_configured_set_is_refused() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let dir = tempfile::tempdir().unwrap();
        for f in std::fs::read_dir(example_dir()).unwrap() {
            let f = f.unwrap();
            if f.file_type().unwrap().is_dir() {
                let sub = dir.path().join(f.file_name());
                std::fs::create_dir_all(&sub).unwrap();
                for g in std::fs::read_dir(f.path()).unwrap() {
                    let g = g.unwrap();
                    std::fs::copy(g.path(), sub.join(g.file_name())).unwrap();
                }
            } else {
                std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
            }
        }
        let items = dir.path().join("invoice_items.csv");
        std::fs::write(&items, items_with(LINE_ONE, SEVEN_PERCENT)).unwrap();
        let err = import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_err();
        let lines = error_lines(&err);
        assert!(
            lines.contains(
                &"invoice_items.csv, line 2, column vat_rate: '7' is not one of the VAT rates \
                  ebok accepts: 23, 8, 5, 0, zw, np, oo (the operator sets them in [import] \
                  vat_rates)"
                    .to_string()
            ),
            "{}: {lines:#?}",
            t.db.label
        );
        let invoices = ebok::on_pool!(&t.app.store, |p| sqlx::query_scalar::<_, i64>(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices"
        )
        .fetch_one(p)
        .await
        .unwrap());
        assert_eq!(invoices, 0, "{}: something was imported", t.db.label);

        // An operator who adds 7 to the set can import it, with the invoice's charge
        // as the items now compute it.
        let mut options = t.app.settings.import.clone();
        options.vat_rates.push("7".into());
        // Nets 153.61 (7%) and 573.37 + 60.18 + 195.62 = 829.17 (23%): VAT 10.75 and
        // 190.7091 → 190.71; gross 164.36 + 1019.88 = 1184.24.
        let invoices = std::fs::read_to_string(dir.path().join("invoices.csv"))
            .unwrap()
            .replacen(",1208.82,1208.82,0.00,", ",1184.24,1184.24,0.00,", 1);
        std::fs::write(dir.path().join("invoices.csv"), invoices).unwrap();
        import::run_with(&t.app.store, &t.app.pesel_key, dir.path(), &options)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.db.label));
        // With the default set, the same files are refused.
        let err = import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_err();
        assert!(error_lines(&err)[0].contains("column vat_rate: '7'"));
    }
}

/// Renders a command's reply in one flavour.
async fn show(t: &TestApp, source: &str, command: &str, flavour: Flavour) -> String {
    let origin = Origin::new(Channel::Console, source);
    let reply = t.app.core.handle(&origin, command).await;
    t.app.renderer.reply(flavour, &reply).unwrap()
}

#[tokio::test]
async fn line_items_read_as_polish_users_write_them() {
    for backend in backends() {
        let t = example_app(&backend).await;
        login_customer(&t, "K-00101", "zofia").await;
        let text = show(&t, "zofia", "faktura FV/2025/01/000101", Flavour::Text).await;
        // The export wrote 0.015 × 10240.56 and 9.120 × 62.87.
        assert!(
            text.contains("0,015 MW × 10 240,56 zł = 153,61 zł netto"),
            "{text}"
        );
        assert!(
            text.contains("9,120 GJ × 62,87 zł = 573,37 zł netto"),
            "{text}"
        );
        assert!(
            !text.contains("10240.56") && !text.contains("0.015"),
            "{text}"
        );
        // Telegram and email HTML: the thousands separator never breaks a line.
        for flavour in [Flavour::Telegram, Flavour::EmailHtml] {
            let html = show(&t, "zofia", "faktura FV/2025/01/000101", flavour).await;
            assert!(html.contains("0,015 MW × 10\u{a0}240,56 zł"), "{html}");
            assert!(html.contains("1\u{a0}208,82 zł"), "{html}");
            assert!(!html.contains("10 240,56"), "{html}");
        }
        // English keeps the same way of writing numbers as its amounts always had.
        show(&t, "zofia", "jezyk en", Flavour::Text).await;
        let en = show(&t, "zofia", "bill FV/2025/01/000101", Flavour::Text).await;
        assert!(
            en.contains("0,015 MW × 10 240,56 zł = 153,61 zł net"),
            "{en}"
        );
        assert!(en.contains("1 208,82 zł"), "{en}");
    }
}

#[tokio::test]
async fn an_overpaid_bill_says_overpaid_and_a_bill_without_items_has_no_summary() {
    for backend in backends() {
        let t = example_app(&backend).await;
        // Jan paid 1000.00 on a 934.30 bill: 1000.00 − 934.30 = 65.70 overpaid.
        let overpaid = invoices_with(
            JAN_FEB,
            &JAN_FEB.replace("934.30,0.00,934.30", "934.30,1000.00,-65.70"),
        );
        let dir = files(&[("invoices.csv", &overpaid)]);
        import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.db.label));
        login_customer(&t, "K-00102", "jan").await;
        let bill = show(&t, "jan", "faktura FV/2025/02/000102", Flavour::Text).await;
        let shown = format!("nadpłata   {:>15}", "65,70 zł");
        assert!(bill.contains(&shown), "{bill}");
        assert!(
            !bill.contains("do zapłaty") && !bill.contains("-65,70"),
            "{bill}"
        );
        let list = show(&t, "jan", "rachunki", Flavour::Text).await;
        assert!(list.contains(&shown), "{list}");

        // The interest note has no line items: no "razem 0,00" under its charge.
        let note = show(&t, "jan", "faktura NO/2025/04/000007", Flavour::Text).await;
        assert!(note.contains("Ten dokument nie ma pozycji."), "{note}");
        assert!(
            !note.contains("razem") && !note.contains("Podsumowanie"),
            "{note}"
        );

        show(&t, "jan", "jezyk en", Flavour::Text).await;
        let bill = show(&t, "jan", "bill FV/2025/02/000102", Flavour::Text).await;
        assert!(
            bill.contains(&format!("overpaid {:>15}", "65,70 zł")),
            "{bill}"
        );
        assert!(!bill.contains("to pay"), "{bill}");
        let note = show(&t, "jan", "bill NO/2025/04/000007", Flavour::Text).await;
        assert!(note.contains("This document has no line items."), "{note}");
        assert!(!note.contains("total"), "{note}");
    }
}

/// The panel's next due date after moving the interest note's due date to `due`.
async fn panel_with_note_due(due: &str, today: (i32, u32, u32)) -> Vec<String> {
    let mut panels = Vec::new();
    for backend in backends() {
        let t = example_app(&backend).await;
        let moved = invoices_with("2025-04-10,2025-04-24,", &format!("2025-04-10,{due},"));
        let dir = files(&[("invoices.csv", &moved)]);
        import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.db.label));
        t.app
            .core
            .freeze_today(chrono::NaiveDate::from_ymd_opt(today.0, today.1, today.2).unwrap());
        login_customer(&t, "K-00102", "jan").await;
        panels.push(show(&t, "jan", "saldo", Flavour::Text).await);
    }
    panels
}

#[tokio::test]
async fn the_panels_next_due_date_is_the_effective_one() {
    // Saturday 26 April 2025 → Monday 28 April (art. 115 KC); today Tuesday 22 April.
    for panel in panel_with_note_due("2025-04-26", (2025, 4, 22)).await {
        assert!(
            panel.contains(
                "Najbliższy termin: 28.04.2025 (termin z dokumentu 26.04.2025 to dzień wolny od pracy, przesunięty na pierwszy dzień roboczy) — 2,98 zł (NO/2025/04/000007)"
            ),
            "{panel}"
        );
    }
    // Wednesday 24 December 2025 (a public holiday from 2025), then 25 and 26 December
    // (holidays), Saturday 27 and Sunday 28: payable on Monday 29 December.
    for panel in panel_with_note_due("2025-12-24", (2025, 12, 20)).await {
        assert!(
            panel.contains(
                "Najbliższy termin: 29.12.2025 (termin z dokumentu 24.12.2025 to dzień wolny od pracy, przesunięty na pierwszy dzień roboczy) — 2,98 zł (NO/2025/04/000007)"
            ),
            "{panel}"
        );
    }
    // A working day stays as it is, without a note.
    for panel in panel_with_note_due("2025-04-24", (2025, 4, 22)).await {
        assert!(
            panel.contains("Najbliższy termin: 24.04.2025 — 2,98 zł (NO/2025/04/000007)"),
            "{panel}"
        );
    }
}
