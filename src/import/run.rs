//! The state of one import run: its directory and settings, its transaction and how it
//! writes, and what the checks of its files share.

use super::fields::CsvFile;
use super::known::{Known, Slot};
use super::pdf::Pdfs;
use super::shared::Shared;
use crate::domain::export::{self, FileSpec};
use crate::domain::model::{Contract, Invoice};
use crate::store::Tx;
use crate::store::import::{BulkLoad, CustomerRow, ImportRow, Imported};
use std::path::Path;

pub struct Run<'a> {
    pub dir: &'a Path,
    pub pesel_key: &'a [u8],
    pub vat_rates: &'a [String],
    /// The utility's NIP, which KSeF numbers begin with (`None`: not checked).
    pub seller_nip: Option<String>,
    pub tx: Tx,
    /// How new rows are written (PostgreSQL: `COPY`, keys checked at the end).
    pub bulk: BulkLoad,
    pub shared: Shared,
}

impl<'a> Run<'a> {
    pub fn new(
        tx: Tx,
        bulk: BulkLoad,
        dir: &'a Path,
        pesel_key: &'a [u8],
        vat_rates: &'a [String],
    ) -> Run<'a> {
        Run {
            dir,
            pesel_key,
            vat_rates,
            seller_nip: None,
            tx,
            bulk,
            shared: Shared::new(Pdfs::new(dir)),
        }
    }

    /// See [`Shared::writing`].
    pub fn writing(&self) -> bool {
        self.shared.writing()
    }

    /// Opens one of the files; `None` when its header is unusable (errors recorded).
    pub fn open(&mut self, spec: &'static FileSpec) -> anyhow::Result<Option<CsvFile>> {
        CsvFile::open(self.dir, spec, &mut self.shared.errors)
    }

    /// Stores the PDFs the rows read so far point at, before those rows are written.
    pub async fn store_pdfs(&mut self) -> anyhow::Result<()> {
        if self.writing() {
            self.shared.pdfs.store(&mut self.tx).await
        } else {
            self.shared.pdfs.discard();
            Ok(())
        }
    }

    /// Loads the stored keys that the `present` files refer to: customers for all but
    /// messages and the interest tables, contracts for annexes, invoices for items,
    /// payments and interest notes.
    pub async fn load_shared_keys(&mut self, present: &[&'static FileSpec]) -> anyhow::Result<()> {
        let has = |spec: &FileSpec| present.iter().any(|p| p.file == spec.file);
        let (tx, shared) = (&mut self.tx, &mut self.shared);
        if present
            .iter()
            .any(|f| f.file != export::MESSAGES.file && f.file != export::INTEREST_RATES.file)
        {
            load_keys::<CustomerRow>(tx, &mut shared.customers, |_| 0).await?;
        }
        let owners = shared.customers.slots_by_id();
        let owner = |id: i64| owners.get(&id).copied().unwrap_or(Slot::MAX);
        if has(&export::CONTRACTS) {
            load_keys::<Imported<Contract>>(tx, &mut shared.contracts, owner).await?;
        }
        if has(&export::INVOICES) || has(&export::INVOICE_ITEMS) || has(&export::PAYMENTS) {
            load_keys::<Imported<Invoice>>(tx, &mut shared.invoices, owner).await?;
        }
        Ok(())
    }
}

/// Adds the stored rows of `R`'s table to `known`, each with the slot `owner` gives its
/// customer's id.
pub async fn load_keys<R: ImportRow>(
    tx: &mut Tx,
    known: &mut Known,
    owner: impl Fn(i64) -> Slot,
) -> anyhow::Result<()> {
    tx.existing_rows::<R>(|row| {
        let slot = owner(row.customer_id);
        known.add_existing(row, slot);
    })
    .await
}
