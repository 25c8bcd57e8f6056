//! The demo data set in memory: customers, contracts, invoices, payments, collection
//! cases and announcements, the records of the billing export ([`crate::domain::model`])
//! with what the demo needs to make its PDFs. [`super::generate`] fills it.

use super::tariff::{self, Line};
use crate::domain::model::{
    self, Announcement, Collection, CustomerKind, InvoiceItem, InvoiceKind, Payment,
};
use crate::domain::money::{round_grosze, to_grosze};
use chrono::NaiveDate;
use rust_decimal::Decimal;

pub const MONTHS: usize = 24;

/// How a customer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Habit {
    OnTime,
    /// Paid one bill late and got an interest note.
    OnceLate,
    /// Stopped paying months ago; the debt went to court.
    Overdue,
    /// Pays at once and once paid a bill twice.
    Overpays,
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub number: String,
    pub kind: CustomerKind,
    pub name: String,
    pub pesel: Option<String>,
    pub nip: Option<String>,
    pub address: String,
    pub area: String,
    pub email: String,
    pub capacity_mw: Decimal,
    pub annual_gj: Decimal,
    /// Make-up water per month (m³), for large buildings.
    pub carrier_m3: Option<Decimal>,
    pub e_invoice: bool,
    pub habit: Habit,
    /// Buildings billed on one invoice, each with its share (per mille) of the heat and
    /// the capacity; empty: one point of delivery, not named.
    pub buildings: &'static [(&'static str, u32)],
}

/// A contract or annex: the record ebok reads and what its PDF holds.
#[derive(Debug, Clone)]
pub struct Contract {
    pub customer: usize,
    /// Its PDF's hash and stored name are the import's to fill: the export names the
    /// file by `pdf`.
    pub record: model::Contract,
    /// The PDF as the export names it (a path in the import directory).
    pub pdf: String,
    pub clauses: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Invoice {
    pub number: String,
    pub customer: usize,
    pub kind: &'static str,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub description: String,
    pub lines: Vec<Line>,
    pub charge: Decimal,
    pub credited: Decimal,
    pub pdf: Option<String>,
    /// An interest note: the invoice it charged interest on, and up to which day.
    pub interest_for: Option<(String, NaiveDate)>,
}

impl Invoice {
    pub fn to_pay(&self) -> Decimal {
        self.charge - self.credited
    }

    /// The invoice as ebok reads it. Its customer's id and its PDF's hash and name are
    /// the import's to fill; its interest is left to ebok to compute.
    pub fn record(&self) -> model::Invoice {
        model::Invoice {
            id: 0,
            number: self.number.clone(),
            customer_id: 0,
            kind: self.kind.parse().unwrap_or(InvoiceKind::Invoice),
            issue_date: self.issue_date,
            due_date: self.due_date,
            description: self.description.clone(),
            charge_gr: grosze(self.charge),
            credited_gr: grosze(self.credited),
            to_pay_gr: grosze(self.to_pay()),
            interest_gr: None,
            pdf_sha256: None,
            pdf_name: None,
            interest_for: self.interest_for.as_ref().map(|(of, _)| of.clone()),
            interest_to: self.interest_for.as_ref().map(|(_, to)| *to),
            ksef: Default::default(),
        }
    }

    /// Its lines as ebok reads them, numbered from 1.
    pub fn items(&self) -> impl Iterator<Item = InvoiceItem> + '_ {
        self.lines.iter().zip(1..).map(|(l, line_no)| InvoiceItem {
            line_no,
            name: l.name.to_string(),
            quantity: l.quantity.to_string(),
            unit: l.unit.to_string(),
            unit_price: l.unit_price.to_string(),
            net_gr: grosze(l.net),
            vat_rate: tariff::VAT_RATE.to_string(),
            vat_gr: grosze(l.vat),
            gross_gr: grosze(l.gross),
            point: l.point.map(str::to_string),
        })
    }
}

/// A record of the billing export as ebok reads it ([`crate::domain::model`]), and the
/// customer it belongs to (an index into [`DataSet::customers`]).
#[derive(Debug, Clone)]
pub struct Owned<T> {
    pub customer: usize,
    pub record: T,
}

/// What the export says of one KSeF invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoKsef {
    pub number: Option<String>,
    pub hash: String,
    pub offline: bool,
    pub kod2: Option<String>,
    pub xml: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct DataSet {
    /// The KSeF invoices' fields, by invoice number ([`super::ksef`] fills them).
    pub ksef: std::collections::HashMap<String, DemoKsef>,
    pub customers: Vec<Customer>,
    pub contracts: Vec<Contract>,
    pub invoices: Vec<Invoice>,
    pub payments: Vec<Owned<Payment>>,
    pub cases: Vec<Owned<Collection>>,
    pub messages: Vec<Announcement>,
}

/// An amount of the demo (always whole grosze) as the records hold it.
pub(super) fn grosze(amount: Decimal) -> i64 {
    to_grosze(round_grosze(amount)).unwrap_or_default()
}
