//! The interest tables of `interest_rates.csv`, replaced as a whole, and the day they
//! were confirmed.

use crate::domain::export::INTEREST_RATES;
use crate::store::{INTEREST_RATES_CONFIRMED, Tx};
use anyhow::Context;
use chrono::NaiveDate;

impl Tx {
    /// The imported interest tables, (regime, from, rate), and their confirmed date.
    pub async fn existing_interest_rates(
        &mut self,
    ) -> anyhow::Result<(Vec<(String, NaiveDate, String)>, Option<String>)> {
        let columns: Vec<_> = INTEREST_RATES.stored_columns().collect();
        let sql = format!(
            "SELECT {} FROM {}",
            columns.join(", "),
            INTEREST_RATES.table
        );
        let rows = on_tx!(self, |conn| sqlx::query_as(&sql).fetch_all(conn).await)
            .context("reading the imported interest tables")?;
        let sql = "SELECT value FROM settings WHERE key = $1";
        let confirmed = on_tx!(self, |conn| sqlx::query_scalar(sql)
            .bind(INTEREST_RATES_CONFIRMED)
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
        let table = INTEREST_RATES.table;
        let sql = format!("DELETE FROM {table}");
        on_tx!(self, |conn| sqlx::query(&sql)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing the imported interest tables")?;
        let columns: Vec<_> = INTEREST_RATES.stored_columns().collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ($1, $2, $3)",
            columns.join(", ")
        );
        for (regime, from, rate) in rows {
            on_tx!(self, |conn| sqlx::query(&sql)
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
            .bind(INTEREST_RATES_CONFIRMED)
            .bind(confirmed_on)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected()))
        .context("saving the interest tables' confirmed date")?;
        Ok(())
    }
}
