//! contracts.csv: heat-sales contracts and their annexes (an annex names its contract).

use super::fields::Spec;
use super::known::{Claim, Slot};
use super::pdf::PdfRef;
use super::report::FileReport;
use super::rowhash::RowHash;
use super::{Pending, Run, duplicate};
use crate::domain::model::{ContractKind, ContractStatus};
use crate::store::import::ContractRow;
use chrono::NaiveDate;

pub static SPEC: Spec = Spec {
    file: "contracts.csv",
    required: &[
        "number",
        "customer",
        "kind",
        "title",
        "signed_on",
        "valid_from",
        "status",
    ],
    optional: &["parent", "valid_to", "pdf"],
};

/// A contract row read and checked on its own; parents are checked once all are read.
struct Parsed {
    line: u64,
    claim: Claim,
    number: String,
    owner: Slot,
    kind: ContractKind,
    parent: Option<String>,
    title: String,
    signed_on: NaiveDate,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    status: ContractStatus,
    pdf: Option<PdfRef>,
}

pub(super) async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    // First pass: every row on its own, so an annex may come before its contract.
    let mut parsed = Vec::new();
    while !run.errors.full() {
        let errors = &mut run.errors;
        let Some(row) = file.next_row(errors) else {
            break;
        };
        report.rows += 1;
        let Some(number) = row.number(errors, "number") else {
            continue;
        };
        let claim = run.contracts.claim(number, row.line);
        if let Claim::Duplicate(first) = claim {
            duplicate(errors, &row, "number", "contract number", number, first);
            continue;
        }
        let owner = Run::customer(errors, &run.customers, &row, "customer");
        let kind: Option<ContractKind> = row.choice(errors, "kind");
        let title = row.text(errors, "title");
        let signed_on = row.date(errors, "signed_on");
        let valid_from = row.date(errors, "valid_from");
        let valid_to = row.opt_date(errors, "valid_to");
        let status: Option<ContractStatus> = row.choice(errors, "status");
        let pdf = Run::pdf(errors, &mut run.pdfs, &row, "pdf");
        let parent = row.opt_text("parent");
        match (kind, parent) {
            (Some(ContractKind::Annex), None) => row.error(
                errors,
                "parent",
                "an annex needs the number of its contract",
            ),
            (Some(ContractKind::Contract), Some(_)) => row.error(
                errors,
                "parent",
                "only an annex has a parent contract: leave it empty for a contract",
            ),
            _ => {}
        }
        if let (Some(from), Some(Some(to))) = (valid_from, valid_to)
            && to < from
        {
            row.error(
                errors,
                "valid_to",
                format!("{to} is before valid_from {from}"),
            );
        }
        let (
            Some(owner),
            Some(kind),
            Some(title),
            Some(signed_on),
            Some(valid_from),
            Some(valid_to),
            Some(status),
            Ok(pdf),
        ) = (
            owner, kind, title, signed_on, valid_from, valid_to, status, pdf,
        )
        else {
            continue;
        };
        let slot = match claim {
            Claim::New(s) | Claim::Existing(s) => s,
            Claim::Duplicate(_) => continue,
        };
        let entry = run.contracts.entry_mut(slot);
        entry.owner = owner;
        entry.extra = i64::from(kind == ContractKind::Annex);
        parsed.push(Parsed {
            line: row.line,
            claim,
            number: number.to_string(),
            owner,
            kind,
            parent: parent.map(str::to_string),
            title: title.to_string(),
            signed_on,
            valid_from,
            valid_to,
            status,
            pdf,
        });
    }
    run.store_pdfs().await?;

    let mut batch: Pending<ContractRow> = Pending::default();
    for p in parsed {
        if let Some(parent) = &p.parent
            && !parent_is_valid(run, &p, parent)
        {
            continue;
        }
        let (hash, row_hash) = RowHash::new()
            .text(run.customers.key(p.owner))
            .text(p.kind.as_str())
            .opt(p.parent.as_deref())
            .text(&p.title)
            .date(p.signed_on)
            .date(p.valid_from)
            .opt_date(p.valid_to)
            .text(p.status.as_str())
            .opt(p.pdf.as_ref().map(|f| f.sha256.as_str()))
            .opt(p.pdf.as_ref().map(|f| f.name.as_str()))
            .finish();
        if report.count(p.claim, &mut run.contracts, hash) {
            batch.push(
                p.claim,
                ContractRow {
                    customer_id: run.customers.entry(p.owner).id,
                    kind: p.kind.as_str(),
                    parent_number: p.parent,
                    title: p.title,
                    signed_on: p.signed_on,
                    valid_from: p.valid_from,
                    valid_to: p.valid_to,
                    status: p.status.as_str(),
                    pdf_sha256: p.pdf.as_ref().map(|f| f.sha256.clone()),
                    pdf_name: p.pdf.map(|f| f.name),
                    number: p.number,
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

/// An annex must point at a contract (not an annex) of the same customer.
fn parent_is_valid(run: &mut Run<'_>, p: &Parsed, parent: &str) -> bool {
    let reason = match run.contracts.get(parent) {
        None => format!("contract '{parent}' is neither in contracts.csv nor in the database"),
        Some(e) if e.extra == 1 => {
            format!("'{parent}' is an annex; an annex must name a contract")
        }
        Some(e) if e.owner != p.owner => format!(
            "contract '{parent}' belongs to customer '{}', not to '{}'",
            run.customers.key(e.owner),
            run.customers.key(p.owner)
        ),
        Some(_) => return true,
    };
    run.errors.push(SPEC.file, p.line, Some("parent"), reason);
    false
}

async fn flush(run: &mut Run<'_>, batch: &mut Pending<ContractRow>) -> anyhow::Result<()> {
    let batches = batch.take();
    if run.writing() {
        for (rows, new) in batches {
            let written = run.tx.upsert_contracts(&rows, new).await?;
            run.contracts.set_ids(written);
        }
    }
    Ok(())
}
