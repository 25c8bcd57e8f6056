//! The audit log: who did what to whom, and when.

use super::{Store, Tx, now};
use anyhow::Context;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

const INSERT: &str =
    "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)";

impl Tx {
    pub async fn audit(
        &mut self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        on_tx!(self, |c| sqlx::query(INSERT)
            .bind(now())
            .bind(actor)
            .bind(action)
            .bind(target)
            .bind(detail)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("writing the audit log")?;
        Ok(())
    }
}

impl Store {
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        on_pool!(self, |p| sqlx::query(INSERT)
            .bind(now())
            .bind(actor)
            .bind(action)
            .bind(target)
            .bind(detail)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .context("writing the audit log")?;
        Ok(())
    }

    pub async fn audit_tail(&self, limit: i64) -> anyhow::Result<Vec<AuditEntry>> {
        let sql =
            "SELECT at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT $1";
        on_pool!(self, |p| sqlx::query_as(sql).bind(limit).fetch_all(p).await)
            .context("reading the audit log")
    }
}
