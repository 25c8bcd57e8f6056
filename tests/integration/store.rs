//! The store suite, run against every configured backend (SQLite always, PostgreSQL
//! under scripts/test): the same queries must give the same answers on both.

use crate::helpers::{TestDb, backends};
use crate::views::example_app;
use chrono::NaiveDate;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

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
        // Opening again runs no migration twice.
        db.store.migrate().await.unwrap();
    }
}

#[tokio::test]
async fn balances_pages_and_calendars_agree_on_both_backends() {
    for backend in backends() {
        let t = example_app(&backend).await;
        let s = &t.app.store;
        let jan = s.customer_id_by_number("K-00102").await.unwrap().unwrap();
        let firm = s.customer_id_by_number("F-00201").await.unwrap().unwrap();

        let open = |list: Vec<ebok::domain::model::Invoice>| {
            let sum: i64 = list.iter().map(|i| i.to_pay_gr).sum();
            (sum, list.iter().filter(|i| i.to_pay_gr > 0).count())
        };
        let b = open(s.open_invoices(jan).await.unwrap());
        assert_eq!(b, (93_430 + 298, 2), "{}", t.db.label);
        let b = open(s.open_invoices(firm).await.unwrap());
        assert_eq!(b, (5_470_674, 1), "{}", t.db.label);

        // Newest first, paged, with the exact total.
        let (page1, total) = s.invoices_page(jan, 1, 2).await.unwrap();
        let (page2, total2) = s.invoices_page(jan, 2, 2).await.unwrap();
        assert_eq!((total, total2), (3, 3), "{}", t.db.label);
        // Past the last page: nothing, and still the right total.
        let (page3, total3) = s.invoices_page(jan, 3, 2).await.unwrap();
        assert_eq!((page3.len(), total3), (0, 3), "{}", t.db.label);
        let numbers: Vec<_> = page1
            .iter()
            .chain(&page2)
            .map(|i| i.number.as_str())
            .collect();
        assert_eq!(
            numbers,
            [
                "NO/2025/04/000007",
                "FV/2025/02/000102",
                "FV/2025/01/000102"
            ],
            "{}",
            t.db.label
        );

        let march = s
            .unpaid_due_between(jan, date(2025, 3, 1), date(2025, 3, 31))
            .await
            .unwrap();
        assert_eq!(
            march.iter().map(|i| i.number.as_str()).collect::<Vec<_>>(),
            ["FV/2025/02/000102"]
        );
        assert!(
            s.unpaid_due_between(jan, date(2025, 2, 1), date(2025, 2, 28))
                .await
                .unwrap()
                .is_empty()
        );

        // A bill is found only under its own customer.
        assert!(s.invoice(jan, "FV/2025/02/000102").await.unwrap().is_some());
        assert!(
            s.invoice(firm, "FV/2025/02/000102")
                .await
                .unwrap()
                .is_none()
        );

        let items = s.invoice_items(page1[1].id).await.unwrap();
        assert_eq!(
            items.iter().map(|i| i.line_no).collect::<Vec<_>>(),
            [1, 2, 3, 4]
        );
    }
}

#[tokio::test]
async fn announcements_respect_validity_and_area() {
    for backend in backends() {
        let t = example_app(&backend).await;
        let s = &t.app.store;
        let everyone: Vec<ebok::domain::model::Announcement> = s
            .announcements("", date(2025, 4, 22))
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.announcement)
            .collect();
        assert!(
            everyone
                .iter()
                .all(|m| m.area.as_deref().unwrap_or("").is_empty()),
            "{}",
            t.db.label
        );
        let all_refs = |list: &[ebok::domain::model::Announcement]| {
            list.iter().map(|m| m.reference.clone()).collect::<Vec<_>>()
        };
        for m in &everyone {
            assert!(m.valid_from <= date(2025, 4, 22));
            assert!(m.valid_to.is_none_or(|to| to >= date(2025, 4, 22)));
        }
        // Long before any announcement: nothing.
        assert!(
            s.announcements("", date(2000, 1, 1))
                .await
                .unwrap()
                .is_empty(),
            "{:?}",
            all_refs(&everyone)
        );
    }
}

/// Workers of two processes (two pools on one database) share the outbox: each due
/// delivery is claimed by exactly one of them, and no claim fails.
#[tokio::test]
async fn two_processes_claim_each_outbox_row_once() {
    const ROWS: usize = 40;
    for backend in backends() {
        let db = TestDb::new(&backend).await;
        let mut tx = db.store.begin().await.unwrap();
        for n in 0..ROWS {
            tx.enqueue(&format!("claim-{n}"), "email", "jan@example.pl", "{}")
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let other = ebok::store::Store::open(&db.url).await.unwrap();
        let mut workers = Vec::new();
        for store in [
            db.store.clone(),
            other.clone(),
            db.store.clone(),
            other.clone(),
        ] {
            workers.push(tokio::spawn(async move {
                let mut claimed = Vec::new();
                while let Some(row) = store.claim_outbox("email", 600).await.unwrap() {
                    claimed.push(row.dedupe_key);
                }
                claimed
            }));
        }
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        all.sort();
        let mut expected: Vec<String> = (0..ROWS).map(|n| format!("claim-{n}")).collect();
        expected.sort();
        assert_eq!(all, expected, "{}", db.label);
        // Leased rows are not due again until the lease ends.
        assert!(db.store.claim_outbox("email", 600).await.unwrap().is_none());
        other.close().await;
    }
}
