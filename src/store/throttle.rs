//! Failed-login throttling state, per identifier and per source.

use super::{Store, now};
use anyhow::Context;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThrottleRow {
    pub failures: i64,
    pub last_failure_at: DateTime<Utc>,
    pub blocked_until: DateTime<Utc>,
}

impl Store {
    pub async fn throttle(&self, key: &str) -> anyhow::Result<Option<ThrottleRow>> {
        let sql =
            "SELECT failures, last_failure_at, blocked_until FROM login_throttle WHERE key = $1";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(key)
            .fetch_optional(p)
            .await)
        .context("reading login throttling")
    }

    pub async fn set_throttle(
        &self,
        key: &str,
        failures: i64,
        blocked_until: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO login_throttle (key, failures, last_failure_at, blocked_until) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
                   last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(key)
            .bind(failures)
            .bind(now())
            .bind(blocked_until)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("saving login throttling")?;
        Ok(())
    }

    pub async fn clear_throttle(&self, key: &str) -> anyhow::Result<()> {
        let sql = "DELETE FROM login_throttle WHERE key = $1";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(key)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("clearing login throttling")?;
        Ok(())
    }
}
