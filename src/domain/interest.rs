//! Interest for late payment, from dated tables of annual rates.
//!
//! Two regimes: statutory interest for delay (art. 481 §2 KC, NBP reference rate +
//! 5.5 pp) and interest for delay in commercial transactions (the 2013 act on payment
//! delays: the reference rate on the half-year's first day + 10 pp). Actual days / 365,
//! from the day after the effective due date (moved past days off, art. 115 KC) up to
//! and including the day of payment. The rules and their sources: docs/interest.md.

use crate::domain::calendar::effective_due_date;
use crate::domain::money::round_grosze;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

crate::text_enum!(
    /// Which table a customer's interest comes from.
    Regime { Statutory = "statutory", Commercial = "commercial" }
);

/// An annual rate in percent, in force from `from` until the next entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RatePeriod {
    pub from: NaiveDate,
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
}

/// Where the tables in force come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSource {
    /// `[interest]` of the configuration.
    Config,
    /// `interest_rates.csv` of the billing export (wins over the configuration).
    Import,
}

/// Both tables, with the day someone last confirmed them against the sources.
#[derive(Debug, Clone, PartialEq)]
pub struct RateTables {
    pub statutory: Vec<RatePeriod>,
    pub commercial: Vec<RatePeriod>,
    pub confirmed_on: NaiveDate,
    pub source: RateSource,
}

impl RateTables {
    pub fn table(&self, regime: Regime) -> &[RatePeriod] {
        match regime {
            Regime::Statutory => &self.statutory,
            Regime::Commercial => &self.commercial,
        }
    }

    /// Days since the tables were confirmed (negative if confirmed "in the future").
    pub fn age_days(&self, today: NaiveDate) -> i64 {
        (today - self.confirmed_on).num_days()
    }

    /// Older than `max_days`: a rate may have changed since without anyone noticing.
    pub fn is_stale(&self, today: NaiveDate, max_days: i64) -> bool {
        self.age_days(today) > max_days
    }
}

/// What is known about an unpaid bill's delay.
#[derive(Debug, Clone, Copy)]
pub struct Delay<'a> {
    /// Still to pay today.
    pub unpaid: Decimal,
    pub due: NaiveDate,
    /// The last day an interest note already charged interest for (no day is charged
    /// twice).
    pub charged_to: Option<NaiveDate>,
    /// Payments settled against this bill: (day paid, amount).
    pub payments: &'a [(NaiveDate, Decimal)],
}

/// Interest accrued on `unpaid` from the day after `due` (moved to the next working day
/// first) up to and including `today`, rounded to grosze. Zero when not overdue.
/// Days before the first entry of the table accrue nothing: the table must reach back far
/// enough.
pub fn accrued(unpaid: Decimal, due: NaiveDate, today: NaiveDate, table: &[RatePeriod]) -> Decimal {
    owed(
        &Delay {
            unpaid,
            due,
            charged_to: None,
            payments: &[],
        },
        today,
        table,
    )
}

/// Interest owed today on an unpaid bill: on the whole amount that was unpaid until each
/// late payment's day (that day counts as late), then on what remained; from the day
/// after the effective due date, or after the last day a note charged, to `today`.
/// Payments on or before the effective due date were on time and count for nothing.
/// Rounded once, to grosze. Zero when nothing is unpaid: a bill paid in full late gets
/// its interest from the billing system's interest note.
pub fn owed(delay: &Delay<'_>, today: NaiveDate, table: &[RatePeriod]) -> Decimal {
    if delay.unpaid <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let due = effective_due_date(delay.due);
    let Some(mut start) = due.succ_opt() else {
        return Decimal::ZERO;
    };
    if let Some(next) = delay.charged_to.and_then(|d| d.succ_opt()) {
        start = start.max(next);
    }
    if start > today {
        return Decimal::ZERO;
    }
    let mut late: Vec<(NaiveDate, Decimal)> = delay
        .payments
        .iter()
        .copied()
        .filter(|(day, _)| *day > due && *day <= today)
        .collect();
    late.sort_by_key(|(day, _)| *day);
    // Before the first late payment the bill was unpaid by what is unpaid now plus
    // everything paid late.
    let mut principal = delay.unpaid + late.iter().map(|(_, a)| *a).sum::<Decimal>();
    let mut from = start;
    // Sum principal × rate × days first and divide once, so the only inexact step is
    // the last one.
    let mut total = Decimal::ZERO;
    for (day, amount) in late {
        total += principal.max(Decimal::ZERO) * rate_days(from, day, table);
        principal -= amount;
        if let Some(next) = day.succ_opt() {
            from = from.max(next);
        }
    }
    total += principal.max(Decimal::ZERO) * rate_days(from, today, table);
    round_grosze(total / Decimal::from(36_500))
}

/// Σ rate × days over `from..=to` (zero when `from > to`), by the table's periods.
fn rate_days(from: NaiveDate, to: NaiveDate, table: &[RatePeriod]) -> Decimal {
    if from > to {
        return Decimal::ZERO;
    }
    let mut periods: Vec<&RatePeriod> = table.iter().collect();
    periods.sort_by_key(|p| p.from);
    let mut sum = Decimal::ZERO;
    for (i, period) in periods.iter().enumerate() {
        let period_end = periods
            .get(i + 1)
            .and_then(|next| next.from.pred_opt())
            .unwrap_or(to);
        let a = period.from.max(from);
        let b = period_end.min(to);
        if a > b {
            continue;
        }
        sum += period.rate * Decimal::from((b - a).num_days() + 1);
    }
    sum
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

    fn delay(unpaid: Decimal, due: NaiveDate, payments: &[(NaiveDate, Decimal)]) -> Delay<'_> {
        Delay {
            unpaid,
            due,
            charged_to: None,
            payments,
        }
    }

    #[test]
    fn a_late_partial_payment_counts_on_the_whole_amount_until_its_day() {
        // The case as reported, with the old table (9.75 % throughout): 1000.00 due
        // 2026-06-15, 600.00 paid 2026-11-02 (that day counts), today 2026-11-30:
        // 1000 × 9.75 × 140 / 36500 + 400 × 9.75 × 28 / 36500 = 37.397… + 2.991… = 40.39
        let old = vec![RatePeriod {
            from: ymd(2025, 11, 6),
            rate: dec!(9.75),
        }];
        let paid = [(ymd(2026, 11, 2), dec!(600))];
        let d = delay(dec!(400), ymd(2026, 6, 15), &paid);
        assert_eq!(owed(&d, ymd(2026, 11, 30), &old), dec!(40.39));
        // without the payment's date it was 400 × 9.75 × 168 / 36500 = 17.95
        assert_eq!(
            accrued(dec!(400), ymd(2026, 6, 15), ymd(2026, 11, 30), &old),
            dec!(17.95)
        );
        // a payment on or before the due date was on time: it counts for nothing
        let on_time = [(ymd(2026, 6, 15), dec!(600))];
        let d = delay(dec!(400), ymd(2026, 6, 15), &on_time);
        assert_eq!(owed(&d, ymd(2026, 11, 30), &old), dec!(17.95));
    }
}
