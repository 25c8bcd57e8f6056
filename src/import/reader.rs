//! The one reader of the files whose rows are identified by one key column: customers,
//! contracts, invoices, payments, collections and messages. It reads the file, claims
//! each row's key, has the file's module check the row, counts it against the stored
//! fingerprint and writes new and changed rows in batches. The next batch is read
//! (parsed, checked, fingerprinted) on a thread of its own while the database takes
//! the previous one: what the reading side needs goes with it and comes back.

use super::error::Errors;
use super::fields::{CsvFile, Row};
use super::known::{Claim, Slot};
use super::report::FileReport;
use super::run::{Run, load_keys};
use super::shared::{KeyTable, Shared, customer, duplicate};
use crate::domain::export::FileSpec;
use crate::store::import::{BATCH_ROWS, ImportRow, Imported};

/// What is particular to one keyed file.
pub trait KeyedFile: Send + 'static {
    /// A checked row as the store writes it; its file's spec comes with it.
    type Record: ImportRow + Send + 'static;
    /// What a key is called in errors ("invoice number").
    const KEY_NAME: &'static str;
    /// Where the keys are kept.
    const KEYS: KeyTable;

    /// Whether the key is a number customers type in commands and Telegram buttons
    /// carry (no spaces, [`super::fields::MAX_NUMBER_BYTES`] at most); otherwise any text.
    const KEY_IS_NUMBER: bool = false;

    /// The row's key.
    fn key<'r>(row: &Row<'r>, errors: &mut Errors) -> Option<&'r str> {
        let column = key_column::<Self>();
        if Self::KEY_IS_NUMBER {
            row.number(errors, column)
        } else {
            row.text(errors, column)
        }
    }

    /// Checks a row whose key this run has not met before; its fingerprint and the
    /// record to write, or `None` with the errors recorded.
    fn check(
        &mut self,
        shared: &mut Shared,
        row: &Row,
        found: Found,
    ) -> Option<(u64, Self::Record)>;

    /// Checks that need the whole file read (references to rows further on).
    fn finish(&mut self, _shared: &mut Shared) {}
}

/// A checked row: its fingerprint (the first 64 bits) and the record to write; `None`
/// when it has errors.
pub type Checked<R> = Option<(u64, R)>;

/// A checked row of `customer_id`'s (0: nobody's) with its fingerprint
/// ([`super::rowhash::RowHash::finish`]).
pub fn imported<T>(
    record: T,
    customer_id: i64,
    (hash, row_hash): (u64, String),
) -> Checked<Imported<T>> {
    Some((
        hash,
        Imported {
            record,
            customer_id,
            row_hash,
        },
    ))
}

/// What the reader knows of a row before its file's checks.
pub struct Found<'k> {
    pub key: &'k str,
    /// Whether the key is new to ebok.
    pub claim: Claim,
    /// The customer named in the `customer` column, for the files that have one; `None`
    /// when it is not known (the error recorded).
    pub owner: Option<Slot>,
}

pub fn spec<F: KeyedFile + ?Sized>() -> &'static FileSpec {
    <F::Record as ImportRow>::SPEC
}

fn key_column<F: KeyedFile + ?Sized>() -> &'static str {
    spec::<F>().key.first().copied().unwrap_or_default()
}

/// Imports one keyed file.
pub async fn import<F: KeyedFile>(run: &mut Run<'_>, file: F) -> anyhow::Result<FileReport> {
    let spec = spec::<F>();
    let Some(csv) = run.open(spec)? else {
        return Ok(FileReport::new(spec.file));
    };
    if F::KEYS == KeyTable::Own {
        load_keys::<F::Record>(&mut run.tx, &mut run.shared.own, |_| 0).await?;
    }
    let new_limit = run.tx.new_rows_per_batch::<F::Record>();
    let mut reading = Reading {
        csv,
        file,
        report: FileReport::new(spec.file),
        owned: spec.names().any(|c| c == "customer"),
    };
    let mut ready: Pending<F::Record> = Pending::new(new_limit);
    let mut more = true;
    while more || !ready.is_empty() {
        // PDFs of the rows in `ready` go in before the rows that point at them.
        run.store_pdfs().await?;
        let writing = run.writing();
        let mut shared = std::mem::take(&mut run.shared);
        let read = tokio::task::spawn_blocking(move || {
            let mut next = Pending::new(new_limit);
            let still_more = more && reading.read_batch(&mut shared, &mut next, writing);
            (reading, shared, next, still_more)
        });
        let written = write(run, ready.take(), writing).await;
        let (back, shared, next, still_more) = read
            .await
            .map_err(|e| anyhow::anyhow!("reading {} failed: {e}", spec.file))?;
        reading = back;
        run.shared = shared;
        run.shared.keys(F::KEYS).set_ids(written?);
        more = still_more;
        ready = next;
    }
    reading.file.finish(&mut run.shared);
    if F::KEYS == KeyTable::Own {
        run.shared.own = Default::default();
    }
    reading.report.rows = reading.csv.rows;
    Ok(reading.report)
}

/// Writes the batches (new rows, then changed ones); the ids of the rows written.
async fn write<R: ImportRow>(
    run: &mut Run<'_>,
    batches: [(Vec<R>, bool); 2],
    writing: bool,
) -> anyhow::Result<Vec<(i64, String)>> {
    let mut ids = Vec::new();
    if writing {
        for (rows, new) in batches {
            ids.extend(run.tx.write_rows(&rows, new, &mut run.bulk).await?);
        }
    }
    Ok(ids)
}

/// The file and what only the reading side keeps.
struct Reading<F> {
    csv: CsvFile,
    file: F,
    report: FileReport,
    /// Whether the file's rows name their customer.
    owned: bool,
}

impl<F: KeyedFile> Reading<F> {
    /// Reads rows into `next` until it is full; false when the file (or the patience
    /// for errors) has ended.
    fn read_batch(
        &mut self,
        shared: &mut Shared,
        next: &mut Pending<F::Record>,
        writing: bool,
    ) -> bool {
        while !next.full() {
            let Some(row) = self.csv.next_row(&mut shared.errors) else {
                return false;
            };
            let Some(key) = F::key(&row, &mut shared.errors) else {
                continue;
            };
            let claim = shared.keys(F::KEYS).claim(key, row.line);
            if let Claim::Duplicate(first) = claim {
                let column = key_column::<F>();
                duplicate(&mut shared.errors, &row, column, F::KEY_NAME, key, first);
                continue;
            }
            let owner = self
                .owned
                .then(|| customer(&mut shared.errors, &shared.customers, &row, "customer"))
                .flatten();
            let found = Found { key, claim, owner };
            let Some((hash, record)) = self.file.check(shared, &row, found) else {
                continue;
            };
            if self.report.count(claim, shared.keys(F::KEYS), hash) && writing {
                next.push(claim, record);
            }
        }
        !shared.errors.full()
    }
}

/// Rows waiting to be written: new ones apart from changed ones, because only new rows
/// need their database ids back.
pub struct Pending<T> {
    new: Vec<T>,
    changed: Vec<T>,
    /// New rows per batch: more where they are copied (PostgreSQL customers and
    /// invoices) than a multi-row statement's parameters allow.
    new_limit: usize,
}

impl<T> Pending<T> {
    fn new(new_limit: usize) -> Self {
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
