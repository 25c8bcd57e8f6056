//! Interest for late payment, from a dated table of annual rates.
//! Households pay statutory interest for delay; firms interest for delay in commercial
//! transactions. Actual days / 365, from the day after the effective due date to today.

use crate::domain::calendar::effective_due_date;
use crate::domain::money::round_grosze;
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
/// Days before the first entry of the table accrue nothing: the table must reach back far
/// enough.
pub fn accrued(unpaid: Decimal, due: NaiveDate, today: NaiveDate, table: &[RatePeriod]) -> Decimal {
    if unpaid <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let Some(start) = effective_due_date(due).succ_opt() else {
        return Decimal::ZERO;
    };
    if start > today {
        return Decimal::ZERO;
    }
    let mut periods: Vec<&RatePeriod> = table.iter().collect();
    periods.sort_by_key(|p| p.from);
    // Sum rate × days first and divide once, so the only inexact step is the last one.
    let mut rate_days = Decimal::ZERO;
    for (i, period) in periods.iter().enumerate() {
        let period_end = periods
            .get(i + 1)
            .and_then(|next| next.from.pred_opt())
            .unwrap_or(today);
        let from = period.from.max(start);
        let to = period_end.min(today);
        if from > to {
            continue;
        }
        let days = (to - from).num_days() + 1;
        rate_days += period.rate * Decimal::from(days);
    }
    round_grosze(unpaid * rate_days / Decimal::from(36_500))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn table() -> Vec<RatePeriod> {
        vec![
            RatePeriod {
                from: ymd(2023, 10, 5),
                rate: dec!(11.25),
            },
            RatePeriod {
                from: ymd(2025, 5, 8),
                rate: dec!(10.75),
            },
        ]
    }

    #[test]
    fn nothing_before_or_on_the_due_date() {
        let due = ymd(2025, 3, 14); // a Friday
        assert_eq!(accrued(dec!(1000), due, due, &table()), dec!(0));
        assert_eq!(accrued(dec!(1000), due, ymd(2025, 3, 1), &table()), dec!(0));
        assert_eq!(accrued(dec!(0), due, ymd(2025, 4, 1), &table()), dec!(0));
        assert_eq!(accrued(dec!(-5), due, ymd(2025, 4, 1), &table()), dec!(0));
    }

    #[test]
    fn one_period_counts_days_after_due_up_to_today() {
        // 15..=24 March: 10 days; 1000 × 11.25% × 10 / 365 = 3.0821… -> 3.08
        let got = accrued(dec!(1000), ymd(2025, 3, 14), ymd(2025, 3, 24), &table());
        assert_eq!(got, dec!(3.08));
    }

    #[test]
    fn a_rate_change_splits_the_period() {
        // due Mon 2025-04-28; 29 Apr..=7 May at 11.25% (9 days), 8..=17 May at 10.75% (10 days)
        // 2000 × (11.25 × 9 + 10.75 × 10) / 36500 = 2000 × 208.75 / 36500 = 11.4383… -> 11.44
        let got = accrued(dec!(2000), ymd(2025, 4, 28), ymd(2025, 5, 17), &table());
        assert_eq!(got, dec!(11.44));
        // the table's order does not matter
        let mut reversed = table();
        reversed.reverse();
        assert_eq!(
            accrued(dec!(2000), ymd(2025, 4, 28), ymd(2025, 5, 17), &reversed),
            got
        );
    }

    #[test]
    fn a_due_date_on_a_holiday_moves_to_the_next_working_day() {
        // due Sat 2025-05-03 (holiday) -> Mon 5 May; interest from 6 May.
        let due = ymd(2025, 5, 3);
        assert_eq!(accrued(dec!(1000), due, ymd(2025, 5, 5), &table()), dec!(0));
        // 6..=7 May at 11.25, 8..=15 May at 10.75: (22.5 + 86) × 1000 / 36500 = 2.9726… -> 2.97
        assert_eq!(
            accrued(dec!(1000), due, ymd(2025, 5, 15), &table()),
            dec!(2.97)
        );
    }

    #[test]
    fn rounds_once_half_away_from_zero() {
        // 365 × 0.01 at 10% over 5 days: 3.65 × 10 × 5 / 36500 = 0.005 -> 0.01
        let t = vec![RatePeriod {
            from: ymd(2020, 1, 1),
            rate: dec!(10),
        }];
        assert_eq!(
            accrued(dec!(3.65), ymd(2025, 3, 14), ymd(2025, 3, 19), &t),
            dec!(0.01)
        );
    }

    #[test]
    fn days_before_the_table_accrue_nothing() {
        let t = vec![RatePeriod {
            from: ymd(2025, 3, 20),
            rate: dec!(36.5),
        }];
        // only 20..=21 March count: 100 × 36.5 × 2 / 36500 = 0.20
        assert_eq!(
            accrued(dec!(100), ymd(2025, 3, 10), ymd(2025, 3, 21), &t),
            dec!(0.20)
        );
    }
}
