//! `ebok cases status | export | purge`: the operator's and the back office's view of
//! complaints and requests.

use super::args::CasesCommand;
use crate::app::App;
use crate::domain::calendar::TZ;
use crate::domain::money::from_grosze;
use crate::store::CaseRow;
use chrono::{NaiveTime, TimeZone, Utc};
use std::fmt::Write;

pub async fn run(app: &App, command: CasesCommand) -> anyhow::Result<String> {
    match command {
        CasesCommand::Status => status(app).await,
        CasesCommand::Export { since, format } => export(app, since, &format).await,
        CasesCommand::Purge => purge(app).await,
    }
}

async fn status(app: &App) -> anyhow::Result<String> {
    let counts = app.store.case_counts(app.core.today()).await?;
    let mut out = String::new();
    let _ = writeln!(out, "{:<16} {:>8}", "state", "cases");
    for (state, n) in &counts.by_state {
        let _ = writeln!(out, "{state:<16} {n:>8}");
    }
    let _ = writeln!(out, "open {} (overdue {})", counts.open, counts.overdue);
    tracing::info!(open = counts.open, overdue = counts.overdue, "cases");
    Ok(out)
}

/// The columns of the export, in order.
const COLUMNS: &[&str] = &[
    "number",
    "kind",
    "subject",
    "customer",
    "filed_by",
    "channel",
    "household",
    "urgent",
    "invoice_number",
    "form",
    "state",
    "received_on",
    "deadline",
    "extended",
    "extension_reason",
    "assignee",
    "outcome",
    "answer",
    "discount_days",
    "discount",
    "description",
    "created_at",
    "updated_at",
    "closed_at",
];

async fn export(
    app: &App,
    since: Option<chrono::NaiveDate>,
    format: &str,
) -> anyhow::Result<String> {
    let from = match since {
        Some(day) => TZ
            .from_local_datetime(&day.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        None => chrono::DateTime::<Utc>::UNIX_EPOCH,
    };
    let rows = app.store.cases_since(from).await?;
    let mut numbers = std::collections::HashMap::new();
    for r in &rows {
        if let std::collections::hash_map::Entry::Vacant(e) = numbers.entry(r.customer_id)
            && let Some(c) = app.store.customer(r.customer_id).await?
        {
            e.insert(c.number);
        }
    }
    let records: Vec<Vec<String>> = rows
        .iter()
        .map(|r| record(r, numbers.get(&r.customer_id).cloned().unwrap_or_default()))
        .collect();
    match format {
        "csv" => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(COLUMNS)?;
            for r in &records {
                w.write_record(r)?;
            }
            Ok(String::from_utf8(w.into_inner()?)?)
        }
        "json" => {
            let list: Vec<serde_json::Map<String, serde_json::Value>> = records
                .into_iter()
                .map(|r| {
                    COLUMNS
                        .iter()
                        .zip(r)
                        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
                        .collect()
                })
                .collect();
            Ok(serde_json::to_string_pretty(&list)? + "\n")
        }
        other => anyhow::bail!("unknown format {other:?}: csv or json"),
    }
}

fn record(r: &CaseRow, customer: String) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        r.number.clone(),
        r.kind.to_string(),
        r.subject.to_string(),
        customer,
        r.filed_by.clone(),
        r.channel.clone(),
        r.household.to_string(),
        r.urgent.to_string(),
        opt(&r.invoice_number),
        opt(&r.form),
        r.state.to_string(),
        r.received_on.to_string(),
        r.deadline.to_string(),
        r.extended.to_string(),
        opt(&r.extension_reason),
        opt(&r.assignee),
        opt(&r.outcome),
        opt(&r.answer),
        r.discount_days.map(|d| d.to_string()).unwrap_or_default(),
        r.discount_gr
            .map(|g| from_grosze(g).to_string())
            .unwrap_or_default(),
        r.description.clone(),
        r.created_at.to_rfc3339(),
        r.updated_at.to_rfc3339(),
        r.closed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
    ]
}

async fn purge(app: &App) -> anyhow::Result<String> {
    let days = app.settings.cases.retention_days;
    if days == 0 {
        return Ok("retention_days = 0: cases are kept\n".into());
    }
    let before = app.core.clock().now() - chrono::Duration::days(i64::from(days));
    let gone = app.store.purge_cases(before).await?;
    tracing::info!(deleted = gone, retention_days = days, "old cases deleted");
    Ok(format!(
        "deleted {gone} cases closed before {}\n",
        before.date_naive()
    ))
}
