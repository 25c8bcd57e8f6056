//! Complaints and requests: filing one (its number from the counter row, in the same
//! transaction), reading them for the customer and for staff, their history and their
//! attachments. The staff's steps and the scheduler's queries are in `case_steps.rs`.

use super::{Store, Tx, now};
use crate::domain::case::{CaseKind, CaseNumber, CaseState, Outcome, Subject};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

/// A case as stored. Description and answer are personal data: `Debug` leaves them out.
#[derive(Clone, sqlx::FromRow, serde::Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub kind: CaseKind,
    #[sqlx(try_from = "String")]
    pub subject: Subject,
    pub customer_id: i64,
    pub account_id: Option<i64>,
    pub filed_by: String,
    pub channel: String,
    pub reply_to: String,
    pub lang: String,
    pub household: bool,
    pub urgent: bool,
    pub invoice_number: Option<String>,
    pub description: String,
    pub form: Option<String>,
    #[sqlx(try_from = "String")]
    pub state: CaseState,
    pub received_on: NaiveDate,
    pub deadline: NaiveDate,
    pub extended: bool,
    pub extension_reason: Option<String>,
    pub assignee: Option<String>,
    pub outcome: Option<String>,
    pub answer: Option<String>,
    pub discount_days: Option<i64>,
    pub discount_gr: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for CaseRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseRow")
            .field("number", &self.number)
            .field("state", &self.state)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl CaseRow {
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome.as_deref().and_then(|o| o.parse().ok())
    }
}

pub(super) const CASE_COLUMNS: &str = "id, number, kind, subject, customer_id, account_id, \
    filed_by, channel, reply_to, lang, household, urgent, invoice_number, description, form, \
    state, received_on, deadline, extended, extension_reason, assignee, outcome, answer, \
    discount_days, discount_gr, created_at, updated_at, closed_at";

/// One step of a case's history: who, when, what (`case_event.<event>` in strings.toml).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub event: String,
    pub detail: String,
}

/// An attachment without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CaseFileMeta {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub added_by: String,
}

/// What filing a case needs.
pub struct NewCase<'a> {
    pub subject: Subject,
    pub customer_id: i64,
    pub account_id: Option<i64>,
    pub filed_by: &'a str,
    pub channel: &'a str,
    pub reply_to: &'a str,
    pub lang: &'a str,
    pub household: bool,
    pub invoice_number: Option<&'a str>,
    pub description: &'a str,
    pub form: Option<&'a str>,
    pub received_on: NaiveDate,
    pub deadline: NaiveDate,
}

impl Tx {
    /// The next number of `kind` in `year`: the counter row is created or raised in
    /// this transaction and stays locked until it ends, so two instances filing at once
    /// get consecutive numbers, and a rolled-back filing leaves no gap.
    async fn next_case_seq(&mut self, kind: CaseKind, year: i32) -> anyhow::Result<i64> {
        let sql = "INSERT INTO case_counters (kind, year, last) VALUES ($1, $2, 1) \
                   ON CONFLICT (kind, year) DO UPDATE SET last = case_counters.last + 1 \
                   RETURNING last";
        on_tx!(self, |c| sqlx::query_scalar::<_, i64>(sql)
            .bind(kind.as_str())
            .bind(year)
            .fetch_one(c)
            .await)
        .context("numbering a case")
    }

    /// Files a case: its number, its row and its first history event.
    pub async fn insert_case(&mut self, c: &NewCase<'_>) -> anyhow::Result<(i64, CaseNumber)> {
        use chrono::Datelike;
        let kind = c.subject.kind();
        let year = c.received_on.year();
        let seq = self.next_case_seq(kind, year).await?;
        let number = CaseNumber { kind, year, seq };
        let sql = "INSERT INTO cases (number, kind, year, seq, subject, customer_id, account_id, \
                   filed_by, channel, reply_to, lang, household, urgent, invoice_number, \
                   description, form, state, received_on, deadline, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                   $16, 'received', $17, $18, $19, $19) RETURNING id";
        let id = on_tx!(self, |conn| sqlx::query_scalar::<_, i64>(sql)
            .bind(number.to_string())
            .bind(kind.as_str())
            .bind(year)
            .bind(seq)
            .bind(c.subject.as_str())
            .bind(c.customer_id)
            .bind(c.account_id)
            .bind(c.filed_by)
            .bind(c.channel)
            .bind(c.reply_to)
            .bind(c.lang)
            .bind(c.household)
            .bind(c.subject.is_disconnection())
            .bind(c.invoice_number)
            .bind(c.description)
            .bind(c.form)
            .bind(c.received_on)
            .bind(c.deadline)
            .bind(now())
            .fetch_one(conn)
            .await)
        .context("filing a case")?;
        self.case_event(id, c.filed_by, "received", "").await?;
        Ok((id, number))
    }

    /// Adds a step to the case's history (and notes the case changed).
    pub async fn case_event(
        &mut self,
        case_id: i64,
        actor: &str,
        event: &str,
        detail: &str,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO case_events (case_id, at, actor, event, detail) \
                   VALUES ($1, $2, $3, $4, $5)";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(case_id)
            .bind(now())
            .bind(actor)
            .bind(event)
            .bind(detail)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("writing a case's history")?;
        let touch = "UPDATE cases SET updated_at = $2 WHERE id = $1";
        on_tx!(self, |c| sqlx::query(touch)
            .bind(case_id)
            .bind(now())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("writing a case's history")?;
        Ok(())
    }

    /// How many attachments the case has (read in the transaction that adds one).
    pub async fn case_file_count(&mut self, case_id: i64) -> anyhow::Result<i64> {
        let sql = "SELECT COUNT(*) FROM case_files WHERE case_id = $1";
        on_tx!(self, |c| sqlx::query_scalar(sql)
            .bind(case_id)
            .fetch_one(c)
            .await)
        .context("counting a case's attachments")
    }

    /// Stores an attachment (already checked: type, size, count).
    pub async fn add_case_file(
        &mut self,
        case_id: i64,
        name: &str,
        content_type: &str,
        body: &[u8],
        added_by: &str,
    ) -> anyhow::Result<()> {
        let sql = "INSERT INTO case_files (case_id, name, content_type, size, body, added_at, \
                   added_by) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(self, |c| sqlx::query(sql)
            .bind(case_id)
            .bind(name)
            .bind(content_type)
            .bind(body.len() as i64)
            .bind(body)
            .bind(now())
            .bind(added_by)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .context("storing a case's attachment")?;
        Ok(())
    }

    /// The case by number, read in this transaction (the row a step changes).
    pub async fn case_for_update(&mut self, number: &str) -> anyhow::Result<Option<CaseRow>> {
        let lock = match self.backend() {
            super::Backend::Postgres => " FOR UPDATE",
            super::Backend::Sqlite => "",
        };
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1{lock}");
        on_tx!(self, |c| sqlx::query_as(&sql)
            .bind(number)
            .fetch_optional(c)
            .await)
        .context("reading a case")
    }
}

impl Store {
    pub async fn case_by_number(&self, number: &str) -> anyhow::Result<Option<CaseRow>> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE number = $1");
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(number)
            .fetch_optional(p)
            .await)
        .context("reading a case")
    }

    /// The customer's cases, newest first.
    pub async fn cases_of_customer(&self, customer_id: i64) -> anyhow::Result<Vec<CaseRow>> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE customer_id = $1 ORDER BY created_at DESC, id DESC"
        );
        on_pool!(self, |p| sqlx::query_as(&sql)
            .bind(customer_id)
            .fetch_all(p)
            .await)
        .context("reading a customer's cases")
    }

    pub async fn case_events(&self, case_id: i64) -> anyhow::Result<Vec<CaseEvent>> {
        let sql = "SELECT at, actor, event, detail FROM case_events WHERE case_id = $1 ORDER BY id";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(case_id)
            .fetch_all(p)
            .await)
        .context("reading a case's history")
    }

    pub async fn case_files(&self, case_id: i64) -> anyhow::Result<Vec<CaseFileMeta>> {
        let sql = "SELECT id, name, content_type, size, added_by FROM case_files \
                   WHERE case_id = $1 ORDER BY id";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(case_id)
            .fetch_all(p)
            .await)
        .context("reading a case's attachments")
    }

    /// The bytes of attachment `file_id` of the case.
    pub async fn case_file_body(
        &self,
        case_id: i64,
        file_id: i64,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let sql = "SELECT body FROM case_files WHERE case_id = $1 AND id = $2";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(case_id)
            .bind(file_id)
            .fetch_optional(p)
            .await)
        .context("reading a case's attachment")
    }

    /// Every number filed of `kind` in `year`, in order (the gap-free check).
    pub async fn case_numbers(&self, kind: CaseKind, year: i32) -> anyhow::Result<Vec<i64>> {
        let sql = "SELECT seq FROM cases WHERE kind = $1 AND year = $2 ORDER BY seq";
        on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(kind.as_str())
            .bind(year)
            .fetch_all(p)
            .await)
        .context("reading case numbers")
    }
}

/// The ordered capacity as the latest invoice charged it: its line's quantity (MW) and
/// net amount (the month's capacity charge, the base of a discount).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct CapacityLine {
    pub invoice_number: String,
    pub mw: String,
    pub net_gr: i64,
}

impl Store {
    pub async fn latest_capacity(&self, customer_id: i64) -> anyhow::Result<Option<CapacityLine>> {
        let sql = "SELECT i.number AS invoice_number, it.quantity AS mw, it.net_gr \
                   FROM invoice_items it JOIN invoices i ON i.id = it.invoice_id \
                   WHERE i.customer_id = $1 AND i.kind = 'invoice' \
                   AND LOWER(it.name) LIKE '%moc%' AND it.unit LIKE 'MW%' \
                   ORDER BY i.issue_date DESC, i.id DESC, it.line_no LIMIT 1";
        on_pool!(self, |p| sqlx::query_as(sql)
            .bind(customer_id)
            .fetch_optional(p)
            .await)
        .context("reading the ordered capacity")
    }
}
