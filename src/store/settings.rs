//! Small key/value settings kept in the database (e.g. a generated PESEL key).

use super::Store;
use anyhow::Context;

impl Store {
    pub async fn setting(&self, key: &str) -> anyhow::Result<Option<String>> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(key)
            .fetch_optional(p)
            .await)
        .context("reading a setting")
    }

    /// Stores `value` unless the key already has one; returns the value in force.
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> anyhow::Result<String> {
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(key)
            .bind(value)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("saving a setting")?;
        Ok(self
            .setting(key)
            .await?
            .unwrap_or_else(|| value.to_string()))
    }
}
