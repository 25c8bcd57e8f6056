//! messages.csv: announcements (failures, interruptions, the summer maintenance break,
//! tariffs, information), optionally for one heat area.

use super::fields::Spec;
use super::known::{Claim, Known};
use super::report::FileReport;
use super::rowhash::RowHash;
use super::{Pending, Run, duplicate};
use crate::domain::model::MessageKind;
use crate::store::import::MessageRow;

pub static SPEC: Spec = Spec {
    file: "messages.csv",
    required: &["reference", "kind", "title", "body", "valid_from"],
    optional: &["valid_to", "area"],
};

pub(super) async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    let mut known = Known::new();
    run.tx
        .existing_messages(|row| known.add_existing(row, 0))
        .await?;
    let mut batch: Pending<MessageRow> = Pending::default();
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
                "message reference",
                reference,
                first,
            );
            continue;
        }
        let kind: Option<MessageKind> = row.choice(errors, "kind");
        let title = row.text(errors, "title");
        let body = row.text(errors, "body");
        let valid_from = row.date(errors, "valid_from");
        let valid_to = row.opt_date(errors, "valid_to");
        if let (Some(from), Some(Some(to))) = (valid_from, valid_to)
            && to < from
        {
            row.error(
                errors,
                "valid_to",
                format!("{to} is before valid_from {from}"),
            );
        }
        let area = row.opt_text("area");
        let (Some(kind), Some(title), Some(body), Some(valid_from), Some(valid_to)) =
            (kind, title, body, valid_from, valid_to)
        else {
            continue;
        };
        let (hash, row_hash) = RowHash::new()
            .text(kind.as_str())
            .text(title)
            .text(body)
            .date(valid_from)
            .opt_date(valid_to)
            .opt(area)
            .finish();
        if report.count(claim, &mut known, hash) && run.writing() {
            batch.push(
                claim,
                MessageRow {
                    reference: reference.to_string(),
                    kind: kind.as_str(),
                    title: title.to_string(),
                    body: body.to_string(),
                    valid_from,
                    valid_to,
                    area: area.map(str::to_string),
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

async fn flush(run: &mut Run<'_>, batch: &mut Pending<MessageRow>) -> anyhow::Result<()> {
    let batches = batch.take();
    if run.writing() {
        for (rows, new) in batches {
            run.tx.upsert_messages(&rows, new).await?;
        }
    }
    Ok(())
}
