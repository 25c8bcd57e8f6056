//! Which notices an event produces, and when. The import, staff and the scheduler call
//! these in the transaction of the change that causes the event; the store writes each
//! as one set-based fan-out (`store/fan_out.rs`), the notices typed in
//! [`crate::domain::notice`]:
//!
//! | event | key | written by |
//! |---|---|---|
//! | new invoice, correction, interest note | `invoice:<number>` | the import |
//! | payment booked | `payment:<reference>` | the import |
//! | collection case opened / changed stage | `collection:<case>:<stage>` | the import |
//! | announcement | `announcement:<reference>` | staff (`komunikat`), the import |
//! | due soon | `due_soon:<number>`, on the due day `due_soon:<number>:today` | the scheduler |
//! | overdue | `overdue:<number>`, then `overdue:<number>:<round>` | the scheduler |

use crate::domain::area;
use crate::domain::notice::Timing;
use crate::store::{Marks, Tx};

/// Notices of what an import brought: documents and payments new in it (ids above
/// `marks`, so importing the same files again produces nothing, and a customer's first
/// import — before any account could subscribe — never does), invoices only when issued
/// on or after the day the customer subscribed; collection cases opened or moved to a
/// new stage by it; new announcements still in force. Reminders not yet delivered of
/// bills it shows paid are cancelled. Returns the rows written.
pub async fn after_import(tx: &mut Tx, marks: &Marks, timing: Timing) -> anyhow::Result<u64> {
    let paid = tx.cancel_reminders_of_paid_bills().await?;
    if paid > 0 {
        tracing::info!(
            reminders = paid,
            "reminders of bills paid meanwhile cancelled"
        );
    }
    let mut written = tx.fan_out_new_invoices(marks.invoices, timing).await?;
    written += tx.fan_out_new_payments(marks.payments, timing).await?;
    // Cases whose (case, stage) was not there before: opened, or moved to a new stage.
    for (case, stage) in tx.collection_stages().await? {
        if !marks.collection_stages.contains(&(case.clone(), stage)) {
            written += tx.fan_out_collection_stage(&case, timing).await?;
        }
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
    let rows = if targets.is_empty() {
        tx.fan_out_announcement(reference, None, urgent, timing)
            .await?
    } else {
        let areas = tx.customer_areas().await?;
        let reached = area::reached(targets, &areas);
        tx.fan_out_announcement(reference, Some(&reached), urgent, timing)
            .await?
    };
    tracing::info!(event = %format!("announcement:{reference}"), kind, urgent, notices = rows, "notices written");
    Ok(rows)
}
