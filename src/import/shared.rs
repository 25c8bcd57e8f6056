//! What the checks of every file share while a run reads: the errors so far, the keys
//! met (in the files and in the database), the PDFs, and the findings that later files
//! or the end of the run check. It moves to the reading thread and back as one piece.

use super::error::Errors;
use super::fields::Row;
use super::known::{Entry, Known, Slot};
use super::pdf::{PdfRef, Pdfs};
use std::collections::HashSet;

/// Which key table a file's keys go in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTable {
    Customers,
    Contracts,
    Invoices,
    /// The file's own, loaded when it begins and dropped when it ends: no later file
    /// refers to its rows.
    Own,
}

/// An invoice in ebok whose charge a row of invoices.csv changes.
#[derive(Debug, Clone, Copy)]
pub struct ChargeChange {
    pub slot: Slot,
    /// The line of invoices.csv.
    pub line: u64,
    pub old_gr: i64,
    pub new_gr: i64,
}

/// A row's reference to another row of its own file, checked once the whole file is
/// read (the row referred to may stand further on).
#[derive(Debug, Clone)]
pub struct LaterRef {
    /// The referring row's line.
    pub line: u64,
    /// The customer of the referring row.
    pub owner: Slot,
    pub key: String,
}

/// The references of a file's rows to rows of the same file ([`LaterRef`]).
#[derive(Debug, Default)]
pub struct LaterRefs(Vec<LaterRef>);

impl LaterRefs {
    /// Keeps `row`'s reference to `key`, `owner` being the row's customer.
    pub fn note(&mut self, row: &Row, owner: Slot, key: &str) {
        self.0.push(LaterRef {
            line: row.line,
            owner,
            key: key.to_string(),
        });
    }

    /// Once the file is read: records, in `column` of `file`, the reason `valid` gives
    /// for each reference it refuses.
    pub fn check(
        &self,
        errors: &mut Errors,
        file: &str,
        column: &str,
        valid: impl Fn(&LaterRef) -> Result<(), String>,
    ) {
        for r in &self.0 {
            if let Err(reason) = valid(r) {
                errors.push(file, r.line, Some(column), reason);
            }
        }
    }
}

#[derive(Default)]
pub struct Shared {
    pub errors: Errors,
    pub customers: Known,
    pub contracts: Known,
    pub invoices: Known,
    /// The keys of the file being read, when they are its own ([`KeyTable::Own`]).
    pub own: Known,
    pub pdfs: Pdfs,
    /// Invoices already in ebok whose charge this run changes.
    pub charge_changes: Vec<ChargeChange>,
    /// Invoices that invoice_items.csv of this run brings items for.
    pub items_brought: HashSet<Slot>,
}

impl Shared {
    pub fn new(pdfs: Pdfs) -> Shared {
        Shared {
            pdfs,
            ..Shared::default()
        }
    }

    pub fn keys(&mut self, table: KeyTable) -> &mut Known {
        match table {
            KeyTable::Customers => &mut self.customers,
            KeyTable::Contracts => &mut self.contracts,
            KeyTable::Invoices => &mut self.invoices,
            KeyTable::Own => &mut self.own,
        }
    }

    /// Rows are written only while the run is clean: after an error everything will be
    /// rolled back, so the rest is only validated.
    pub fn writing(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The customer named in `column`, which must be in customers.csv or the database.
pub fn customer(errors: &mut Errors, customers: &Known, row: &Row, column: &str) -> Option<Slot> {
    let number = row.text(errors, column)?;
    let slot = customers.slot(number);
    if slot.is_none() {
        row.error(errors, column, missing("customer", number, "customers.csv"));
    }
    slot
}

/// The PDF named in `column`, if any; `Err(())` when it is unusable (error recorded).
pub fn pdf(
    errors: &mut Errors,
    pdfs: &mut Pdfs,
    row: &Row,
    column: &str,
) -> Result<Option<PdfRef>, ()> {
    match row.opt_text(column) {
        None => Ok(None),
        Some(rel) => pdfs.resolve(rel).map(Some).map_err(|reason| {
            row.error(errors, column, reason);
        }),
    }
}

/// A `what` (invoice, contract) named `key` by a row of customer `owner`: it must be in
/// `file` or the database, and the same customer's; otherwise the reason.
pub fn of_customer<'k>(
    known: &'k Known,
    customers: &Known,
    what: &str,
    file: &str,
    key: &str,
    owner: Slot,
) -> Result<&'k Entry, String> {
    match known.get(key) {
        None => Err(missing(what, key, file)),
        Some(e) if e.owner != owner => Err(format!(
            "{what} '{key}' belongs to customer '{}', not to '{}'",
            customers.key(e.owner),
            customers.key(owner)
        )),
        Some(e) => Ok(e),
    }
}

/// The reason for a reference to a row that is nowhere.
pub fn missing(what: &str, key: &str, file: &str) -> String {
    format!("{what} '{key}' is neither in {file} nor in the database")
}

/// The error for a key met twice in one file.
pub fn duplicate(errors: &mut Errors, row: &Row, column: &str, what: &str, key: &str, first: u64) {
    row.error(
        errors,
        column,
        format!("{what} '{key}' appears twice in the file (first on line {first})"),
    );
}
