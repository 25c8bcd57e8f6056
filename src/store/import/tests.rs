//! The store's column lists come from the files' specs: each row gives one value per
//! column, and each column is one of its table's.

use super::rows::{CustomerRow, ImportRow, Imported, ItemRow, StoredValues, Values};
use super::sql::upsert_columns;
use crate::domain::export;
use crate::domain::model::*;
use chrono::NaiveDate;

/// Counts the values a row gives.
#[derive(Default)]
struct Count(usize);

impl Values<'_> for Count {
    fn text(&mut self, _: &str) {
        self.0 += 1;
    }
    fn opt_text(&mut self, _: Option<&str>) {
        self.0 += 1;
    }
    fn int(&mut self, _: i64) {
        self.0 += 1;
    }
    fn opt_int(&mut self, _: Option<i64>) {
        self.0 += 1;
    }
    fn date(&mut self, _: NaiveDate) {
        self.0 += 1;
    }
    fn opt_date(&mut self, _: Option<NaiveDate>) {
        self.0 += 1;
    }
}

fn count(row: &impl StoredValues) -> usize {
    let mut n = Count::default();
    row.values(&mut n);
    n.0
}

fn imported<T>(record: T) -> Imported<T> {
    Imported {
        record,
        customer_id: 1,
        row_hash: "00".into(),
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 10).unwrap()
}

fn item() -> InvoiceItem {
    InvoiceItem {
        line_no: 1,
        name: "Opłata za ciepło".into(),
        quantity: "1".into(),
        unit: "GJ".into(),
        unit_price: "1".into(),
        net_gr: 100,
        vat_rate: "23".into(),
        vat_gr: 23,
        gross_gr: 123,
        point: None,
    }
}

fn assert_upsert<R: ImportRow>(row: R) {
    assert_eq!(
        count(&row),
        upsert_columns(R::SPEC).len(),
        "{}",
        R::SPEC.file
    );
}

#[test]
fn every_row_gives_one_value_per_column() {
    assert_upsert(CustomerRow {
        number: "K-1".into(),
        kind: "person",
        name: "Zofia Wiśniewska".into(),
        pesel_hash: None,
        pesel_masked: None,
        nip: None,
        address: String::new(),
        area: String::new(),
        email: None,
        phone: None,
        interest_regime: None,
        bank_account: None,
        row_hash: "00".into(),
    });
    assert_upsert(imported(Contract {
        id: 0,
        number: "UM/1".into(),
        kind: ContractKind::Contract,
        parent_number: None,
        title: "Umowa".into(),
        signed_on: day(),
        valid_from: day(),
        valid_to: None,
        status: ContractStatus::Active,
        pdf_sha256: None,
        pdf_name: None,
    }));
    assert_upsert(imported(Invoice {
        id: 0,
        number: "FV/1".into(),
        customer_id: 1,
        kind: InvoiceKind::Invoice,
        issue_date: day(),
        due_date: day(),
        description: String::new(),
        charge_gr: 123,
        credited_gr: 0,
        to_pay_gr: 123,
        interest_gr: None,
        pdf_sha256: None,
        pdf_name: None,
        interest_for: None,
        interest_to: None,
        ksef: Default::default(),
    }));
    assert_upsert(imported(Payment {
        reference: "PB/1".into(),
        paid_on: day(),
        amount_gr: 123,
        invoice_number: None,
        title: String::new(),
    }));
    assert_upsert(imported(Collection {
        case_number: "WN/1".into(),
        stage: CollectionStage::Reminder,
        status: CollectionStatus::Open,
        opened_on: day(),
        updated_on: day(),
        principal_gr: 1,
        interest_gr: 0,
        costs_gr: 0,
        court: None,
        signature: None,
        bailiff: None,
        description: String::new(),
    }));
    assert_upsert(imported(Announcement {
        reference: "MSG/1".into(),
        kind: MessageKind::Information,
        title: "Informacja".into(),
        body: "Treść".into(),
        valid_from: day(),
        valid_to: None,
        area: None,
    }));
    let items = ItemRow {
        invoice_id: 1,
        item: item(),
    };
    assert_eq!(
        count(&items),
        export::INVOICE_ITEMS.stored_columns().count()
    );
}

#[tokio::test]
async fn every_stored_column_is_a_column_of_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.sqlite").display());
    let store = crate::store::Store::open(&url).await.unwrap();
    let crate::store::Store::Sqlite(pool) = &store else {
        unreachable!("an SQLite URL")
    };
    for spec in export::FILES {
        let table: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(spec.table)
            .fetch_all(pool)
            .await
            .unwrap();
        // Files with one key column are upserted by it, with their fingerprint.
        let written = if spec.key.len() == 1 {
            upsert_columns(spec)
        } else {
            spec.stored_columns().collect()
        };
        for column in written {
            assert!(
                table.iter().any(|c| c == column),
                "{}: {column} is not a column of {}",
                spec.file,
                spec.table
            );
        }
    }
    store.close().await;
}
