//! The scheduler's lease (`notify_jobs`): one row per job, taken by one process at a
//! time, with the last day the job completed.

use super::Store;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

impl Store {
    /// Takes the lease of `job` for `holder` until `until` when it is free (never taken,
    /// run out, or already this holder's); true when taken.
    pub async fn take_job_lease(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let insert = "INSERT INTO notify_jobs (job, holder, lease_until) VALUES ($1, '', $2) \
                      ON CONFLICT (job) DO NOTHING";
        on_pool!(self, |p| sqlx::query(insert)
            .bind(job)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("creating the job's lease")?;
        let take = "UPDATE notify_jobs SET holder = $1, lease_until = $2 \
                    WHERE job = $3 AND (lease_until <= $4 OR holder = $1)";
        let n = on_pool!(self, |p| sqlx::query(take)
            .bind(holder)
            .bind(until)
            .bind(job)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("taking the job's lease")?;
        Ok(n == 1)
    }

    /// Gives the lease back and records the day the job completed.
    pub async fn finish_job(
        &self,
        job: &str,
        holder: &str,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let sql = "UPDATE notify_jobs SET lease_until = $1, last_run_on = $2 \
                   WHERE job = $3 AND holder = $4";
        on_pool!(self, |p| sqlx::query(sql)
            .bind(now)
            .bind(day)
            .bind(job)
            .bind(holder)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("finishing the job")?;
        Ok(())
    }

    /// The last day `job` completed.
    pub async fn job_last_run(&self, job: &str) -> anyhow::Result<Option<NaiveDate>> {
        let sql = "SELECT last_run_on FROM notify_jobs WHERE job = $1";
        let day: Option<Option<NaiveDate>> = on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(job)
            .fetch_optional(p)
            .await)
        .context("reading the job")?;
        Ok(day.flatten())
    }
}
