//! What changed against a year before: one month beside the same month a year earlier
//! (which of use, price and the fixed part moved the cost most), and this season so far
//! beside the same months of the last one.

use super::figures::{Month, Usage};
use super::period::{season_months, season_of, year_before};
use crate::domain::calendar::YearMonth;
use crate::domain::money::from_grosze;
use rust_decimal::Decimal;
use serde::Serialize;

/// What moved the cost most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// More or less heat used.
    Consumption,
    /// The price per GJ.
    Price,
    /// The fixed charges (ordered capacity, tariff of the fixed part).
    Fixed,
}

/// A month beside the same month a year before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub now: Month,
    pub then: Month,
    pub gj_pct: Option<Decimal>,
    pub price_pct: Option<Decimal>,
    pub fixed_pct: Option<Decimal>,
    pub cost_pct: Option<Decimal>,
    pub cost_diff_gr: i64,
    pub most: Factor,
}

/// `month` against a year before, when both were billed.
pub fn change_against_year_before(usage: &Usage, month: YearMonth) -> Option<Change> {
    let now = usage.month(month);
    let then = usage.month(year_before(month));
    if !now.has_data() || !then.has_data() {
        return None;
    }
    let price = |m: &Month| m.price_per_gj().unwrap_or_default();
    // The cost's change split the usual way: use at the old price, the price on the
    // new use, and the fixed part.
    let effects = [
        (Factor::Consumption, (now.gj - then.gj) * price(&then)),
        (Factor::Price, (price(&now) - price(&then)) * now.gj),
        (
            Factor::Fixed,
            from_grosze(now.fixed_gr) - from_grosze(then.fixed_gr),
        ),
    ];
    let most = effects
        .iter()
        .max_by_key(|(_, e)| e.abs())
        .map_or(Factor::Consumption, |(f, _)| *f);
    Some(Change {
        gj_pct: percent(now.gj, then.gj),
        price_pct: now
            .price_per_gj()
            .zip(then.price_per_gj())
            .and_then(|(n, t)| percent(n, t)),
        fixed_pct: percent(from_grosze(now.fixed_gr), from_grosze(then.fixed_gr)),
        cost_pct: percent(from_grosze(now.total_gr()), from_grosze(then.total_gr())),
        cost_diff_gr: now.total_gr() - then.total_gr(),
        most,
        now,
        then,
    })
}

/// The change from `then` to `now` in whole percent; `None` from zero.
pub fn percent(now: Decimal, then: Decimal) -> Option<Decimal> {
    (!then.is_zero()).then(|| ((now - then) * Decimal::ONE_HUNDRED / then.abs()).round())
}

/// A season's sums over some of its months.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeasonSums {
    /// The season's first year.
    pub season: i32,
    /// How many of the months were billed.
    pub months: usize,
    pub gj: Decimal,
    pub fixed_gr: i64,
    pub variable_gr: i64,
    pub total_gr: i64,
}

/// The season of `latest` from July up to `latest`, and the same months of the season
/// before: (this, last).
pub fn season_sums(usage: &Usage, latest: YearMonth) -> (SeasonSums, SeasonSums) {
    let start = season_of(latest);
    let this: Vec<YearMonth> = season_months(start)
        .into_iter()
        .filter(|m| *m <= latest)
        .collect();
    let last: Vec<YearMonth> = this.iter().map(|m| year_before(*m)).collect();
    let sums = |season: i32, months: &[YearMonth]| {
        let mut s = SeasonSums {
            season,
            months: months.len(),
            gj: Decimal::ZERO,
            fixed_gr: 0,
            variable_gr: 0,
            total_gr: 0,
        };
        for m in months.iter().map(|m| usage.month(*m)) {
            // Months billed, not months elapsed: a customer since January has two.
            s.months -= usize::from(!m.has_data());
            s.gj += m.gj;
            s.fixed_gr += m.fixed_gr;
            s.variable_gr += m.variable_gr;
            s.total_gr += m.total_gr();
        }
        s
    };
    (sums(start, &this), sums(start - 1, &last))
}

#[cfg(test)]
mod tests {
    use super::super::figures::{Line, usage};
    use super::*;
    use rust_decimal_macros::dec;

    fn bill(invoice: i64, year: i32, gj: Decimal, heat_gr: i64, fixed_gr: i64) -> [Line; 2] {
        let month = YearMonth { year, month: 1 };
        let l = |unit: &str, quantity, gross_gr| Line {
            invoice,
            month,
            point: None,
            unit: unit.into(),
            quantity,
            gross_gr,
        };
        [l("GJ", gj, heat_gr), l("MW", dec!(0.015), fixed_gr)]
    }

    #[test]
    fn the_larger_use_is_named_when_it_moved_the_cost_most() {
        let mut lines = bill(1, 2024, dec!(10), 100_000, 20_000).to_vec();
        lines.extend(bill(2, 2025, dec!(11.8), 125_080, 20_800));
        let c = change_against_year_before(
            &usage(&lines),
            YearMonth {
                year: 2025,
                month: 1,
            },
        )
        .unwrap();
        assert_eq!(c.gj_pct, Some(dec!(18)));
        assert_eq!(c.price_pct, Some(dec!(6))); // 106.00 against 100.00
        assert_eq!(c.fixed_pct, Some(dec!(4)));
        assert_eq!(c.most, Factor::Consumption);
        assert_eq!(c.cost_diff_gr, 25_880);
    }

    #[test]
    fn no_change_without_the_year_before() {
        let lines = bill(1, 2025, dec!(10), 100_000, 20_000);
        assert!(
            change_against_year_before(
                &usage(&lines),
                YearMonth {
                    year: 2025,
                    month: 1
                }
            )
            .is_none()
        );
    }
}
