//! `ebok import DIR`: the billing system's CSV export into the store.
//!
//! One run is one transaction: every file is validated, written in multi-row batches,
//! and committed together; any error rolls everything back. Each row carries a
//! fingerprint of its values, so importing the same files again writes nothing.
//! The format is documented in `docs/import.md`.

mod collections;
mod contracts;
mod customers;
pub(crate) mod error;
pub(crate) mod fields;
pub use fields::MAX_NUMBER_BYTES;
mod invoices;
mod items;
mod known;
mod messages;
mod payments;
mod pdf;
mod rates;
mod report;
mod rowhash;
mod totals;

pub use error::{ImportError, MAX_ERRORS, RowError};
pub use report::{FileReport, ImportReport};

use crate::config::Settings;
use crate::store::import::BATCH_ROWS;
use crate::store::{Store, Tx};
use anyhow::Context;
use error::Errors;
use fields::{CsvFile, Row, Spec};
use known::{Claim, Known, Slot};
use pdf::Pdfs;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

/// The files of an import, in the order they are read (later files refer to earlier ones).
pub const FILES: [&str; 8] = [
    customers::SPEC.file,
    contracts::SPEC.file,
    invoices::SPEC.file,
    items::SPEC.file,
    payments::SPEC.file,
    collections::SPEC.file,
    messages::SPEC.file,
    rates::SPEC.file,
];

/// Imports the CSV files in `dir` in one transaction with the default checks (the
/// Polish VAT rates). `pesel_key` keys the hash under which PESEL numbers are stored
/// (see [`pesel_key`]).
pub async fn run(store: &Store, pesel_key: &[u8], dir: &Path) -> Result<ImportReport, ImportError> {
    run_with(store, pesel_key, dir, &crate::config::Import::default()).await
}

/// [`run`] with the operator's `[import]` settings (the accepted VAT rates); notices
/// of what it brings are timed by the default quiet hours.
pub async fn run_with(
    store: &Store,
    pesel_key: &[u8],
    dir: &Path,
    options: &crate::config::Import,
) -> Result<ImportReport, ImportError> {
    let timing = crate::domain::notice::Timing::at(
        crate::store::now(),
        crate::config::Notifications::default().quiet_hours(),
    );
    run_at(store, pesel_key, dir, options, timing).await
}

/// [`run_with`], the notices it writes timed by `timing` (the configured quiet hours,
/// or a test's clock).
#[tracing::instrument(skip(store, pesel_key, options, timing), fields(dir = %dir.display()))]
pub async fn run_at(
    store: &Store,
    pesel_key: &[u8],
    dir: &Path,
    options: &crate::config::Import,
    timing: crate::domain::notice::Timing,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let present = files_present(dir)?;
    let mut tx = store.begin_write().await?;
    let marks = tx.notify_marks().await?;
    let bulk = tx.bulk_load_begin().await?;
    let mut run = Run::new(tx, dir, pesel_key, &options.vat_rates);
    run.bulk = bulk;
    let outcome = run.all(&present).await;
    let Run {
        mut tx,
        errors,
        mut report,
        pdfs,
        bulk,
        ..
    } = run;
    match outcome {
        Ok(()) if errors.is_empty() => {
            tx.bulk_load_end(&bulk).await?;
            // The notices of what this import brought commit with it.
            report.notices = crate::notify::events::after_import(&mut tx, &marks, timing).await?;
            tx.commit().await?;
            report.pdfs_stored = pdfs.stored_now;
            report.seconds = started.elapsed().as_secs_f64();
            tracing::info!(
                changed = report.changed(),
                seconds = report.seconds,
                "import committed"
            );
            Ok(report)
        }
        Ok(()) => {
            tx.rollback().await?;
            Err(errors.into_error())
        }
        Err(e) => {
            // Dropping the transaction rolls it back.
            drop(tx);
            Err(ImportError::Unexpected(e))
        }
    }
}

/// The key for PESEL hashes: the configured `security.pesel_key`, or else one generated
/// on first use and kept in the database (setting `pesel_key`).
pub async fn pesel_key(store: &Store, settings: &Settings) -> anyhow::Result<Vec<u8>> {
    use secrecy::ExposeSecret;
    if let Some(key) = &settings.security.pesel_key
        && !key.expose_secret().is_empty()
    {
        return Ok(key.expose_secret().as_bytes().to_vec());
    }
    let fresh: [u8; 32] = rand::random();
    let key = store
        .setting_or_insert("pesel_key", &hex::encode(fresh))
        .await
        .context("keeping the PESEL key")?;
    Ok(key.into_bytes())
}

/// Which import files `dir` holds; any other `.csv` file there is an error (a misspelt
/// name would otherwise be skipped silently).
fn files_present(dir: &Path) -> Result<Vec<&'static str>, ImportError> {
    let mut errors = Errors::default();
    let label = dir.display().to_string();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(
                &label,
                0,
                None,
                format!("cannot read the import directory: {e}"),
            );
            return Err(errors.into_error());
        }
    };
    let mut present = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {label}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(known) = FILES.iter().find(|f| **f == name) {
            present.push(*known);
        } else if name.to_ascii_lowercase().ends_with(".csv") {
            errors.push(
                &name,
                0,
                None,
                format!("not an import file (the files are: {})", FILES.join(", ")),
            );
        }
    }
    if present.is_empty() && errors.is_empty() {
        errors.push(
            &label,
            0,
            None,
            format!(
                "no import files here (expected one or more of: {})",
                FILES.join(", ")
            ),
        );
    }
    if !errors.is_empty() {
        return Err(errors.into_error());
    }
    present.sort_by_key(|f| FILES.iter().position(|x| x == f));
    Ok(present)
}

/// The state of one import run.
pub(crate) struct Run<'a> {
    dir: &'a Path,
    pesel_key: &'a [u8],
    vat_rates: &'a [String],
    tx: Tx,
    errors: Errors,
    customers: Known,
    contracts: Known,
    invoices: Known,
    customer_by_id: HashMap<i64, Slot>,
    pdfs: Pdfs,
    report: ImportReport,
    /// Invoices already in ebok whose charge this run changes.
    charge_changes: Vec<totals::ChargeChange>,
    /// Invoices that invoice_items.csv of this run brings items for.
    items_brought: HashSet<Slot>,
    /// How new rows are written (PostgreSQL: `COPY`, keys checked at the end).
    bulk: crate::store::BulkLoad,
}

impl<'a> Run<'a> {
    fn new(tx: Tx, dir: &'a Path, pesel_key: &'a [u8], vat_rates: &'a [String]) -> Run<'a> {
        Run {
            dir,
            pesel_key,
            vat_rates,
            charge_changes: Vec::new(),
            items_brought: HashSet::new(),
            bulk: crate::store::BulkLoad::default(),
            tx,
            errors: Errors::default(),
            customers: Known::new(),
            contracts: Known::new(),
            invoices: Known::new(),
            customer_by_id: HashMap::new(),
            pdfs: Pdfs::new(dir),
            report: ImportReport::default(),
        }
    }

    async fn all(&mut self, present: &[&'static str]) -> anyhow::Result<()> {
        let has = |f: &str| present.contains(&f);
        if present
            .iter()
            .any(|f| *f != messages::SPEC.file && *f != rates::SPEC.file)
        {
            self.load_customers().await?;
        }
        if has(contracts::SPEC.file) {
            self.load_contracts().await?;
        }
        if has(invoices::SPEC.file) || has(items::SPEC.file) || has(payments::SPEC.file) {
            self.load_invoices().await?;
        }
        for file in present {
            if self.errors.full() {
                break;
            }
            let started = Instant::now();
            let mut report = match *file {
                f if f == customers::SPEC.file => customers::import(self).await?,
                f if f == contracts::SPEC.file => contracts::import(self).await?,
                f if f == invoices::SPEC.file => invoices::import(self).await?,
                f if f == items::SPEC.file => items::import(self).await?,
                f if f == payments::SPEC.file => payments::import(self).await?,
                f if f == collections::SPEC.file => collections::import(self).await?,
                f if f == rates::SPEC.file => rates::import(self).await?,
                _ => messages::import(self).await?,
            };
            report.seconds = started.elapsed().as_secs_f64();
            tracing::info!(
                file,
                rows = report.rows,
                seconds = report.seconds,
                "file imported"
            );
            self.report.files.push(report);
        }
        if !self.errors.full() {
            totals::check_changed_charges(self).await?;
        }
        Ok(())
    }

    async fn load_customers(&mut self) -> anyhow::Result<()> {
        let known = &mut self.customers;
        self.tx
            .existing_customers(|row| known.add_existing(row, 0))
            .await?;
        self.customer_by_id = self.customers.slots_by_id();
        Ok(())
    }

    async fn load_contracts(&mut self) -> anyhow::Result<()> {
        let (known, owners) = (&mut self.contracts, &self.customer_by_id);
        self.tx
            .existing_contracts(|row| {
                let owner = owners.get(&row.customer_id).copied().unwrap_or(Slot::MAX);
                known.add_existing(row, owner);
            })
            .await
    }

    async fn load_invoices(&mut self) -> anyhow::Result<()> {
        let (known, owners) = (&mut self.invoices, &self.customer_by_id);
        self.tx
            .existing_invoices(|row| {
                let owner = owners.get(&row.customer_id).copied().unwrap_or(Slot::MAX);
                known.add_existing(row, owner);
            })
            .await
    }

    /// Rows are written only while the run is clean: after an error everything will be
    /// rolled back, so the rest is only validated.
    fn writing(&self) -> bool {
        self.errors.is_empty()
    }

    /// New rows per batch: PostgreSQL copies new customers and invoices (5 000 at a
    /// time); elsewhere a multi-row statement's parameters set the limit.
    fn new_rows_per_batch(&self) -> usize {
        match self.tx.backend() {
            crate::store::Backend::Postgres => crate::store::import::COPY_ROWS,
            crate::store::Backend::Sqlite => crate::store::import::BATCH_ROWS,
        }
    }

    /// Opens one of the files; `None` when its header is unusable (errors recorded).
    fn open(&mut self, spec: &'static Spec) -> anyhow::Result<Option<CsvFile>> {
        CsvFile::open(self.dir, spec, &mut self.errors)
    }

    /// The customer named in `column`, which must be in customers.csv or the database.
    fn customer(errors: &mut Errors, customers: &Known, row: &Row, column: &str) -> Option<Slot> {
        let number = row.text(errors, column)?;
        let slot = customers.slot(number);
        if slot.is_none() {
            row.error(
                errors,
                column,
                format!("customer '{number}' is neither in customers.csv nor in the database"),
            );
        }
        slot
    }

    /// The PDF named in `column`, if any; `Err(())` when it is unusable (error recorded).
    fn pdf(
        errors: &mut Errors,
        pdfs: &mut Pdfs,
        row: &Row,
        column: &str,
    ) -> Result<Option<pdf::PdfRef>, ()> {
        match row.opt_text(column) {
            None => Ok(None),
            Some(rel) => pdfs.resolve(rel).map(Some).map_err(|reason| {
                row.error(errors, column, reason);
            }),
        }
    }

    async fn store_pdfs(&mut self) -> anyhow::Result<()> {
        if self.writing() {
            self.pdfs.store(&mut self.tx).await
        } else {
            self.pdfs.discard();
            Ok(())
        }
    }
}

/// Rows waiting to be written: new ones apart from changed ones, because only new rows
/// need their database ids back.
pub(crate) struct Pending<T> {
    new: Vec<T>,
    changed: Vec<T>,
    /// New rows per batch: more where they are copied (PostgreSQL customers and
    /// invoices) than a multi-row statement's parameters allow.
    new_limit: usize,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending::with_new_limit(BATCH_ROWS)
    }
}

impl<T> Pending<T> {
    fn with_new_limit(new_limit: usize) -> Self {
        Pending {
            new: Vec::with_capacity(new_limit),
            changed: Vec::new(),
            new_limit,
        }
    }

    fn push(&mut self, claim: Claim, row: T) {
        match claim {
            Claim::New(_) => self.new.push(row),
            _ => self.changed.push(row),
        }
    }

    fn full(&self) -> bool {
        self.new.len() >= self.new_limit || self.changed.len() >= BATCH_ROWS
    }

    fn is_empty(&self) -> bool {
        self.new.is_empty() && self.changed.is_empty()
    }

    /// The two batches with their "all new" flag, emptied.
    fn take(&mut self) -> [(Vec<T>, bool); 2] {
        [
            (std::mem::take(&mut self.new), true),
            (std::mem::take(&mut self.changed), false),
        ]
    }
}

/// The error for a key met twice in one file.
fn duplicate(errors: &mut Errors, row: &Row, column: &str, what: &str, key: &str, first: u64) {
    row.error(
        errors,
        column,
        format!("{what} '{key}' appears twice in the file (first on line {first})"),
    );
}
