//! The interest tables shipped in the default configuration, held to amounts worked out
//! by hand (the rules themselves are tested in `domain::interest`).

use crate::domain::interest::{Delay, RatePeriod, Regime, accrued, owed};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn delay(unpaid: Decimal, due: NaiveDate, payments: &[(NaiveDate, Decimal)]) -> Delay<'_> {
    Delay {
        unpaid,
        due,
        charged_to: None,
        payments,
    }
}

fn configured(regime: Regime) -> Vec<RatePeriod> {
    crate::config::Settings::defaults()
        .unwrap()
        .interest
        .tables()
        .table(regime)
        .to_vec()
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
