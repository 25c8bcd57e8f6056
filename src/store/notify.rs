//! Notifications in the database: subscriptions, what an import starts from, the
//! announcement drafts and their progress, the operator's counts. The fan-out of an
//! event to its recipients is in `fan_out.rs`.

use super::{Backend, Store, Tx, now};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

/// Where an import starts: the highest row ids (rows above them are new in it) and the
/// stage of each open collection case of customers someone gets collection notices for.
#[derive(Debug, Clone, Default)]
pub struct Marks {
    pub invoices: i64,
    pub payments: i64,
    pub messages: i64,
    pub collection_stages: std::collections::HashSet<(String, String)>,
}

/// A staff announcement as drafted (targets, text), and what became of it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AnnouncementDraft {
    pub reference: String,
    pub staff: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub areas: String,
    pub status: String,
}

/// Whom an announcement reaches.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Reach {
    pub customers: i64,
    pub chats: i64,
    pub emails: i64,
}

/// Notices of one event by state.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Progress {
    pub sent: i64,
    pub waiting: i64,
    pub failed: i64,
    pub cancelled: i64,
}

/// One line of `ebok notify status`.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct KindStatus {
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub count: i64,
    /// Of the pending ones: held until later (quiet hours, a retry).
    pub held: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// An unpaid bill of a customer someone asked to be reminded about.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnpaidBill {
    pub number: String,
    pub customer_id: i64,
    pub due_date: NaiveDate,
    pub to_pay_gr: i64,
    pub customer_kind: String,
    pub interest_regime: Option<String>,
}

const CANCELLED: &str = "cancelled by staff";
/// Why a reminder was not sent: the bill was paid before it went.
const PAID: &str = "cancelled: the bill is paid";

/// `IN ($n, $n+1, …)` for `count` values from `$first`; `IN (NULL)` for none.
pub(super) fn placeholders(first: usize, count: usize) -> String {
    if count == 0 {
        return "(NULL)".into();
    }
    let list: Vec<String> = (first..first + count).map(|n| format!("${n}")).collect();
    format!("({})", list.join(", "))
}

impl Tx {
    /// The highest ids of the tables an import adds events to.
    pub async fn notify_marks(&mut self) -> anyhow::Result<Marks> {
        let sql = "SELECT (SELECT COALESCE(MAX(id), 0) FROM invoices), \
                   (SELECT COALESCE(MAX(id), 0) FROM payments), \
                   (SELECT COALESCE(MAX(id), 0) FROM messages)";
        let (invoices, payments, messages): (i64, i64, i64) =
            on_tx!(self, |c| sqlx::query_as(sql).fetch_one(c).await)
                .context("reading the import's starting point")?;
        let stages = self.collection_stages().await?;
        Ok(Marks {
            invoices,
            payments,
            messages,
            collection_stages: stages.into_iter().collect(),
        })
    }

    /// (case, stage) of the open collection cases of customers someone gets collection
    /// notices for.
    pub async fn collection_stages(&mut self) -> anyhow::Result<Vec<(String, String)>> {
        let sql = "SELECT case_number, stage FROM collections WHERE status = 'open' \
                   AND customer_id IN (SELECT customer_id FROM notify_recipients WHERE kind = 'collection')";
        on_tx!(self, |c| sqlx::query_as(sql).fetch_all(c).await)
            .context("reading the collection cases")
    }

    /// Turns `kinds` on for the target; a kind already on keeps its first day.
    pub async fn subscribe(
        &mut self,
        account_id: i64,
        channel: &str,
        recipient: &str,
        kinds: &[crate::domain::notice::Kind],
        since_on: NaiveDate,
    ) -> anyhow::Result<u64> {
        let sql = "INSERT INTO notify_subscriptions (account_id, channel, recipient, kind, since_on, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (account_id, channel, recipient, kind) DO NOTHING";
        let mut added = 0;
        for kind in kinds {
            added += on_tx!(self, |c| sqlx::query(sql)
                .bind(account_id)
                .bind(channel)
                .bind(recipient)
                .bind(kind.as_str())
                .bind(since_on)
                .bind(now())
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .context("turning notifications on")?;
        }
        Ok(added)
    }

    /// Turns `kinds` off for the target; returns how many were on.
    pub async fn unsubscribe(
        &mut self,
        account_id: i64,
        channel: &str,
        recipient: &str,
        kinds: &[crate::domain::notice::Kind],
    ) -> anyhow::Result<u64> {
        let sql = "DELETE FROM notify_subscriptions \
                   WHERE account_id = $1 AND channel = $2 AND recipient = $3 AND kind = $4";
        let mut removed = 0;
        for kind in kinds {
            removed += on_tx!(self, |c| sqlx::query(sql)
                .bind(account_id)
                .bind(channel)
                .bind(recipient)
                .bind(kind.as_str())
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .context("turning notifications off")?;
        }
        Ok(removed)
    }

    /// The customer accounts whose address on file is `address` (any case), with email
    /// notifications of any kind on: (id, identifier).
    pub async fn email_subscribers_at(
        &mut self,
        address: &str,
    ) -> anyhow::Result<Vec<(i64, String)>> {
        let sql = "SELECT DISTINCT a.id, a.identifier FROM accounts a \
                   JOIN notify_subscriptions s ON s.account_id = a.id AND s.channel = 'email' \
                   WHERE a.role = 'customer' AND LOWER(TRIM(a.email)) = LOWER(TRIM($1)) \
                   ORDER BY a.id";
        on_tx!(self, |c| sqlx::query_as(sql)
            .bind(address)
            .fetch_all(c)
            .await)
        .context("reading the accounts at an address")
    }

    /// Ends every subscription of the account, on every chat and by email (locked,
    /// closed, consent withdrawn, or asked for at a password change).
    pub async fn end_subscriptions(&mut self, account_id: i64) -> anyhow::Result<u64> {
        let sql = "DELETE FROM notify_subscriptions WHERE account_id = $1";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(account_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("ending the account's notifications")
    }

    /// Ends the subscriptions of a chat (the user blocked the bot).
    pub async fn end_chat_subscriptions(
        &mut self,
        channel: &str,
        source: &str,
    ) -> anyhow::Result<u64> {
        let sql = "DELETE FROM notify_subscriptions WHERE channel = $1 AND recipient = $2";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(channel)
            .bind(source)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("ending the chat's notifications")
    }

    /// Distinct billing areas of the customers.
    pub async fn customer_areas(&mut self) -> anyhow::Result<Vec<String>> {
        let sql = "SELECT DISTINCT area FROM customers";
        on_tx!(self, |c| sqlx::query_scalar(sql).fetch_all(c).await)
            .context("reading the heat areas")
    }

    /// New announcements of the import (ids above `mark`) still in force on `today`.
    pub async fn new_messages(
        &mut self,
        mark: i64,
        today: NaiveDate,
    ) -> anyhow::Result<Vec<(String, String, Option<String>)>> {
        let sql = "SELECT reference, kind, area FROM messages \
                   WHERE id > $1 AND (valid_to IS NULL OR valid_to >= $2) ORDER BY id";
        on_tx!(self, |c| sqlx::query_as(sql)
            .bind(mark)
            .bind(today)
            .fetch_all(c)
            .await)
        .context("reading the new announcements")
    }

    pub async fn insert_announcement_draft(&mut self, d: &AnnouncementDraft) -> anyhow::Result<()> {
        let sql = "INSERT INTO notify_announcements \
                   (reference, staff, kind, title, body, valid_from, valid_to, areas, status, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(&d.reference)
            .bind(&d.staff)
            .bind(&d.kind)
            .bind(&d.title)
            .bind(&d.body)
            .bind(d.valid_from)
            .bind(d.valid_to)
            .bind(&d.areas)
            .bind(&d.status)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("keeping the announcement draft")?;
        Ok(())
    }

    /// Moves a draft from `from` to `to`; false when it was not in `from` (sent or
    /// cancelled meanwhile, e.g. confirmed twice).
    pub async fn set_announcement_status(
        &mut self,
        reference: &str,
        from: &str,
        to: &str,
    ) -> anyhow::Result<bool> {
        let sql =
            "UPDATE notify_announcements SET status = $1 WHERE reference = $2 AND status = $3";
        let n = on_tx!(self, |c| sqlx::query(sql)
            .bind(to)
            .bind(reference)
            .bind(from)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("updating the announcement")?;
        Ok(n == 1)
    }

    /// Cancels the reminders not yet delivered (held by quiet hours, waiting for a
    /// retry) of bills that are paid now (`to_pay_gr` 0 in the import of this
    /// transaction): a reminder must never ask for a bill the last import shows as
    /// paid. Returns how many.
    pub async fn cancel_reminders_of_paid_bills(&mut self) -> anyhow::Result<u64> {
        let sql = "UPDATE outbox SET status = 'failed', last_error = $1 \
                   WHERE status = 'pending' \
                   AND (dedupe_key LIKE 'notify:due_soon:%' OR dedupe_key LIKE 'notify:overdue:%') \
                   AND EXISTS (SELECT 1 FROM invoices i WHERE i.to_pay_gr <= 0 \
                     AND (outbox.dedupe_key LIKE 'notify:due_soon:' || i.number || ':%' \
                       OR outbox.dedupe_key LIKE 'notify:overdue:' || i.number || ':%'))";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(PAID)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("cancelling the reminders of paid bills")
    }

    /// Cancels the notices of `event` not yet delivered; returns how many.
    pub async fn cancel_notices(&mut self, event: &str) -> anyhow::Result<u64> {
        let sql = "UPDATE outbox SET status = 'failed', last_error = $1 \
                   WHERE dedupe_key LIKE $2 AND status = 'pending'";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(CANCELLED)
            .bind(format!("notify:{event}:%"))
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("cancelling notices")
    }
}

impl Store {
    /// The kinds turned on for the target, and what quiet hours do to it.
    pub async fn subscriptions(
        &self,
        account_id: i64,
        channel: &str,
        recipient: &str,
    ) -> anyhow::Result<(Vec<String>, crate::domain::notice::QuietMode)> {
        let kinds_sql = "SELECT kind FROM notify_subscriptions \
                         WHERE account_id = $1 AND channel = $2 AND recipient = $3";
        let kinds: Vec<String> = on_pool!(self, |p| sqlx::query_scalar(kinds_sql)
            .bind(account_id)
            .bind(channel)
            .bind(recipient)
            .fetch_all(p)
            .await)
        .context("reading the notification settings")?;
        let quiet_sql = "SELECT quiet_mode FROM notify_targets \
                         WHERE account_id = $1 AND channel = $2 AND recipient = $3";
        let quiet: Option<String> = on_pool!(self, |p| sqlx::query_scalar(quiet_sql)
            .bind(account_id)
            .bind(channel)
            .bind(recipient)
            .fetch_optional(p)
            .await)
        .context("reading the quiet hours")?;
        let mode = quiet.map_or_else(Default::default, |m| {
            crate::domain::notice::QuietMode::from_stored(&m)
        });
        Ok((kinds, mode))
    }

    /// How many targets (chats, the address on file) the account gets notices on.
    pub async fn subscription_targets(&self, account_id: i64) -> anyhow::Result<i64> {
        let sql = "SELECT COUNT(*) FROM (SELECT DISTINCT channel, recipient \
                   FROM notify_subscriptions WHERE account_id = $1) t";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(account_id)
            .fetch_one(p)
            .await)
        .context("counting the notification targets")
    }

    pub async fn announcement_draft(
        &self,
        reference: &str,
    ) -> anyhow::Result<Option<AnnouncementDraft>> {
        let sql = "SELECT reference, staff, kind, title, body, valid_from, valid_to, areas, status \
                   FROM notify_announcements WHERE reference = $1";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(reference)
            .fetch_optional(p)
            .await)
        .context("reading the announcement")
    }

    /// How many customers (of `areas`; `None`: all) an announcement reaches, and on how
    /// many chats and addresses they asked for announcements.
    pub async fn announcement_reach(&self, areas: Option<&[&str]>) -> anyhow::Result<Reach> {
        let filter = match areas {
            None => String::new(),
            Some(list) => format!(" AND c.area IN {}", placeholders(1, list.len())),
        };
        let customers_sql = format!("SELECT COUNT(*) FROM customers c WHERE 1 = 1{filter}");
        let targets_sql = format!(
            "SELECT r.channel, COUNT(DISTINCT r.recipient) FROM notify_recipients r \
             JOIN customers c ON c.id = r.customer_id \
             WHERE r.kind = 'announcement'{filter} GROUP BY r.channel"
        );
        let list = areas.unwrap_or(&[]);
        let customers: i64 = on_pool!(self, |p| {
            let mut q = sqlx::query_scalar(&customers_sql);
            for a in list {
                q = q.bind(*a);
            }
            q.fetch_one(p).await
        })
        .context("counting the customers reached")?;
        let targets: Vec<(String, i64)> = on_pool!(self, |p| {
            let mut q = sqlx::query_as(&targets_sql);
            for a in list {
                q = q.bind(*a);
            }
            q.fetch_all(p).await
        })
        .context("counting the chats reached")?;
        let count = |ch: &str| targets.iter().find(|(c, _)| c == ch).map_or(0, |(_, n)| *n);
        Ok(Reach {
            customers,
            chats: count("telegram"),
            emails: count("email"),
        })
    }

    /// The notices of `event` by state.
    pub async fn notice_progress(&self, event: &str) -> anyhow::Result<Progress> {
        let sql = "SELECT status, CASE WHEN last_error = $2 THEN 1 ELSE 0 END, COUNT(*) \
                   FROM outbox WHERE dedupe_key LIKE $1 \
                   GROUP BY status, CASE WHEN last_error = $2 THEN 1 ELSE 0 END";
        let rows: Vec<(String, i32, i64)> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(format!("notify:{event}:%"))
            .bind(CANCELLED)
            .fetch_all(p)
            .await)
        .context("reading the progress")?;
        let mut progress = Progress::default();
        for (status, cancelled, n) in rows {
            match (status.as_str(), cancelled) {
                ("sent", _) => progress.sent += n,
                ("pending", _) => progress.waiting += n,
                (_, 1) => progress.cancelled += n,
                _ => progress.failed += n,
            }
        }
        Ok(progress)
    }

    /// Notices by kind, channel and state; pending ones not yet due are counted as held.
    pub async fn notify_status(&self, at: DateTime<Utc>) -> anyhow::Result<Vec<KindStatus>> {
        let kind = match self.backend() {
            Backend::Sqlite => "substr(dedupe_key, 8, instr(substr(dedupe_key, 8), ':') - 1)",
            Backend::Postgres => "split_part(dedupe_key, ':', 2)",
        };
        // An announcement's edits and notes (its change or end) are counted apart.
        let kind = format!(
            "CASE WHEN dedupe_key LIKE 'notify:announcement:%:edit:%' THEN 'announce-edit' \
             WHEN dedupe_key LIKE 'notify:announcement:%:note:%' THEN 'announce-note' \
             ELSE {kind} END"
        );
        let sql = format!(
            "SELECT {kind} AS kind, channel, status, COUNT(*) AS count, \
               COALESCE(SUM(CASE WHEN status = 'pending' AND next_attempt_at > $1 THEN 1 ELSE 0 END), 0) AS held, \
               MIN(CASE WHEN status = 'pending' THEN created_at END) AS oldest \
             FROM outbox WHERE dedupe_key LIKE 'notify:%' \
             GROUP BY {kind}, channel, status ORDER BY 1, 2, 3"
        );
        on_pool!(self, |p| sqlx::query_as(&sql).bind(at).fetch_all(p).await)
            .context("counting the notices")
    }

    /// The payload of one notice of `event` (the first written), for a preview.
    pub async fn notice_payload(&self, event: &str) -> anyhow::Result<Option<String>> {
        let sql = "SELECT payload FROM outbox WHERE dedupe_key LIKE $1 ORDER BY id LIMIT 1";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(format!("notify:{event}:%"))
            .fetch_optional(p)
            .await)
        .context("reading a notice")
    }

    /// Unpaid bills due by `until` of customers someone gets due-soon or overdue notices
    /// for.
    pub async fn unpaid_bills_to_remind(
        &self,
        until: NaiveDate,
    ) -> anyhow::Result<Vec<UnpaidBill>> {
        let sql = "SELECT i.number, i.customer_id, i.due_date, i.to_pay_gr, \
                   c.kind AS customer_kind, c.interest_regime \
                   FROM invoices i JOIN customers c ON c.id = i.customer_id \
                   WHERE i.to_pay_gr > 0 AND i.due_date <= $1 AND i.customer_id IN (\
                     SELECT customer_id FROM notify_recipients \
                     WHERE kind IN ('due_soon', 'overdue')) \
                   ORDER BY i.due_date, i.number";
        on_pool!(self, |p| sqlx::query_as(sql).bind(until).fetch_all(p).await)
            .context("reading the unpaid bills")
    }
}
