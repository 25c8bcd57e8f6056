//! invoices.csv: invoices, corrections and interest notes with their amounts.

use super::error::Errors;
use super::fields::{CsvFile, Row};
use super::fields::{Spec, show_grosze};
use super::known::Claim;
use super::known::Known;
use super::known::Slot;
use super::pdf::Pdfs;
use super::report::FileReport;
use super::rowhash::RowHash;
use super::totals::ChargeChange;
use super::{Pending, Run, duplicate};
use crate::domain::model::InvoiceKind;
use crate::store::import::InvoiceRow;
use chrono::NaiveDate;

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
    optional: &[
        "description",
        "interest",
        "pdf",
        "interest_for",
        "interest_to",
    ],
};

pub(super) async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let report = FileReport::new(SPEC.file);
    let Some(file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    let new_limit = run.new_rows_per_batch();
    let mut reader = Reader {
        file,
        report,
        refs: Vec::new(),
    };
    let mut ready: Pending<InvoiceRow> = Pending::with_new_limit(new_limit);
    let mut more = true;
    while more || !ready.is_empty() {
        // PDFs of the rows in `ready` go in before the rows that point at them.
        run.store_pdfs().await?;
        let writing = run.writing();
        // The next batch is read (parsed, checked, fingerprinted) on a thread of its
        // own while the database takes this one: the state it needs goes with it.
        let mut parts = Parts::take(run);
        let read = tokio::task::spawn_blocking(move || {
            let mut next = Pending::with_new_limit(new_limit);
            let still_more = more && reader.read_batch(&mut parts, &mut next, writing);
            (reader, parts, next, still_more)
        });
        let batches = ready.take();
        let written = async {
            let mut ids = Vec::new();
            if writing {
                for (rows, new) in batches {
                    ids.extend(run.tx.upsert_invoices(&rows, new, &mut run.bulk).await?);
                }
            }
            anyhow::Ok(ids)
        }
        .await;
        let (back, parts, next, still_more) = read
            .await
            .map_err(|e| anyhow::anyhow!("reading {} failed: {e}", SPEC.file))?;
        reader = back;
        parts.put_back(run);
        run.invoices.set_ids(written?);
        more = still_more;
        ready = next;
    }
    check_note_refs(&mut run.errors, &run.customers, &run.invoices, &reader.refs);
    Ok(reader.report)
}

/// The file and what only the reading side keeps.
struct Reader {
    file: CsvFile,
    report: FileReport,
    refs: Vec<NoteRef>,
}

/// What the reading side borrows from the run while a batch is written.
struct Parts {
    errors: Errors,
    customers: Known,
    invoices: Known,
    pdfs: Pdfs,
    charge_changes: Vec<ChargeChange>,
}

impl Parts {
    fn take(run: &mut Run<'_>) -> Parts {
        let dir = run.dir;
        Parts {
            errors: std::mem::take(&mut run.errors),
            customers: std::mem::take(&mut run.customers),
            invoices: std::mem::take(&mut run.invoices),
            pdfs: std::mem::replace(&mut run.pdfs, Pdfs::new(dir)),
            charge_changes: std::mem::take(&mut run.charge_changes),
        }
    }

    fn put_back(self, run: &mut Run<'_>) {
        run.errors = self.errors;
        run.customers = self.customers;
        run.invoices = self.invoices;
        run.pdfs = self.pdfs;
        run.charge_changes = self.charge_changes;
    }
}

impl Reader {
    fn read_batch(
        &mut self,
        parts: &mut Parts,
        next: &mut Pending<InvoiceRow>,
        writing: bool,
    ) -> bool {
        read_batch(
            &mut self.file,
            &mut parts.errors,
            &parts.customers,
            &mut parts.invoices,
            &mut parts.pdfs,
            &mut self.report,
            next,
            writing,
            &mut self.refs,
            &mut parts.charge_changes,
        )
    }
}

/// An interest note's `interest_for`, checked once the whole file is read (the invoice
/// may come after the note).
pub(super) struct NoteRef {
    line: u64,
    owner: Slot,
    invoice: String,
}

/// The structured fields of an interest note: `Some((interest_for, interest_to))` when
/// usable (both empty for anything else), `None` after recording an error.
fn charged_interest<'r>(
    errors: &mut Errors,
    row: &Row<'r>,
    kind: Option<InvoiceKind>,
    issue_date: Option<NaiveDate>,
    owner: Option<Slot>,
    refs: &mut Vec<NoteRef>,
) -> Option<(Option<&'r str>, Option<NaiveDate>)> {
    let number = row.opt_text("interest_for");
    let to = row.opt_date(errors, "interest_to")?;
    match (number, to) {
        (None, None) => return Some((None, None)),
        (Some(_), Some(_)) if kind != Some(InvoiceKind::InterestNote) => {
            row.error(
                errors,
                "interest_for",
                "only an interest_note names the invoice its interest is for: leave interest_for and interest_to empty",
            );
            return None;
        }
        (Some(_), None) => {
            row.error(
                errors,
                "interest_to",
                "an interest note with interest_for needs interest_to, the last day its interest covers",
            );
            return None;
        }
        (None, Some(_)) => {
            row.error(
                errors,
                "interest_for",
                "an interest note with interest_to needs interest_for, the invoice its interest is for",
            );
            return None;
        }
        (Some(_), Some(_)) => {}
    }
    if let (Some(to), Some(issued)) = (to, issue_date)
        && to > issued
    {
        row.error(
            errors,
            "interest_to",
            format!(
                "{to} is after issue_date {issued}: a note charges interest for days already past"
            ),
        );
        return None;
    }
    if let (Some(number), Some(owner)) = (number, owner) {
        refs.push(NoteRef {
            line: row.line,
            owner,
            invoice: number.to_string(),
        });
    }
    Some((number, to))
}

fn check_note_refs(errors: &mut Errors, customers: &Known, invoices: &Known, refs: &[NoteRef]) {
    for r in refs {
        let reason = match invoices.get(&r.invoice) {
            None => format!(
                "invoice '{}' is neither in invoices.csv nor in the database",
                r.invoice
            ),
            Some(e) if e.owner != r.owner => format!(
                "invoice '{}' belongs to customer '{}', not to '{}'",
                r.invoice,
                customers.key(e.owner),
                customers.key(r.owner)
            ),
            Some(_) => continue,
        };
        errors.push(SPEC.file, r.line, Some("interest_for"), reason);
    }
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
    refs: &mut Vec<NoteRef>,
    charge_changes: &mut Vec<ChargeChange>,
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
        let charged = charged_interest(errors, &row, kind, issue_date, owner, refs);
        let description = row.raw("description");
        let slot = match claim {
            Claim::New(s) | Claim::Existing(s) => s,
            Claim::Duplicate(_) => continue,
        };
        // Kept even for a row with errors, so item lines do not report it missing too.
        if let (Some(owner), Some(charge)) = (owner, charge) {
            let entry = invoices.entry_mut(slot);
            if matches!(claim, Claim::Existing(_)) && entry.extra != charge {
                charge_changes.push(ChargeChange {
                    slot,
                    line: row.line,
                    old_gr: entry.extra,
                    new_gr: charge,
                });
            }
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
            Some((interest_for, interest_to)),
        ) = (
            owner, kind, issue_date, due_date, charge, credited, to_pay, interest, pdf, charged,
        )
        else {
            continue;
        };
        let mut hash = RowHash::new();
        hash.text(customers.key(owner))
            .text(kind.as_str())
            .date(issue_date)
            .date(due_date)
            .text(description)
            .int(charge_gr)
            .int(credited_gr)
            .int(to_pay_gr)
            .opt_int(interest_gr)
            .opt(pdf.as_ref().map(|f| f.sha256.as_str()))
            .opt(pdf.as_ref().map(|f| f.name.as_str()));
        // Only when given, so rows exported without them keep their fingerprints.
        if let Some(number) = interest_for {
            hash.text(number).opt_date(interest_to);
        }
        let (hash, row_hash) = hash.finish();
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
                    interest_for: interest_for.map(str::to_string),
                    interest_to,
                    row_hash,
                },
            );
        }
    }
    !errors.full()
}
