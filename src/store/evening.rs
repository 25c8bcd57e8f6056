//! The targets of the evening preview: chats (and addresses on file) of live customer
//! accounts that turned it on, with what the preview needs to know of each.

use super::Store;
use anyhow::Context;

/// One target of the evening preview.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EveningTarget {
    pub identifier: String,
    pub customer_id: i64,
    /// The customer's number and name, as every notice names them.
    pub customer: String,
    pub customer_name: String,
    /// The customer's heat area ('' when none).
    pub area: String,
    pub channel: String,
    /// The chat id, or the address on file.
    pub recipient: String,
    pub lang: String,
}

impl Store {
    /// Every target that gets the evening preview now: the account live, the chat not
    /// blocked, an address on file for email.
    pub async fn evening_targets(&self) -> anyhow::Result<Vec<EveningTarget>> {
        let sql = "SELECT a.identifier, a.customer_id, c.number AS customer, \
                   c.name AS customer_name, COALESCE(c.area, '') AS area, t.channel, \
                   CASE WHEN t.channel = 'email' THEN a.email ELSE t.recipient END AS recipient, \
                   COALESCE(ch.lang, a.lang) AS lang \
                   FROM notify_targets t \
                   JOIN accounts a ON a.id = t.account_id \
                   JOIN customers c ON c.id = a.customer_id \
                   LEFT JOIN chats ch ON ch.channel = t.channel \
                     AND ch.source = CASE WHEN t.channel = 'email' THEN LOWER(a.email) ELSE t.recipient END \
                   WHERE t.evening AND a.role = 'customer' AND NOT a.locked AND NOT a.closed \
                   AND ((t.channel = 'telegram' AND NOT COALESCE(ch.blocked, FALSE)) \
                     OR (t.channel = 'email' AND a.email IS NOT NULL AND a.email <> '')) \
                   ORDER BY a.identifier, t.channel, t.recipient";
        on_pool!(self, |p| sqlx::query_as(sql).fetch_all(p).await)
            .context("reading the targets of the evening preview")
    }
}
