//! Bulk writes for the billing import, all inside one transaction ([`Tx`]).
//!
//! Rows go in as multi-row `INSERT … ON CONFLICT (key) DO UPDATE … WHERE row_hash <>
//! excluded.row_hash`, so an unchanged row is never rewritten. The import decides what
//! is new, changed or unchanged from the maps it loads with the `existing_*` functions;
//! the upsert's own `WHERE` keeps a rerun harmless even so.

use super::{Backend, BulkLoad, Tx};
use anyhow::Context;
use chrono::NaiveDate;
use futures::TryStreamExt;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Rows per multi-row statement: 500 × 15 columns stays far below both backends'
/// limits on bind parameters (SQLite 32 766, PostgreSQL 65 535).
pub const BATCH_ROWS: usize = 500;

/// New rows per `COPY` on PostgreSQL (no parameters, so no such limit).
pub const COPY_ROWS: usize = 5_000;

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

#[derive(Debug, Clone)]
pub struct ContractRow {
    pub number: String,
    pub customer_id: i64,
    pub kind: &'static str,
    pub parent_number: Option<String>,
    pub title: String,
    pub signed_on: NaiveDate,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub status: &'static str,
    pub pdf_sha256: Option<String>,
    pub pdf_name: Option<String>,
    pub row_hash: String,
}

#[derive(Debug, Clone)]
pub struct InvoiceRow {
    pub number: String,
    pub customer_id: i64,
    pub kind: &'static str,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub description: String,
    pub charge_gr: i64,
    pub credited_gr: i64,
    pub to_pay_gr: i64,
    pub interest_gr: Option<i64>,
    pub pdf_sha256: Option<String>,
    pub pdf_name: Option<String>,
    pub interest_for: Option<String>,
    pub interest_to: Option<NaiveDate>,
    pub row_hash: String,
}

#[derive(Debug, Clone)]
pub struct ItemRow {
    pub invoice_id: i64,
    pub line_no: i64,
    pub name: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub net_gr: i64,
    pub vat_rate: String,
    pub vat_gr: i64,
    pub gross_gr: i64,
}

#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub reference: String,
    pub customer_id: i64,
    pub paid_on: NaiveDate,
    pub amount_gr: i64,
    pub invoice_number: Option<String>,
    pub title: String,
    pub row_hash: String,
}

#[derive(Debug, Clone)]
pub struct CollectionRow {
    pub case_number: String,
    pub customer_id: i64,
    pub stage: &'static str,
    pub status: &'static str,
    pub opened_on: NaiveDate,
    pub updated_on: NaiveDate,
    pub principal_gr: i64,
    pub interest_gr: i64,
    pub costs_gr: i64,
    pub court: Option<String>,
    pub signature: Option<String>,
    pub bailiff: Option<String>,
    pub description: String,
    pub row_hash: String,
}

#[derive(Debug, Clone)]
pub struct MessageRow {
    pub reference: String,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub area: Option<String>,
    pub row_hash: String,
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

pub(super) const CUSTOMER_COLUMNS: &[&str] = &[
    "number",
    "kind",
    "name",
    "pesel_hash",
    "pesel_masked",
    "nip",
    "address",
    "area",
    "email",
    "phone",
    "interest_regime",
    "bank_account",
    "row_hash",
];
const CONTRACT_COLUMNS: &[&str] = &[
    "number",
    "customer_id",
    "kind",
    "parent_number",
    "title",
    "signed_on",
    "valid_from",
    "valid_to",
    "status",
    "pdf_sha256",
    "pdf_name",
    "row_hash",
];
pub(super) const INVOICE_COLUMNS: &[&str] = &[
    "number",
    "customer_id",
    "kind",
    "issue_date",
    "due_date",
    "description",
    "charge_gr",
    "credited_gr",
    "to_pay_gr",
    "interest_gr",
    "pdf_sha256",
    "pdf_name",
    "interest_for",
    "interest_to",
    "row_hash",
];
pub(super) const ITEM_COLUMNS: &[&str] = &[
    "invoice_id",
    "line_no",
    "name",
    "quantity",
    "unit",
    "unit_price",
    "net_gr",
    "vat_rate",
    "vat_gr",
    "gross_gr",
];
const PAYMENT_COLUMNS: &[&str] = &[
    "reference",
    "customer_id",
    "paid_on",
    "amount_gr",
    "invoice_number",
    "title",
    "row_hash",
];
const COLLECTION_COLUMNS: &[&str] = &[
    "case_number",
    "customer_id",
    "stage",
    "status",
    "opened_on",
    "updated_on",
    "principal_gr",
    "interest_gr",
    "costs_gr",
    "court",
    "signature",
    "bailiff",
    "description",
    "row_hash",
];
const MESSAGE_COLUMNS: &[&str] = &[
    "reference",
    "kind",
    "title",
    "body",
    "valid_from",
    "valid_to",
    "area",
    "row_hash",
];

/// Which table an upsert writes, with its conflict key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Customers,
    Contracts,
    Invoices,
    Payments,
    Collections,
    Messages,
}

impl Target {
    fn table(self) -> &'static str {
        match self {
            Target::Customers => "customers",
            Target::Contracts => "contracts",
            Target::Invoices => "invoices",
            Target::Payments => "payments",
            Target::Collections => "collections",
            Target::Messages => "messages",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Target::Customers | Target::Contracts | Target::Invoices => "number",
            Target::Payments | Target::Messages => "reference",
            Target::Collections => "case_number",
        }
    }
    fn columns(self) -> &'static [&'static str] {
        match self {
            Target::Customers => CUSTOMER_COLUMNS,
            Target::Contracts => CONTRACT_COLUMNS,
            Target::Invoices => INVOICE_COLUMNS,
            Target::Payments => PAYMENT_COLUMNS,
            Target::Collections => COLLECTION_COLUMNS,
            Target::Messages => MESSAGE_COLUMNS,
        }
    }
}

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `cols` columns.
///
/// The one place where the two backends get different SQL text: on SQLite the values
/// are plain `?`. sqlx looks up each numbered parameter by name, and SQLite finds a
/// name by walking the list of all of them, which makes a 6 500-value statement
/// quadratic (minutes instead of seconds for 2.4M rows).
fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    let mut sql = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(r * cols + c + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

/// Statement texts by (on SQLite, statement, rows).
type SqlCache<K> = LazyLock<Mutex<HashMap<(bool, K, usize), Arc<str>>>>;

/// The upsert text for `rows` rows, built once per size and kept: a full batch always
/// has the same text, so each backend prepares it once.
fn upsert_sql(backend: Backend, target: Target, rows: usize) -> Arc<str> {
    static CACHE: SqlCache<Target> = LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry((backend == Backend::Sqlite, target, rows))
        .or_insert_with(|| {
            let table = target.table();
            let key = target.key();
            let cols = target.columns();
            let updates: Vec<String> = cols
                .iter()
                .filter(|c| **c != key)
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            format!(
                "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({key}) DO UPDATE SET {} \
                 WHERE {table}.row_hash <> excluded.row_hash{}",
                cols.join(", "),
                placeholders(backend, rows, cols.len()),
                updates.join(", "),
                match backend {
                    Backend::Postgres => format!(" RETURNING id, {key}"),
                    // Ids come from last_insert_rowid: returning rows one by one through
                    // sqlx's worker thread costs more than the insert itself.
                    Backend::Sqlite => String::new(),
                }
            )
            .into()
        })
        .clone()
}

/// Any other statement of `rows` rows, kept like the upserts under a name.
fn batch_sql(
    backend: Backend,
    name: &'static str,
    rows: usize,
    build: impl FnOnce() -> String,
) -> Arc<str> {
    static CACHE: SqlCache<&'static str> = LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry((backend == Backend::Sqlite, name, rows))
        .or_insert_with(|| build().into())
        .clone()
}

/// Binds every row's values in column order and runs the upsert. When `$new` (every
/// row is new to the database) it returns `(id, key)` of each row; otherwise nothing,
/// as the caller knows the ids already. On SQLite the ids of a multi-row insert are
/// consecutive, ending at `last_insert_rowid`.
macro_rules! run_upsert {
    ($tx:expr, $target:expr, $rows:expr, $new:expr, |$q:ident, $r:ident| $bind:expr, |$k:ident| $key:expr) => {{
        let rows = $rows;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let sql = upsert_sql($tx.backend(), $target, rows.len());
        let context = || format!("writing {} rows to {}", rows.len(), $target.table());
        match $tx {
            Tx::Sqlite(t) => {
                let mut $q = sqlx::query(&sql);
                for $r in rows {
                    $q = $bind;
                }
                let done = $q.execute(&mut **t).await.with_context(context)?;
                if !$new {
                    return Ok(Vec::new());
                }
                let count = rows.len() as u64;
                anyhow::ensure!(
                    done.rows_affected() == count,
                    "{} rows of {} were expected to be new, but {} were written",
                    count,
                    $target.table(),
                    done.rows_affected()
                );
                let first = done.last_insert_rowid() - count as i64 + 1;
                Ok(rows
                    .iter()
                    .enumerate()
                    .map(|(i, $k)| (first + i as i64, $key.clone()))
                    .collect())
            }
            Tx::Postgres(t) => {
                let mut $q = sqlx::query_as::<_, (i64, String)>(&sql);
                for $r in rows {
                    $q = $bind;
                }
                $q.fetch_all(&mut **t).await.with_context(context)
            }
        }
    }};
}

impl Tx {
    pub async fn rollback(self) -> anyhow::Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
        .context("rolling back a transaction")
    }

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
                    format!("PRAGMA cache_size = -{}", super::SQLITE_IMPORT_CACHE_KIB),
                ] {
                    sqlx::query(&sql)
                        .execute(&mut **t)
                        .await
                        .context("setting up SQLite for a bulk load")?;
                }
                Ok(BulkLoad::default())
            }
            Tx::Postgres(t) => {
                super::copy::lock_tables(t).await?;
                let mut bulk = BulkLoad::new(super::copy::may_defer_keys(t).await?);
                super::copy::set_aside_indexes(t, &mut bulk).await?;
                Ok(bulk)
            }
        }
    }

    pub async fn bulk_load_end(&mut self, bulk: &BulkLoad) -> anyhow::Result<()> {
        match self {
            Tx::Sqlite(t) => {
                // Back to the pool's own setting (Store::open).
                for sql in [
                    format!("PRAGMA mmap_size = {}", super::SQLITE_MMAP_BYTES),
                    format!("PRAGMA cache_size = -{}", super::SQLITE_CACHE_KIB),
                ] {
                    sqlx::query(&sql)
                        .execute(&mut **t)
                        .await
                        .context("resetting SQLite after a bulk load")?;
                }
                Ok(())
            }
            Tx::Postgres(t) => {
                super::copy::rebuild_indexes(t, bulk).await?;
                super::copy::check_deferred_keys(t, bulk).await
            }
        }
    }

    async fn existing(
        &mut self,
        sql: &str,
        mut each: impl FnMut(ExistingRow),
    ) -> anyhow::Result<()> {
        on_tx!(self, |conn| {
            let mut rows = sqlx::query_as::<_, ExistingRow>(sql).fetch(conn);
            while let Some(row) = rows.try_next().await.context("reading existing rows")? {
                each(row);
            }
        });
        Ok(())
    }

    pub async fn existing_customers(
        &mut self,
        each: impl FnMut(ExistingRow),
    ) -> anyhow::Result<()> {
        let sql = "SELECT number AS key, id, CAST(0 AS BIGINT) AS customer_id, \
                   CAST(0 AS BIGINT) AS extra, row_hash FROM customers";
        self.existing(sql, each).await
    }

    pub async fn existing_contracts(
        &mut self,
        each: impl FnMut(ExistingRow),
    ) -> anyhow::Result<()> {
        let sql = "SELECT number AS key, id, customer_id, \
                   CAST(CASE WHEN kind = 'annex' THEN 1 ELSE 0 END AS BIGINT) AS extra, \
                   row_hash FROM contracts";
        self.existing(sql, each).await
    }

    pub async fn existing_invoices(&mut self, each: impl FnMut(ExistingRow)) -> anyhow::Result<()> {
        let sql = "SELECT number AS key, id, customer_id, charge_gr AS extra, row_hash \
                   FROM invoices";
        self.existing(sql, each).await
    }

    pub async fn existing_payments(&mut self, each: impl FnMut(ExistingRow)) -> anyhow::Result<()> {
        let sql = "SELECT reference AS key, id, customer_id, CAST(0 AS BIGINT) AS extra, \
                   row_hash FROM payments";
        self.existing(sql, each).await
    }

    pub async fn existing_collections(
        &mut self,
        each: impl FnMut(ExistingRow),
    ) -> anyhow::Result<()> {
        let sql = "SELECT case_number AS key, id, customer_id, CAST(0 AS BIGINT) AS extra, \
                   row_hash FROM collections";
        self.existing(sql, each).await
    }

    pub async fn existing_messages(&mut self, each: impl FnMut(ExistingRow)) -> anyhow::Result<()> {
        let sql = "SELECT reference AS key, id, CAST(0 AS BIGINT) AS customer_id, \
                   CAST(0 AS BIGINT) AS extra, row_hash FROM messages";
        self.existing(sql, each).await
    }

    /// The imported interest tables, (regime, from, rate), and their confirmed date.
    pub async fn existing_interest_rates(
        &mut self,
    ) -> anyhow::Result<(Vec<(String, NaiveDate, String)>, Option<String>)> {
        let sql = "SELECT regime, valid_from, rate FROM interest_rates";
        let rows = on_tx!(self, |conn| sqlx::query_as(sql).fetch_all(conn).await)
            .context("reading the imported interest tables")?;
        let sql = "SELECT value FROM settings WHERE key = $1";
        let confirmed = on_tx!(self, |conn| sqlx::query_scalar(sql)
            .bind(super::INTEREST_RATES_CONFIRMED)
            .fetch_optional(conn)
            .await)
        .context("reading the interest tables' confirmed date")?;
        Ok((rows, confirmed))
    }

    /// Replaces the imported interest tables with `rows` (regime, from, rate) confirmed
    /// on `confirmed_on`.
    pub async fn replace_interest_rates(
        &mut self,
        rows: &[(&'static str, NaiveDate, String)],
        confirmed_on: &str,
    ) -> anyhow::Result<()> {
        on_tx!(self, |conn| sqlx::query("DELETE FROM interest_rates")
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing the imported interest tables")?;
        let sql = "INSERT INTO interest_rates (regime, valid_from, rate) VALUES ($1, $2, $3)";
        for (regime, from, rate) in rows {
            on_tx!(self, |conn| sqlx::query(sql)
                .bind(*regime)
                .bind(*from)
                .bind(rate)
                .execute(&mut *conn)
                .await
                .map(|r| r.rows_affected()))
            .context("writing the imported interest tables")?;
        }
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) \
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(super::INTEREST_RATES_CONFIRMED)
            .bind(confirmed_on)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))
        .context("saving the interest tables' confirmed date")?;
        Ok(())
    }

    /// `(invoice_id, items_hash)` of every invoice whose items were imported.
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

    /// SHA-256 of every stored file.
    pub async fn existing_files(&mut self) -> anyhow::Result<Vec<String>> {
        let sql = "SELECT sha256 FROM files";
        on_tx!(self, |conn| sqlx::query_scalar(sql).fetch_all(conn).await)
            .context("reading stored files")
    }

    /// Stores a file under its SHA-256; a file already there is left alone.
    pub async fn insert_file(
        &mut self,
        sha256: &str,
        content_type: &str,
        body: &[u8],
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO files (sha256, content_type, size, body) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (sha256) DO NOTHING";
        let size = i64::try_from(body.len()).context("file too large")?;
        on_tx!(self, |conn| sqlx::query(sql)
            .bind(sha256)
            .bind(content_type)
            .bind(size)
            .bind(body)
            .execute(conn)
            .await
            .map(|r| r.rows_affected()))
        .context("storing a file")?;
        Ok(())
    }

    pub async fn upsert_customers(
        &mut self,
        rows: &[CustomerRow],
        new: bool,
        bulk: &mut BulkLoad,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        if let Tx::Postgres(t) = self
            && new
            && !rows.is_empty()
        {
            return super::copy::copy_customers(t, bulk, rows).await;
        }
        run_upsert!(
            self,
            Target::Customers,
            rows,
            new,
            |q, r| q
                .bind(&r.number)
                .bind(r.kind)
                .bind(&r.name)
                .bind(&r.pesel_hash)
                .bind(&r.pesel_masked)
                .bind(&r.nip)
                .bind(&r.address)
                .bind(&r.area)
                .bind(&r.email)
                .bind(&r.phone)
                .bind(r.interest_regime)
                .bind(&r.bank_account)
                .bind(&r.row_hash),
            |row| row.number
        )
    }

    pub async fn upsert_contracts(
        &mut self,
        rows: &[ContractRow],
        new: bool,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        run_upsert!(
            self,
            Target::Contracts,
            rows,
            new,
            |q, r| q
                .bind(&r.number)
                .bind(r.customer_id)
                .bind(r.kind)
                .bind(&r.parent_number)
                .bind(&r.title)
                .bind(r.signed_on)
                .bind(r.valid_from)
                .bind(r.valid_to)
                .bind(r.status)
                .bind(&r.pdf_sha256)
                .bind(&r.pdf_name)
                .bind(&r.row_hash),
            |row| row.number
        )
    }

    /// New invoices go to PostgreSQL with `COPY` (see [`BulkLoad`]).
    pub async fn upsert_invoices(
        &mut self,
        rows: &[InvoiceRow],
        new: bool,
        bulk: &mut BulkLoad,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        if let Tx::Postgres(t) = self
            && new
            && !rows.is_empty()
        {
            return super::copy::copy_invoices(t, bulk, rows).await;
        }
        run_upsert!(
            self,
            Target::Invoices,
            rows,
            new,
            |q, r| q
                .bind(&r.number)
                .bind(r.customer_id)
                .bind(r.kind)
                .bind(r.issue_date)
                .bind(r.due_date)
                .bind(&r.description)
                .bind(r.charge_gr)
                .bind(r.credited_gr)
                .bind(r.to_pay_gr)
                .bind(r.interest_gr)
                .bind(&r.pdf_sha256)
                .bind(&r.pdf_name)
                .bind(&r.interest_for)
                .bind(r.interest_to)
                .bind(&r.row_hash),
            |row| row.number
        )
    }

    pub async fn upsert_payments(
        &mut self,
        rows: &[PaymentRow],
        new: bool,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        run_upsert!(
            self,
            Target::Payments,
            rows,
            new,
            |q, r| q
                .bind(&r.reference)
                .bind(r.customer_id)
                .bind(r.paid_on)
                .bind(r.amount_gr)
                .bind(&r.invoice_number)
                .bind(&r.title)
                .bind(&r.row_hash),
            |row| row.reference
        )
    }

    pub async fn upsert_collections(
        &mut self,
        rows: &[CollectionRow],
        new: bool,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        run_upsert!(
            self,
            Target::Collections,
            rows,
            new,
            |q, r| q
                .bind(&r.case_number)
                .bind(r.customer_id)
                .bind(r.stage)
                .bind(r.status)
                .bind(r.opened_on)
                .bind(r.updated_on)
                .bind(r.principal_gr)
                .bind(r.interest_gr)
                .bind(r.costs_gr)
                .bind(&r.court)
                .bind(&r.signature)
                .bind(&r.bailiff)
                .bind(&r.description)
                .bind(&r.row_hash),
            |row| row.case_number
        )
    }

    pub async fn upsert_messages(
        &mut self,
        rows: &[MessageRow],
        new: bool,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        run_upsert!(
            self,
            Target::Messages,
            rows,
            new,
            |q, r| q
                .bind(&r.reference)
                .bind(r.kind)
                .bind(&r.title)
                .bind(&r.body)
                .bind(r.valid_from)
                .bind(r.valid_to)
                .bind(&r.area)
                .bind(&r.row_hash),
            |row| row.reference
        )
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
                super::copy::copy_item_sets(t, bulk, new).await?;
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
        if let Tx::Postgres(t) = self {
            return super::copy::copy_items(t, bulk, items).await;
        }
        for chunk in items.chunks(BATCH_ROWS) {
            let sql = batch_sql(backend, "insert items", chunk.len(), || {
                format!(
                    "INSERT INTO invoice_items ({}) VALUES {}",
                    ITEM_COLUMNS.join(", "),
                    placeholders(backend, chunk.len(), ITEM_COLUMNS.len())
                )
            });
            on_tx!(self, |conn| {
                let mut q = sqlx::query(&sql);
                for r in chunk {
                    q = q
                        .bind(r.invoice_id)
                        .bind(r.line_no)
                        .bind(&r.name)
                        .bind(&r.quantity)
                        .bind(&r.unit)
                        .bind(&r.unit_price)
                        .bind(r.net_gr)
                        .bind(&r.vat_rate)
                        .bind(r.vat_gr)
                        .bind(r.gross_gr);
                }
                q.execute(conn).await.map(|r| r.rows_affected())
            })
            .context("inserting line items")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_value() {
        assert_eq!(
            placeholders(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }

    #[test]
    fn upsert_only_rewrites_changed_rows() {
        let sql = upsert_sql(Backend::Postgres, Target::Messages, 1);
        assert!(sql.starts_with("INSERT INTO messages (reference, kind, title"));
        assert!(sql.contains("ON CONFLICT (reference) DO UPDATE SET kind = excluded.kind"));
        assert!(!sql.contains("reference = excluded.reference"));
        assert!(
            sql.ends_with("WHERE messages.row_hash <> excluded.row_hash RETURNING id, reference")
        );
        let sqlite = upsert_sql(Backend::Sqlite, Target::Messages, 1);
        assert!(sqlite.ends_with("WHERE messages.row_hash <> excluded.row_hash"));
    }
}
