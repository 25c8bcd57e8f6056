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
mod item_sets;
mod items;
mod known;
mod ksef;
mod messages;
pub(crate) mod parse;
mod payments;
mod pdf;
mod rates;
mod reader;
mod report;
mod rowhash;
mod run;
mod shared;
mod totals;

pub use error::{ImportError, MAX_ERRORS, RowError};
pub use report::{FileReport, ImportReport};

use crate::config::Settings;
use crate::domain::export::{self, FILES, FileSpec};
use crate::store::Store;
use anyhow::Context;
use error::Errors;
use run::Run;
use std::path::Path;
use std::time::Instant;

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
    let mut run = Run::new(tx, bulk, dir, pesel_key, &options.vat_rates);
    run.seller_nip = options.seller_nip.clone();
    let outcome = all(&mut run, &present).await;
    let Run {
        mut tx,
        shared,
        bulk,
        ..
    } = run;
    match outcome {
        Ok(files) if shared.errors.is_empty() => {
            tx.bulk_load_end(&bulk).await?;
            let mut report = ImportReport {
                files,
                ..ImportReport::default()
            };
            // The notices of what this import brought commit with it.
            report.notices = crate::notify::events::after_import(&mut tx, &marks, timing).await?;
            tx.commit().await?;
            report.pdfs_stored = shared.pdfs.stored_now;
            report.seconds = started.elapsed().as_secs_f64();
            tracing::info!(
                changed = report.changed(),
                seconds = report.seconds,
                "import committed"
            );
            Ok(report)
        }
        Ok(_) => {
            tx.rollback().await?;
            Err(shared.errors.into_error())
        }
        Err(e) => {
            // Dropping the transaction rolls it back.
            drop(tx);
            Err(ImportError::Unexpected(e))
        }
    }
}

/// Reads the `present` files in order; the report of each.
async fn all(run: &mut Run<'_>, present: &[&'static FileSpec]) -> anyhow::Result<Vec<FileReport>> {
    run.load_shared_keys(present).await?;
    let mut reports = Vec::new();
    for spec in present {
        if run.shared.errors.full() {
            break;
        }
        let started = Instant::now();
        let mut report = match spec.file {
            f if f == export::CUSTOMERS.file => {
                let file = customers::Customers {
                    pesel_key: run.pesel_key.to_vec(),
                };
                reader::import(run, file).await?
            }
            f if f == export::CONTRACTS.file => {
                reader::import(run, contracts::Contracts::default()).await?
            }
            f if f == export::INVOICES.file => {
                let stored = run.tx.invoice_ksef_numbers().await?;
                let book = ksef::KsefBook::new(run.seller_nip.clone(), stored);
                reader::import(run, invoices::Invoices::new(book)).await?
            }
            f if f == export::INVOICE_ITEMS.file => items::import(run).await?,
            f if f == export::PAYMENTS.file => reader::import(run, payments::Payments).await?,
            f if f == export::COLLECTIONS.file => {
                reader::import(run, collections::Collections).await?
            }
            f if f == export::MESSAGES.file => reader::import(run, messages::Messages).await?,
            _ => rates::import(run).await?,
        };
        report.seconds = started.elapsed().as_secs_f64();
        tracing::info!(
            file = spec.file,
            rows = report.rows,
            seconds = report.seconds,
            "file imported"
        );
        reports.push(report);
    }
    if !run.shared.errors.full() {
        totals::check_changed_charges(run).await?;
    }
    Ok(reports)
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
fn files_present(dir: &Path) -> Result<Vec<&'static FileSpec>, ImportError> {
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
        if let Some(spec) = FILES.iter().find(|f| f.file == name) {
            present.push(*spec);
        } else if name.to_ascii_lowercase().ends_with(".csv") {
            errors.push(
                &name,
                0,
                None,
                format!("not an import file (the files are: {})", file_names()),
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
                file_names()
            ),
        );
    }
    if !errors.is_empty() {
        return Err(errors.into_error());
    }
    present.sort_by_key(|f| FILES.iter().position(|x| x.file == f.file));
    Ok(present)
}

/// The names of the import's files, in the order they are read.
fn file_names() -> String {
    let names: Vec<&str> = FILES.iter().map(|f| f.file).collect();
    names.join(", ")
}
