//! A first import's indexes on PostgreSQL: set aside while the empty tables load, built
//! once before the commit.

use anyhow::Context;
use sqlx::PgConnection;

/// A first import (no customers or invoices stored yet) loads those tables without their
/// secondary indexes and unique constraints and builds them once, before the commit:
/// 2.4 million invoices took 14.7 s to insert with their indexes kept up row by row,
/// 3.3 s + 4.2 s to insert and then build them. That needs the empty table to itself
/// until the commit (`ACCESS EXCLUSIVE`): commands that read it wait, and there is
/// nothing to show yet, as no customer has an account. A later import, or one with
/// customers' accounts in the database, keeps the indexes and the tables readable. The definitions are read from the catalogue and run again as they were; a
/// duplicate number fails the rebuild and so the import.
///
/// Returns the statements that build what was set aside.
pub(super) async fn set_aside_indexes(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    // A customer with an account could be reading (a data set loaded in two steps):
    // then the indexes stay, and so does everyone's access.
    let readers: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE customer_id IS NOT NULL)")
            .fetch_one(&mut *conn)
            .await
            .context("checking for customers' accounts before a first import")?;
    let mut rebuild = Vec::new();
    if readers {
        return Ok(rebuild);
    }
    for table in ["customers", "invoices"] {
        set_aside(conn, &mut rebuild, table).await?;
    }
    if !rebuild.is_empty() {
        tracing::info!(
            indexes = rebuild.len(),
            "first import: the secondary indexes of the empty tables are built after the load"
        );
    }
    Ok(rebuild)
}

/// Sets aside the indexes of `table` when it is empty, adding what builds them again to
/// `rebuild`.
async fn set_aside(
    conn: &mut PgConnection,
    rebuild: &mut Vec<String>,
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
        rebuild.push(format!(
            "ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        ));
    }
    for (name, definition) in indexes {
        drops.push(format!("DROP INDEX {name}"));
        rebuild.push(definition);
    }
    for sql in drops {
        sqlx::query(&sql)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("setting an index aside for the first import: {sql}"))?;
    }
    Ok(())
}

/// Builds what [`set_aside_indexes`] set aside: the statements it returned.
pub(super) async fn rebuild_indexes(
    conn: &mut PgConnection,
    rebuild: &[String],
) -> anyhow::Result<()> {
    for sql in rebuild {
        sqlx::query(sql)
            .execute(&mut *conn)
            .await
            .with_context(|| format!("building an index after the first import: {sql}"))?;
    }
    Ok(())
}
