//! Interest for delay as the customer sees it in the panel (`saldo`), on every backend:
//! late partial payments, an interest note followed by further delay, no interest on
//! an unpaid note, the regime from the billing export (a housing community with a NIP),
//! imported rate tables winning over the configuration, and the demo debtor. Every
//! figure is computed by hand in the test's comment; "today" is the core's frozen date.

use crate::helpers::{TestApp, backends};
use crate::import::assert_rejected;
use crate::views::login_customer;
use chrono::NaiveDate;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const CUSTOMERS: &str = "number,kind,name,pesel,nip,interest_regime\n\
    K-1,person,Anna Żółkiewska,58031245127,,\n\
    W-1,firm,Wspólnota Mieszkaniowa Kaliska 5,,888-123-45-63,statutory\n\
    F-1,firm,Ciepłownia Serwis sp. z o.o.,,525-000-12-27,\n";

/// Imports `files` (name, content) into a fresh app whose "today" is `today`, logs in
/// `customer` and returns the panel as the user reads it.
async fn panel(files: &[(&str, &str)], customer: &str, today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        t.app.core.freeze_today(today);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("customers.csv"), CUSTOMERS).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        ebok::import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.db.label));
        login_customer(&t, customer, "interest").await;
        out.push(t.console("interest").say("saldo").await);
    }
    out
}

fn assert_interest(panels: &[String], expected: &str) {
    for p in panels {
        assert!(
            p.contains(&format!("odsetki do dziś {expected} zł")),
            "expected interest {expected} zł in:\n{p}"
        );
    }
}

const INVOICE_HEADER: &str = "number,customer,kind,issue_date,due_date,charge,credited,to_pay,interest,interest_for,interest_to\n";

#[tokio::test]
async fn a_late_partial_payment_counts_each_part_for_its_own_days() {
    // 1000.00 due Mon 2026-06-15, 600.00 paid on 2026-11-02, today 2026-11-30; 9.25 %
    // (reference 3.75 % from 2026-03-05 + 5.5) throughout.
    // 16.06–02.11 (payment day counts): 15+31+31+30+31+2 = 140 days on 1000.00,
    // 03.11–30.11: 28 days on 400.00:
    // (1000 × 140 + 400 × 28) × 9.25 / 36500 = 151200 × 9.25 / 36500 = 38.3178… → 38.32
    // (before: 400 × 9.25 × 168 / 36500 = 17.03, as if 600 had been paid on time)
    let invoices = format!(
        "{INVOICE_HEADER}FV/1,K-1,invoice,2026-06-01,2026-06-15,1000.00,600.00,400.00,,,\n"
    );
    let payments = "reference,customer,paid_on,amount,invoice\nP1,K-1,2026-11-02,600.00,FV/1\n";
    let p = panel(
        &[("invoices.csv", &invoices), ("payments.csv", payments)],
        "K-1",
        ymd(2026, 11, 30),
    )
    .await;
    assert_interest(&p, "38,32");
}

#[tokio::test]
async fn two_late_partial_payments() {
    // 1200.00 due 2026-06-15; 500.00 paid 2026-07-15, 300.00 paid 2026-09-30; 400.00
    // left on 2026-11-30; 9.25 % throughout.
    // 16.06–15.07: 30 days on 1200; 16.07–30.09: 16+31+30 = 77 days on 700;
    // 01.10–30.11: 31+30 = 61 days on 400.
    // (36000 + 53900 + 24400) × 9.25 / 36500 = 1057275 / 36500 = 28.9664… → 28.97
    let invoices = format!(
        "{INVOICE_HEADER}FV/1,K-1,invoice,2026-06-01,2026-06-15,1200.00,800.00,400.00,,,\n"
    );
    let payments = "reference,customer,paid_on,amount,invoice\n\
                    P1,K-1,2026-07-15,500.00,FV/1\n\
                    P2,K-1,2026-09-30,300.00,FV/1\n";
    let p = panel(
        &[("invoices.csv", &invoices), ("payments.csv", payments)],
        "K-1",
        ymd(2026, 11, 30),
    )
    .await;
    assert_interest(&p, "28,97");
}

#[tokio::test]
async fn a_note_then_further_delay_charges_no_day_twice_and_the_note_accrues_nothing() {
    // 1000.00 due Mon 2026-03-16. Note NO/1 (unpaid, due 2026-07-15) charged its interest
    // up to 2026-06-30. Today 2026-11-30: the bill accrues from 01.07 only:
    // 31+31+30+31+30 = 153 days × 9.25 % × 1000 / 36500 = 1415250 / 36500 = 38.7740… → 38.77
    // and the overdue note itself none (art. 482 §1 KC).
    // (before: 259 days from 17.03 on the bill plus interest on the note)
    let invoices = format!(
        "{INVOICE_HEADER}FV/1,K-1,invoice,2026-03-02,2026-03-16,1000.00,0.00,1000.00,,,\n\
         NO/1,K-1,interest_note,2026-07-01,2026-07-15,27.62,0.00,27.62,,FV/1,2026-06-30\n"
    );
    let p = panel(&[("invoices.csv", &invoices)], "K-1", ymd(2026, 11, 30)).await;
    assert_interest(&p, "38,77");
    for text in &p {
        assert!(text.contains("Po terminie: 2 na"), "{text}");
    }
}

#[tokio::test]
async fn a_housing_community_with_a_nip_pays_statutory_interest_when_billing_says_so() {
    // 1000.00 due 2026-06-15, unpaid; today 2026-11-30: 16.06–30.11 = 168 days.
    // Housing community (regime statutory from the export):
    //   1000 × 9.25 × 168 / 36500 = 1554000 / 36500 = 42.5753… → 42.58
    // A firm without a regime in the export: commercial, 14.00 % to 30.06 (15 days),
    //   13.75 % from 01.07 (153 days): 1000 × (210 + 2103.75) / 36500 = 63.3904… → 63.39
    for (customer, expected) in [("W-1", "42,58"), ("F-1", "63,39")] {
        let invoices = format!(
            "{INVOICE_HEADER}FV/{customer},{customer},invoice,2026-06-01,2026-06-15,1000.00,0.00,1000.00,,,\n"
        );
        let p = panel(&[("invoices.csv", &invoices)], customer, ymd(2026, 11, 30)).await;
        assert_interest(&p, expected);
    }
}

#[tokio::test]
async fn imported_rate_tables_win_over_the_configuration() {
    // Billing's statutory table says 10.00 % from 2026-01-01 (made up for the test).
    // 1000.00 due 2026-06-15, unpaid, today 2026-11-30: 168 days.
    // 1000 × 10 × 168 / 36500 = 46.0273… → 46.03 (the configuration's 9.25 % gives 42.58)
    let invoices =
        format!("{INVOICE_HEADER}FV/1,K-1,invoice,2026-06-01,2026-06-15,1000.00,0.00,1000.00,,,\n");
    let rates = "table,from,rate,confirmed_on\n\
                 statutory,2016-01-01,7.00,2026-11-27\n\
                 statutory,2026-01-01,10.00,2026-11-27\n\
                 commercial,2016-01-01,9.50,2026-11-27\n";
    let p = panel(
        &[("invoices.csv", &invoices), ("interest_rates.csv", rates)],
        "K-1",
        ymd(2026, 11, 30),
    )
    .await;
    assert_interest(&p, "46,03");
}

#[tokio::test]
async fn the_rates_health_check_follows_the_tables_in_force() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let (store, settings) = (&t.app.store, &t.app.settings);
        // The configuration's tables, confirmed 2026-05-06: stale after 45 days.
        let h = ebok::rates::health(store, settings, ymd(2026, 6, 20))
            .await
            .unwrap();
        assert!(!h.stale, "{}", h.describe());
        let h = ebok::rates::health(store, settings, ymd(2026, 6, 21))
            .await
            .unwrap();
        assert!(h.stale, "{}", h.describe());
        assert!(h.describe().contains("2026-05-06"), "{}", h.describe());
        // Imported tables confirmed later are fresh again, and printed by `ebok rates`.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("interest_rates.csv"),
            "table,from,rate,confirmed_on\n\
             statutory,2026-03-05,9.25,2026-11-27\n\
             commercial,2026-07-01,13.75,2026-11-27\n",
        )
        .unwrap();
        let report = ebok::import::run(store, &t.app.pesel_key, dir.path())
            .await
            .unwrap();
        assert_eq!(report.file("interest_rates.csv").unwrap().inserted, 2);
        let h = ebok::rates::health(store, settings, ymd(2026, 11, 30))
            .await
            .unwrap();
        assert!(!h.stale, "{}", h.describe());
        let text = ebok::rates::print(&h);
        assert!(text.contains("from 2026-07-01   13.75 %"), "{text}");
        assert!(text.contains("interest_rates.csv"), "{text}");
        assert!(!text.contains("2016-01-01"), "{text}");
        // The same file again changes nothing.
        let again = ebok::import::run(store, &t.app.pesel_key, dir.path())
            .await
            .unwrap();
        assert_eq!(again.changed(), 0, "{again}");
    }
}

#[tokio::test]
async fn rejects_a_rate_table_with_a_bad_rate() {
    assert_rejected(
        &[(
            "interest_rates.csv",
            "",
            Some("table,from,rate,confirmed_on\nstatutory,2016-01-01,7.005,2026-11-27\ncommercial,2016-01-01,9.50,2026-11-27\n"),
        )],
        "interest_rates.csv, line 2, column rate: '7.005' has more than two decimals (rates are percent, e.g. 9.25)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_rate_table_missing_one_table() {
    assert_rejected(
        &[(
            "interest_rates.csv",
            "",
            Some("table,from,rate,confirmed_on\nstatutory,2016-01-01,7.00,2026-11-27\n"),
        )],
        "interest_rates.csv, line 2, column table: no rows for the commercial table: the file must carry both tables complete (statutory and commercial)",
    )
    .await;
}

#[tokio::test]
async fn rejects_two_confirmed_dates_and_a_rate_given_twice() {
    let file = "table,from,rate,confirmed_on\n\
                statutory,2016-01-01,7.00,2026-11-27\n\
                statutory,2016-01-01,7.50,2026-11-28\n\
                commercial,2016-01-01,9.50,2026-11-27\n";
    assert_rejected(
        &[("interest_rates.csv", "", Some(file))],
        "interest_rates.csv, line 3, column confirmed_on: 2026-11-28 differs from 2026-11-27 on line 2: the tables have one confirmed date",
    )
    .await;
    assert_rejected(
        &[("interest_rates.csv", "", Some(file))],
        "interest_rates.csv, line 3, column from: the statutory table has two rates from 2016-01-01 (first on line 2)",
    )
    .await;
}

#[tokio::test]
async fn rejects_interest_fields_on_an_invoice_and_an_unknown_invoice() {
    assert_rejected(
        &[(
            "invoices.csv",
            "Ciepło – styczeń 2025,1208.82,1208.82,0.00,,pdf/FV-2025-01-000101.pdf,,",
            Some("Ciepło – styczeń 2025,1208.82,1208.82,0.00,,pdf/FV-2025-01-000101.pdf,FV/2025/02/000101,2025-02-01"),
        )],
        "invoices.csv, line 2, column interest_for: only an interest_note names the invoice its interest is for: leave interest_for and interest_to empty",
    )
    .await;
    assert_rejected(
        &[("invoices.csv", "FV/2025/01/000102,2025-02-24", Some("FV/2025/13/000102,2025-02-24"))],
        "invoices.csv, line 8, column interest_for: invoice 'FV/2025/13/000102' is neither in invoices.csv nor in the database",
    )
    .await;
    assert_rejected(
        &[("invoices.csv", "FV/2025/01/000102,2025-02-24", Some("FV/2025/01/000101,2025-02-24"))],
        "invoices.csv, line 8, column interest_for: invoice 'FV/2025/01/000101' belongs to customer 'K-00101', not to 'K-00102'",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_note_without_its_last_day_or_charging_the_future() {
    assert_rejected(
        &[("invoices.csv", "FV/2025/01/000102,2025-02-24", Some("FV/2025/01/000102,"))],
        "invoices.csv, line 8, column interest_to: an interest note with interest_for needs interest_to, the last day its interest covers",
    )
    .await;
    assert_rejected(
        &[("invoices.csv", "FV/2025/01/000102,2025-02-24", Some("FV/2025/01/000102,2025-04-30"))],
        "invoices.csv, line 8, column interest_to: 2025-04-30 is after issue_date 2025-04-10: a note charges interest for days already past",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_interest_regime() {
    assert_rejected(
        &[
            ("customers.csv", "number,kind,name,pesel,nip,address,area,email,phone", Some("number,kind,name,pesel,nip,address,area,email,phone,interest_regime")),
            ("customers.csv", "+48 600 100 200", Some("+48 600 100 200,konsument")),
        ],
        "customers.csv, line 2, column interest_regime: 'konsument' is not one of: statutory, commercial",
    )
    .await;
}

#[tokio::test]
async fn the_demo_debtor_owes_what_the_hand_computation_says() {
    // The demo for 2026-11-30: Grzegorz Kręcki (K-000102) stopped paying; statutory
    // 9.25 % throughout (reference 3.75 % from 2026-03-05 + 5.5):
    //   FV/2026/06  490.86 due Tue 14.07; note NO/2026/08/000102/1 charged it to 04.08,
    //               so 05.08–30.11 = 27+30+31+30 = 118 days: 490.86 × 9.25 × 118 / 36500 = 14.68
    //   FV/2026/07  459.74 due Fri 14.08; 15.08–30.11 = 108 days:                   12.58
    //   FV/2026/08  463.51 due Mon 14.09; 15.09–30.11 = 77 days:                     9.04
    //   FV/2026/09  618.08 due Wed 14.10; 15.10–30.11 = 47 days:                     7.36
    //   FV/2026/10 1153.25 due Sat 14.11 -> Mon 16.11; 17.11–30.11 = 14 days:        4.09
    //   the unpaid note itself accrues nothing (art. 482 §1 KC):                     0.00
    //   interest to today: 47.75. With the note's 2.61 already charged (and shown in
    //   the overdue amount) the interest owed in all is 50.36.
    // Before: 53.17 (9.75 % from each due date, FV/2026/06 from 15.07 again, and
    // interest on the note).
    let today = ymd(2026, 11, 30);
    let dir = tempfile::tempdir().unwrap();
    let summary = ebok::demo::generate(dir.path(), today).unwrap();
    let debtor = summary
        .customers
        .iter()
        .find(|c| c.note.contains("sądzie"))
        .expect("the demo has a debtor in court");
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        t.app.core.freeze_today(today);
        ebok::import::run(&t.app.store, &t.app.pesel_key, dir.path())
            .await
            .unwrap();
        login_customer(&t, &debtor.number, "demo-debtor").await;
        let chat = t.console("demo-debtor");
        let panel = chat.say("saldo").await;
        assert_interest(&[panel], "47,75");
        let note = chat.say("faktura NO/2026/08/000102/1").await;
        assert!(note.contains("2,61 zł"), "{note}");
    }
}
