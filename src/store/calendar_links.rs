//! Private calendar subscription links: one per account, found by the hash of its token
//! (the token itself is never stored). Creating and revoking are audited together with
//! the change.

use super::{AuditEvent, Store, now};
use anyhow::Context;

impl Store {
    /// Replaces the account's link (an earlier one stops working) with `token_hash`.
    pub async fn set_calendar_link(
        &self,
        account_id: i64,
        identifier: &str,
        channel: &str,
        token_hash: &str,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin().await?;
        let delete = "DELETE FROM calendar_links WHERE account_id = $1";
        on_tx!(&mut tx, |c| sqlx::query(delete)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("replacing a calendar link")?;
        let insert =
            "INSERT INTO calendar_links (account_id, token_hash, created_at) VALUES ($1, $2, $3)";
        on_tx!(&mut tx, |c| sqlx::query(insert)
            .bind(account_id)
            .bind(token_hash)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("saving a calendar link")?;
        tx.audit(identifier, AuditEvent::CalendarLinkCreated, channel, "")
            .await?;
        tx.commit().await
    }

    /// Revokes the account's link; whether there was one.
    pub async fn revoke_calendar_link(
        &self,
        account_id: i64,
        identifier: &str,
        channel: &str,
    ) -> anyhow::Result<bool> {
        let mut tx = self.begin().await?;
        let delete = "DELETE FROM calendar_links WHERE account_id = $1";
        let gone = on_tx!(&mut tx, |c| sqlx::query(delete)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("revoking a calendar link")?;
        if gone > 0 {
            tx.audit(identifier, AuditEvent::CalendarLinkRevoked, channel, "")
                .await?;
        }
        tx.commit().await?;
        Ok(gone > 0)
    }

    /// The account whose link has `token_hash`.
    pub async fn calendar_link_account(&self, token_hash: &str) -> anyhow::Result<Option<i64>> {
        let sql = "SELECT account_id FROM calendar_links WHERE token_hash = $1";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(token_hash)
            .fetch_optional(p)
            .await)
        .context("reading a calendar link")
    }
}
