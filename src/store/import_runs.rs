//! Billing import runs, recorded by `ebok import` (a process of its own) so that
//! `ebok serve` can report them in `/metrics`.

use super::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};

/// One recorded run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportRun {
    pub finished_at: DateTime<Utc>,
    pub rows_read: i64,
    pub seconds: f64,
}

/// What `/metrics` shows of the imports.
#[derive(Debug, Clone, Default)]
pub struct ImportStats {
    pub ok_runs: i64,
    pub failed_runs: i64,
    pub last_ok: Option<ImportRun>,
    pub last_failed_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Records a run that ended `at` (the process's clock): `rows` data lines read over
    /// all files.
    pub async fn record_import_run(
        &self,
        at: DateTime<Utc>,
        ok: bool,
        rows: u64,
        seconds: f64,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO import_runs (finished_at, ok, rows_read, seconds) \
                   VALUES ($1, $2, $3, $4)";
        let rows = i64::try_from(rows).unwrap_or(i64::MAX);
        on_pool!(self, |p| sqlx::query(sql)
            .bind(at)
            .bind(ok)
            .bind(rows)
            .bind(seconds)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("recording the import run")?;
        Ok(())
    }

    /// How many runs succeeded and failed, the last successful one and when the last
    /// failure was.
    pub async fn import_stats(&self) -> anyhow::Result<ImportStats> {
        let counts = "SELECT ok, COUNT(*) FROM import_runs GROUP BY ok";
        let last_ok = "SELECT finished_at, rows_read, seconds FROM import_runs \
                       WHERE ok = $1 ORDER BY id DESC LIMIT 1";
        let last_failed = "SELECT finished_at FROM import_runs WHERE ok = $1 \
                           ORDER BY id DESC LIMIT 1";
        let counts: Vec<(bool, i64)> =
            on_pool!(self, |p| sqlx::query_as(counts).fetch_all(p).await)
                .context("counting the import runs")?;
        let last_ok: Option<ImportRun> = on_pool!(self, |p| sqlx::query_as(last_ok)
            .bind(true)
            .fetch_optional(p)
            .await)
        .context("reading the last import run")?;
        let last_failed_at: Option<DateTime<Utc>> =
            on_pool!(self, |p| sqlx::query_scalar(last_failed)
                .bind(false)
                .fetch_optional(p)
                .await)
            .context("reading the last failed import run")?;
        let count = |ok: bool| counts.iter().find(|(k, _)| *k == ok).map_or(0, |(_, n)| *n);
        Ok(ImportStats {
            ok_runs: count(true),
            failed_runs: count(false),
            last_ok,
            last_failed_at,
        })
    }
}
