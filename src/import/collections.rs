//! collections.csv: debt-collection cases, from a reminder to court and the bailiff.

use super::fields::Spec;
use super::known::{Claim, Known};
use super::report::FileReport;
use super::rowhash::RowHash;
use super::{Pending, Run, duplicate};
use crate::domain::model::{CollectionStage, CollectionStatus};
use crate::store::import::CollectionRow;

pub static SPEC: Spec = Spec {
    file: "collections.csv",
    required: &[
        "case_number",
        "customer",
        "stage",
        "status",
        "opened_on",
        "updated_on",
        "principal",
    ],
    optional: &[
        "interest",
        "costs",
        "court",
        "signature",
        "bailiff",
        "description",
    ],
};

pub(super) async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    let mut known = Known::new();
    run.tx
        .existing_collections(|row| known.add_existing(row, 0))
        .await?;
    let mut batch: Pending<CollectionRow> = Pending::default();
    while !run.errors.full() {
        let errors = &mut run.errors;
        let Some(row) = file.next_row(errors) else {
            break;
        };
        report.rows += 1;
        let Some(case) = row.text(errors, "case_number") else {
            continue;
        };
        let claim = known.claim(case, row.line);
        if let Claim::Duplicate(first) = claim {
            duplicate(errors, &row, "case_number", "case number", case, first);
            continue;
        }
        let owner = Run::customer(errors, &run.customers, &row, "customer");
        let stage: Option<CollectionStage> = row.choice(errors, "stage");
        let status: Option<CollectionStatus> = row.choice(errors, "status");
        let opened_on = row.date(errors, "opened_on");
        let updated_on = row.date(errors, "updated_on");
        let principal = row.amount(errors, "principal");
        let interest = row.opt_amount(errors, "interest");
        let costs = row.opt_amount(errors, "costs");
        for (column, value) in [
            ("principal", principal),
            ("interest", interest.flatten()),
            ("costs", costs.flatten()),
        ] {
            if value.is_some_and(|v| v < 0) {
                row.error(errors, column, "cannot be negative");
            }
        }
        if let (Some(opened), Some(updated)) = (opened_on, updated_on)
            && updated < opened
        {
            row.error(
                errors,
                "updated_on",
                format!("{updated} is before opened_on {opened}"),
            );
        }
        let (court, signature, bailiff) = (
            row.opt_text("court"),
            row.opt_text("signature"),
            row.opt_text("bailiff"),
        );
        if stage == Some(CollectionStage::Court) {
            if court.is_none() {
                row.error(errors, "court", "a case in court needs the court's name");
            }
            if signature.is_none() {
                row.error(
                    errors,
                    "signature",
                    "a case in court needs its signature (e.g. I C 1234/25)",
                );
            }
        }
        if stage == Some(CollectionStage::Enforcement) && bailiff.is_none() {
            row.error(errors, "bailiff", "enforcement needs the bailiff's name");
        }
        let description = row.raw("description");
        let (
            Some(owner),
            Some(stage),
            Some(status),
            Some(opened_on),
            Some(updated_on),
            Some(principal_gr),
            Some(interest),
            Some(costs),
        ) = (
            owner, stage, status, opened_on, updated_on, principal, interest, costs,
        )
        else {
            continue;
        };
        let (interest_gr, costs_gr) = (interest.unwrap_or(0), costs.unwrap_or(0));
        let (hash, row_hash) = RowHash::new()
            .text(run.customers.key(owner))
            .text(stage.as_str())
            .text(status.as_str())
            .date(opened_on)
            .date(updated_on)
            .int(principal_gr)
            .int(interest_gr)
            .int(costs_gr)
            .opt(court)
            .opt(signature)
            .opt(bailiff)
            .text(description)
            .finish();
        if report.count(claim, &mut known, hash) && run.writing() {
            batch.push(
                claim,
                CollectionRow {
                    case_number: case.to_string(),
                    customer_id: run.customers.entry(owner).id,
                    stage: stage.as_str(),
                    status: status.as_str(),
                    opened_on,
                    updated_on,
                    principal_gr,
                    interest_gr,
                    costs_gr,
                    court: court.map(str::to_string),
                    signature: signature.map(str::to_string),
                    bailiff: bailiff.map(str::to_string),
                    description: description.to_string(),
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

async fn flush(run: &mut Run<'_>, batch: &mut Pending<CollectionRow>) -> anyhow::Result<()> {
    let batches = batch.take();
    if run.writing() {
        for (rows, new) in batches {
            run.tx.upsert_collections(&rows, new).await?;
        }
    }
    Ok(())
}
