//! PostgreSQL's bulk load: new rows copied with the foreign-key triggers off and their
//! keys checked before the commit, a role without that right, and a first import's
//! indexes built after the load.

use crate::helpers::{TestDb, backends};
use crate::import::{KEY, assert_counts, count, example_dir};
use crate::import_batches::{many_invoices, scattered_items};
use ebok::domain::model::{Invoice, InvoiceKind};
use ebok::import;
use ebok::store::Store;
use ebok::store::import::Imported;

/// A new invoice of 1.00 to write past the import's checks.
fn invoice(number: &str, customer_id: i64, row_hash: &str) -> Imported<Invoice> {
    let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
    let record = Invoice {
        id: 0,
        number: number.into(),
        customer_id,
        kind: InvoiceKind::Invoice,
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
        ksef: Default::default(),
    };
    Imported {
        record,
        customer_id,
        row_hash: row_hash.into(),
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
        let row = invoice("FV/NIGDZIE/1", 424_242, "00");
        let outcome = match tx.write_rows(&[row], true, &mut bulk).await {
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
        // Five of the billing import, one of the KSeF numbers (0024).
        assert_eq!(migrated.len(), 6, "{migrated:?}");

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
        let row = |hash: &str| invoice("FV/2025/03/TWIN", customer, hash);
        tx.write_rows(&[row("01"), row("02")], true, &mut bulk)
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
