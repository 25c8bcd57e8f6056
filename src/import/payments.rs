//! payments.csv: money received, optionally settling a named invoice.

use super::fields::Spec;
use super::known::{Claim, Known};
use super::report::FileReport;
use super::rowhash::RowHash;
use super::{Pending, Run, duplicate};
use crate::store::import::PaymentRow;

pub static SPEC: Spec = Spec {
    file: "payments.csv",
    required: &["reference", "customer", "paid_on", "amount"],
    optional: &["invoice", "title"],
};

pub(super) async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    let mut known = Known::new();
    run.tx
        .existing_payments(|row| known.add_existing(row, 0))
        .await?;
    let mut batch: Pending<PaymentRow> = Pending::default();
    while !run.errors.full() {
        let errors = &mut run.errors;
        let Some(row) = file.next_row(errors) else {
            break;
        };
        report.rows += 1;
        let Some(reference) = row.text(errors, "reference") else {
            continue;
        };
        let claim = known.claim(reference, row.line);
        if let Claim::Duplicate(first) = claim {
            duplicate(
                errors,
                &row,
                "reference",
                "payment reference",
                reference,
                first,
            );
            continue;
        }
        let owner = Run::customer(errors, &run.customers, &row, "customer");
        let paid_on = row.date(errors, "paid_on");
        let amount = row.amount(errors, "amount");
        if amount == Some(0) {
            row.error(errors, "amount", "a payment of 0.00 is not a payment");
        }
        let invoice = row.opt_text("invoice");
        if let (Some(number), Some(owner)) = (invoice, owner) {
            match run.invoices.get(number) {
                None => row.error(
                    errors,
                    "invoice",
                    format!("invoice '{number}' is neither in invoices.csv nor in the database"),
                ),
                Some(e) if e.owner != owner => row.error(
                    errors,
                    "invoice",
                    format!(
                        "invoice '{number}' belongs to customer '{}', not to '{}'",
                        run.customers.key(e.owner),
                        run.customers.key(owner)
                    ),
                ),
                Some(_) => {}
            }
        }
        let title = row.raw("title");
        let (Some(owner), Some(paid_on), Some(amount_gr)) = (owner, paid_on, amount) else {
            continue;
        };
        let (hash, row_hash) = RowHash::new()
            .text(run.customers.key(owner))
            .date(paid_on)
            .int(amount_gr)
            .opt(invoice)
            .text(title)
            .finish();
        if report.count(claim, &mut known, hash) && run.writing() {
            batch.push(
                claim,
                PaymentRow {
                    reference: reference.to_string(),
                    customer_id: run.customers.entry(owner).id,
                    paid_on,
                    amount_gr,
                    invoice_number: invoice.map(str::to_string),
                    title: title.to_string(),
                    row_hash,
                },
            );
        }
        if batch.full() {
            flush(run, &mut batch).await?;
        }
    }
    flush(run, &mut batch).await?;
    Ok(report)
}

async fn flush(run: &mut Run<'_>, batch: &mut Pending<PaymentRow>) -> anyhow::Result<()> {
    let batches = batch.take();
    if run.writing() {
        for (rows, new) in batches {
            run.tx.upsert_payments(&rows, new).await?;
        }
    }
    Ok(())
}
