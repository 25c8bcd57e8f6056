//! Files larger than a batch: an error late in the file imports nothing, rows of one
//! run refer to each other across batches, and an invoice's items may stand apart.

use crate::helpers::{TestDb, backends};
use crate::import::{KEY, assert_counts, assert_invalid, count, example_dir, text};
use ebok::import;
use std::path::Path;

/// `n` invoices of K-00101 without items, as invoices.csv.
pub fn many_invoices(n: usize, bad_line: Option<usize>) -> tempfile::TempDir {
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
pub fn scattered_items(dir: &Path, last: &str) {
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
