//! The billing import on every backend: the example set, idempotence, updates, each
//! validation error (with nothing imported), and the demo data set.

use crate::helpers::{TestDb, backends};
use ebok::import::{self, ImportError, ImportReport};
use ebok::store::Store;
use std::path::{Path, PathBuf};

const KEY: &[u8] = b"test-pesel-key";

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example")
}

/// A copy of the example set with `edits` applied: (file, text to find, replacement).
/// A replacement of `None` deletes the file.
pub fn edited_example(edits: &[(&str, &str, Option<&str>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example_dir(), dir.path());
    for (file, from, to) in edits {
        let path = dir.path().join(file);
        match to {
            None => std::fs::remove_file(&path).unwrap(),
            Some(to) => {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                assert!(text.contains(from), "{file} has no '{from}'");
                std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
            }
        }
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

async fn count(store: &Store, table: &str) -> i64 {
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
    ebok::on_pool!(store, |p| sqlx::query_scalar::<_, i64>(&sql)
        .fetch_one(p)
        .await
        .unwrap())
}

async fn text(store: &Store, sql: &str) -> String {
    ebok::on_pool!(store, |p| sqlx::query_scalar::<_, String>(sql)
        .fetch_one(p)
        .await
        .unwrap())
}

async fn sum(store: &Store, table: &str, column: &str) -> i64 {
    let sql = format!("SELECT CAST(COALESCE(SUM({column}), 0) AS BIGINT) FROM {table}");
    ebok::on_pool!(store, |p| sqlx::query_scalar::<_, i64>(&sql)
        .fetch_one(p)
        .await
        .unwrap())
}

const TABLES: [&str; 10] = [
    "customers",
    "contracts",
    "invoices",
    "invoice_items",
    "payments",
    "collections",
    "messages",
    "files",
    "invoice_item_sets",
    "interest_rates",
];

async fn counts(store: &Store) -> Vec<i64> {
    let mut all = Vec::new();
    for t in TABLES {
        all.push(count(store, t).await);
    }
    all
}

fn assert_counts(report: &ImportReport, file: &str, inserted: u64, updated: u64, unchanged: u64) {
    let r = report
        .file(file)
        .unwrap_or_else(|| panic!("{file} missing from {report}"));
    assert_eq!(
        (r.inserted, r.updated, r.unchanged),
        (inserted, updated, unchanged),
        "{file}: {report}"
    );
}

#[tokio::test]
async fn the_example_set_imports_with_the_expected_counts() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let report = import::run(&db.store, KEY, &example_dir()).await.unwrap();
        assert_counts(&report, "customers.csv", 3, 0, 0);
        assert_counts(&report, "contracts.csv", 4, 0, 0);
        assert_counts(&report, "invoices.csv", 7, 0, 0);
        assert_counts(&report, "invoice_items.csv", 26, 0, 0);
        assert_counts(&report, "payments.csv", 5, 0, 0);
        assert_counts(&report, "collections.csv", 1, 0, 0);
        assert_counts(&report, "messages.csv", 5, 0, 0);
        assert_eq!(report.pdfs_stored, 5, "{}", db.label);
        assert_eq!(
            counts(&db.store).await,
            [3, 4, 7, 26, 5, 1, 5, 5, 6, 0],
            "{}",
            db.label
        );
        // money and text arrive exactly
        assert_eq!(
            sum(&db.store, "invoices", "charge_gr").await,
            11721443,
            "{}",
            db.label
        );
        let name = text(
            &db.store,
            "SELECT name FROM customers WHERE number = 'K-00101'",
        )
        .await;
        assert_eq!(name, "Zofia Wiśniewska");
        let firm = text(
            &db.store,
            "SELECT name FROM customers WHERE number = 'F-00201'",
        )
        .await;
        assert_eq!(firm, "Spółdzielnia Mieszkaniowa \"Zazamcze\"");
        let nip = text(
            &db.store,
            "SELECT nip FROM customers WHERE number = 'F-00201'",
        )
        .await;
        assert_eq!(nip, "8881234563");
        let pdf = text(
            &db.store,
            "SELECT pdf_name FROM contracts WHERE number = 'UM/2018/0201/A1'",
        )
        .await;
        assert_eq!(pdf, "aneks-UM-2018-0201-A1.pdf");
    }
}

#[tokio::test]
async fn pesel_is_kept_only_as_keyed_hash_and_mask() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        import::run(&db.store, KEY, &example_dir()).await.unwrap();
        let pesel = ebok::domain::ids::Pesel::parse("58031245127").unwrap();
        let hash = text(
            &db.store,
            "SELECT pesel_hash FROM customers WHERE number = 'K-00101'",
        )
        .await;
        assert_eq!(hash, pesel.keyed_hash(KEY), "{}", db.label);
        let masked = text(
            &db.store,
            "SELECT pesel_masked FROM customers WHERE number = 'K-00101'",
        )
        .await;
        assert_eq!(masked, "*******5127");
        let everything = text(
            &db.store,
            "SELECT number || kind || name || COALESCE(pesel_hash, '') || COALESCE(pesel_masked, '') \
             || COALESCE(nip, '') || address || area || COALESCE(email, '') || COALESCE(phone, '') || row_hash \
             FROM customers WHERE number = 'K-00101'",
        )
        .await;
        assert!(!everything.contains("58031245127"), "{everything}");
    }
}

#[tokio::test]
async fn a_second_import_of_the_same_files_changes_nothing() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        import::run(&db.store, KEY, &example_dir()).await.unwrap();
        let before = counts(&db.store).await;
        let again = import::run(&db.store, KEY, &example_dir()).await.unwrap();
        assert_eq!(again.changed(), 0, "{again}");
        for f in &again.files {
            assert_eq!(
                (f.inserted, f.updated, f.unchanged),
                (0, 0, f.rows),
                "{}: {again}",
                f.file
            );
        }
        assert_eq!(again.pdfs_stored, 0);
        assert_eq!(counts(&db.store).await, before, "{}", db.label);
    }
}

#[tokio::test]
async fn a_changed_row_is_updated_and_only_it() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        import::run(&db.store, KEY, &example_dir()).await.unwrap();
        let dir = edited_example(&[
            (
                "customers.csv",
                "ul. Toruńska 80 m. 15",
                Some("ul. Toruńska 82 m. 3"),
            ),
            (
                "invoice_items.csv",
                "FV/2025/02/000102,2,Opłata za ciepło,",
                Some("FV/2025/02/000102,2,Opłata za ciepło (luty),"),
            ),
            (
                "messages.csv",
                "Letnia przerwa remontowa 2025",
                Some("Przerwa remontowa 2025"),
            ),
        ]);
        let report = import::run(&db.store, KEY, dir.path()).await.unwrap();
        assert_counts(&report, "customers.csv", 0, 1, 2);
        assert_counts(&report, "invoices.csv", 0, 0, 7);
        // the invoice's whole set of 4 items is replaced, the other 22 items stay
        assert_counts(&report, "invoice_items.csv", 0, 4, 22);
        assert_counts(&report, "messages.csv", 0, 1, 4);
        let address = text(
            &db.store,
            "SELECT address FROM customers WHERE number = 'K-00102'",
        )
        .await;
        assert_eq!(
            address, "ul. Toruńska 82 m. 3, 87-800 Włocławek",
            "{}",
            db.label
        );
        let item = text(
            &db.store,
            "SELECT it.name FROM invoice_items it JOIN invoices i ON i.id = it.invoice_id \
             WHERE i.number = 'FV/2025/02/000102' AND it.line_no = 2",
        )
        .await;
        assert_eq!(item, "Opłata za ciepło (luty)");
        assert_eq!(count(&db.store, "invoice_items").await, 26);
    }
}

#[tokio::test]
async fn files_may_come_alone_and_refer_to_rows_already_imported() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        import::run(&db.store, KEY, &example_dir()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("payments.csv"),
            "reference,customer,paid_on,amount,invoice\nPB/2025/04/01/0001,K-00102,2025-04-01,934.30,FV/2025/02/000102\n",
        )
        .unwrap();
        let report = import::run(&db.store, KEY, dir.path()).await.unwrap();
        assert_eq!(report.files.len(), 1);
        assert_counts(&report, "payments.csv", 1, 0, 0);
        assert_eq!(count(&db.store, "payments").await, 6, "{}", db.label);
    }
}

/// Imports the edited example into a fresh database and into one that already holds
/// the example; both must fail with `expected` among the errors and leave the
/// database exactly as it was.
pub async fn assert_rejected(edits: &[(&str, &str, Option<&str>)], expected: &str) {
    let dir = edited_example(edits);
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let err = import::run(&db.store, KEY, dir.path()).await.unwrap_err();
        assert_invalid(&err, expected, db.label);
        assert_eq!(
            counts(&db.store).await,
            [0; 10],
            "{}: something was imported",
            db.label
        );

        import::run(&db.store, KEY, &example_dir()).await.unwrap();
        let before = counts(&db.store).await;
        let address = text(
            &db.store,
            "SELECT address FROM customers WHERE number = 'K-00102'",
        )
        .await;
        let err = import::run(&db.store, KEY, dir.path()).await.unwrap_err();
        assert_invalid(&err, expected, db.label);
        assert_eq!(counts(&db.store).await, before, "{}", db.label);
        let after = text(
            &db.store,
            "SELECT address FROM customers WHERE number = 'K-00102'",
        )
        .await;
        assert_eq!(after, address);
    }
}

fn assert_invalid(err: &ImportError, expected: &str, label: &str) {
    match err {
        ImportError::Invalid { errors, .. } => {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            assert!(
                lines.iter().any(|l| l == expected),
                "{label}: expected\n  {expected}\namong\n  {}",
                lines.join("\n  ")
            );
        }
        other => panic!("{label}: not a validation error: {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("the import was rejected and nothing was imported")
    );
}

#[tokio::test]
async fn rejects_a_pesel_with_a_wrong_check_digit() {
    assert_rejected(
        &[("customers.csv", "58031245127", Some("58031245128"))],
        "customers.csv, line 2, column pesel: PESEL check digit does not match",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_pesel_of_wrong_length() {
    assert_rejected(
        &[("customers.csv", "85113023816", Some("8511302381"))],
        "customers.csv, line 3, column pesel: PESEL must have 11 digits",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_pesel_with_an_impossible_date() {
    // 31 November; the check digit is right for these ten digits
    assert_rejected(
        &[("customers.csv", "85113023816", Some("85113123813"))],
        "customers.csv, line 3, column pesel: PESEL encodes an impossible birth date",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_nip_with_a_wrong_check_digit() {
    assert_rejected(
        &[("customers.csv", "888-123-45-63", Some("888-123-45-64"))],
        "customers.csv, line 4, column nip: NIP check digit does not match",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_invoice_number_too_long_for_a_button() {
    let long = format!("FV/2025/01/{}", "0".repeat(40));
    assert_rejected(
        &[(
            "invoices.csv",
            "FV/2025/01/000101,K-00101",
            Some(&format!("{long},K-00101")),
        )],
        &format!(
            "invoices.csv, line 2, column number: '{long}' is longer than 50 bytes (a number is typed in commands and carried by Telegram buttons)"
        ),
    )
    .await;
}

#[tokio::test]
async fn rejects_a_contract_number_with_a_space() {
    assert_rejected(
        &[(
            "contracts.csv",
            "UM/2019/0101,K-00101",
            Some("UM 2019/0101,K-00101"),
        )],
        "contracts.csv, line 2, column number: 'UM 2019/0101' contains a space (a number is one word in commands)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_person_without_pesel() {
    assert_rejected(
        &[(
            "customers.csv",
            "Jan Kowalski,85113023816,",
            Some("Jan Kowalski,,"),
        )],
        "customers.csv, line 3, column pesel: a person needs a PESEL",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_kind() {
    assert_rejected(
        &[("customers.csv", "F-00201,firm,", Some("F-00201,company,"))],
        "customers.csv, line 4, column kind: 'company' is not one of: person, firm",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_key_that_appears_twice() {
    assert_rejected(
        &[("customers.csv", "K-00102,person", Some("K-00101,person"))],
        "customers.csv, line 3, column number: customer number 'K-00101' appears twice in the file (first on line 2)",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_column() {
    assert_rejected(
        &[("customers.csv", ",phone\n", Some(",telefon\n"))],
        "customers.csv, line 1, column telefon: unknown column (the columns are: number, kind, name, pesel, nip, address, area, email, phone, interest_regime, bank_account)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_missing_required_column() {
    assert_rejected(
        &[(
            "payments.csv",
            "reference,customer,paid_on,amount,",
            Some("reference,customer,paid_on,kwota,"),
        )],
        "payments.csv, line 1, column amount: required column is missing from the header",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_line_with_too_few_fields() {
    assert_rejected(
        &[("payments.csv", ",Wpłata gotówkowa w kasie", Some(""))],
        "payments.csv, line 4: the line has 5 fields but the header has 6",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_bad_date() {
    assert_rejected(
        &[("invoices.csv", "invoice,2025-02-28,2025-03-14", Some("invoice,2025-02-30,2025-03-14"))],
        "invoices.csv, line 3, column issue_date: '2025-02-30' is not a date (expected YYYY-MM-DD, e.g. 2025-03-14)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_bad_amount() {
    assert_rejected(
        &[("invoices.csv", ",1208.82,1208.82,0.00,", Some(",\"1 208,82\",1208.82,0.00,"))],
        "invoices.csv, line 2, column charge: '1 208,82' is not an amount (expected digits, a dot and two decimals, e.g. 1234.56)",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_due_date_before_the_issue_date() {
    assert_rejected(
        &[(
            "invoices.csv",
            "2025-02-28,2025-03-14,Ciepło – luty 2025,934.30",
            Some("2025-02-28,2025-02-14,Ciepło – luty 2025,934.30"),
        )],
        "invoices.csv, line 5, column due_date: 2025-02-14 is before issue_date 2025-02-28",
    )
    .await;
}

#[tokio::test]
async fn rejects_to_pay_that_is_not_charge_minus_credited() {
    assert_rejected(
        &[("invoices.csv", "934.30,0.00,934.30", Some("934.30,100.00,934.30"))],
        "invoices.csv, line 5, column to_pay: 934.30 is not charge − credited = 934.30 − 100.00 = 834.30",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_invoice_of_an_unknown_customer() {
    assert_rejected(
        &[("invoices.csv", "FV/2025/01/000101,K-00101", Some("FV/2025/01/000101,K-09999"))],
        "invoices.csv, line 2, column customer: customer 'K-09999' is neither in customers.csv nor in the database",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_annex_without_its_contract() {
    assert_rejected(
        &[("contracts.csv", "annex,UM/2018/0201,", Some("annex,UM/2018/0999,"))],
        "contracts.csv, line 5, column parent: contract 'UM/2018/0999' is neither in contracts.csv nor in the database",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_annex_to_another_customers_contract() {
    assert_rejected(
        &[("contracts.csv", "annex,UM/2018/0201,", Some("annex,UM/2019/0101,"))],
        "contracts.csv, line 5, column parent: contract 'UM/2019/0101' belongs to customer 'K-00101', not to 'F-00201'",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_missing_pdf() {
    let dir_edit = ("pdf/umowa-UM-2019-0101.pdf", "", None);
    assert_rejected(
        &[dir_edit],
        "contracts.csv, line 2, column pdf: the file 'pdf/umowa-UM-2019-0101.pdf' does not exist in the import directory",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_pdf_outside_the_directory() {
    assert_rejected(
        &[("contracts.csv", "pdf/umowa-UM-2019-0101.pdf", Some("../umowa.pdf"))],
        "contracts.csv, line 2, column pdf: '../umowa.pdf' must be a path inside the import directory, with / between folders and no '..'",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_item_whose_net_does_not_compute() {
    assert_rejected(
        &[("invoice_items.csv", "10240.56,153.61,23,35.33,188.94", Some("10240.56,153.60,23,35.33,188.93"))],
        "invoice_items.csv, line 2, column net: 153.60 is not quantity × unit_price = 0.015 × 10240.56 = 153.61",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_item_whose_vat_does_not_compute() {
    assert_rejected(
        &[(
            "invoice_items.csv",
            "10240.56,153.61,23,35.33,188.94",
            Some("10240.56,153.61,23,35.30,188.91"),
        )],
        "invoice_items.csv, line 2, column vat: 35.30 is not 23% of the net 153.61 = 35.33",
    )
    .await;
}

#[tokio::test]
async fn rejects_items_that_do_not_add_up_to_the_charge() {
    assert_rejected(
        &[("invoices.csv", "1208.82,1208.82,0.00", Some("1208.83,1208.83,0.00"))],
        "invoice_items.csv, line 2, column gross: the items of invoice 'FV/2025/01/000101' come to 1208.82 gross (VAT per rate on the net totals) but the invoice charge is 1208.83 (off by -0.01)",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_item_of_an_unknown_invoice() {
    assert_rejected(
        &[("invoice_items.csv", "FV/2025/01/000101,1,", Some("FV/2025/13/000101,1,"))],
        "invoice_items.csv, line 2, column invoice: invoice 'FV/2025/13/000101' is neither in invoices.csv nor in the database",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_payment_for_another_customers_invoice() {
    assert_rejected(
        &[("payments.csv", "K-00102,2025-02-24,967.49,FV/2025/01/000102", Some("K-00102,2025-02-24,967.49,FV/2025/01/000101"))],
        "payments.csv, line 4, column invoice: invoice 'FV/2025/01/000101' belongs to customer 'K-00101', not to 'K-00102'",
    )
    .await;
}

#[tokio::test]
async fn rejects_a_court_case_without_signature() {
    assert_rejected(
        &[(
            "collections.csv",
            "demand,open,2025-04-02,2025-04-02,934.30,3.40,0.00,,,,",
            Some("court,open,2025-04-02,2025-04-02,934.30,3.40,0.00,Sąd Rejonowy we Włocławku,,,"),
        )],
        "collections.csv, line 2, column signature: a case in court needs its signature (e.g. I C 1234/25)",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_message_kind() {
    assert_rejected(
        &[("messages.csv", "MSG-2025-001,failure,", Some("MSG-2025-001,awaria,"))],
        "messages.csv, line 2, column kind: 'awaria' is not one of: failure, interruption, maintenance, tariff, information",
    )
    .await;
}

#[tokio::test]
async fn rejects_an_unknown_csv_file() {
    assert_rejected(
        &[("invoces.csv", "", Some("number\n"))],
        "invoces.csv: not an import file (the files are: customers.csv, contracts.csv, invoices.csv, invoice_items.csv, payments.csv, collections.csv, messages.csv, interest_rates.csv)",
    )
    .await;
}

#[tokio::test]
async fn stops_after_fifty_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("number,kind,name,pesel\n");
    for i in 0..80 {
        csv.push_str(&format!("K-{i},person,Jan Nowak,12345678901\n"));
    }
    std::fs::write(dir.path().join("customers.csv"), csv).unwrap();
    let db = TestDb::new(&backends()[0]).await;
    match import::run(&db.store, KEY, dir.path()).await.unwrap_err() {
        ImportError::Invalid {
            errors,
            stopped_early,
        } => {
            assert_eq!(errors.len(), import::MAX_ERRORS);
            assert!(stopped_early);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_demo_data_imports_and_reconciles() {
    let today = chrono::NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = ebok::demo::generate(dir.path(), today).unwrap();
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let report = import::run(&db.store, KEY, dir.path()).await.unwrap();
        let grosze = |d: rust_decimal::Decimal| ebok::domain::money::to_grosze(d).unwrap();
        assert_eq!(
            count(&db.store, "customers").await as usize,
            summary.customers.len()
        );
        assert_eq!(
            count(&db.store, "contracts").await as usize,
            summary.contracts
        );
        assert_eq!(
            count(&db.store, "invoices").await as usize,
            summary.invoices
        );
        assert_eq!(
            count(&db.store, "invoice_items").await as usize,
            summary.invoice_items
        );
        assert_eq!(
            count(&db.store, "payments").await as usize,
            summary.payments
        );
        assert_eq!(
            count(&db.store, "collections").await as usize,
            summary.collections
        );
        assert_eq!(
            count(&db.store, "messages").await as usize,
            summary.messages
        );
        assert_eq!(count(&db.store, "files").await as usize, summary.pdf_files);
        assert_eq!(report.pdfs_stored as usize, summary.pdf_files);
        assert_eq!(
            sum(&db.store, "invoices", "charge_gr").await,
            grosze(summary.total_charge)
        );
        assert_eq!(
            sum(&db.store, "invoices", "to_pay_gr").await,
            grosze(summary.total_to_pay)
        );
        assert_eq!(
            sum(&db.store, "payments", "amount_gr").await,
            grosze(summary.total_paid)
        );
        // what was charged is what was paid plus what is still to pay
        assert_eq!(
            sum(&db.store, "invoices", "charge_gr").await,
            sum(&db.store, "payments", "amount_gr").await
                + sum(&db.store, "invoices", "to_pay_gr").await,
            "{}",
            db.label
        );
        let again = import::run(&db.store, KEY, dir.path()).await.unwrap();
        assert_eq!(again.changed(), 0, "{again}");
    }
}

/// `n` invoices of K-00101 without items, as invoices.csv.
fn many_invoices(n: usize, bad_line: Option<usize>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("number,customer,kind,issue_date,due_date,charge,credited,to_pay\n");
    for i in 0..n {
        let due = if Some(i + 2) == bad_line {
            "2025-01-01"
        } else {
            "2025-02-14"
        };
        csv.push_str(&format!(
            "FV/X/{i:05},K-00101,invoice,2025-01-31,{due},{i}.50,0.00,{i}.50\n"
        ));
    }
    std::fs::write(dir.path().join("invoices.csv"), csv).unwrap();
    dir
}

#[tokio::test]
async fn thousands_of_rows_go_in_batches_and_an_error_late_in_the_file_imports_nothing() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        import::run(&db.store, KEY, &example_dir()).await.unwrap();
        let bad = many_invoices(1_800, Some(1_700));
        let err = import::run(&db.store, KEY, bad.path()).await.unwrap_err();
        assert_invalid(
            &err,
            "invoices.csv, line 1700, column due_date: 2025-01-01 is before issue_date 2025-01-31",
            db.label,
        );
        assert_eq!(count(&db.store, "invoices").await, 7, "{}", db.label);

        let good = many_invoices(1_800, None);
        // an item in the same run finds its invoice by the id the batch handed out
        std::fs::write(
            good.path().join("invoice_items.csv"),
            "invoice,line,name,quantity,unit,unit_price,net,vat_rate,vat,gross\n\
             FV/X/01234,1,Opłata za ciepło,1,GJ,1003.66,1003.66,23,230.84,1234.50\n",
        )
        .unwrap();
        let report = import::run(&db.store, KEY, good.path()).await.unwrap();
        assert_counts(&report, "invoices.csv", 1_800, 0, 0);
        assert_eq!(count(&db.store, "invoices").await, 1_807, "{}", db.label);
        let owner = text(
            &db.store,
            "SELECT i.number FROM invoice_items it JOIN invoices i ON i.id = it.invoice_id \
             WHERE it.name = 'Opłata za ciepło' AND it.unit_price = '1003.66'",
        )
        .await;
        assert_eq!(owner, "FV/X/01234", "{}", db.label);
        let again = import::run(&db.store, KEY, good.path()).await.unwrap();
        assert_counts(&again, "invoices.csv", 0, 0, 1_800);
    }
}

/// Items of FV/X/00010 (charge 10.50) on lines 2 and 4, with FV/X/00011 (11.50) between
/// them and FV/X/00012 (12.50) after; `last` is the net of FV/X/00010's second item.
fn scattered_items(dir: &Path, last: &str) {
    std::fs::write(
        dir.join("invoice_items.csv"),
        format!(
            "invoice,line,name,quantity,unit,unit_price,net,vat_rate,vat,gross\n\
             FV/X/00010,1,Ciepło,1,GJ,10.00,10.00,zw,0.00,10.00\n\
             FV/X/00011,1,Ciepło,1,GJ,11.50,11.50,zw,0.00,11.50\n\
             FV/X/00010,2,Opłata stała,1,szt.,{last},{last},zw,0.00,{last}\n\
             FV/X/00012,1,Ciepło,1,GJ,12.00,12.00,zw,0.00,12.00\n\
             FV/X/00012,2,Opłata stała,1,szt.,0.50,0.50,zw,0.00,0.50\n"
        ),
    )
    .unwrap();
}

#[tokio::test]
async fn the_items_of_an_invoice_may_stand_apart_in_the_file() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        import::run(&db.store, KEY, &example_dir()).await.unwrap();
        let dir = many_invoices(20, None);
        // Apart and not adding up: the set is still checked as a whole.
        scattered_items(dir.path(), "0.40");
        let err = import::run(&db.store, KEY, dir.path()).await.unwrap_err();
        assert_invalid(
            &err,
            "invoice_items.csv, line 2, column gross: the items of invoice 'FV/X/00010' come to 10.40 gross (VAT per rate on the net totals) but the invoice charge is 10.50 (off by -0.10)",
            db.label,
        );
        assert_eq!(count(&db.store, "invoices").await, 7, "{}", db.label);

        scattered_items(dir.path(), "0.50");
        let report = import::run(&db.store, KEY, dir.path()).await.unwrap();
        assert_counts(&report, "invoice_items.csv", 5, 0, 0);
        for (number, items) in [
            ("FV/X/00010", "2 items, 1050 gr"),
            ("FV/X/00011", "1 items, 1150 gr"),
            ("FV/X/00012", "2 items, 1250 gr"),
        ] {
            let sql = format!(
                "SELECT COUNT(*) || ' items, ' || CAST(SUM(it.net_gr) AS BIGINT) || ' gr' \
                 FROM invoice_items it JOIN invoices i ON i.id = it.invoice_id \
                 WHERE i.number = '{number}'"
            );
            assert_eq!(text(&db.store, &sql).await, items, "{number} {}", db.label);
        }
        let all = count(&db.store, "invoice_items").await;
        let again = import::run(&db.store, KEY, dir.path()).await.unwrap();
        assert_counts(&again, "invoice_items.csv", 0, 0, 5);
        assert_eq!(count(&db.store, "invoice_items").await, all, "{}", db.label);
    }
}

/// A database role that may not turn foreign-key triggers off (production's usual
/// role, unlike the test cluster's superuser) imports the same rows, its keys checked
/// row by row.
#[tokio::test]
async fn a_role_without_bulk_load_rights_imports_the_same() {
    for backend in backends() {
        let crate::helpers::Backend::Postgres(_) = &backend else {
            continue;
        };
        let db = TestDb::new(&backend).await;
        let dbname = db.url.rsplit('/').next().unwrap().to_string();
        let role = format!("plain_{dbname}");
        let admin = sqlx::PgPool::connect(&db.url).await.unwrap();
        for sql in [
            format!("CREATE ROLE {role} LOGIN"),
            // Store::open checks its migrations (CREATE TABLE IF NOT EXISTS).
            format!("GRANT USAGE, CREATE ON SCHEMA public TO {role}"),
            format!("GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"),
            format!("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        ] {
            sqlx::query(&sql).execute(&admin).await.unwrap();
        }
        let url = db.url.replacen("://postgres@", &format!("://{role}@"), 1);
        assert_ne!(url, db.url, "the test database URL names the postgres user");
        let plain = Store::open(&url).await.unwrap();
        let as_role = sqlx::PgPool::connect(&url).await.unwrap();
        let refused = sqlx::query("SET session_replication_role = replica")
            .execute(&as_role)
            .await;
        assert!(refused.is_err(), "the role must not have the right");
        as_role.close().await;

        import::run(&plain, KEY, &example_dir()).await.unwrap();
        let dir = many_invoices(1_800, None);
        scattered_items(dir.path(), "0.50");
        let report = import::run(&plain, KEY, dir.path()).await.unwrap();
        assert_counts(&report, "invoices.csv", 1_800, 0, 0);
        assert_counts(&report, "invoice_items.csv", 5, 0, 0);
        assert_eq!(count(&db.store, "invoices").await, 1_807);
        let again = import::run(&plain, KEY, dir.path()).await.unwrap();
        assert_counts(&again, "invoices.csv", 0, 0, 1_800);
        plain.close().await;
        admin.close().await;
    }
}

/// The keys of rows copied without the row-by-row triggers are still checked before
/// the import commits: an invoice of a customer that does not exist never lands.
#[tokio::test]
async fn an_invoice_of_a_missing_customer_is_refused_before_the_commit() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let mut tx = db.store.begin_write().await.unwrap();
        let mut bulk = tx.bulk_load_begin().await.unwrap();
        let is_pg = matches!(backend, crate::helpers::Backend::Postgres(_));
        assert_eq!(
            bulk.deferred_keys, is_pg,
            "the test cluster runs as superuser"
        );
        let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        let row = ebok::store::import::InvoiceRow {
            number: "FV/NIGDZIE/1".into(),
            customer_id: 424_242,
            kind: "invoice",
            issue_date: day,
            due_date: day,
            description: "Ciepło".into(),
            charge_gr: 100,
            credited_gr: 0,
            to_pay_gr: 100,
            interest_gr: None,
            pdf_sha256: None,
            pdf_name: None,
            interest_for: None,
            interest_to: None,
            row_hash: "00".into(),
        };
        let outcome = match tx.upsert_invoices(&[row], true, &mut bulk).await {
            Ok(_) => tx.bulk_load_end(&bulk).await,
            Err(e) => Err(e),
        };
        let err = format!("{:#}", outcome.unwrap_err());
        let expected = if is_pg {
            "an invoice names a customer that does not exist: FV/NIGDZIE/1"
        } else {
            "FOREIGN KEY constraint failed"
        };
        assert!(err.contains(expected), "{}: {err}", db.label);
        drop(tx);
        assert_eq!(count(&db.store, "invoices").await, 0, "{}", db.label);
    }
}

async fn indexes(pool: &sqlx::PgPool, table: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname")
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn invoice_indexes(pool: &sqlx::PgPool) -> Vec<String> {
    indexes(pool, "invoices").await
}

/// A first import into an empty PostgreSQL database builds the customers' and invoices'
/// secondary indexes after the load: they come back exactly as the migrations made
/// them, a duplicate number still fails the import (and leaves the indexes as they
/// were), and only that first import, with no customer's account yet, keeps readers of
/// the invoices waiting.
#[tokio::test]
async fn a_first_import_builds_the_invoice_indexes_after_the_load() {
    for backend in backends() {
        let crate::helpers::Backend::Postgres(_) = &backend else {
            continue;
        };
        let db = TestDb::new(&backend).await;
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        let migrated = invoice_indexes(&pool).await;
        assert_eq!(migrated.len(), 5, "{migrated:?}");

        let customers = indexes(&pool, "customers").await;
        assert_eq!(customers.len(), 4, "{customers:?}");
        let report = import::run(&db.store, KEY, &example_dir()).await.unwrap();
        assert!(report.files[0].inserted > 0, "{report:?}");
        assert_eq!(indexes(&pool, "customers").await, customers);
        assert_eq!(invoice_indexes(&pool).await, migrated);

        // Two new invoices with one number: the rebuilt unique constraint refuses them.
        sqlx::query("TRUNCATE invoices, invoice_items, invoice_item_sets CASCADE")
            .execute(&pool)
            .await
            .unwrap();
        let customer: i64 = sqlx::query_scalar("SELECT min(id) FROM customers")
            .fetch_one(&pool)
            .await
            .unwrap();
        let mut tx = db.store.begin_write().await.unwrap();
        let mut bulk = tx.bulk_load_begin().await.unwrap();
        assert!(bulk.indexes_set_aside(), "the invoices table is empty");
        // Meanwhile a reader of the invoices waits (here: gives up after 200 ms).
        let mut reader = pool.acquire().await.unwrap();
        sqlx::query("SET lock_timeout = '200ms'")
            .execute(&mut *reader)
            .await
            .unwrap();
        let waited = sqlx::query("SELECT count(*) FROM invoices")
            .execute(&mut *reader)
            .await
            .unwrap_err();
        assert!(waited.to_string().contains("lock timeout"), "{waited}");
        let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
        let row = |hash: &str| ebok::store::import::InvoiceRow {
            number: "FV/2025/03/TWIN".into(),
            customer_id: customer,
            kind: "invoice",
            issue_date: day,
            due_date: day,
            description: "Ciepło".into(),
            charge_gr: 100,
            credited_gr: 0,
            to_pay_gr: 100,
            interest_gr: None,
            pdf_sha256: None,
            pdf_name: None,
            interest_for: None,
            interest_to: None,
            row_hash: hash.into(),
        };
        tx.upsert_invoices(&[row("01"), row("02")], true, &mut bulk)
            .await
            .unwrap();
        let err = format!("{:#}", tx.bulk_load_end(&bulk).await.unwrap_err());
        assert!(err.contains("invoices_number_key"), "{err}");
        drop(tx);
        assert_eq!(invoice_indexes(&pool).await, migrated);

        // The first import proper: same indexes after it, and its invoices are found.
        let dir = many_invoices(1_800, None);
        let report = import::run(&db.store, KEY, dir.path()).await.unwrap();
        assert_counts(&report, "invoices.csv", 1_800, 0, 0);
        assert_eq!(invoice_indexes(&pool).await, migrated);
        let twin = sqlx::query(
            "INSERT INTO invoices (number, customer_id, kind, issue_date, due_date, \
             charge_gr, credited_gr, to_pay_gr, row_hash) SELECT number, customer_id, kind, \
             issue_date, due_date, charge_gr, credited_gr, to_pay_gr, row_hash FROM invoices \
             LIMIT 1",
        )
        .execute(&pool)
        .await
        .unwrap_err();
        assert!(twin.to_string().contains("invoices_number_key"), "{twin}");

        // A later import keeps the indexes, and readers read on.
        let mut tx = db.store.begin_write().await.unwrap();
        let bulk = tx.bulk_load_begin().await.unwrap();
        assert!(!bulk.indexes_set_aside());
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices")
            .fetch_one(&mut *reader)
            .await
            .unwrap();
        assert_eq!(seen, 1_800);
        drop(tx);

        // No invoices, but a customer with an account, who may be reading: indexes kept.
        sqlx::query("TRUNCATE invoices, invoice_items, invoice_item_sets CASCADE")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO accounts (identifier, role, customer_id, name, password_hash, \
             created_at) VALUES ('EB000777', 'customer', $1, 'Anna Nowak', 'x', now())",
        )
        .bind(customer)
        .execute(&pool)
        .await
        .unwrap();
        let mut tx = db.store.begin_write().await.unwrap();
        let bulk = tx.bulk_load_begin().await.unwrap();
        assert!(!bulk.indexes_set_aside());
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM invoices")
            .fetch_one(&mut *reader)
            .await
            .unwrap();
        assert_eq!(seen, 0);
        drop(tx);
        drop(reader);
        pool.close().await;
    }
}
