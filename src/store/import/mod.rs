//! Bulk writes for the billing import, all inside one transaction ([`crate::store::Tx`]):
//! the rows of each file and the order of their values (`rows`), the statements built
//! from the files' specs in [`crate::domain::export`] (`sql`); rows written by key
//! (`upsert`), line items as sets (`items`), the interest tables (`rates`) and PDF
//! files (`files`); PostgreSQL's `COPY` (`copy`), the settings of a large write
//! (`bulk`) and a first import's indexes (`indexes`).

mod bulk;
mod copy;
mod files;
mod indexes;
mod items;
mod rates;
mod rows;
mod sql;
mod upsert;

#[cfg(test)]
mod tests;

pub use bulk::BulkLoad;
pub use rows::{
    CustomerRow, ExistingRow, ImportRow, Imported, ItemLine, ItemRow, NewRows, StoredValues, Values,
};
pub use sql::{BATCH_ROWS, COPY_ROWS};
