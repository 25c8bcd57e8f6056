//! PostgreSQL bulk writes of an import: new invoices and line items go in with `COPY`
//! (one stream per batch instead of a statement with thousands of parameters), and,
//! where the database role may (`session_replication_role`), without the row-by-row
//! foreign-key triggers; the keys of what was copied so are then checked in one
//! set-based query per table before the import commits.

use super::import::{InvoiceRow, ItemRow};
use anyhow::Context;
use chrono::NaiveDate;
use sqlx::PgConnection;
use std::fmt::Write as _;

/// How this import's transaction writes new rows on PostgreSQL.
#[derive(Debug, Clone, Default)]
pub struct BulkLoad {
    /// The role may set `session_replication_role`: new rows are copied without the
    /// foreign-key triggers, and checked at the end.
    pub deferred_keys: bool,
    /// Lowest invoice id copied without its keys checked (invoices, items, item sets).
    unchecked_from: Option<i64>,
    /// The statement that takes invoice ids from their sequence.
    invoice_ids: Option<String>,
}

impl BulkLoad {
    pub fn new(deferred_keys: bool) -> BulkLoad {
        BulkLoad {
            deferred_keys,
            unchecked_from: None,
            invoice_ids: None,
        }
    }

    fn note_unchecked(&mut self, id: i64) {
        if self.deferred_keys {
            self.unchecked_from = Some(self.unchecked_from.map_or(id, |f| f.min(id)));
        }
    }
}

/// Whether this transaction may turn the foreign-key triggers off (a superuser, or a
/// role granted `SET` on `session_replication_role`); tried under a savepoint so that
/// a refusal leaves the transaction usable.
pub async fn may_defer_keys(conn: &mut PgConnection) -> anyhow::Result<bool> {
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
/// foreign-key triggers off when `bulk` allows.
async fn copy_in(
    conn: &mut PgConnection,
    bulk: &BulkLoad,
    table: &str,
    columns: &str,
    data: String,
) -> anyhow::Result<u64> {
    if bulk.deferred_keys {
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
    if bulk.deferred_keys {
        set_triggers(conn, true).await?;
    }
    Ok(done)
}

/// Takes the invoices for this import: customers keep reading them, another import
/// (or anything else that would write them) waits until this one commits.
pub async fn lock_invoices(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query("LOCK TABLE invoices IN SHARE ROW EXCLUSIVE MODE")
        .execute(conn)
        .await
        .context("waiting for another import to end (locking the invoices)")?;
    Ok(())
}

/// Writes new invoices (none of them in the database yet) with a block of ids taken
/// from the table's sequence; returns `(id, number)` of each.
pub async fn copy_invoices(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    rows: &[InvoiceRow],
) -> anyhow::Result<Vec<(i64, String)>> {
    if bulk.invoice_ids.is_none() {
        let name: String = sqlx::query_scalar("SELECT pg_get_serial_sequence('invoices', 'id')")
            .fetch_one(&mut *conn)
            .await
            .context("finding the sequence of invoice ids")?;
        // A block of ids in one step (nobody else writes invoices: `lock_invoices`);
        // the name as a literal, resolved once.
        let name = name.replace('\'', "''");
        bulk.invoice_ids = Some(format!(
            "SELECT setval('{name}', nextval('{name}') + $1 - 1)"
        ));
    }
    let sql = bulk.invoice_ids.as_deref().unwrap_or_default();
    let count = rows.len() as i64;
    let last: i64 = sqlx::query_scalar(sql)
        .bind(count)
        .fetch_one(&mut *conn)
        .await
        .context("taking ids for new invoices")?;
    let ids: Vec<i64> = (last - count + 1..=last).collect();
    let mut data = String::with_capacity(rows.len() * 160);
    for (id, r) in ids.iter().zip(rows) {
        let mut line = Line::new(&mut data);
        line.int(*id)
            .text(&r.number)
            .int(r.customer_id)
            .text(r.kind)
            .date(Some(r.issue_date))
            .date(Some(r.due_date))
            .text(&r.description)
            .int(r.charge_gr)
            .int(r.credited_gr)
            .int(r.to_pay_gr)
            .opt_int(r.interest_gr)
            .opt(r.pdf_sha256.as_deref())
            .opt(r.pdf_name.as_deref())
            .opt(r.interest_for.as_deref())
            .date(r.interest_to)
            .text(&r.row_hash)
            .end();
    }
    let columns = format!("id, {}", super::import::INVOICE_COLUMNS.join(", "));
    let copied = copy_in(conn, bulk, "invoices", &columns, data).await?;
    anyhow::ensure!(
        copied == rows.len() as u64,
        "{} new invoices were to be copied, but {copied} were",
        rows.len()
    );
    if let Some(first) = ids.iter().min() {
        bulk.note_unchecked(*first);
    }
    Ok(ids
        .into_iter()
        .zip(rows.iter().map(|r| r.number.clone()))
        .collect())
}

/// Writes line items (their invoices' old items already deleted).
pub async fn copy_items(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    rows: &[ItemRow],
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut data = String::with_capacity(rows.len() * 100);
    for r in rows {
        Line::new(&mut data)
            .int(r.invoice_id)
            .int(r.line_no)
            .text(&r.name)
            .text(&r.quantity)
            .text(&r.unit)
            .text(&r.unit_price)
            .int(r.net_gr)
            .text(&r.vat_rate)
            .int(r.vat_gr)
            .int(r.gross_gr)
            .end();
    }
    let columns = super::import::ITEM_COLUMNS.join(", ");
    copy_in(conn, bulk, "invoice_items", &columns, data).await?;
    if let Some(first) = rows.iter().map(|r| r.invoice_id).min() {
        bulk.note_unchecked(first);
    }
    Ok(())
}

/// Records the item sets of invoices that had no items before.
pub async fn copy_item_sets(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    sets: &[(i64, String)],
) -> anyhow::Result<()> {
    if sets.is_empty() {
        return Ok(());
    }
    let mut data = String::with_capacity(sets.len() * 50);
    for (id, hash) in sets {
        Line::new(&mut data).int(*id).text(hash).end();
    }
    copy_in(
        conn,
        bulk,
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

/// Checks the foreign keys of what was copied without them; an error names the first
/// row that points nowhere (the import then rolls back).
pub async fn check_deferred_keys(conn: &mut PgConnection, bulk: &BulkLoad) -> anyhow::Result<()> {
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

/// One line of `COPY … FROM STDIN` text format: tab-separated, `\N` for NULL, and
/// backslash, tab, newline and carriage return escaped.
struct Line<'a>(&'a mut String, bool);

impl<'a> Line<'a> {
    fn new(data: &'a mut String) -> Line<'a> {
        Line(data, true)
    }

    fn sep(&mut self) {
        if !std::mem::take(&mut self.1) {
            self.0.push('\t');
        }
    }

    fn text(&mut self, value: &str) -> &mut Self {
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
        self
    }

    fn opt(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => {
                self.sep();
                self.0.push_str("\\N");
                self
            }
        }
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.sep();
        let _ = write!(self.0, "{value}");
        self
    }

    fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(v) => self.int(v),
            None => self.opt(None),
        }
    }

    fn date(&mut self, value: Option<NaiveDate>) -> &mut Self {
        match value {
            Some(d) => {
                self.sep();
                let _ = write!(self.0, "{}", d.format("%Y-%m-%d"));
                self
            }
            None => self.opt(None),
        }
    }

    fn end(&mut self) {
        self.0.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_lines_escape_what_the_text_format_needs() {
        let mut data = String::new();
        Line::new(&mut data)
            .int(7)
            .text("Ciepło – marzec\tx\\y\nz")
            .opt(None)
            .opt_int(Some(-5))
            .date(NaiveDate::from_ymd_opt(2025, 3, 10))
            .end();
        Line::new(&mut data).text("").opt(Some("")).end();
        assert_eq!(
            data,
            "7\tCiepło – marzec\\tx\\\\y\\nz\t\\N\t-5\t2025-03-10\n\t\n"
        );
    }
}
