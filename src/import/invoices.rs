//! invoices.csv: invoices, corrections and interest notes with their amounts.

use super::error::Errors;
use super::fields::CsvFile;
use super::fields::{Spec, show_grosze};
use super::known::Claim;
use super::known::Known;
use super::pdf::Pdfs;
use super::report::FileReport;
use super::rowhash::RowHash;
use super::{Pending, Run, duplicate};
use crate::domain::model::InvoiceKind;
use crate::store::import::InvoiceRow;

pub static SPEC: Spec = Spec {
    file: "invoices.csv",
    required: &[
        "number",
        "customer",
        "kind",
        "issue_date",
        "due_date",
        "charge",
        "credited",
        "to_pay",
    ],
    optional: &["description", "interest", "pdf"],
};

pub(super) async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    // Two threads at work: while SQLite's worker writes one batch, this one reads the
    // next.
    let mut ready: Pending<InvoiceRow> = Pending::default();
    let mut more = true;
    while more || !ready.is_empty() {
        // PDFs of the rows in `ready` go in before the rows that point at them.
        run.store_pdfs().await?;
        let writing = run.writing();
        let Run {
            tx,
            errors,
            customers,
            invoices,
            pdfs,
            ..
        } = &mut *run;
        let batches = ready.take();
        let write = async {
            let mut ids = Vec::new();
            if writing {
                for (rows, new) in batches {
                    ids.extend(tx.upsert_invoices(&rows, new).await?);
                }
            }
            anyhow::Ok(ids)
        };
        let mut next = Pending::default();
        let read = async {
            more && read_batch(
                &mut file,
                errors,
                customers,
                invoices,
                pdfs,
                &mut report,
                &mut next,
                writing,
            )
        };
        let (written, still_more) = futures::join!(write, read);
        invoices.set_ids(written?);
        more = still_more;
        ready = next;
    }
    Ok(report)
}

/// Reads rows into `next` until it is full; false when the file (or the patience for
/// errors) has ended.
#[allow(clippy::too_many_arguments)]
fn read_batch(
    file: &mut CsvFile,
    errors: &mut Errors,
    customers: &Known,
    invoices: &mut Known,
    pdfs: &mut Pdfs,
    report: &mut FileReport,
    next: &mut Pending<InvoiceRow>,
    writing: bool,
) -> bool {
    while !errors.full() && !next.full() {
        let Some(row) = file.next_row(errors) else {
            return false;
        };
        report.rows += 1;
        let Some(number) = row.number(errors, "number") else {
            continue;
        };
        let claim = invoices.claim(number, row.line);
        if let Claim::Duplicate(first) = claim {
            duplicate(errors, &row, "number", "invoice number", number, first);
            continue;
        }
        let owner = Run::customer(errors, customers, &row, "customer");
        let kind: Option<InvoiceKind> = row.choice(errors, "kind");
        let issue_date = row.date(errors, "issue_date");
        let due_date = row.date(errors, "due_date");
        let charge = row.amount(errors, "charge");
        let credited = row.amount(errors, "credited");
        let to_pay = row.amount(errors, "to_pay");
        let interest = row.opt_amount(errors, "interest");
        let pdf = Run::pdf(errors, pdfs, &row, "pdf");
        if let (Some(issue), Some(due)) = (issue_date, due_date)
            && due < issue
        {
            row.error(
                errors,
                "due_date",
                format!("{due} is before issue_date {issue}"),
            );
        }
        if let (Some(c), Some(cr), Some(tp)) = (charge, credited, to_pay)
            && tp != c - cr
        {
            row.error(
                errors,
                "to_pay",
                format!(
                    "{} is not charge − credited = {} − {} = {}",
                    show_grosze(tp),
                    show_grosze(c),
                    show_grosze(cr),
                    show_grosze(c - cr)
                ),
            );
        }
        if let Some(Some(i)) = interest
            && i < 0
        {
            row.error(errors, "interest", "interest cannot be negative");
        }
        let description = row.raw("description");
        let slot = match claim {
            Claim::New(s) | Claim::Existing(s) => s,
            Claim::Duplicate(_) => continue,
        };
        // Kept even for a row with errors, so item lines do not report it missing too.
        if let (Some(owner), Some(charge)) = (owner, charge) {
            let entry = invoices.entry_mut(slot);
            entry.owner = owner;
            entry.extra = charge;
        }
        let (
            Some(owner),
            Some(kind),
            Some(issue_date),
            Some(due_date),
            Some(charge_gr),
            Some(credited_gr),
            Some(to_pay_gr),
            Some(interest_gr),
            Ok(pdf),
        ) = (
            owner, kind, issue_date, due_date, charge, credited, to_pay, interest, pdf,
        )
        else {
            continue;
        };
        let (hash, row_hash) = RowHash::new()
            .text(customers.key(owner))
            .text(kind.as_str())
            .date(issue_date)
            .date(due_date)
            .text(description)
            .int(charge_gr)
            .int(credited_gr)
            .int(to_pay_gr)
            .opt_int(interest_gr)
            .opt(pdf.as_ref().map(|f| f.sha256.as_str()))
            .opt(pdf.as_ref().map(|f| f.name.as_str()))
            .finish();
        if report.count(claim, invoices, hash) && writing {
            next.push(
                claim,
                InvoiceRow {
                    number: number.to_string(),
                    customer_id: customers.entry(owner).id,
                    kind: kind.as_str(),
                    issue_date,
                    due_date,
                    description: description.to_string(),
                    charge_gr,
                    credited_gr,
                    to_pay_gr,
                    interest_gr,
                    pdf_sha256: pdf.as_ref().map(|f| f.sha256.clone()),
                    pdf_name: pdf.map(|f| f.name),
                    row_hash,
                },
            );
        }
    }
    !errors.full()
}
