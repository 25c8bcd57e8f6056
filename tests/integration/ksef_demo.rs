//! The demo's KSeF invoices (docs/ksef.md) on every backend: the invoices to firms and
//! communities from 1 April 2026 carry valid KSeF numbers and an XML whose hash is the
//! one in the export; one offline invoice awaits its number and carries KOD II, and
//! gets its number from the billing system's next export, written beside the first.

use crate::helpers::{TestApp, backends};
use crate::import::text;
use crate::ksef_views::decode;
use crate::views::login_customer;
use ebok::domain::ksef::{KsefNumber, xml_hash};

/// A stored KSeF invoice: number, KSeF number, hash, stored XML, issue date.
type Row = (String, Option<String>, String, Option<Vec<u8>>, String);

#[tokio::test]
async fn the_demo_firms_invoices_since_april_2026_carry_valid_numbers_and_matching_xml() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = ebok::demo::generate(dir.path(), day).unwrap();
    assert!(summary.ksef_invoices > 0, "{summary:?}");
    let offline = summary.ksef_offline.clone().expect("one offline invoice");
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        t.app.core.freeze_today(day);
        let options = t.app.settings.import_options();
        ebok::import::run_with(&t.app.store, &t.app.pesel_key, dir.path(), &options)
            .await
            .expect("the demo imports with its KSeF numbers");
        let rows: Vec<Row> = sqlx_rows(&t).await;
        assert_eq!(rows.len(), summary.ksef_invoices, "{}", t.db.label);
        let mut with_xml = 0;
        for (number, ksef, hash, xml, issued) in &rows {
            if let Some(k) = ksef {
                let k = KsefNumber::parse(k).unwrap();
                assert_eq!(k.nip(), "8880205453");
                assert!(k.received().to_string() >= *issued, "{number}");
            } else {
                assert_eq!(number, &offline);
            }
            if let Some(xml) = xml {
                assert_eq!(&xml_hash(xml), hash, "{number}");
                assert!(String::from_utf8_lossy(xml).contains("kodSystemowy=\"FA (3)\""));
                with_xml += 1;
            }
        }
        assert!(with_xml > 0, "some firm takes e-invoices");
        assert!(rows.iter().all(|r| r.4.as_str() >= "2026-04-01"));
        // The offline invoice as its customer sees it.
        let customer = text(
            &t.app.store,
            &format!(
                "SELECT c.number FROM customers c JOIN invoices i ON i.customer_id = c.id \
                 WHERE i.number = '{offline}'"
            ),
        )
        .await;
        login_customer(&t, &customer, "demo").await;
        let chat = t.console("demo");
        let out = chat.say(&format!("ksef {offline}")).await;
        assert!(out.contains("OFFLINE — numer KSeF w drodze"), "{out}");
        let reply = chat.send(&format!("ksef {offline}")).await;
        assert_eq!(reply.attachments.len(), 2);
        assert!(decode(&reply.attachments[1].body).contains("/certificate/Nip/8880205453/"));

        // The billing system's next export: KSeF has numbered the offline invoice.
        let next = summary.ksef_next.clone().expect("the next export");
        ebok::import::run_with(&t.app.store, &t.app.pesel_key, &next, &options)
            .await
            .expect("the next export imports");
        let numbered = text(
            &t.app.store,
            &format!("SELECT ksef_number FROM invoices WHERE number = '{offline}'"),
        )
        .await;
        let k = KsefNumber::parse(&numbered).expect("a valid KSeF number");
        assert_eq!(k.nip(), "8880205453");
        let out = chat.say(&format!("ksef {offline}")).await;
        assert!(
            out.contains(&numbered) && !out.contains("w drodze"),
            "{out}"
        );
    }
    if let Some(next) = &summary.ksef_next {
        std::fs::remove_dir_all(next).ok();
    }
}

async fn sqlx_rows(t: &TestApp) -> Vec<Row> {
    let sql = "SELECT i.number, i.ksef_number, i.ksef_hash, f.body, CAST(i.issue_date AS TEXT) \
               FROM invoices i LEFT JOIN files f ON f.sha256 = i.xml_sha256 \
               WHERE i.ksef_mode IS NOT NULL ORDER BY i.number";
    match &t.app.store {
        ebok::store::Store::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
        ebok::store::Store::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await.unwrap(),
    }
}

/// The demo's data are the shipped configuration's utility's (its PDFs and KSeF
/// numbers), so `ebok demo` runs under a configuration naming another utility's NIP.
#[test]
fn the_demo_runs_under_another_utilitys_nip() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("demo.sqlite").display());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ebok"))
        .current_dir(dir.path())
        .args(["--database", &db, "demo", "--no-console"])
        .env_remove("EBOK_DATABASE__URL")
        .env_remove("EBOK_CONFIG")
        .env("EBOK_UTILITY__NIP", "888-123-45-63")
        .output()
        .expect("run ebok");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
