//! An import while customers are answered: a customer asking for the balance (which
//! notes the session as used, a write) during an import gets no error and sees either
//! the figures before the import or all of them after it, never a part; the import
//! succeeds too.

use crate::helpers::backends;
use crate::views::{example_app, login_customer};
use std::io::Write as _;

/// Invoices for Jan Kowalski (K-00102) that he is to pay later, among many for Zofia
/// Wiśniewska (K-00101), so that the import lasts a while.
const HIS: usize = 1_000;
const HERS: usize = 19_000;

fn new_invoices() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("invoices.csv")).unwrap();
    let mut out = std::io::BufWriter::new(file);
    writeln!(
        out,
        "number,customer,kind,issue_date,due_date,description,charge,credited,to_pay"
    )
    .unwrap();
    for i in 0..HIS + HERS {
        let customer = if i % 20 == 0 { "K-00102" } else { "K-00101" };
        writeln!(
            out,
            "FT/2025/03/{i:06},{customer},invoice,2025-03-31,2025-05-30,Ciepło – dopłata,1.00,0.00,1.00"
        )
        .unwrap();
    }
    out.flush().unwrap();
    dir
}

fn unpaid_line(text: &str) -> Option<&str> {
    text.lines()
        .find(|l| l.starts_with("Niezapłacone rachunki:"))
}

#[tokio::test]
async fn customers_are_answered_during_an_import_and_see_all_of_it_or_none() {
    for backend in backends() {
        let t = example_app(&backend).await;
        login_customer(&t, "K-00102", "import-serving").await;
        let chat = t.console("import-serving");
        let before = chat.say("saldo").await;
        assert_eq!(
            unpaid_line(&before),
            Some("Niezapłacone rachunki: 2"),
            "{before}"
        );
        let old = "Niezapłacone rachunki: 2".to_string();
        let new = format!("Niezapłacone rachunki: {}", 2 + HIS);

        let dir = new_invoices();
        let (store, key, path) = (
            t.app.store.clone(),
            t.app.pesel_key.clone(),
            dir.path().to_path_buf(),
        );
        let import = tokio::spawn(async move { ebok::import::run(&store, &key, &path).await });
        let mut during = 0;
        let mut saw_new = false;
        while !import.is_finished() {
            let out = chat.say("saldo").await;
            let line = unpaid_line(&out).unwrap_or_else(|| panic!("{backend:?}: {out}"));
            if line == new {
                saw_new = true;
            } else {
                assert_eq!(line, old, "{backend:?}: half an import shown: {out}");
                assert!(!saw_new, "{backend:?}: old figures after the new ones");
            }
            during += 1;
        }
        let report = import.await.unwrap().unwrap_or_else(|e| {
            panic!("{backend:?}: the import failed while customers were answered: {e}")
        });
        assert_eq!(report.files[0].inserted, (HIS + HERS) as u64);
        assert!(
            during > 0,
            "{backend:?}: no request was answered during the import"
        );
        let after = chat.say("saldo").await;
        assert_eq!(
            unpaid_line(&after),
            Some(new.as_str()),
            "{backend:?}: {after}"
        );
    }
}

/// When was the chat's session last noted as used.
async fn last_seen(pool: &sqlx::SqlitePool, source: &str) -> chrono::DateTime<chrono::Utc> {
    sqlx::query_scalar("SELECT last_seen_at FROM chat_sessions WHERE source = $1")
        .bind(source)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// SQLite has one writer: an import holds the write lock until it commits. A customer
/// whose command would note the session's use (it was last noted a minute ago) is
/// answered at once all the same, not after the busy timeout with an error; the use is
/// noted by the first command after the import.
#[tokio::test]
async fn a_customer_is_answered_while_an_import_holds_sqlite() {
    use sqlx::Connection as _;
    let backend = crate::helpers::Backend::Sqlite;
    let t = example_app(&backend).await;
    login_customer(&t, "K-00102", "held").await;
    let chat = t.console("held");
    let ebok::store::Store::Sqlite(pool) = &t.app.store else {
        unreachable!()
    };
    let a_minute_ago = chrono::Utc::now() - chrono::Duration::seconds(60);
    sqlx::query("UPDATE chat_sessions SET last_seen_at = $1 WHERE source = 'held'")
        .bind(a_minute_ago)
        .execute(pool)
        .await
        .unwrap();

    // Another process's import: a write transaction held open.
    let mut import = sqlx::SqliteConnection::connect(&t.db.url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut import)
        .await
        .unwrap();
    sqlx::query("UPDATE invoices SET description = description")
        .execute(&mut import)
        .await
        .unwrap();
    let out = chat.say("saldo").await;
    assert_eq!(unpaid_line(&out), Some("Niezapłacone rachunki: 2"), "{out}");
    let bills = chat.say("rachunki").await;
    assert!(bills.contains("FV/2025/02/000102"), "{bills}");
    assert!(
        last_seen(pool, "held").await < a_minute_ago + chrono::Duration::seconds(1),
        "noted while the lock was held?"
    );
    sqlx::query("COMMIT").execute(&mut import).await.unwrap();

    let out = chat.say("saldo").await;
    assert!(out.contains("Niezapłacone rachunki: 2"), "{out}");
    let noted = last_seen(pool, "held").await;
    assert!(
        noted > a_minute_ago + chrono::Duration::seconds(30),
        "the use is noted after the import: {noted}"
    );
}
