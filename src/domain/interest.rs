//! Interest for late payment, from a dated table of annual rates.
//! Households pay statutory interest for delay; firms interest for delay in commercial
//! transactions. Actual days / 365, from the day after the effective due date to today.
//! OWNER: domain helper — signatures are fixed, bodies to be completed with tests.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

/// An annual rate in percent, in force from `from` until the next entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RatePeriod {
    pub from: NaiveDate,
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
}

/// Interest accrued on `unpaid` from the day after `due` (moved to the next working day
/// first) up to and including `today`, rounded to grosze. Zero when not overdue.
pub fn accrued(unpaid: Decimal, due: NaiveDate, today: NaiveDate, table: &[RatePeriod]) -> Decimal {
    let _ = (unpaid, due, today, table);
    todo!("domain helper")
}
