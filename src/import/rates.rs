//! interest_rates.csv: the interest tables as the billing system applies them. The file
//! carries both tables complete and replaces what ebok had; the imported tables then
//! win over the configuration's `[interest]` (docs/interest.md).

use super::parse::parse_decimal;
use super::report::FileReport;
use super::run::Run;
use crate::domain::export::INTEREST_RATES as SPEC;
use crate::domain::interest::Regime;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// (table, from) → (rate as written, its line).
type Rates = BTreeMap<(&'static str, NaiveDate), (String, u64)>;

pub async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    let mut rates: Rates = BTreeMap::new();
    let mut confirmed: Option<(NaiveDate, u64)> = None;
    let mut last_line = 1;
    let errors = &mut run.shared.errors;
    while let Some(row) = file.next_row(errors) {
        last_line = row.line;
        let regime: Option<Regime> = row.choice(errors, "table");
        let from = row.date(errors, "from");
        let rate = row.text(errors, "rate").and_then(|text| {
            match parse_decimal(text).and_then(|r| check_rate(text, r)) {
                Ok(()) => Some(text.to_string()),
                Err(reason) => {
                    row.error(errors, "rate", reason);
                    None
                }
            }
        });
        if let Some(on) = row.date(errors, "confirmed_on") {
            match confirmed {
                None => confirmed = Some((on, row.line)),
                Some((first, line)) if first != on => row.error(
                    errors,
                    "confirmed_on",
                    format!(
                        "{on} differs from {first} on line {line}: the tables have one confirmed date"
                    ),
                ),
                Some(_) => {}
            }
        }
        let (Some(regime), Some(from), Some(rate)) = (regime, from, rate) else {
            continue;
        };
        if let Some((_, first)) = rates.insert((regime.as_str(), from), (rate, row.line)) {
            row.error(
                errors,
                "from",
                format!(
                    "the {} table has two rates from {from} (first on line {first})",
                    regime.as_str()
                ),
            );
        }
    }
    report.rows = file.rows;
    for regime in Regime::ALL {
        if !rates.keys().any(|(r, _)| *r == regime.as_str()) && errors.is_empty() {
            errors.push(
                SPEC.file,
                last_line,
                Some("table"),
                format!(
                    "no rows for the {} table: the file must carry both tables complete (statutory and commercial)",
                    regime.as_str()
                ),
            );
        }
    }
    let Some((confirmed_on, _)) = confirmed else {
        return Ok(report);
    };
    if run.writing() {
        write(run, &rates, confirmed_on, &mut report).await?;
    }
    Ok(report)
}

/// A percentage with at most two decimals, from 0 to 100.
fn check_rate(text: &str, rate: Decimal) -> Result<(), String> {
    if rate.scale() > 2 {
        return Err(format!(
            "'{text}' has more than two decimals (rates are percent, e.g. 9.25)"
        ));
    }
    if rate < Decimal::ZERO || rate > Decimal::from(100) {
        return Err(format!(
            "'{text}' is not an annual rate in percent between 0 and 100 (e.g. 9.25)"
        ));
    }
    Ok(())
}

/// Counts what changed against the stored tables and replaces them when anything did.
async fn write(
    run: &mut Run<'_>,
    rates: &Rates,
    confirmed_on: NaiveDate,
    report: &mut FileReport,
) -> anyhow::Result<()> {
    let (stored, stored_confirmed) = run.tx.existing_interest_rates().await?;
    let stored: BTreeMap<(String, NaiveDate), Decimal> = stored
        .into_iter()
        .filter_map(|(r, from, rate)| Some(((r, from), rate.parse().ok()?)))
        .collect();
    for ((regime, from), (rate, _)) in rates {
        let rate: Decimal = rate.parse()?;
        match stored.get(&(regime.to_string(), *from)) {
            None => report.inserted += 1,
            Some(old) if *old == rate => report.unchanged += 1,
            Some(_) => report.updated += 1,
        }
    }
    let removed = stored.len() as u64 - report.unchanged - report.updated;
    let confirmed_text = confirmed_on.format("%Y-%m-%d").to_string();
    if report.inserted + report.updated + removed == 0
        && stored_confirmed.as_deref() == Some(confirmed_text.as_str())
    {
        return Ok(());
    }
    let rows: Vec<(&'static str, NaiveDate, String)> = rates
        .iter()
        .map(|((regime, from), (rate, _))| (*regime, *from, normalize(rate)))
        .collect();
    run.tx.replace_interest_rates(&rows, &confirmed_text).await
}

/// `9.5` and `9.50` are the same rate: stored with two decimals.
fn normalize(rate: &str) -> String {
    rate.parse::<Decimal>()
        .map(|mut d| {
            d.rescale(2);
            d.to_string()
        })
        .unwrap_or_else(|_| rate.to_string())
}
