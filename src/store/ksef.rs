//! KSeF numbers: those already stored (the import keeps each one invoice's and never
//! changes it) and the genuine-invoice check's look-ups, which are not scoped to one
//! customer: the core decides what of the answer anyone may see.

use super::billing::INVOICE_COLUMNS;
use super::{Store, Tx};
use crate::domain::model::Invoice;
use anyhow::Context;

impl Tx {
    /// `(invoice number, KSeF number)` of every invoice that has one.
    pub async fn invoice_ksef_numbers(&mut self) -> anyhow::Result<Vec<(String, String)>> {
        let sql = "SELECT number, ksef_number FROM invoices WHERE ksef_number IS NOT NULL";
        on_tx!(self, |conn| sqlx::query_as(sql).fetch_all(conn).await)
            .context("reading the stored KSeF numbers")
    }
}

impl Store {
    /// The invoice with this KSeF number, whoever's it is.
    pub async fn invoice_by_ksef(&self, ksef_number: &str) -> anyhow::Result<Option<Invoice>> {
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE ksef_number = $1");
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(ksef_number)
            .fetch_optional(p)
            .await)
        .context("looking an invoice up by its KSeF number")
    }

    /// The invoice with this number, whoever's it is.
    pub async fn invoice_by_number(&self, number: &str) -> anyhow::Result<Option<Invoice>> {
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE number = $1");
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(number)
            .fetch_optional(p)
            .await)
        .context("looking an invoice up by its number")
    }
}
