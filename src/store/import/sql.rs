//! The statement texts of the import, built from the files' specs and kept by size: a
//! full batch always has the same text, so each backend prepares it once.

use crate::domain::export::FileSpec;
use crate::store::Backend;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// Rows per multi-row statement: 500 × 15 columns stays far below both backends'
/// limits on bind parameters (SQLite 32 766, PostgreSQL 65 535).
pub const BATCH_ROWS: usize = 500;

/// New rows per `COPY` on PostgreSQL (no parameters, so no such limit).
pub const COPY_ROWS: usize = 5_000;

/// The columns an upsert writes: the file's stored columns, then its fingerprint.
pub fn upsert_columns(spec: &FileSpec) -> Vec<&'static str> {
    spec.stored_columns().chain(["row_hash"]).collect()
}

/// The column that identifies a row of `spec`'s table, the same as in the file.
pub fn key_column(spec: &FileSpec) -> &'static str {
    spec.key.first().copied().unwrap_or("id")
}

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `cols` columns.
///
/// The one place where the two backends get different SQL text: on SQLite the values
/// are plain `?`. sqlx looks up each numbered parameter by name, and SQLite finds a
/// name by walking the list of all of them, which makes a 6 500-value statement
/// quadratic (minutes instead of seconds for 2.4M rows).
pub fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
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
type SqlCache = LazyLock<Mutex<HashMap<(bool, &'static str, usize), Arc<str>>>>;

/// A statement of `rows` rows, built by `build` once per backend, name and size.
pub fn batch_sql(
    backend: Backend,
    name: &'static str,
    rows: usize,
    build: impl FnOnce() -> String,
) -> Arc<str> {
    static CACHE: SqlCache = LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry((backend == Backend::Sqlite, name, rows))
        .or_insert_with(|| build().into())
        .clone()
}

/// `INSERT … ON CONFLICT (key) DO UPDATE … WHERE row_hash <> excluded.row_hash` for
/// `rows` rows of `spec`'s table: an unchanged row is never rewritten. PostgreSQL
/// returns `(id, key)` of each row written.
pub fn upsert_sql(backend: Backend, spec: &'static FileSpec, rows: usize) -> Arc<str> {
    batch_sql(backend, spec.table, rows, || {
        let table = spec.table;
        let key = key_column(spec);
        let cols = upsert_columns(spec);
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export;

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
        let sql = upsert_sql(Backend::Postgres, &export::MESSAGES, 1);
        assert!(sql.starts_with("INSERT INTO messages (reference, kind, title"));
        assert!(sql.contains("ON CONFLICT (reference) DO UPDATE SET kind = excluded.kind"));
        assert!(!sql.contains("reference = excluded.reference"));
        assert!(
            sql.ends_with("WHERE messages.row_hash <> excluded.row_hash RETURNING id, reference")
        );
        let sqlite = upsert_sql(Backend::Sqlite, &export::MESSAGES, 1);
        assert!(sqlite.ends_with("WHERE messages.row_hash <> excluded.row_hash"));
    }

    #[test]
    fn the_stored_columns_are_the_tables_columns() {
        assert_eq!(
            upsert_columns(&export::INVOICES).join(", "),
            "number, customer_id, kind, issue_date, due_date, description, charge_gr, \
             credited_gr, to_pay_gr, interest_gr, pdf_sha256, pdf_name, interest_for, \
             interest_to, ksef_number, ksef_hash, xml_sha256, ksef_mode, ksef_kod2, \
             corrected_ksef, row_hash"
        );
    }
}
