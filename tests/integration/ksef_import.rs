//! The KSeF columns of invoices.csv on every backend (docs/ksef.md): an online invoice
//! with its XML beside the PDF, an offline one with KOD II that gets its number in the
//! next export, and each bad field named by file, line and column with nothing imported.

use crate::helpers::{TestDb, backends};
use crate::import::{KEY, assert_invalid, copy_dir, counts, example_dir, text};
use ebok::config::Import;
use ebok::import;
use std::path::Path;

/// The utility's NIP of the default configuration (`[utility] nip`).
pub const NIP: &str = "8880205453";
/// Valid numbers of that NIP (checksums computed independently, see `domain::ksef`).
pub const ONLINE: &str = "8880205453-20260430-0A1B2C3D4E5F-39";
pub const LATER: &str = "8880205453-20260512-0A1B2C3D4E60-E1";
/// The hash of `tests/fixtures/ksef/fa3.xml`.
pub const FIXTURE_HASH: &str = "oGZ4idyIe5L9Bug1unEg_InC-8jZsMvM1xwv0AVMryU";
pub const KOD2: &str = "https://qr.ksef.mf.gov.pl/certificate/Nip/8880205453/8880205453/01F20A5D352AE590/MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/c2lnbmF0dXJl";

const HEADER: &str = "number,customer,kind,issue_date,due_date,description,charge,credited,to_pay,interest,pdf,interest_for,interest_to,ksef_number,ksef_hash,ksef_mode,ksef_kod2,corrected_ksef";

/// The example set plus the firm's two KSeF invoices of April 2026 (the first with its
/// XML beside its PDF, the second offline) and `extra` rows; `offline_number` is the
/// number the second one has in this export.
pub fn ksef_dir(offline_number: &str, extra: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example_dir(), dir.path());
    let pdf = dir.path().join("pdf");
    std::fs::copy(
        pdf.join("FV-2025-01-000101.pdf"),
        pdf.join("FV-2026-04-000201.pdf"),
    )
    .unwrap();
    std::fs::write(pdf.join("FV-2026-04-000201.xml"), fixture_xml()).unwrap();
    let path = dir.path().join("invoices.csv");
    let old = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = vec![HEADER.to_string()];
    lines.extend(old.lines().skip(1).map(|l| format!("{l},,,,,")));
    lines.push(format!(
        "FV/2026/04/000201,F-00201,invoice,2026-04-30,2026-05-14,Ciepło – kwiecień 2026,5000.00,0.00,5000.00,,pdf/FV-2026-04-000201.pdf,,,{ONLINE},,,,"
    ));
    lines.push(format!(
        "FV/2026/04/000202,F-00201,invoice,2026-04-30,2026-05-14,Podgrzanie wody – kwiecień 2026,1200.00,0.00,1200.00,,,,,{offline_number},{FIXTURE_HASH},offline,{KOD2},"
    ));
    lines.extend(extra.iter().map(|l| l.to_string()));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    dir
}

pub fn fixture_xml() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ksef/fa3.xml"))
        .unwrap()
}

pub fn options() -> Import {
    Import {
        seller_nip: Some(NIP.to_string()),
        ..Import::default()
    }
}

async fn ksef_of(db: &TestDb, number: &str) -> String {
    text(
        &db.store,
        &format!(
            "SELECT COALESCE(ksef_number, '-') || ' ' || COALESCE(ksef_hash, '-') || ' ' || \
             COALESCE(ksef_mode, '-') || ' ' || COALESCE(xml_sha256, '-') FROM invoices WHERE number = '{number}'"
        ),
    )
    .await
}

#[tokio::test]
async fn an_online_invoice_with_its_xml_and_an_offline_one_that_gets_its_number_later() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let first = ksef_dir("", &[]);
        import::run_with(&db.store, KEY, first.path(), &options())
            .await
            .unwrap();
        assert_eq!(
            ksef_of(&db, "FV/2026/04/000201").await,
            format!(
                "{ONLINE} {FIXTURE_HASH} online a0667889dc887b92fd06e835ba7120fc89c2fbc8d9b0cbccd71c2fd0054caf25"
            ),
            "{}",
            db.label
        );
        assert_eq!(
            ksef_of(&db, "FV/2026/04/000202").await,
            format!("- {FIXTURE_HASH} offline -"),
            "{}",
            db.label
        );
        let xml = text(
            &db.store,
            "SELECT content_type FROM files WHERE sha256 = 'a0667889dc887b92fd06e835ba7120fc89c2fbc8d9b0cbccd71c2fd0054caf25'",
        )
        .await;
        assert_eq!(xml, "application/xml", "{}", db.label);
        // The same export again writes nothing; the next one brings the number.
        let again = import::run_with(&db.store, KEY, first.path(), &options())
            .await
            .unwrap();
        assert_eq!(again.changed(), 0, "{}", db.label);
        let second = ksef_dir(LATER, &[]);
        import::run_with(&db.store, KEY, second.path(), &options())
            .await
            .unwrap();
        assert_eq!(
            ksef_of(&db, "FV/2026/04/000202").await,
            format!("{LATER} {FIXTURE_HASH} offline -"),
            "{}",
            db.label
        );
        // Once given, a KSeF number never changes nor goes.
        let err = import::run_with(&db.store, KEY, first.path(), &options())
            .await
            .unwrap_err();
        assert_invalid(
            &err,
            &format!(
                "invoices.csv, line 10, column ksef_number: invoice 'FV/2026/04/000202' has KSeF number {LATER} since an earlier import: a KSeF number is never removed"
            ),
            db.label,
        );
    }
}

/// Imports `dir` into an empty database and into one holding the good export; both
/// refuse with `expected` and change nothing.
async fn assert_refused(dir: &tempfile::TempDir, expected: &str) {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let err = import::run_with(&db.store, KEY, dir.path(), &options())
            .await
            .unwrap_err();
        assert_invalid(&err, expected, db.label);
        assert_eq!(counts(&db.store).await, [0; 10], "{}", db.label);
        let good = ksef_dir("", &[]);
        import::run_with(&db.store, KEY, good.path(), &options())
            .await
            .unwrap();
        let before = counts(&db.store).await;
        let err = import::run_with(&db.store, KEY, dir.path(), &options())
            .await
            .unwrap_err();
        assert_invalid(&err, expected, db.label);
        assert_eq!(counts(&db.store).await, before, "{}", db.label);
        assert_eq!(
            ksef_of(&db, "FV/2026/04/000202").await,
            format!("- {FIXTURE_HASH} offline -"),
            "{}",
            db.label
        );
    }
}

fn row(number: &str, ksef: &str) -> String {
    format!("{number},F-00201,invoice,2026-05-10,2026-05-24,Ciepło,10.00,0.00,10.00,,,,,{ksef}")
}

#[tokio::test]
async fn a_number_with_one_changed_character_is_refused() {
    let bad = LATER.replace("4E60", "4E61");
    let dir = ksef_dir(
        "",
        &[&row("FV/2026/05/1", &format!("{bad},{FIXTURE_HASH},,,"))],
    );
    assert_refused(
        &dir,
        &format!("invoices.csv, line 11, column ksef_number: '{bad}': the checksum of the KSeF number is E1, but its first 32 characters give E6: a character is wrong"),
    )
    .await;
}

#[tokio::test]
async fn a_number_of_another_seller_is_refused() {
    let other = "8881234563-20260430-0A1B2C3D4E5F-1C";
    let dir = ksef_dir(
        "",
        &[&row("FV/2026/05/1", &format!("{other},{FIXTURE_HASH},,,"))],
    );
    assert_refused(
        &dir,
        &format!("invoices.csv, line 11, column ksef_number: {other} begins with NIP 8881234563, not the utility's 8880205453: KSeF numbers the seller's invoices"),
    )
    .await;
}

#[tokio::test]
async fn a_number_received_before_the_issue_date_is_refused() {
    let early = "8880205453-20260429-0A1B2C3D4E5F-54";
    let dir = ksef_dir(
        "",
        &[&row("FV/2026/05/1", &format!("{early},{FIXTURE_HASH},,,"))],
    );
    assert_refused(
        &dir,
        &format!("invoices.csv, line 11, column ksef_number: {early} says KSeF received it on 2026-04-29, before its issue_date 2026-05-10"),
    )
    .await;
}

#[tokio::test]
async fn a_number_given_twice_is_refused() {
    let dir = ksef_dir(
        "",
        &[&row("FV/2026/05/1", &format!("{ONLINE},{FIXTURE_HASH},,,"))],
    );
    assert_refused(
        &dir,
        &format!("invoices.csv, line 11, column ksef_number: KSeF number '{ONLINE}' appears twice in the file (first on line 9)"),
    )
    .await;
}

#[tokio::test]
async fn a_short_hash_an_online_invoice_without_number_and_a_stray_kod2_are_refused() {
    let short = &FIXTURE_HASH[1..];
    let dir = ksef_dir(
        "",
        &[
            &row("FV/2026/05/1", &format!("{LATER},{short},,,")),
            &row("FV/2026/05/2", &format!(",{FIXTURE_HASH},online,,")),
            &row(
                "FV/2026/05/3",
                &format!("{LATER},{FIXTURE_HASH},online,{KOD2},"),
            ),
        ],
    );
    assert_refused(
        &dir,
        &format!("invoices.csv, line 11, column ksef_hash: '{short}' is not a SHA-256 in Base64URL without padding (43 characters of A-Z a-z 0-9 - _)"),
    )
    .await;
    assert_refused(
        &dir,
        "invoices.csv, line 12, column ksef_number: an invoice issued online has its KSeF number (an offline one: ksef_mode offline)",
    )
    .await;
    assert_refused(
        &dir,
        "invoices.csv, line 13, column ksef_kod2: only an invoice issued offline (ksef_mode offline) has a KOD II link",
    )
    .await;
}

#[tokio::test]
async fn a_hash_that_is_not_the_xmls_is_refused() {
    let dir = ksef_dir("", &[]);
    let path = dir.path().join("invoices.csv");
    let csv = std::fs::read_to_string(&path).unwrap();
    let wrong = "A".repeat(43);
    std::fs::write(
        &path,
        csv.replace(&format!("{ONLINE},,,,"), &format!("{ONLINE},{wrong},,,")),
    )
    .unwrap();
    assert_refused(
        &dir,
        &format!("invoices.csv, line 9, column ksef_hash: {wrong} is not the hash of pdf/FV-2026-04-000201.xml ({FIXTURE_HASH})"),
    )
    .await;
}

#[tokio::test]
async fn only_a_correction_names_the_corrected_ksef_number() {
    let dir = ksef_dir(
        "",
        &[
            &row("FV/2026/05/1", &format!(",,,,{ONLINE}")),
            &format!(
                "KOR/2026/05/1,F-00201,correction,2026-05-10,2026-05-24,Korekta,-10.00,0.00,-10.00,,,,,{LATER},{FIXTURE_HASH},,,{ONLINE}"
            ),
        ],
    );
    assert_refused(
        &dir,
        "invoices.csv, line 11, column corrected_ksef: only a correction names the KSeF number of the invoice it corrects",
    )
    .await;
}
