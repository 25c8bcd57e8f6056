//! PostgreSQL bulk writes of an import: new invoices and line items go in with `COPY`
//! (one stream per batch instead of a statement with thousands of parameters), and,
//! where the database role may (`session_replication_role`), without the row-by-row
//! foreign-key triggers; the keys of what was copied so are then checked in one
//! set-based query per table before the import commits.

use super::import::{CustomerRow, InvoiceRow, ItemRow};
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
    /// The statements that take ids from the sequences of customers and invoices.
    id_blocks: Vec<(&'static str, String)>,
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

/// Takes the customers and invoices for this import: customers keep reading them (and
/// registering: foreign keys to customers only share their rows), another import (or
/// anything else that would write them) waits until this one commits.
pub async fn lock_tables(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::query("LOCK TABLE customers, invoices IN SHARE ROW EXCLUSIVE MODE")
        .execute(conn)
        .await
        .context("waiting for another import to end (locking customers and invoices)")?;
    Ok(())
}

/// A block of `count` new ids from `table`'s sequence, in one step: nobody else writes
/// the table ([`lock_tables`]).
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

/// A first import (no customers or invoices stored yet) loads those tables without their
/// secondary indexes and unique constraints and builds them once, before the commit:
/// 2.4 million invoices took 14.7 s to insert with their indexes kept up row by row,
/// 3.3 s + 4.2 s to insert and then build them. That needs the empty table to itself
/// until the commit (`ACCESS EXCLUSIVE`): commands that read it wait, and there is
/// nothing to show yet, as no customer has an account. A later import, or one with
/// customers' accounts in the database, keeps the indexes and the tables readable. The definitions are read from the catalogue and run again as they were; a
/// duplicate number fails the rebuild and so the import.
pub async fn set_aside_indexes(conn: &mut PgConnection, bulk: &mut BulkLoad) -> anyhow::Result<()> {
    // A customer with an account could be reading (a data set loaded in two steps):
    // then the indexes stay, and so does everyone's access.
    let readers: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE customer_id IS NOT NULL)")
            .fetch_one(&mut *conn)
            .await
            .context("checking for customers' accounts before a first import")?;
    if readers {
        return Ok(());
    }
    for table in ["customers", "invoices"] {
        set_aside(conn, bulk, table).await?;
    }
    if bulk.indexes_set_aside() {
        tracing::info!(
            indexes = bulk.rebuild.len(),
            "first import: the secondary indexes of the empty tables are built after the load"
        );
    }
    Ok(())
}

async fn set_aside(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    table: &'static str,
) -> anyhow::Result<()> {
    // Only the table's owner may drop and build its indexes.
    let (empty, owner): (bool, bool) = sqlx::query_as(&format!(
        "SELECT NOT EXISTS (SELECT 1 FROM {table}), \
                pg_has_role(current_user, c.relowner, 'USAGE') \
         FROM pg_class c WHERE c.oid = '{table}'::regclass"
    ))
    .fetch_one(&mut *conn)
    .await
    .with_context(|| format!("checking whether this is the first import of {table}"))?;
    if !empty {
        return Ok(());
    }
    if !owner {
        tracing::info!(
            table,
            "first import: the database role does not own the table, so its indexes are kept up row by row (slower; docs/operations.md)"
        );
        return Ok(());
    }
    sqlx::query(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        .execute(&mut *conn)
        .await
        .with_context(|| format!("taking the empty table {table} for a first import"))?;
    // Unique constraints that no foreign key leans on, then the plain secondary indexes.
    let constraints: Vec<(String, String)> = sqlx::query_as(
        "SELECT quote_ident(c.conname), pg_get_constraintdef(c.oid) FROM pg_constraint c \
         WHERE c.conrelid = $1::regclass AND c.contype = 'u' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' \
                         AND f.conindid = c.conindid) \
         ORDER BY c.conname",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the unique constraints of {table}"))?;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT x.indexrelid::regclass::text, pg_get_indexdef(x.indexrelid) FROM pg_index x \
         WHERE x.indrelid = $1::regclass AND NOT x.indisprimary \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) \
         ORDER BY 1",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the indexes of {table}"))?;
    let mut drops = Vec::new();
    for (name, definition) in constraints {
        drops.push(format!("ALTER TABLE {table} DROP CONSTRAINT {name}"));
        bulk.rebuild.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ));
    }
    for (name, definition) in indexes {
        drops.push(format!("DROP INDEX {name}"));
        bulk.rebuild.push(definition);
    }
    for sql in drops {
        sqlx::query(&sql)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("setting an index aside for the first import: {sql}"))?;
    }
    Ok(())
}

/// Builds what [`set_aside_indexes`] set aside.
pub async fn rebuild_indexes(conn: &mut PgConnection, bulk: &BulkLoad) -> anyhow::Result<()> {
    for sql in &bulk.rebuild {
        sqlx::query(sql)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("building an index after the first import: {sql}"))?;
    }
    Ok(())
}

/// Writes new customers (none of them in the database yet) with a block of ids taken
/// from the table's sequence; returns `(id, number)` of each.
pub async fn copy_customers(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    rows: &[CustomerRow],
) -> anyhow::Result<Vec<(i64, String)>> {
    let ids = take_ids(conn, bulk, "customers", rows.len()).await?;
    let mut data = String::with_capacity(rows.len() * 200);
    for (id, r) in ids.iter().zip(rows) {
        Line::new(&mut data)
            .int(*id)
            .text(&r.number)
            .text(r.kind)
            .text(&r.name)
            .opt(r.pesel_hash.as_deref())
            .opt(r.pesel_masked.as_deref())
            .opt(r.nip.as_deref())
            .text(&r.address)
            .text(&r.area)
            .opt(r.email.as_deref())
            .opt(r.phone.as_deref())
            .opt(r.interest_regime)
            .opt(r.bank_account.as_deref())
            .text(&r.row_hash)
            .end();
    }
    let columns = format!("id, {}", super::import::CUSTOMER_COLUMNS.join(", "));
    // Nothing references a new customer yet: no keys to check, triggers or not.
    let copied = copy_in(conn, &BulkLoad::default(), "customers", &columns, data).await?;
    anyhow::ensure!(
        copied == rows.len() as u64,
        "{} new customers were to be copied, but {copied} were",
        rows.len()
    );
    Ok(ids
        .into_iter()
        .zip(rows.iter().map(|r| r.number.clone()))
        .collect())
}

/// Writes new invoices (none of them in the database yet) with a block of ids taken
/// from the table's sequence; returns `(id, number)` of each.
pub async fn copy_invoices(
    conn: &mut PgConnection,
    bulk: &mut BulkLoad,
    rows: &[InvoiceRow],
) -> anyhow::Result<Vec<(i64, String)>> {
    let ids = take_ids(conn, bulk, "invoices", rows.len()).await?;
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
