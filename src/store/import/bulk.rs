//! A large write's settings. SQLite: no memory map and a small page cache on the
//! import's connection. PostgreSQL: one import at a time, new rows copied without the
//! row-by-row foreign-key triggers where the role may (`session_replication_role`), the
//! keys of what was copied so checked in one set-based query per table before the
//! import commits, and a first import's indexes built after the load
//! ([`super::indexes`]).

use super::indexes::{rebuild_indexes, set_aside_indexes};
use crate::store::Tx;
use anyhow::Context;
use sqlx::PgConnection;

/// How this import's transaction writes new rows on PostgreSQL.
#[derive(Debug, Clone, Default)]
pub struct BulkLoad {
    /// The role may set `session_replication_role`: new rows are copied without the
    /// foreign-key triggers, and checked at the end.
    pub deferred_keys: bool,
    /// Lowest invoice id copied without its keys checked (invoices, items, item sets).
    unchecked_from: Option<i64>,
    /// The statements that take ids from the sequences of customers and invoices.
    pub(super) id_blocks: Vec<(&'static str, String)>,
    /// What rebuilds the secondary indexes and unique constraints set aside for a first
    /// import ([`set_aside_indexes`]).
    rebuild: Vec<String>,
}

impl BulkLoad {
    pub fn new(deferred_keys: bool) -> BulkLoad {
        BulkLoad {
            deferred_keys,
            unchecked_from: None,
            id_blocks: Vec::new(),
            rebuild: Vec::new(),
        }
    }

    /// Whether this import loads an empty table without its secondary indexes.
    pub fn indexes_set_aside(&self) -> bool {
        !self.rebuild.is_empty()
    }

    /// Notes that rows of the invoice `id` (or a later one) were copied unchecked.
    pub(super) fn note_unchecked(&mut self, id: i64) {
        if self.deferred_keys {
            self.unchecked_from = Some(self.unchecked_from.map_or(id, |f| f.min(id)));
        }
    }
}

impl Tx {
    /// Settings for a large write. SQLite: no memory map on this connection while
    /// the import reads every stored key (the mapped pages of a large database would
    /// count in the process's memory; the page cache stays bounded). PostgreSQL: one
    /// import at a time, and whether new rows may be copied without the row-by-row
    /// foreign-key triggers ([`BulkLoad`]). `bulk_load_end` puts the defaults back and
    /// checks the keys of what was copied so.
    pub async fn bulk_load_begin(&mut self) -> anyhow::Result<BulkLoad> {
        match self {
            Tx::Sqlite(t) => {
                for sql in [
                    "PRAGMA mmap_size = 0".to_string(),
                    format!(
                        "PRAGMA cache_size = -{}",
                        crate::store::SQLITE_IMPORT_CACHE_KIB
                    ),
                ] {
                    sqlx::query(&sql)
                        .execute(&mut **t)
                        .await
                        .context("setting up SQLite for a bulk load")?;
                }
                Ok(BulkLoad::default())
            }
            Tx::Postgres(t) => {
                lock_tables(t).await?;
                let mut bulk = BulkLoad::new(may_defer_keys(t).await?);
                bulk.rebuild = set_aside_indexes(t).await?;
                Ok(bulk)
            }
        }
    }

    pub async fn bulk_load_end(&mut self, bulk: &BulkLoad) -> anyhow::Result<()> {
        match self {
            Tx::Sqlite(t) => {
                // Back to the pool's own setting (Store::open).
                for sql in [
                    format!("PRAGMA mmap_size = {}", crate::store::SQLITE_MMAP_BYTES),
                    format!("PRAGMA cache_size = -{}", crate::store::SQLITE_CACHE_KIB),
                ] {
                    sqlx::query(&sql)
                        .execute(&mut **t)
                        .await
                        .context("resetting SQLite after a bulk load")?;
                }
                Ok(())
            }
            Tx::Postgres(t) => {
                rebuild_indexes(t, &bulk.rebuild).await?;
                check_deferred_keys(t, bulk).await
            }
        }
    }
}

/// Whether this transaction may turn the foreign-key triggers off (a superuser, or a
/// role granted `SET` on `session_replication_role`); tried under a savepoint so that
/// a refusal leaves the transaction usable.
async fn may_defer_keys(conn: &mut PgConnection) -> anyhow::Result<bool> {
    sqlx::query("SAVEPOINT ebok_bulk_probe")
        .execute(&mut *conn)
        .await
        .context("probing for bulk-load rights")?;
    let probe = sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *conn)
        .await;
    let ends: &[&str] = if probe.is_ok() {
        &[
            "SET LOCAL session_replication_role = origin",
            "RELEASE SAVEPOINT ebok_bulk_probe",
        ]
    } else {
        &[
            "ROLLBACK TO SAVEPOINT ebok_bulk_probe",
            "RELEASE SAVEPOINT ebok_bulk_probe",
        ]
    };
    // Released: rows written inside a subtransaction cost more to check.
    for sql in ends {
        sqlx::query(sql)
            .execute(&mut *conn)
            .await
            .context("ending the bulk-load probe")?;
    }
    if let Err(e) = &probe {
        tracing::info!(
            error = %e,
            "the database role may not set session_replication_role: new rows are imported with their foreign keys checked row by row (slower; docs/operations.md)"
        );
    }
    Ok(probe.is_ok())
}

/// Takes the customers and invoices for this import: customers keep reading them (and
/// registering: foreign keys to customers only share their rows), another import (or
/// anything else that would write them) waits until this one commits.
async fn lock_tables(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query("LOCK TABLE customers, invoices IN SHARE ROW EXCLUSIVE MODE")
        .execute(conn)
        .await
        .context("waiting for another import to end (locking customers and invoices)")?;
    Ok(())
}

/// Checks the foreign keys of what was copied without them; an error names the first
/// row that points nowhere (the import then rolls back).
async fn check_deferred_keys(conn: &mut PgConnection, bulk: &BulkLoad) -> anyhow::Result<()> {
    let Some(from) = bulk.unchecked_from else {
        return Ok(());
    };
    let checks = [
        (
            "an invoice names a customer that does not exist",
            "SELECT i.number FROM invoices i WHERE i.id >= $1 \
             AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = i.customer_id) LIMIT 1",
        ),
        (
            "an invoice names a PDF that was not stored",
            "SELECT i.number FROM invoices i WHERE i.id >= $1 AND i.pdf_sha256 IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = i.pdf_sha256) LIMIT 1",
        ),
        (
            "an item set belongs to an invoice that does not exist",
            "SELECT s.invoice_id::text FROM invoice_item_sets s WHERE s.invoice_id >= $1 \
             AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.id = s.invoice_id) LIMIT 1",
        ),
        (
            "line items belong to an invoice that does not exist",
            "SELECT it.invoice_id::text FROM invoice_items it WHERE it.invoice_id >= $1 \
             AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.id = it.invoice_id) LIMIT 1",
        ),
    ];
    for (what, sql) in checks {
        let found: Option<String> = sqlx::query_scalar(sql)
            .bind(from)
            .fetch_optional(&mut *conn)
            .await
            .with_context(|| format!("checking the keys of the imported rows ({what})"))?;
        if let Some(key) = found {
            anyhow::bail!("{what}: {key}");
        }
    }
    Ok(())
}
