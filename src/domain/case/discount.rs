//! A discount (bonifikata) for heating started or stopped late, or an overlong summer
//! break: by default 1/30 of the monthly charge for the ordered capacity per started day.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// `days` × 1/30 × `monthly_gr` (the capacity charge of a month, in grosze), rounded
/// half away from zero to a grosz; computed exactly in decimals.
pub fn discount_gr(days: u32, monthly_gr: i64, divisor: u32) -> Option<i64> {
    if divisor == 0 {
        return None;
    }
    let exact = Decimal::from(days) * Decimal::from(monthly_gr) / Decimal::from(divisor);
    exact
        .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thirtieth_of_the_monthly_charge_per_day_to_the_grosz() {
        // 142.20 zł a month (0.015 MW × 9480 zł): 3 days = 14.22 zł.
        assert_eq!(discount_gr(3, 14_220, 30), Some(1_422));
        // 1000.00 zł, 1 day = 33.333… → 33.33; 2 days = 66.666… → 66.67.
        assert_eq!(discount_gr(1, 100_000, 30), Some(3_333));
        assert_eq!(discount_gr(2, 100_000, 30), Some(6_667));
        // 0.05 zł, 3 days = 0.005 → 0.01 (half away from zero).
        assert_eq!(discount_gr(3, 5, 30), Some(1));
        assert_eq!(discount_gr(0, 100_000, 30), Some(0));
        assert_eq!(discount_gr(1, 100_000, 0), None);
    }
}
