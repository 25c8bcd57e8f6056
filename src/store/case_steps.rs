//! The steps staff take on a case and what the scheduler, the operator and the back
//! office read: the open cases by deadline, the counts, the export.

use super::cases::{CASE_COLUMNS, CaseRow};
use super::{Store, Tx, now};
use crate::domain::case::{CaseState, Outcome};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

/// Staff's filters of the open cases (`sprawy` with words).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub kind: Option<String>,
    pub state: Option<String>,
    pub assignee: Option<String>,
    pub customer_number: Option<String>,
}

/// Counts for `ebok cases status` and `/metrics`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CaseCounts {
    pub by_state: Vec<(String, i64)>,
    pub open: i64,
    pub overdue: i64,
}

/// What a step changes; `None` leaves a column as it is.
#[derive(Debug, Default)]
pub struct CaseChange<'a> {
    pub state: Option<CaseState>,
    pub assignee: Option<&'a str>,
    pub deadline: Option<NaiveDate>,
    pub extension_reason: Option<&'a str>,
    pub outcome: Option<Outcome>,
    pub answer: Option<&'a str>,
    pub discount: Option<(i64, i64)>,
    pub closed: bool,
}

impl Tx {
    /// Applies `change` to case `id`.
    pub async fn change_case(&mut self, id: i64, change: &CaseChange<'_>) -> anyhow::Result<()> {
        let sql = "UPDATE cases SET \
            state = COALESCE($2, state), \
            assignee = COALESCE($3, assignee), \
            deadline = COALESCE($4, deadline), \
            extended = CASE WHEN $5 IS NULL THEN extended ELSE TRUE END, \
            extension_reason = COALESCE($5, extension_reason), \
            outcome = COALESCE($6, outcome), \
            answer = COALESCE($7, answer), \
            discount_days = COALESCE($8, discount_days), \
            discount_gr = COALESCE($9, discount_gr), \
            closed_at = CASE WHEN $10 THEN $11 ELSE closed_at END, \
            updated_at = $11 \
            WHERE id = $1";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(id)
            .bind(change.state.map(|s| s.as_str()))
            .bind(change.assignee)
            .bind(change.deadline)
            .bind(change.extension_reason)
            .bind(change.outcome.map(|o| o.as_str()))
            .bind(change.answer)
            .bind(change.discount.map(|d| d.0))
            .bind(change.discount.map(|d| d.1))
            .bind(change.closed)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("changing a case")?;
        Ok(())
    }

    /// Marks the assignee reminded (`reminded`) or all staff told (`escalated`); false
    /// when it was marked already (another instance's scheduler was first).
    pub async fn mark_case(&mut self, id: i64, escalated: bool) -> anyhow::Result<bool> {
        let sql = if escalated {
            "UPDATE cases SET escalated = TRUE WHERE id = $1 AND escalated = FALSE"
        } else {
            "UPDATE cases SET reminded = TRUE WHERE id = $1 AND reminded = FALSE"
        };
        let n = on_tx!(self, |c| sqlx::query(sql)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("marking a case")?;
        Ok(n > 0)
    }
}

const OPEN: &str = "state IN ('received', 'in_progress', 'info_requested')";

impl Store {
    /// Open cases, overdue first, then by deadline (urgent first on the same day).
    pub async fn open_cases(
        &self,
        f: &CaseFilter,
        today: NaiveDate,
    ) -> anyhow::Result<Vec<CaseRow>> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {OPEN} \
             AND ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR state = $2) \
             AND ($3 IS NULL OR assignee = $3) \
             AND ($4 IS NULL OR customer_id = (SELECT id FROM customers WHERE number = $4)) \
             ORDER BY CASE WHEN deadline < $5 THEN 0 ELSE 1 END, deadline, urgent DESC, id \
             LIMIT 200"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(f.kind.as_deref())
            .bind(f.state.as_deref())
            .bind(f.assignee.as_deref())
            .bind(f.customer_number.as_deref())
            .bind(today)
            .fetch_all(p)
            .await)
        .context("reading the open cases")
    }

    /// Open cases whose deadline is `by` or earlier and that `escalated` (false: the
    /// reminder) was not yet done for: the scheduler's work.
    pub async fn cases_to_chase(
        &self,
        by: NaiveDate,
        escalated: bool,
    ) -> anyhow::Result<Vec<CaseRow>> {
        let flag = if escalated { "escalated" } else { "reminded" };
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {OPEN} AND deadline <= $1 \
             AND {flag} = FALSE ORDER BY deadline, id"
        );
        on_pool!(self, |p| sqlx::query_as(&sql).bind(by).fetch_all(p).await)
            .context("reading the cases to chase")
    }

    /// Open art. 6c complaints whose deadline passed before `today`.
    pub async fn lapsed_disconnection_cases(
        &self,
        today: NaiveDate,
    ) -> anyhow::Result<Vec<CaseRow>> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {OPEN} AND urgent = TRUE AND deadline < $1 \
             ORDER BY id"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(today)
            .fetch_all(p)
            .await)
        .context("reading lapsed art. 6c cases")
    }

    /// The customer's open art. 6c complaints (the collection view says so).
    pub async fn open_disconnection_cases(&self, customer_id: i64) -> anyhow::Result<Vec<CaseRow>> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {OPEN} AND urgent = TRUE AND customer_id = $1 \
             ORDER BY id"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading open art. 6c cases")
    }

    pub async fn case_counts(&self, today: NaiveDate) -> anyhow::Result<CaseCounts> {
        let sql = "SELECT state, COUNT(*) FROM cases GROUP BY state ORDER BY state";
        let by_state: Vec<(String, i64)> =
            on_pool!(self, |p| sqlx::query_as(sql).fetch_all(p).await).context("counting cases")?;
        let open_sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN deadline < $1 THEN 1 ELSE 0 END), 0) \
             FROM cases WHERE {OPEN}"
        );
        let (open, overdue): (i64, i64) = on_pool!(self, |p| sqlx::query_as(&open_sql)
            .bind(today)
            .fetch_one(p)
            .await)
        .context("counting open cases")?;
        Ok(CaseCounts {
            by_state,
            open,
            overdue,
        })
    }

    /// Cases changed at or after `since`, oldest first (the back office's export).
    pub async fn cases_since(&self, since: DateTime<Utc>) -> anyhow::Result<Vec<CaseRow>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE updated_at >= $1 ORDER BY id");
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(since)
            .fetch_all(p)
            .await)
        .context("exporting cases")
    }

    /// Deletes cases closed before `before` (the retention period), with their history
    /// and attachments; how many.
    pub async fn purge_cases(&self, before: DateTime<Utc>) -> anyhow::Result<u64> {
        let mut tx = self.begin_write().await?;
        let mut gone = 0;
        for table in ["case_files", "case_events"] {
            let sql = format!(
                "DELETE FROM {table} WHERE case_id IN (SELECT id FROM cases \
                 WHERE closed_at IS NOT NULL AND closed_at < $1)"
            );
            on_tx!(&mut tx, |c| sqlx::query(&sql)
                .bind(before)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .context("deleting old cases")?;
        }
        let sql = "DELETE FROM cases WHERE closed_at IS NOT NULL AND closed_at < $1";
        gone += on_tx!(&mut tx, |c| sqlx::query(sql)
            .bind(before)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("deleting old cases")?;
        tx.commit().await?;
        Ok(gone)
    }
}
