//! The store suite, run against every configured backend.

use crate::helpers::{TestDb, backends};

#[tokio::test]
async fn a_fresh_database_is_migrated_and_empty() {
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let (bills, total) = db.store.invoices_page(1, 1, 10).await.unwrap();
        assert!(bills.is_empty(), "{}", db.label);
        assert_eq!(total, 0, "{}", db.label);
        assert!(
            db.store.customer(1).await.unwrap().is_none(),
            "{}",
            db.label
        );
    }
}
