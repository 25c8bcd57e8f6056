//! Rows written by key: customers, contracts, invoices, payments, collections and
//! messages. New rows of the large tables go in by `COPY` on PostgreSQL; everything
//! else as multi-row `INSERT … ON CONFLICT (key) DO UPDATE … WHERE row_hash <>
//! excluded.row_hash`, so an unchanged row is never rewritten. The import decides what
//! is new, changed or unchanged from the keys it loads with [`Tx::existing_rows`]; the
//! upsert's own `WHERE` keeps a rerun harmless even so.

use super::bulk::BulkLoad;
use super::copy::copy_new;
use super::rows::{ExistingRow, ImportRow, NewRows, StoredValues, Values};
use super::sql::{BATCH_ROWS, COPY_ROWS, key_column, upsert_sql};
use crate::store::{Backend, Tx};
use anyhow::Context;
use chrono::NaiveDate;
use futures::TryStreamExt;
use sqlx::error::BoxDynError;
use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Arguments, Database, Encode, Type};

impl Tx {
    /// How many new rows of `R` one batch should hold: more where they are copied
    /// (PostgreSQL customers and invoices) than a multi-row statement's parameters allow.
    pub fn new_rows_per_batch<R: ImportRow>(&self) -> usize {
        match (self.backend(), R::NEW_ROWS) {
            (Backend::Postgres, NewRows::Copied { .. }) => COPY_ROWS,
            _ => BATCH_ROWS,
        }
    }

    /// Writes `rows` to their table. When `new` (every row is new to the database) it
    /// returns `(id, key)` of each row; otherwise the rows written, as far as the
    /// backend says (the caller knows their ids already). On SQLite the ids of a
    /// multi-row insert are consecutive, ending at `last_insert_rowid`.
    pub async fn write_rows<R: ImportRow>(
        &mut self,
        rows: &[R],
        new: bool,
        bulk: &mut BulkLoad,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let backend = self.backend();
        let sql = || upsert_sql(backend, R::SPEC, rows.len());
        let table = R::SPEC.table;
        let context = || format!("writing {} rows to {table}", rows.len());
        match self {
            Tx::Postgres(t) if new && R::NEW_ROWS != NewRows::Upserted => {
                copy_new(t, bulk, rows).await
            }
            Tx::Postgres(t) => {
                let sql = sql();
                let args = bind_all::<PgArguments, _>(rows)?;
                sqlx::query_as_with::<_, (i64, String), _>(&sql, args)
                    .fetch_all(&mut **t)
                    .await
                    .with_context(context)
            }
            Tx::Sqlite(t) => {
                let sql = sql();
                let args = bind_all::<SqliteArguments, _>(rows)?;
                let done = sqlx::query_with(&sql, args)
                    .execute(&mut **t)
                    .await
                    .with_context(context)?;
                if !new {
                    return Ok(Vec::new());
                }
                let count = rows.len() as u64;
                anyhow::ensure!(
                    done.rows_affected() == count,
                    "{count} rows of {table} were expected to be new, but {} were written",
                    done.rows_affected()
                );
                let first = done.last_insert_rowid() - count as i64 + 1;
                Ok(rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (first + i as i64, r.key().to_string()))
                    .collect())
            }
        }
    }

    /// The rows of `R`'s table already in the database, one at a time.
    pub async fn existing_rows<R: ImportRow>(
        &mut self,
        mut each: impl FnMut(ExistingRow),
    ) -> anyhow::Result<()> {
        let spec = R::SPEC;
        let owner = if spec.stored_columns().any(|c| c == "customer_id") {
            "customer_id"
        } else {
            "CAST(0 AS BIGINT)"
        };
        let sql = format!(
            "SELECT {} AS key, id, {owner} AS customer_id, {} AS extra, row_hash FROM {}",
            key_column(spec),
            R::EXTRA,
            spec.table
        );
        on_tx!(self, |conn| {
            let mut rows = sqlx::query_as::<_, ExistingRow>(&sql).fetch(conn);
            while let Some(row) = rows.try_next().await.context("reading existing rows")? {
                each(row);
            }
        });
        Ok(())
    }
}

/// The values of `rows` as the parameters of one statement.
pub(super) fn bind_all<'q, A, R>(rows: &'q [R]) -> anyhow::Result<A>
where
    A: Arguments<'q>,
    Binder<A>: Values<'q>,
    R: StoredValues,
{
    let mut binder = Binder {
        args: A::default(),
        failed: None,
    };
    for r in rows {
        r.values(&mut binder);
    }
    match binder.failed {
        Some(e) => Err(anyhow::anyhow!(e).context("binding the values of imported rows")),
        None => Ok(binder.args),
    }
}

/// Adds values to a statement's parameters; the first that cannot be encoded is kept.
pub(super) struct Binder<A> {
    args: A,
    failed: Option<BoxDynError>,
}

impl<A> Binder<A> {
    fn add<'q, T>(&mut self, value: T)
    where
        A: Arguments<'q>,
        T: 'q + Encode<'q, A::Database> + Type<A::Database>,
    {
        if let Err(e) = self.args.add(value) {
            self.failed.get_or_insert(e);
        }
    }
}

impl<'q, A, DB> Values<'q> for Binder<A>
where
    A: Arguments<'q, Database = DB>,
    DB: Database,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    i64: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    NaiveDate: Encode<'q, DB> + Type<DB>,
    Option<NaiveDate>: Encode<'q, DB> + Type<DB>,
{
    fn text(&mut self, value: &'q str) {
        self.add(value);
    }
    fn opt_text(&mut self, value: Option<&'q str>) {
        self.add(value);
    }
    fn int(&mut self, value: i64) {
        self.add(value);
    }
    fn opt_int(&mut self, value: Option<i64>) {
        self.add(value);
    }
    fn date(&mut self, value: NaiveDate) {
        self.add(value);
    }
    fn opt_date(&mut self, value: Option<NaiveDate>) {
        self.add(value);
    }
}
