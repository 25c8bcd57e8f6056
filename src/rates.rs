//! The interest tables in force: those the billing export carried (`interest_rates.csv`,
//! kept in the database) win over the configuration's `[interest]`; and whether they
//! are stale, for `ebok serve`'s health and `ebok rates`.

use crate::config::Settings;
use crate::domain::interest::{RatePeriod, RateSource, RateTables, Regime};
use crate::store::Store;
use anyhow::Context;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::str::FromStr;

/// The tables in force: imported ones when the database has any, else the configured.
pub async fn in_force(store: &Store, settings: &Settings) -> anyhow::Result<RateTables> {
    let (rows, confirmed) = store.interest_rates().await?;
    if rows.is_empty() {
        return Ok(settings.interest.tables());
    }
    let confirmed_on = confirmed
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .context(
            "the imported interest tables have no confirmed date: import interest_rates.csv again",
        )?;
    let mut tables = RateTables {
        statutory: Vec::new(),
        commercial: Vec::new(),
        confirmed_on,
        source: RateSource::Import,
    };
    for (regime, from, rate) in rows {
        let rate = Decimal::from_str(&rate)
            .with_context(|| format!("the imported interest rate '{rate}' is not a number"))?;
        let period = RatePeriod { from, rate };
        match Regime::from_str(&regime).map_err(anyhow::Error::msg)? {
            Regime::Statutory => tables.statutory.push(period),
            Regime::Commercial => tables.commercial.push(period),
        }
    }
    Ok(tables)
}

/// The `rates_stale` health check: the tables in force and whether they are older
/// than `[interest] stale_after_days` on `today`.
#[derive(Debug, Clone)]
pub struct RatesHealth {
    pub tables: RateTables,
    pub age_days: i64,
    pub max_days: i64,
    pub stale: bool,
}

impl RatesHealth {
    /// One line for a log or a health report.
    pub fn describe(&self) -> String {
        let source = match self.tables.source {
            RateSource::Config => "the configuration's [interest]",
            RateSource::Import => "the billing export's interest_rates.csv",
        };
        // What silences a warning depends on where the tables come from: imported
        // tables win, so confirming the configuration's does nothing while they exist.
        let what_to_do = match (self.stale, self.tables.source) {
            (false, _) => "",
            (true, RateSource::Config) => {
                ": check the NBP reference rate and the commercial rate, then update [interest] \
                 (its entries and confirmed_on) in the configuration and restart (docs/interest.md)"
            }
            (true, RateSource::Import) => {
                ": check the NBP reference rate and the commercial rate, then import \
                 interest_rates.csv again with a later confirmed_on; the configuration's \
                 [interest] is not used while imported tables exist (docs/interest.md)"
            }
        };
        format!(
            "interest tables from {source} last confirmed on {} ({} days ago; stale after {} days){what_to_do}",
            self.tables.confirmed_on, self.age_days, self.max_days,
        )
    }
}

pub async fn health(
    store: &Store,
    settings: &Settings,
    today: NaiveDate,
) -> anyhow::Result<RatesHealth> {
    let tables = in_force(store, settings).await?;
    let max_days = settings.interest.stale_after_days;
    Ok(RatesHealth {
        age_days: tables.age_days(today),
        stale: tables.is_stale(today, max_days),
        max_days,
        tables,
    })
}

/// `ebok rates`: the tables in force, their source and confirmed date, as text.
pub fn print(health: &RatesHealth) -> String {
    let mut out = String::new();
    for (title, regime) in [
        (
            "Statutory interest for delay (art. 481 §2 KC)",
            Regime::Statutory,
        ),
        (
            "Interest for delay in commercial transactions",
            Regime::Commercial,
        ),
    ] {
        out.push_str(&format!("{title} [{}]:\n", regime.as_str()));
        let mut table: Vec<&RatePeriod> = health.tables.table(regime).iter().collect();
        table.sort_by_key(|p| p.from);
        for p in table {
            out.push_str(&format!("  from {}  {:>6} %\n", p.from, p.rate.to_string()));
        }
    }
    out.push_str(&health.describe());
    out.push('\n');
    out
}
