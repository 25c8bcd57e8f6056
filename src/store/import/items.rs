//! The line items of invoices, written as sets: an invoice whose set changed has its
//! stored items replaced, and each set's fingerprint is kept in `invoice_item_sets`.

use super::bulk::BulkLoad;
use super::copy::{copy_item_sets, copy_items};
use super::rows::{ItemLine, ItemRow};
use super::sql::{BATCH_ROWS, batch_sql, placeholders};
use super::upsert::bind_all;
use crate::domain::export::INVOICE_ITEMS;
use crate::store::Tx;
use anyhow::Context;
use futures::TryStreamExt;
use sqlx::sqlite::SqliteArguments;

impl Tx {
    /// The stored item sets, each as `(invoice id, items hash)`, one at a time.
    pub async fn existing_item_sets(
        &mut self,
        mut each: impl FnMut(i64, &str),
    ) -> anyhow::Result<()> {
        let sql = "SELECT invoice_id, items_hash FROM invoice_item_sets";
        on_tx!(self, |conn| {
            let mut rows = sqlx::query_as::<_, (i64, String)>(sql).fetch(conn);
            while let Some((id, hash)) = rows
                .try_next()
                .await
                .context("reading the imported item sets")?
            {
                each(id, &hash);
            }
            anyhow::Ok(())
        })
    }

    /// The stored line items of these invoices as (invoice id, net, VAT rate), to check
    /// that an invoice whose charge changes still adds up to its items.
    pub async fn item_lines(&mut self, invoice_ids: &[i64]) -> anyhow::Result<Vec<ItemLine>> {
        let mut found = Vec::new();
        for chunk in invoice_ids.chunks(BATCH_ROWS) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT invoice_id, net_gr, vat_rate FROM invoice_items WHERE invoice_id IN ({})",
                marks.join(", ")
            );
            let rows: Vec<ItemLine> = on_tx!(self, |conn| {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(conn).await
            })
            .context("reading the stored line items of invoices whose charge changed")?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Writes the line items of invoices: `changed` are invoices that had items (their
    /// old items are deleted and their set's hash replaced), `new` invoices that had
    /// none; `items` belong to those invoices.
    pub async fn replace_items(
        &mut self,
        changed: &[(i64, String)],
        new: &[(i64, String)],
        items: &[ItemRow],
        bulk: &mut BulkLoad,
    ) -> anyhow::Result<()> {
        let backend = self.backend();
        for chunk in changed.chunks(BATCH_ROWS) {
            let sql = batch_sql(backend, "delete items", chunk.len(), || {
                // One row of `chunk.len()` values: `($1, $2, …)` is the IN list.
                format!(
                    "DELETE FROM invoice_items WHERE invoice_id IN {}",
                    placeholders(backend, 1, chunk.len())
                )
            });
            on_tx!(self, |conn| {
                let mut q = sqlx::query(&sql);
                for (id, _) in chunk {
                    q = q.bind(*id);
                }
                q.execute(conn).await.map(|r| r.rows_affected())
            })
            .context("deleting replaced line items")?;
        }
        let upserted = match self {
            Tx::Postgres(t) => {
                copy_item_sets(t, bulk, new).await?;
                changed
            }
            Tx::Sqlite(_) => &[changed, new].concat(),
        };
        for chunk in upserted.chunks(BATCH_ROWS) {
            let sql = batch_sql(backend, "item sets", chunk.len(), || {
                format!(
                    "INSERT INTO invoice_item_sets (invoice_id, items_hash) VALUES {} \
                     ON CONFLICT (invoice_id) DO UPDATE SET items_hash = excluded.items_hash",
                    placeholders(backend, chunk.len(), 2)
                )
            });
            on_tx!(self, |conn| {
                let mut q = sqlx::query(&sql);
                for (id, hash) in chunk {
                    q = q.bind(*id).bind(hash);
                }
                q.execute(conn).await.map(|r| r.rows_affected())
            })
            .context("recording imported item sets")?;
        }
        let t = match self {
            Tx::Postgres(t) => return copy_items(t, bulk, items).await,
            Tx::Sqlite(t) => t,
        };
        let columns: Vec<_> = INVOICE_ITEMS.stored_columns().collect();
        for chunk in items.chunks(BATCH_ROWS) {
            let sql = batch_sql(backend, "insert items", chunk.len(), || {
                format!(
                    "INSERT INTO {} ({}) VALUES {}",
                    INVOICE_ITEMS.table,
                    columns.join(", "),
                    placeholders(backend, chunk.len(), columns.len())
                )
            });
            let args = bind_all::<SqliteArguments, _>(chunk)?;
            sqlx::query_with(&sql, args)
                .execute(&mut **t)
                .await
                .context("inserting line items")?;
        }
        Ok(())
    }
}
