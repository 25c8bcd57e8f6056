//! The rows the import writes, and the order their values go in: the stored columns of
//! their file's spec ([`crate::domain::export`]), then the fingerprint. The same order
//! serves a multi-row statement's parameters and a line of `COPY` text ([`Values`]).

use crate::domain::export::{self, FileSpec};
use crate::domain::model::{Announcement, Collection, Contract, Invoice, InvoiceItem, Payment};
use chrono::NaiveDate;

/// Where a row's values go, one after the other.
pub trait Values<'a> {
    fn text(&mut self, value: &'a str);
    fn opt_text(&mut self, value: Option<&'a str>);
    fn int(&mut self, value: i64);
    fn opt_int(&mut self, value: Option<i64>);
    fn date(&mut self, value: NaiveDate);
    fn opt_date(&mut self, value: Option<NaiveDate>);
}

/// A row's values in the order of its table's columns.
pub trait StoredValues {
    fn values<'a>(&'a self, out: &mut impl Values<'a>);
}

/// How new rows of a table go in on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewRows {
    /// In multi-row upserts, like changed rows.
    Upserted,
    /// By `COPY`, with ids taken from the sequence in one block. `keys_checked_later`:
    /// the row-by-row foreign-key triggers are off where the role may turn them off,
    /// and [`super::BulkLoad`] checks the keys before the commit.
    Copied { keys_checked_later: bool },
}

/// A row written by its key into the table of its file, with the fingerprint of its
/// values in the file (`row_hash`, the last value): an upsert leaves a row whose
/// fingerprint is unchanged alone.
pub trait ImportRow: StoredValues + Send + Sync {
    const SPEC: &'static FileSpec;
    const NEW_ROWS: NewRows = NewRows::Upserted;
    /// What [`ExistingRow::extra`] holds for the table, as SQL.
    const EXTRA: &'static str = "CAST(0 AS BIGINT)";
    fn key(&self) -> &str;
}

/// A row of an import as it is written: the record as ebok reads it back
/// ([`crate::domain::model`]), the customer it belongs to, and the fingerprint of its
/// values in the file.
#[derive(Debug, Clone)]
pub struct Imported<T> {
    pub record: T,
    /// The customer the row belongs to: the records of contracts, payments and
    /// collections do not carry it (an invoice's is its `customer_id`; 0 for an
    /// announcement, which belongs to nobody).
    pub customer_id: i64,
    pub row_hash: String,
}

/// A customer as the import writes it. Not [`crate::domain::model::Customer`]: that is
/// the record shown to its owner and staff, and it never holds the PESEL's keyed hash
/// (what registration matches) nor the fingerprint; the phone and the account to pay
/// into are read where they are needed.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    pub number: String,
    pub kind: &'static str,
    pub name: String,
    pub pesel_hash: Option<String>,
    pub pesel_masked: Option<String>,
    pub nip: Option<String>,
    pub address: String,
    pub area: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub interest_regime: Option<&'static str>,
    /// The individual account to pay into (NRB digits).
    pub bank_account: Option<String>,
    pub row_hash: String,
}

/// A line item as written: the item as shown, and the invoice it belongs to.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub invoice_id: i64,
    pub item: InvoiceItem,
}

/// One stored line item, as much of it as the invoice's total needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemLine {
    pub invoice_id: i64,
    pub net_gr: i64,
    pub vat_rate: String,
}

/// A row already in the database: its key, id, owner and hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExistingRow {
    pub key: String,
    pub id: i64,
    /// The customer the row belongs to (0 for customers and messages).
    pub customer_id: i64,
    /// Invoices: the charge in grosze; contracts: 1 for an annex, 0 for a contract.
    pub extra: i64,
    pub row_hash: String,
}

impl StoredValues for CustomerRow {
    fn values<'a>(&'a self, out: &mut impl Values<'a>) {
        out.text(&self.number);
        out.text(self.kind);
        out.text(&self.name);
        out.opt_text(self.pesel_hash.as_deref());
        out.opt_text(self.pesel_masked.as_deref());
        out.opt_text(self.nip.as_deref());
        out.text(&self.address);
        out.text(&self.area);
        out.opt_text(self.email.as_deref());
        out.opt_text(self.phone.as_deref());
        out.opt_text(self.interest_regime);
        out.opt_text(self.bank_account.as_deref());
        out.text(&self.row_hash);
    }
}

impl ImportRow for CustomerRow {
    const SPEC: &'static FileSpec = &export::CUSTOMERS;
    // Nothing refers to a new customer yet: no keys to check.
    const NEW_ROWS: NewRows = NewRows::Copied {
        keys_checked_later: false,
    };
    fn key(&self) -> &str {
        &self.number
    }
}

impl StoredValues for Imported<Contract> {
    fn values<'a>(&'a self, out: &mut impl Values<'a>) {
        let c = &self.record;
        out.text(&c.number);
        out.int(self.customer_id);
        out.text(c.kind.as_str());
        out.opt_text(c.parent_number.as_deref());
        out.text(&c.title);
        out.date(c.signed_on);
        out.date(c.valid_from);
        out.opt_date(c.valid_to);
        out.text(c.status.as_str());
        out.opt_text(c.pdf_sha256.as_deref());
        out.opt_text(c.pdf_name.as_deref());
        out.text(&self.row_hash);
    }
}

impl ImportRow for Imported<Contract> {
    const SPEC: &'static FileSpec = &export::CONTRACTS;
    const EXTRA: &'static str = "CAST(CASE WHEN kind = 'annex' THEN 1 ELSE 0 END AS BIGINT)";
    fn key(&self) -> &str {
        &self.record.number
    }
}

impl StoredValues for Imported<Invoice> {
    fn values<'a>(&'a self, out: &mut impl Values<'a>) {
        let i = &self.record;
        out.text(&i.number);
        out.int(i.customer_id);
        out.text(i.kind.as_str());
        out.date(i.issue_date);
        out.date(i.due_date);
        out.text(&i.description);
        out.int(i.charge_gr);
        out.int(i.credited_gr);
        out.int(i.to_pay_gr);
        out.opt_int(i.interest_gr);
        out.opt_text(i.pdf_sha256.as_deref());
        out.opt_text(i.pdf_name.as_deref());
        out.opt_text(i.interest_for.as_deref());
        out.opt_date(i.interest_to);
        let k = &i.ksef;
        out.opt_text(k.ksef_number.as_deref());
        out.opt_text(k.ksef_hash.as_deref());
        out.opt_text(k.xml_sha256.as_deref());
        out.opt_text(k.ksef_mode.as_deref());
        out.opt_text(k.ksef_kod2.as_deref());
        out.opt_text(k.corrected_ksef.as_deref());
        out.text(&self.row_hash);
    }
}

impl ImportRow for Imported<Invoice> {
    const SPEC: &'static FileSpec = &export::INVOICES;
    const NEW_ROWS: NewRows = NewRows::Copied {
        keys_checked_later: true,
    };
    const EXTRA: &'static str = "charge_gr";
    fn key(&self) -> &str {
        &self.record.number
    }
}

impl StoredValues for ItemRow {
    fn values<'a>(&'a self, out: &mut impl Values<'a>) {
        let i = &self.item;
        out.int(self.invoice_id);
        out.int(i.line_no);
        out.text(&i.name);
        out.text(&i.quantity);
        out.text(&i.unit);
        out.text(&i.unit_price);
        out.int(i.net_gr);
        out.text(&i.vat_rate);
        out.int(i.vat_gr);
        out.int(i.gross_gr);
        out.opt_text(i.point.as_deref());
    }
}

impl StoredValues for Imported<Payment> {
    fn values<'a>(&'a self, out: &mut impl Values<'a>) {
        let p = &self.record;
        out.text(&p.reference);
        out.int(self.customer_id);
        out.date(p.paid_on);
        out.int(p.amount_gr);
        out.opt_text(p.invoice_number.as_deref());
        out.text(&p.title);
        out.text(&self.row_hash);
    }
}

impl ImportRow for Imported<Payment> {
    const SPEC: &'static FileSpec = &export::PAYMENTS;
    fn key(&self) -> &str {
        &self.record.reference
    }
}

impl StoredValues for Imported<Collection> {
    fn values<'a>(&'a self, out: &mut impl Values<'a>) {
        let c = &self.record;
        out.text(&c.case_number);
        out.int(self.customer_id);
        out.text(c.stage.as_str());
        out.text(c.status.as_str());
        out.date(c.opened_on);
        out.date(c.updated_on);
        out.int(c.principal_gr);
        out.int(c.interest_gr);
        out.int(c.costs_gr);
        out.opt_text(c.court.as_deref());
        out.opt_text(c.signature.as_deref());
        out.opt_text(c.bailiff.as_deref());
        out.text(&c.description);
        out.text(&self.row_hash);
    }
}

impl ImportRow for Imported<Collection> {
    const SPEC: &'static FileSpec = &export::COLLECTIONS;
    fn key(&self) -> &str {
        &self.record.case_number
    }
}

impl StoredValues for Imported<Announcement> {
    fn values<'a>(&'a self, out: &mut impl Values<'a>) {
        let m = &self.record;
        out.text(&m.reference);
        out.text(m.kind.as_str());
        out.text(&m.title);
        out.text(&m.body);
        out.date(m.valid_from);
        out.opt_date(m.valid_to);
        out.opt_text(m.area.as_deref());
        out.text(&self.row_hash);
    }
}

impl ImportRow for Imported<Announcement> {
    const SPEC: &'static FileSpec = &export::MESSAGES;
    fn key(&self) -> &str {
        &self.record.reference
    }
}
