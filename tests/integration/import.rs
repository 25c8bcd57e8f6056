//! The billing import on every backend: the example set, idempotence, updates and the
//! demo data set; and the helpers the other import tests share (`import_rejects`: each
//! validation error; `import_batches`: large files; `import_bulk_load`: PostgreSQL's
//! bulk load).

use crate::helpers::{TestDb, backends};
use ebok::import::{self, ImportError, ImportReport};
use ebok::store::Store;
use std::path::{Path, PathBuf};

pub const KEY: &[u8] = b"test-pesel-key";

pub fn example_dir() -> PathBuf {
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

pub fn copy_dir(from: &Path, to: &Path) {
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

pub async fn count(store: &Store, table: &str) -> i64 {
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}");
    ebok::on_pool!(store, |p| sqlx::query_scalar::<_, i64>(&sql)
        .fetch_one(p)
        .await
        .unwrap())
}

pub async fn text(store: &Store, sql: &str) -> String {
    ebok::on_pool!(store, |p| sqlx::query_scalar::<_, String>(sql)
        .fetch_one(p)
        .await
        .unwrap())
}

pub async fn sum(store: &Store, table: &str, column: &str) -> i64 {
    let sql = format!("SELECT CAST(COALESCE(SUM({column}), 0) AS BIGINT) FROM {table}");
    ebok::on_pool!(store, |p| sqlx::query_scalar::<_, i64>(&sql)
        .fetch_one(p)
        .await
        .unwrap())
}

pub const TABLES: [&str; 10] = [
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

pub async fn counts(store: &Store) -> Vec<i64> {
    let mut all = Vec::new();
    for t in TABLES {
        all.push(count(store, t).await);
    }
    all
}

pub fn assert_counts(
    report: &ImportReport,
    file: &str,
    inserted: u64,
    updated: u64,
    unchanged: u64,
) {
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

pub fn assert_invalid(err: &ImportError, expected: &str, label: &str) {
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

/// The fingerprints stored for the example set, as earlier versions stored them (the
/// digest of each table's keys and fingerprints): were a fingerprint to change, the
/// first import after an upgrade would count every row updated and rewrite it.
#[tokio::test]
async fn the_fingerprints_of_the_example_set_stay_as_they_were() {
    use sha2::Digest;
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        import::run(&db.store, KEY, &example_dir()).await.unwrap();
        for (sql, expected) in [
            ("SELECT number, row_hash FROM customers", "b23bb08409c0976e"),
            ("SELECT number, row_hash FROM contracts", "ccc7f6fea63a48fa"),
            ("SELECT number, row_hash FROM invoices", "3e9f5ec48ecbcf6a"),
            (
                "SELECT reference, row_hash FROM payments",
                "f4f7819cde31badb",
            ),
            (
                "SELECT case_number, row_hash FROM collections",
                "cbd4bf072e17bc1c",
            ),
            (
                "SELECT reference, row_hash FROM messages",
                "a5f00067c1f70154",
            ),
            (
                "SELECT i.number, s.items_hash FROM invoice_item_sets s \
                 JOIN invoices i ON i.id = s.invoice_id",
                "1ba1c82e669d72f9",
            ),
        ] {
            let mut rows: Vec<(String, String)> = ebok::on_pool!(&db.store, |p| {
                sqlx::query_as(sql).fetch_all(p).await.unwrap()
            });
            rows.sort();
            let listed: Vec<String> = rows.iter().map(|(k, h)| format!("{k} {h}")).collect();
            let digest = hex::encode(sha2::Sha256::digest(listed.join("\n")));
            assert_eq!(&digest[..16], expected, "{sql}: {}", db.label);
        }
    }
}
