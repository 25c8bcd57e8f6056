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

    fn configured(regime: Regime) -> Vec<RatePeriod> {
        crate::config::Settings::defaults()
            .unwrap()
            .interest
            .tables()
            .table(regime)
            .to_vec()
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

    #[test]
    fn rate_changes_inside_the_period_use_the_configured_tables() {
        // Statutory, 2000.00 due Fri 2025-11-28, today 2026-03-10:
        // 29.11–03.12 at 9.75 (5 days), 04.12–04.03 at 9.50 (28+31+28+4 = 91 days),
        // 05.03–10.03 at 9.25 (6 days):
        // 2000 × (48.75 + 864.50 + 55.50) / 36500 = 2000 × 968.75 / 36500 = 53.0821… → 53.08
        let got = accrued(
            dec!(2000),
            ymd(2025, 11, 28),
            ymd(2026, 3, 10),
            &configured(Regime::Statutory),
        );
        assert_eq!(got, dec!(53.08));
        // Commercial, 10000.00 due Mon 2025-12-15, today 2026-01-10: 16.12–31.12 at
        // 15.25 (16 days), 01.01–10.01 at 14.00 (10 days):
        // 10000 × (244 + 140) / 36500 = 105.2054… → 105.21
        let got = accrued(
            dec!(10000),
            ymd(2025, 12, 15),
            ymd(2026, 1, 10),
            &configured(Regime::Commercial),
        );
        assert_eq!(got, dec!(105.21));
    }

    #[test]
    fn the_tables_reach_back_to_2016() {
        // 100.00 due Thu 2019-12-19, today 2020-03-20, statutory: 20.12–17.03 at 7.00
        // (12 + 31 + 29 + 17 = 89 days), 18.03–20.03 at 6.50 (3 days):
        // 100 × (623 + 19.5) / 36500 = 1.7602… → 1.76
        let got = accrued(
            dec!(100),
            ymd(2019, 12, 19),
            ymd(2020, 3, 20),
            &configured(Regime::Statutory),
        );
        assert_eq!(got, dec!(1.76));
    }

    #[test]
    fn two_late_partial_payments_step_the_amount_down() {
        // 1200.00 due 2026-06-15 at 9.25 %: 500.00 paid 15.07, 300.00 paid 30.09,
        // today 30.11: (1200 × 30 + 700 × 77 + 400 × 61) × 9.25 / 36500 = 28.9664… → 28.97
        let paid = [(ymd(2026, 9, 30), dec!(300)), (ymd(2026, 7, 15), dec!(500))];
        let d = delay(dec!(400), ymd(2026, 6, 15), &paid);
        let got = owed(&d, ymd(2026, 11, 30), &configured(Regime::Statutory));
        assert_eq!(got, dec!(28.97));
    }

    #[test]
    fn a_note_moves_the_start_to_the_day_after_it_charged() {
        // 1000.00 due 2026-03-16 at 9.25 %, a note charged to 2026-06-30, today 30.11:
        // 153 days: 1000 × 9.25 × 153 / 36500 = 38.7739… → 38.77
        let mut d = delay(dec!(1000), ymd(2026, 3, 16), &[]);
        d.charged_to = Some(ymd(2026, 6, 30));
        let table = configured(Regime::Statutory);
        assert_eq!(owed(&d, ymd(2026, 11, 30), &table), dec!(38.77));
        // nothing more until the day after the note's last day
        assert_eq!(owed(&d, ymd(2026, 6, 30), &table), dec!(0));
        // a partial payment before that day only lowers what accrues after it:
        // 600 paid on 2026-05-04 (covered by the note) -> 400 × 9.25 × 153 / 36500 = 15.51
        let paid = [(ymd(2026, 5, 4), dec!(600))];
        let d = Delay {
            unpaid: dec!(400),
            payments: &paid,
            ..d
        };
        assert_eq!(owed(&d, ymd(2026, 11, 30), &table), dec!(15.51));
    }

    #[test]
    fn saturday_and_christmas_eve_due_dates_move_to_the_next_working_day() {
        let table = configured(Regime::Statutory);
        // Sat 2026-10-10 -> Mon 12.10; 13.10–31.10 = 19 days:
        // 500 × 9.25 × 19 / 36500 = 2.4075… → 2.41 (from Sunday 11.10 it would be 2.66)
        assert_eq!(
            accrued(dec!(500), ymd(2026, 10, 10), ymd(2026, 10, 12), &table),
            dec!(0)
        );
        assert_eq!(
            accrued(dec!(500), ymd(2026, 10, 10), ymd(2026, 10, 31), &table),
            dec!(2.41)
        );
        // Thu 2026-12-24 (a day off since 2025), 25–26 holidays, 26–27 weekend -> Mon
        // 28.12; 29.12–15.01.2027 = 3 + 15 = 18 days: 800 × 9.25 × 18 / 36500 = 3.6493… → 3.65
        assert_eq!(
            accrued(dec!(800), ymd(2026, 12, 24), ymd(2026, 12, 28), &table),
            dec!(0)
        );
        assert_eq!(
            accrued(dec!(800), ymd(2026, 12, 24), ymd(2027, 1, 15), &table),
            dec!(3.65)
        );
    }

    #[test]
    fn the_configured_tables_follow_the_reference_rate() {
        // Statutory = reference + 5.5 since 2016; every NBP change since 2015-03-05.
        let reference = [
            ("2016-01-01", "1.50"),
            ("2020-03-18", "1.00"),
            ("2020-04-09", "0.50"),
            ("2020-05-29", "0.10"),
            ("2021-10-07", "0.50"),
            ("2021-11-04", "1.25"),
            ("2021-12-09", "1.75"),
            ("2022-01-05", "2.25"),
            ("2022-02-09", "2.75"),
            ("2022-03-09", "3.50"),
            ("2022-04-07", "4.50"),
            ("2022-05-06", "5.25"),
            ("2022-06-09", "6.00"),
            ("2022-07-08", "6.50"),
            ("2022-09-08", "6.75"),
            ("2023-09-07", "6.00"),
            ("2023-10-05", "5.75"),
            ("2025-05-08", "5.25"),
            ("2025-07-03", "5.00"),
            ("2025-09-04", "4.75"),
            ("2025-10-09", "4.50"),
            ("2025-11-06", "4.25"),
            ("2025-12-04", "4.00"),
            ("2026-03-05", "3.75"),
        ];
        let statutory = configured(Regime::Statutory);
        assert_eq!(statutory.len(), reference.len());
        for (p, (from, rate)) in statutory.iter().zip(reference) {
            assert_eq!(p.from.to_string(), from);
            assert_eq!(
                p.rate,
                rate.parse::<Decimal>().unwrap() + dec!(5.5),
                "{from}"
            );
        }
        // Commercial: the reference rate on each half-year's first day + 8 (to 2019) or
        // + 10 (from 2020), listed where it changes.
        let ref_on = |day: NaiveDate| {
            reference
                .iter()
                .rev()
                .find(|(from, _)| from.parse::<NaiveDate>().unwrap() <= day)
                .map(|(_, r)| r.parse::<Decimal>().unwrap())
                .unwrap()
        };
        let commercial = configured(Regime::Commercial);
        let mut expected = Vec::new();
        for year in 2016..=2026 {
            for month in [1, 7] {
                let day = ymd(year, month, 1);
                let margin = if year < 2020 { dec!(8) } else { dec!(10) };
                let rate = ref_on(day) + margin;
                if expected.last().map(|(_, r)| *r) != Some(rate) {
                    expected.push((day, rate));
                }
            }
        }
        let got: Vec<(NaiveDate, Decimal)> = commercial.iter().map(|p| (p.from, p.rate)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn tables_go_stale_after_the_configured_days() {
        let tables = crate::config::Settings::defaults()
            .unwrap()
            .interest
            .tables();
        assert_eq!(tables.confirmed_on, ymd(2026, 5, 6));
        assert!(!tables.is_stale(ymd(2026, 6, 20), 45));
        assert!(tables.is_stale(ymd(2026, 6, 21), 45));
    }
}
