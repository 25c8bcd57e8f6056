//! What operations ask of the database: is it there and current (readiness), how full
//! is the outbox (metrics), and handing back outbox claims at shutdown.

use super::{Backend, Store, now};
use anyhow::Context;
use chrono::{DateTime, Utc};

/// Pending outbox rows of one channel.
#[derive(Debug, Clone)]
pub struct OutboxStat {
    pub channel: String,
    pub pending: i64,
    pub oldest_age_seconds: f64,
}

impl Store {
    /// The database answers and every migration this build knows is applied.
    /// The error says which of the two failed.
    pub async fn check_ready(&self) -> anyhow::Result<()> {
        let applied: Option<i64> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success"
        )
        .fetch_one(p)
        .await)
        .context("the database does not answer")?;
        let known = self.latest_migration();
        match applied {
            Some(v) if v >= known => Ok(()),
            Some(v) => anyhow::bail!(
                "the database schema is at migration {v}, this build needs {known}: run `ebok migrate`"
            ),
            None => anyhow::bail!("the database has no schema: run `ebok migrate`"),
        }
    }

    fn latest_migration(&self) -> i64 {
        let migrator = match self.backend() {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Pending rows and the age of the oldest, per channel.
    pub async fn outbox_stats(&self) -> anyhow::Result<Vec<OutboxStat>> {
        let rows: Vec<(String, i64, Option<DateTime<Utc>>)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT channel, COUNT(*), MIN(created_at) FROM outbox \
             WHERE status = 'pending' GROUP BY channel"
        )
        .fetch_all(p)
        .await)
        .context("counting the outbox")?;
        let now = now();
        Ok(rows
            .into_iter()
            .map(|(channel, pending, oldest)| OutboxStat {
                channel,
                pending,
                oldest_age_seconds: oldest
                    .map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0)
                    .unwrap_or(0.0),
            })
            .collect())
    }

    /// Makes claimed rows due again at once (a stopping worker gives up its lease, so
    /// another instance need not wait for it to run out).
    pub async fn release_outbox_claims(&self, ids: &[i64]) -> anyhow::Result<()> {
        for id in ids {
            on_pool!(self, |p| sqlx::query(
                "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending'"
            )
            .bind(now())
            .bind(*id)
            .execute(p)
            .await
            .map(|_| ()))
            .context("releasing an outbox claim")?;
        }
        Ok(())
    }
}
