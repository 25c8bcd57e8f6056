//! Reads of the billing data, always scoped to one customer.

use super::Store;
use crate::domain::model::*;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

/// The setting that holds the day the imported interest tables were confirmed.
pub const INTEREST_RATES_CONFIRMED: &str = "interest_rates_confirmed_on";

pub(super) const INVOICE_COLUMNS: &str = "id, number, customer_id, kind, issue_date, due_date, description, \
     charge_gr, credited_gr, to_pay_gr, interest_gr, pdf_sha256, pdf_name, interest_for, interest_to, \
     ksef_number, ksef_hash, xml_sha256, ksef_mode, ksef_kod2, corrected_ksef";

/// An invoice with the number of rows its query matched.
#[derive(sqlx::FromRow)]
struct Counted {
    #[sqlx(flatten)]
    invoice: Invoice,
    total: i64,
}

impl Store {
    pub async fn customer(&self, id: i64) -> anyhow::Result<Option<Customer>> {
        let sql = "SELECT id, number, kind, name, pesel_masked, nip, address, area, email, \
                   interest_regime \
                   FROM customers WHERE id = $1";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(id)
            .fetch_optional(p)
            .await)
        .context("reading a customer")
    }

    /// The customer's individual account to pay into (NRB digits), when the billing
    /// export gave one.
    pub async fn customer_bank_account(&self, id: i64) -> anyhow::Result<Option<String>> {
        let sql = "SELECT bank_account FROM customers WHERE id = $1";
        let found: Option<Option<String>> = on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(id)
            .fetch_optional(p)
            .await)
        .context("reading a customer's account number")?;
        Ok(found.flatten())
    }

    /// The store id of the customer with the billing system's number.
    pub async fn customer_id_by_number(&self, number: &str) -> anyhow::Result<Option<i64>> {
        let sql = "SELECT id FROM customers WHERE number = $1";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(number)
            .fetch_optional(p)
            .await)
        .context("finding a customer by number")
    }

    /// Invoices newest first: page `page` (from 1) of `per_page`, and the total count.
    pub async fn invoices_page(
        &self,
        customer_id: i64,
        page: u32,
        per_page: u32,
    ) -> anyhow::Result<(Vec<Invoice>, i64)> {
        // The total rides along on each row (an uncorrelated subquery, counted once from
        // the index): one query for a page, read in index order without a sort.
        let sql = format!(
            "SELECT {INVOICE_COLUMNS}, \
             (SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE customer_id = $1) AS total \
             FROM invoices WHERE customer_id = $1 \
             ORDER BY issue_date DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        let rows: Vec<Counted> = on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(i64::from(per_page))
            .bind(offset)
            .fetch_all(p)
            .await)
        .context("reading bills")?;
        if let Some(first) = rows.first() {
            let total = first.total;
            return Ok((rows.into_iter().map(|r| r.invoice).collect(), total));
        }
        // Past the last page (or no bills): no row carries the total.
        let count_sql = "SELECT CAST(COUNT(*) AS BIGINT) FROM invoices WHERE customer_id = $1";
        let total: i64 = on_pool!(self, |p| sqlx::query_scalar(count_sql)
            .bind(customer_id)
            .fetch_one(p)
            .await)
        .context("counting bills")?;
        Ok((Vec::new(), total))
    }

    /// Bills with something to settle: unpaid (positive) and overpaid (negative), oldest
    /// due first. The panel's balance is their sum.
    pub async fn open_invoices(&self, customer_id: i64) -> anyhow::Result<Vec<Invoice>> {
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE customer_id = $1 AND to_pay_gr <> 0 \
             ORDER BY due_date, number"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading open bills")
    }

    /// One invoice of this customer by its number; `None` for anyone else's.
    pub async fn invoice(&self, customer_id: i64, number: &str) -> anyhow::Result<Option<Invoice>> {
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE customer_id = $1 AND number = $2"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(number)
            .fetch_optional(p)
            .await)
        .context("reading a bill")
    }

    pub async fn invoice_items(&self, invoice_id: i64) -> anyhow::Result<Vec<InvoiceItem>> {
        let sql = "SELECT line_no, name, quantity, unit, unit_price, net_gr, vat_rate, vat_gr, gross_gr, point \
                   FROM invoice_items WHERE invoice_id = $1 ORDER BY line_no";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(invoice_id)
            .fetch_all(p)
            .await)
        .context("reading line items")
    }

    /// Unpaid bills of this customer due between `from` and `to` (inclusive).
    pub async fn unpaid_due_between(
        &self,
        customer_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> anyhow::Result<Vec<Invoice>> {
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE customer_id = $1 AND to_pay_gr > 0 \
             AND due_date >= $2 AND due_date <= $3 ORDER BY due_date, number"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(customer_id)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await)
        .context("reading unpaid bills")
    }

    pub async fn recent_payments(
        &self,
        customer_id: i64,
        limit: u32,
    ) -> anyhow::Result<Vec<Payment>> {
        let sql = "SELECT reference, paid_on, amount_gr, invoice_number, title FROM payments \
                   WHERE customer_id = $1 ORDER BY paid_on DESC, id DESC LIMIT $2";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .bind(i64::from(limit))
            .fetch_all(p)
            .await)
        .context("reading payments")
    }

    /// Payments of this customer that name the invoice they paid: (invoice, day, grosze).
    pub async fn invoice_payments(
        &self,
        customer_id: i64,
    ) -> anyhow::Result<Vec<(String, NaiveDate, i64)>> {
        let sql = "SELECT invoice_number, paid_on, amount_gr FROM payments \
                   WHERE customer_id = $1 AND invoice_number IS NOT NULL";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading the payments of bills")
    }

    /// This customer's interest notes that say what they charged: (invoice, last day).
    pub async fn interest_charged(
        &self,
        customer_id: i64,
    ) -> anyhow::Result<Vec<(String, NaiveDate)>> {
        let sql = "SELECT interest_for, interest_to FROM invoices \
                   WHERE customer_id = $1 AND interest_for IS NOT NULL \
                   AND interest_to IS NOT NULL";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading what interest notes charged")
    }

    /// The interest tables imported from the billing export: (regime, from, rate), and
    /// the day they were confirmed; empty when none were imported.
    pub async fn interest_rates(
        &self,
    ) -> anyhow::Result<(Vec<(String, NaiveDate, String)>, Option<String>)> {
        let sql = "SELECT regime, valid_from, rate FROM interest_rates ORDER BY regime, valid_from";
        let rows = on_pool!(self, |p| sqlx::query_as(sql).fetch_all(p).await)
            .context("reading the imported interest tables")?;
        let confirmed = self.setting(INTEREST_RATES_CONFIRMED).await?;
        Ok((rows, confirmed))
    }

    pub async fn collections(&self, customer_id: i64) -> anyhow::Result<Vec<Collection>> {
        let sql = "SELECT case_number, stage, status, opened_on, updated_on, principal_gr, \
                   interest_gr, costs_gr, court, signature, bailiff, description \
                   FROM collections WHERE customer_id = $1 \
                   ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, opened_on DESC";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading collection cases")
    }

    pub async fn contracts(&self, customer_id: i64) -> anyhow::Result<Vec<Contract>> {
        let sql = "SELECT id, number, kind, parent_number, title, signed_on, valid_from, valid_to, \
                   status, pdf_sha256, pdf_name FROM contracts WHERE customer_id = $1 \
                   ORDER BY signed_on DESC, number";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading contracts")
    }

    /// One contract or annex of this customer by its number; `None` for anyone else's.
    pub async fn contract(
        &self,
        customer_id: i64,
        number: &str,
    ) -> anyhow::Result<Option<Contract>> {
        let sql = "SELECT id, number, kind, parent_number, title, signed_on, valid_from, valid_to, \
                   status, pdf_sha256, pdf_name FROM contracts WHERE customer_id = $1 AND number = $2";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .bind(number)
            .fetch_optional(p)
            .await)
        .context("reading a contract")
    }

    /// Announcements in force on `today` for everyone or for `area` (one of the heat
    /// areas they name, see [`crate::domain::area`]), newest first, at most 50 — with
    /// those ended by staff today (marked), and failures whose last day passed in the
    /// last week without staff confirming their end (marked: never an all-clear that is
    /// not true).
    pub async fn announcements(
        &self,
        area: &str,
        today: NaiveDate,
    ) -> anyhow::Result<Vec<LiveAnnouncement>> {
        let sql = "SELECT reference, kind, title, body, valid_from, valid_to, area, ended_at FROM messages \
                   WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to >= $1 \
                     OR (kind = 'failure' AND ended_at IS NULL AND valid_to >= $2)) \
                   ORDER BY valid_from DESC, id DESC LIMIT 500";
        let week_ago = today - chrono::Days::new(7);
        let all: Vec<LiveAnnouncement> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(today)
            .bind(week_ago)
            .fetch_all(p)
            .await)
        .context("reading announcements")?;
        Ok(all
            .into_iter()
            .filter(|m| {
                let a = &m.announcement;
                let targets = crate::domain::area::targets(a.area.as_deref().unwrap_or(""));
                targets.is_empty()
                    || (!area.is_empty() && crate::domain::area::matches(&targets, area))
            })
            .map(|mut m| {
                m.unconfirmed =
                    m.ended_at.is_none() && m.announcement.valid_to.is_some_and(|end| end < today);
                m
            })
            .take(50)
            .collect())
    }

    pub async fn file(&self, sha256: &str) -> anyhow::Result<Option<StoredFile>> {
        let sql = "SELECT sha256, content_type, body FROM files WHERE sha256 = $1";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(sha256)
            .fetch_optional(p)
            .await)
        .context("reading a stored file")
    }
}

/// An announcement as `wiadomosci` shows it: ended by staff (when), or a failure past
/// its last day with no end confirmed.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct LiveAnnouncement {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub announcement: Announcement,
    pub ended_at: Option<DateTime<Utc>>,
    #[sqlx(default)]
    pub unconfirmed: bool,
}
