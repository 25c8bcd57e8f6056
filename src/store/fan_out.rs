//! The fan-out of an event to its recipients: one set-based INSERT … SELECT per event
//! (or set of events), in the caller's transaction. For each subscriber of the event's
//! kind it writes an outbox row whose payload is the event's notice as JSON
//! (`domain::notice`: `Invoice`, `Payment`, `Collection`, `Announcement`, `Reminder`),
//! built by the database, so a broadcast to 100,000 chats is one statement. The dedupe
//! key `notify:<event key>:<channel>:<recipient>` makes a notice once per recipient,
//! whoever writes it and however often (a row written before is not written again).
//!
//! Each method returns how many rows are new. The JSON fields of each event are named
//! here beside the columns they come from; `tests/integration/notify_typed.rs` reads every
//! row back as its typed notice, on both databases.

use super::notify::placeholders;
use super::{Backend, Tx};
use crate::domain::notice::{Kind, Notice, Reminding, Timing};
use anyhow::Context;
use chrono::NaiveDate;

/// The outbox priority of an urgent notice: delivered first, not held by quiet hours.
const URGENT: i32 = 10;

/// Notices written at once from which PostgreSQL's statistics of the outbox are renewed.
const BIG_FANOUT: u64 = 1_000;

/// A parameter of an event query.
#[derive(Debug, Clone)]
enum Param {
    Int(i64),
    Text(String),
    Date(NaiveDate),
}

/// One event (or a set of them) to write as notices. `source` is a SELECT yielding
/// `ev_key` (the event's stable key), `customer_id`, `ev_on` (the event's date, checked
/// against the subscription's first day when `since` is set) and one column per name in
/// `fields`, which become the notice's data beside the account and customer; its own
/// parameters start at `$6` (see [`fan_out_sql`] for `$1`–`$5`).
struct Event<'a> {
    kind: Kind,
    source: &'a str,
    fields: &'a [&'a str],
    params: Vec<Param>,
    timing: Timing,
    priority: i32,
    since: bool,
    /// More conditions on the recipient `r` (`" AND …"`), or "".
    filter: &'a str,
}

fn json_object(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "json_object",
        Backend::Postgres => "json_build_object",
    }
}

/// The INSERT … SELECT of an event. Parameters: $1 template, $2 held-until, $3 now,
/// $4 priority, $5 kind, then the event's own.
fn fan_out_sql(backend: Backend, e: &Event<'_>) -> String {
    let obj = json_object(backend);
    let fields: String = e
        .fields
        .iter()
        .map(|name| format!(", '{name}', ev.{name}"))
        .collect();
    let since = if e.since {
        " AND ev.ev_on >= r.since_on"
    } else {
        ""
    };
    format!(
        "INSERT INTO outbox (dedupe_key, channel, recipient, payload, next_attempt_at, created_at, priority) \
         SELECT 'notify:' || ev.ev_key || ':' || r.channel || ':' || r.recipient, r.channel, r.recipient, \
           CAST({obj}('lang', r.lang, 'template', $1, 'data', {obj}(\
             'event', ev.ev_key, 'account', r.identifier, 'customer', c.number, \
             'customer_name', c.name{fields})) AS TEXT), \
           CASE WHEN r.quiet THEN $2 ELSE $3 END, $3, $4 \
         FROM ({source}) ev \
         JOIN notify_recipients r ON r.customer_id = ev.customer_id AND r.kind = $5{since} \
         JOIN customers c ON c.id = ev.customer_id \
         WHERE r.recipient IS NOT NULL{filter} \
         ON CONFLICT (dedupe_key) DO NOTHING",
        source = e.source,
        filter = e.filter
    )
}

impl Tx {
    /// Notices of the invoices, corrections and interest notes with ids above
    /// `after_id` (new in an import), to those who turned `invoice` on by the day the
    /// document was issued.
    pub async fn fan_out_new_invoices(
        &mut self,
        after_id: i64,
        timing: Timing,
    ) -> anyhow::Result<u64> {
        self.fan_out(&Event {
            kind: Kind::Invoice,
            source: "SELECT 'invoice:' || i.number AS ev_key, i.customer_id, i.issue_date AS ev_on, \
                     i.number, i.kind AS doc_kind, i.issue_date, i.due_date, i.charge_gr, i.to_pay_gr \
                     FROM invoices i WHERE i.id > $6",
            fields: &["number", "doc_kind", "issue_date", "due_date", "charge_gr", "to_pay_gr"],
            params: vec![Param::Int(after_id)],
            timing,
            priority: 0,
            since: true,
            filter: "",
        })
        .await
    }

    /// Notices of the payments with ids above `after_id` (booked by an import).
    pub async fn fan_out_new_payments(
        &mut self,
        after_id: i64,
        timing: Timing,
    ) -> anyhow::Result<u64> {
        self.fan_out(&Event {
            kind: Kind::Payment,
            source: "SELECT 'payment:' || p.reference AS ev_key, p.customer_id, p.paid_on AS ev_on, \
                     p.reference, p.paid_on, p.amount_gr, p.invoice_number, p.title \
                     FROM payments p WHERE p.id > $6",
            fields: &["reference", "paid_on", "amount_gr", "invoice_number", "title"],
            params: vec![Param::Int(after_id)],
            timing,
            priority: 0,
            since: false,
            filter: "",
        })
        .await
    }

    /// Notices of collection case `case_number` at the stage it is in now (opened, or
    /// moved to a new stage): the event `collection:<case>:<stage>`.
    pub async fn fan_out_collection_stage(
        &mut self,
        case_number: &str,
        timing: Timing,
    ) -> anyhow::Result<u64> {
        self.fan_out(&Event {
            kind: Kind::Collection,
            source: "SELECT 'collection:' || k.case_number || ':' || k.stage AS ev_key, k.customer_id, \
                     k.updated_on AS ev_on, k.case_number, k.stage, k.opened_on, k.updated_on, \
                     k.principal_gr, k.interest_gr, k.costs_gr, k.court, k.signature \
                     FROM collections k WHERE k.case_number = $6",
            fields: &[
                "case_number", "stage", "opened_on", "updated_on", "principal_gr",
                "interest_gr", "costs_gr", "court", "signature",
            ],
            params: vec![Param::Text(case_number.to_string())],
            timing,
            priority: 0,
            since: false,
            filter: "",
        })
        .await
    }

    /// Notices of the announcement `reference` (already in `messages`) to the customers
    /// of `areas` (billing areas as stored; `None`: every customer). An urgent one (a
    /// failure) goes first and is not held by quiet hours.
    pub async fn fan_out_announcement(
        &mut self,
        reference: &str,
        areas: Option<&[&str]>,
        urgent: bool,
        timing: Timing,
    ) -> anyhow::Result<u64> {
        let mut params = vec![Param::Text(reference.to_string())];
        let filter = match areas {
            None => String::new(),
            Some(list) => {
                params.extend(list.iter().map(|a| Param::Text(a.to_string())));
                format!(" AND c.area IN {}", placeholders(7, list.len()))
            }
        };
        let source = format!(
            "SELECT 'announcement:' || m.reference AS ev_key, c.id AS customer_id, m.valid_from AS ev_on, \
             m.reference, m.kind AS message_kind, m.title, m.body, m.valid_from, m.valid_to \
             FROM messages m CROSS JOIN customers c WHERE m.reference = $6{filter}"
        );
        self.fan_out(&Event {
            kind: Kind::Announcement,
            source: &source,
            fields: &[
                "reference",
                "message_kind",
                "title",
                "body",
                "valid_from",
                "valid_to",
            ],
            params,
            timing: if urgent { timing.urgent() } else { timing },
            priority: if urgent { URGENT } else { 0 },
            since: false,
            filter: "",
        })
        .await
    }

    /// Notices of one reminder of the unpaid bill `number` (its effective due date
    /// `effective_due`, the interest one day of delay adds) to those who turned its kind
    /// on; a "due soon" one only to accounts whose lead (`notify_prefs`, else
    /// `default_lead`) reaches `days_left`. Its event key is the reminder's own, so each
    /// reminder goes once.
    pub async fn fan_out_bill_reminder(
        &mut self,
        reminding: Reminding,
        number: &str,
        effective_due: NaiveDate,
        interest_per_day_gr: i64,
        default_lead: u32,
        timing: Timing,
    ) -> anyhow::Result<u64> {
        let (due_today, round, rounds) = match reminding {
            Reminding::DueToday => (1, 0, 0),
            Reminding::DueSoon { .. } => (0, 0, 0),
            Reminding::Overdue { round, rounds } => (0, i64::from(round), i64::from(rounds)),
        };
        let lead = match reminding {
            Reminding::DueSoon { days_left } if days_left > 0 => format!(
                " AND COALESCE((SELECT np.due_soon_days FROM notify_prefs np \
                 WHERE np.account_id = r.account_id), {default_lead}) >= {days_left}"
            ),
            _ => String::new(),
        };
        let source = "SELECT $6 AS ev_key, i.customer_id, i.due_date AS ev_on, \
             i.number, i.kind AS doc_kind, i.due_date, $8 AS effective_due, i.to_pay_gr, \
             $9 AS interest_per_day_gr, i.charge_gr, $10 AS due_today, $11 AS round, \
             $12 AS rounds FROM invoices i WHERE i.number = $7";
        self.fan_out(&Event {
            kind: reminding.kind(),
            source,
            fields: &[
                "number",
                "doc_kind",
                "due_date",
                "effective_due",
                "to_pay_gr",
                "interest_per_day_gr",
                "charge_gr",
                "due_today",
                "round",
                "rounds",
            ],
            params: vec![
                Param::Text(reminding.event_key(number)),
                Param::Text(number.to_string()),
                Param::Date(effective_due),
                Param::Int(interest_per_day_gr),
                Param::Int(due_today),
                Param::Int(round),
                Param::Int(rounds),
            ],
            timing,
            priority: 0,
            since: false,
            filter: &lead,
        })
        .await
    }

    /// Writes the notices of `e` for its current subscribers.
    async fn fan_out(&mut self, e: &Event<'_>) -> anyhow::Result<u64> {
        let sql = fan_out_sql(self.backend(), e);
        let t = &e.timing;
        let template = Notice::template_of(e.kind);
        let rows = on_tx!(self, |c| {
            let mut q = sqlx::query(&sql)
                .bind(template)
                .bind(t.held_until)
                .bind(t.now)
                .bind(e.priority)
                .bind(e.kind.as_str());
            for p in &e.params {
                q = match p {
                    Param::Int(v) => q.bind(*v),
                    Param::Text(v) => q.bind(v.clone()),
                    Param::Date(v) => q.bind(*v),
                };
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .with_context(|| format!("writing {} notices", e.kind))?;
        if rows >= BIG_FANOUT && self.backend() == Backend::Postgres {
            // Fresh statistics in the same transaction, so the first claim after the
            // commit is planned for the rows it must pick from: planned on the stats of
            // a nearly empty outbox, the claim of a 100,000-row broadcast took 11 s
            // instead of 25 ms (docs/benchmarks.md).
            on_tx!(self, |c| sqlx::query("ANALYZE outbox")
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            .context("analyzing the outbox after a large broadcast")?;
        }
        Ok(rows)
    }
}
