//! PostgreSQL bulk writes of an import: new customers, invoices, line items and item
//! sets go in with `COPY` (one stream per batch instead of a statement with thousands of
//! parameters), where [`BulkLoad`] allows without the row-by-row foreign-key triggers.

use super::bulk::BulkLoad;
use super::rows::{ImportRow, ItemRow, NewRows, StoredValues, Values};
use super::sql::upsert_columns;
use crate::domain::export;
use anyhow::Context;
use chrono::NaiveDate;
use sqlx::PgConnection;
use std::fmt::Write as _;

async fn set_triggers(conn: &mut PgConnection, on: bool) -> anyhow::Result<()> {
    let sql = if on {
        "SET LOCAL session_replication_role = origin"
    } else {
        "SET LOCAL session_replication_role = replica"
    };
    sqlx::query(sql)
        .execute(conn)
        .await
        .context("switching foreign-key checks for a bulk load")?;
    Ok(())
}

/// Runs `COPY table (columns) FROM STDIN` with `data` (text format), with the
/// foreign-key triggers off when `triggers_off`.
async fn copy_in(
    conn: &mut PgConnection,
    triggers_off: bool,
    table: &str,
    columns: &str,
    data: String,
) -> anyhow::Result<u64> {
    if triggers_off {
        set_triggers(conn, false).await?;
    }
    let statement = format!("COPY {table} ({columns}) FROM STDIN");
    let mut copy = conn
        .copy_in_raw(&statement)
        .await
        .with_context(|| format!("starting to copy rows into {table}"))?;
    let sent = copy.send(data.into_bytes()).await;
    let done = match sent {
        Ok(_) => copy.finish().await,
        Err(e) => {
            let _ = copy.abort("send failed").await;
            Err(e)
        }
    }
    .with_context(|| format!("copying rows into {table}"))?;
    if triggers_off {
        set_triggers(conn, true).await?;
    }
    Ok(done)
}

/// A block of `count` new ids from `table`'s sequence, in one step: nobody else writes
/// the table (the import has locked it, [`BulkLoad`]).
async fn take_ids(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    table: &'static str,
    count: usize,
) -> anyhow::Result<Vec<i64>> {
    if !bulk.id_blocks.iter().any(|(t, _)| *t == table) {
        let name: String = sqlx::query_scalar("SELECT pg_get_serial_sequence($1, 'id')")
            .bind(table)
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("finding the sequence of {table} ids"))?;
        // The name as a literal, resolved once.
        let name = name.replace('\'', "''");
        let sql = format!("SELECT setval('{name}', nextval('{name}') + $1 - 1)");
        bulk.id_blocks.push((table, sql));
    }
    let sql = bulk
        .id_blocks
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, sql)| sql.as_str())
        .unwrap_or_default();
    let count = count as i64;
    let last: i64 = sqlx::query_scalar(sql)
        .bind(count)
        .fetch_one(&mut *conn)
        .await
        .with_context(|| format!("taking ids for new rows of {table}"))?;
    Ok((last - count + 1..=last).collect())
}

/// Writes new rows (none of them in the database yet) with a block of ids taken from
/// the table's sequence; returns `(id, key)` of each.
pub(super) async fn copy_new<R: ImportRow>(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    rows: &[R],
) -> anyhow::Result<Vec<(i64, String)>> {
    let table = R::SPEC.table;
    let ids = take_ids(conn, bulk, table, rows.len()).await?;
    let mut data = String::with_capacity(rows.len() * 200);
    for (id, r) in ids.iter().zip(rows) {
        let mut line = Line::new(&mut data);
        line.int(*id);
        r.values(&mut line);
        line.end();
    }
    let columns = format!("id, {}", upsert_columns(R::SPEC).join(", "));
    let deferred = R::NEW_ROWS
        == NewRows::Copied {
            keys_checked_later: true,
        };
    let copied = copy_in(conn, deferred && bulk.deferred_keys, table, &columns, data).await?;
    anyhow::ensure!(
        copied == rows.len() as u64,
        "{} new rows of {table} were to be copied, but {copied} were",
        rows.len()
    );
    if let (true, Some(first)) = (deferred, ids.iter().min()) {
        bulk.note_unchecked(*first);
    }
    Ok(ids
        .into_iter()
        .zip(rows.iter().map(|r| r.key().to_string()))
        .collect())
}

/// Writes line items (their invoices' old items already deleted).
pub(super) async fn copy_items(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    rows: &[ItemRow],
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut data = String::with_capacity(rows.len() * 100);
    for r in rows {
        let mut line = Line::new(&mut data);
        r.values(&mut line);
        line.end();
    }
    let spec = &export::INVOICE_ITEMS;
    let columns: Vec<_> = spec.stored_columns().collect();
    copy_in(
        conn,
        bulk.deferred_keys,
        spec.table,
        &columns.join(", "),
        data,
    )
    .await?;
    if let Some(first) = rows.iter().map(|r| r.invoice_id).min() {
        bulk.note_unchecked(first);
    }
    Ok(())
}

/// Records the item sets of invoices that had no items before.
pub(super) async fn copy_item_sets(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    sets: &[(i64, String)],
) -> anyhow::Result<()> {
    if sets.is_empty() {
        return Ok(());
    }
    let mut data = String::with_capacity(sets.len() * 50);
    for (id, hash) in sets {
        let mut line = Line::new(&mut data);
        line.int(*id);
        line.text(hash);
        line.end();
    }
    copy_in(
        conn,
        bulk.deferred_keys,
        "invoice_item_sets",
        "invoice_id, items_hash",
        data,
    )
    .await?;
    if let Some(first) = sets.iter().map(|(id, _)| *id).min() {
        bulk.note_unchecked(first);
    }
    Ok(())
}

/// One line of `COPY … FROM STDIN` text format: tab-separated, `\N` for NULL, and
/// backslash, tab, newline and carriage return escaped.
struct Line<'d>(&'d mut String, bool);

impl<'d> Line<'d> {
    fn new(data: &'d mut String) -> Line<'d> {
        Line(data, true)
    }

    fn sep(&mut self) {
        if !std::mem::take(&mut self.1) {
            self.0.push('\t');
        }
    }

    fn null(&mut self) {
        self.sep();
        self.0.push_str("\\N");
    }

    fn end(&mut self) {
        self.0.push('\n');
    }
}

impl Values<'_> for Line<'_> {
    fn text(&mut self, value: &str) {
        self.sep();
        for c in value.chars() {
            match c {
                '\\' => self.0.push_str("\\\\"),
                '\t' => self.0.push_str("\\t"),
                '\n' => self.0.push_str("\\n"),
                '\r' => self.0.push_str("\\r"),
                c => self.0.push(c),
            }
        }
    }

    fn opt_text(&mut self, value: Option<&str>) {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    fn int(&mut self, value: i64) {
        self.sep();
        let _ = write!(self.0, "{value}");
    }

    fn opt_int(&mut self, value: Option<i64>) {
        match value {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    fn date(&mut self, value: NaiveDate) {
        self.sep();
        let _ = write!(self.0, "{}", value.format("%Y-%m-%d"));
    }

    fn opt_date(&mut self, value: Option<NaiveDate>) {
        match value {
            Some(d) => self.date(d),
            None => self.null(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_escape_what_the_text_format_needs() {
        let mut data = String::new();
        let mut line = Line::new(&mut data);
        line.int(7);
        line.text("Ciepło – marzec\tx\\y\nz");
        line.opt_text(None);
        line.opt_int(Some(-5));
        line.opt_date(NaiveDate::from_ymd_opt(2025, 3, 10));
        line.end();
        let mut line = Line::new(&mut data);
        line.text("");
        line.opt_text(Some(""));
        line.end();
        assert_eq!(
            data,
            "7\tCiepło – marzec\\tx\\\\y\\nz\t\\N\t-5\t2025-03-10\n\t\n"
        );
    }
}
