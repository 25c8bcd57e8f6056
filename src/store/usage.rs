//! Reads for the usage chart: a customer's line items with their invoice's month.

use super::Store;
use anyhow::Context;
use chrono::NaiveDate;

/// One line item of a customer's invoice (interest notes left out: they bill no heat).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UsageItem {
    pub invoice_id: i64,
    pub issue_date: NaiveDate,
    pub unit: String,
    /// Exact decimal text, as exported.
    pub quantity: String,
    pub gross_gr: i64,
    pub point: Option<String>,
}

/// How many of a customer's invoices there are, and how many of them have line items.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct ItemCoverage {
    pub invoices: i64,
    pub with_items: i64,
}

impl Store {
    pub async fn usage_items(&self, customer_id: i64) -> anyhow::Result<Vec<UsageItem>> {
        let sql = "SELECT it.invoice_id, i.issue_date, it.unit, it.quantity, it.gross_gr, it.point \
                   FROM invoice_items it JOIN invoices i ON i.id = it.invoice_id \
                   WHERE i.customer_id = $1 AND i.kind <> 'interest_note' \
                   ORDER BY i.issue_date, it.invoice_id, it.line_no";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading line items for usage")
    }

    pub async fn item_coverage(&self, customer_id: i64) -> anyhow::Result<ItemCoverage> {
        let sql = "SELECT COUNT(*) AS invoices, \
                   COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM invoice_items it \
                   WHERE it.invoice_id = i.id)) AS with_items \
                   FROM invoices i WHERE i.customer_id = $1 AND i.kind <> 'interest_note'";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .fetch_one(p)
            .await)
        .context("counting invoices with line items")
    }
}
