//! The events and their keys. Every producer writes through [`Tx::notify_fanout`] in
//! the transaction of the change that causes the event:
//!
//! | event | key | written by |
//! |---|---|---|
//! | new invoice, correction, interest note | `invoice:<number>` | the import |
//! | payment booked | `payment:<reference>` | the import |
//! | collection case opened / changed stage | `collection:<case>:<stage>` | the import |
//! | announcement | `announcement:<reference>` | staff (`komunikat`), the import |
//! | due soon | `due_soon:<number>` | the scheduler |
//! | overdue | `overdue:<number>` | the scheduler |

use crate::domain::area;
use crate::domain::notice::{Kind, Timing};
use crate::store::{Fanout, Marks, Param, Tx, URGENT, placeholders};
use chrono::NaiveDate;

/// Notices of what an import brought: documents and payments new in it (ids above
/// `marks`, so importing the same files again produces nothing, and a customer's first
/// import — before any account could subscribe — never does), invoices only when issued
/// on or after the day the customer subscribed; collection cases opened or moved to a
/// new stage by it; new announcements still in force. Returns the rows written.
pub async fn after_import(tx: &mut Tx, marks: &Marks, timing: Timing) -> anyhow::Result<u64> {
    let mut written = 0;
    written += tx
        .notify_fanout(&Fanout {
            kind: Kind::Invoice,
            source: "SELECT 'invoice:' || i.number AS ev_key, i.customer_id, i.issue_date AS ev_on, \
                     i.number, i.kind AS doc_kind, i.issue_date, i.due_date, i.charge_gr, i.to_pay_gr \
                     FROM invoices i WHERE i.id > $6",
            fields: &["number", "doc_kind", "issue_date", "due_date", "charge_gr", "to_pay_gr"],
            params: vec![Param::Int(marks.invoices)],
            timing,
            priority: 0,
            since: true,
        })
        .await?;
    written += tx
        .notify_fanout(&Fanout {
            kind: Kind::Payment,
            source: "SELECT 'payment:' || p.reference AS ev_key, p.customer_id, p.paid_on AS ev_on, \
                     p.reference, p.paid_on, p.amount_gr, p.invoice_number, p.title \
                     FROM payments p WHERE p.id > $6",
            fields: &["reference", "paid_on", "amount_gr", "invoice_number", "title"],
            params: vec![Param::Int(marks.payments)],
            timing,
            priority: 0,
            since: false,
        })
        .await?;
    // Cases whose (case, stage) was not there before: opened, or moved to a new stage.
    for (case, stage) in tx.collection_stages().await? {
        if marks.collection_stages.contains(&(case.clone(), stage)) {
            continue;
        }
        written += tx
            .notify_fanout(&Fanout {
                kind: Kind::Collection,
                source: "SELECT 'collection:' || k.case_number || ':' || k.stage AS ev_key, k.customer_id, \
                         k.updated_on AS ev_on, k.case_number, k.stage, k.opened_on, k.updated_on, \
                         k.principal_gr, k.interest_gr, k.costs_gr, k.court, k.signature \
                         FROM collections k WHERE k.case_number = $6",
                fields: &[
                    "case_number", "stage", "opened_on", "updated_on", "principal_gr",
                    "interest_gr", "costs_gr", "court", "signature",
                ],
                params: vec![Param::Text(case)],
                timing,
                priority: 0,
                since: false,
            })
            .await?;
    }
    for (reference, kind, areas) in tx.new_messages(marks.messages, timing.today()).await? {
        let targets = area::targets(areas.as_deref().unwrap_or(""));
        written += announcement(tx, &reference, &kind, &targets, timing).await?;
    }
    Ok(written)
}

/// Notices of the announcement `reference` (already in `messages`) to the subscribers
/// among the customers of `targets` (empty: everyone). A failure is urgent: delivered
/// first and not held by quiet hours.
pub async fn announcement(
    tx: &mut Tx,
    reference: &str,
    kind: &str,
    targets: &[String],
    timing: Timing,
) -> anyhow::Result<u64> {
    let urgent = kind == "failure";
    let (filter, mut params) = if targets.is_empty() {
        (String::new(), vec![])
    } else {
        let areas = tx.customer_areas().await?;
        let reached: Vec<Param> = area::reached(targets, &areas)
            .into_iter()
            .map(|a| Param::Text(a.to_string()))
            .collect();
        (
            format!(" AND c.area IN {}", placeholders(7, reached.len())),
            reached,
        )
    };
    params.insert(0, Param::Text(reference.to_string()));
    let source = format!(
        "SELECT 'announcement:' || m.reference AS ev_key, c.id AS customer_id, m.valid_from AS ev_on, \
         m.reference, m.kind AS message_kind, m.title, m.body, m.valid_from, m.valid_to \
         FROM messages m CROSS JOIN customers c WHERE m.reference = $6{filter}"
    );
    let rows = tx
        .notify_fanout(&Fanout {
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
        })
        .await?;
    tracing::info!(event = %format!("announcement:{reference}"), kind, urgent, notices = rows, "notices written");
    Ok(rows)
}

/// A reminder of one unpaid bill: `due_soon` before its effective due date, `overdue`
/// after it (with the interest it accrues per day, in grosze, rounded).
pub async fn bill_reminder(
    tx: &mut Tx,
    kind: Kind,
    number: &str,
    effective_due: NaiveDate,
    interest_per_day_gr: i64,
    timing: Timing,
) -> anyhow::Result<u64> {
    let prefix = kind.as_str();
    let source = format!(
        "SELECT '{prefix}:' || i.number AS ev_key, i.customer_id, i.due_date AS ev_on, \
         i.number, i.kind AS doc_kind, i.due_date, $7 AS effective_due, i.to_pay_gr, \
         $8 AS interest_per_day_gr FROM invoices i WHERE i.number = $6"
    );
    tx.notify_fanout(&Fanout {
        kind,
        source: &source,
        fields: &[
            "number",
            "doc_kind",
            "due_date",
            "effective_due",
            "to_pay_gr",
            "interest_per_day_gr",
        ],
        params: vec![
            Param::Text(number.to_string()),
            Param::Date(effective_due),
            Param::Int(interest_per_day_gr),
        ],
        timing,
        priority: 0,
        since: false,
    })
    .await
}
