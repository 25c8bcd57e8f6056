//! The usage figures: over generated billing histories (several points of delivery,
//! bills with heat, variable transmission, capacity and carrier lines, corrections), each
//! month's GJ, fixed and variable cost equal sums computed here bill by bill, the points
//! add up to the total, and the season sums add up the months.

use crate::domain::calendar::YearMonth;
use crate::domain::usage::{Line, season_sums, usage};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One generated bill: point, month index, GJ in thousandths, and the gross of its heat,
/// variable transmission, capacity, fixed transmission and carrier lines.
type Bill = (u8, u32, i64, [i64; 5]);

fn bills() -> impl Strategy<Value = Vec<Bill>> {
    prop::collection::vec(
        (
            0u8..3,
            0u32..36,
            -5_000i64..80_000,
            [
                0i64..500_000,
                0i64..200_000,
                0i64..100_000,
                0i64..50_000,
                0i64..5_000,
            ],
        ),
        0..60,
    )
}

fn month_of(index: u32) -> YearMonth {
    let mut m = YearMonth {
        year: 2023,
        month: 7,
    };
    for _ in 0..index {
        m = m.next();
    }
    m
}

fn lines_of(bills: &[Bill]) -> Vec<Line> {
    let mut lines = Vec::new();
    for (invoice, (point, month, gj, gross)) in bills.iter().enumerate() {
        let gj = Decimal::new(*gj, 3);
        let units = [
            ("GJ", gj),
            ("GJ", gj),
            ("MW/m-c", Decimal::new(15, 3)),
            ("MW", Decimal::new(15, 3)),
            ("m³", Decimal::ONE),
        ];
        for ((unit, quantity), gross_gr) in units.into_iter().zip(gross) {
            lines.push(Line {
                invoice: invoice as i64,
                month: month_of(*month),
                point: (*point > 0).then(|| format!("Budynek {point}")),
                unit: unit.to_string(),
                quantity,
                gross_gr: *gross_gr,
            });
        }
    }
    lines
}

proptest! {
    #![proptest_config(super::config())]

    #[test]
    fn the_figures_are_the_bills_summed(bills in bills()) {
        let u = usage(&lines_of(&bills));
        // (GJ, fixed, variable) by month, bill by bill.
        let mut expected: BTreeMap<YearMonth, (Decimal, i64, i64)> = BTreeMap::new();
        for (_, month, gj, g) in &bills {
            let e = expected.entry(month_of(*month)).or_default();
            e.0 += Decimal::new(*gj, 3);
            e.1 += g[2] + g[3];
            e.2 += g[0] + g[1] + g[4];
        }
        prop_assert_eq!(u.total.len(), expected.len());
        for (month, (gj, fixed, variable)) in &expected {
            let m = u.month(*month);
            prop_assert_eq!((m.gj, m.fixed_gr, m.variable_gr), (*gj, *fixed, *variable));
        }
        for m in &u.total {
            let points: i64 = u.points.iter().map(|p| p.month(m.month).total_gr()).sum();
            let gj: Decimal = u.points.iter().map(|p| p.month(m.month).gj).sum();
            prop_assert_eq!((points, gj), (m.total_gr(), m.gj));
        }
        if let Some(latest) = u.last_month() {
            let (this, last) = season_sums(&u, latest);
            let in_season = |s: i32| expected.iter()
                .filter(move |(m, _)| crate::domain::usage::season_of(**m) == s);
            let gj: Decimal = in_season(this.season)
                .filter(|(m, _)| **m <= latest).map(|(_, e)| e.0).sum();
            prop_assert_eq!(this.gj, gj);
            let same_months = |m: &YearMonth| {
                YearMonth { year: m.year + 1, month: m.month } <= latest
            };
            let total: i64 = in_season(last.season)
                .filter(|(m, _)| same_months(m)).map(|(_, e)| e.1 + e.2).sum();
            prop_assert_eq!(last.total_gr, total);
        }
    }
}
