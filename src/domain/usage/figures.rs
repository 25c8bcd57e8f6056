//! The monthly figures: heat used (GJ), the fixed part of the cost (capacity and fixed
//! transmission, billed per MW) and the variable part (heat, variable transmission and
//! anything else billed per quantity), per point of delivery and in total.

use crate::domain::calendar::YearMonth;
use crate::domain::money::{from_grosze, round_grosze};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

/// One line item as the usage needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The invoice it belongs to: the heat and the variable transmission lines of one
    /// invoice bill the same gigajoules, which are counted once.
    pub invoice: i64,
    /// The month billed (the invoice's issue month).
    pub month: YearMonth,
    /// The point of delivery (a building), where the export names one.
    pub point: Option<String>,
    pub unit: String,
    pub quantity: Decimal,
    /// With VAT: what the customer pays.
    pub gross_gr: i64,
}

/// Which part of the cost a line is, by its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Billed per GJ: the heat used.
    Heat,
    /// Billed per MW of ordered capacity: paid whatever the use.
    Fixed,
    /// Anything else (the heat carrier in m³): follows the use.
    OtherVariable,
}

/// The part a unit belongs to: `GJ` is heat; `MW`, `MW/m-c`, `MW/mc` are fixed.
pub fn part_of(unit: &str) -> Part {
    let unit = unit.trim().to_lowercase();
    if unit.starts_with("gj") {
        Part::Heat
    } else if unit.starts_with("mw") {
        Part::Fixed
    } else {
        Part::OtherVariable
    }
}

/// One month's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Month {
    pub month: YearMonth,
    pub gj: Decimal,
    pub fixed_gr: i64,
    pub variable_gr: i64,
}

impl Month {
    pub fn empty(month: YearMonth) -> Month {
        Month {
            month,
            gj: Decimal::ZERO,
            fixed_gr: 0,
            variable_gr: 0,
        }
    }
    pub fn total_gr(&self) -> i64 {
        self.fixed_gr + self.variable_gr
    }
    /// The variable cost per GJ (with VAT), to the grosz: the price the tariff sets for
    /// heat and its transmission. `None` in a month without heat.
    pub fn price_per_gj(&self) -> Option<Decimal> {
        (self.gj > Decimal::ZERO).then(|| round_grosze(from_grosze(self.variable_gr) / self.gj))
    }
    pub fn has_data(&self) -> bool {
        !self.gj.is_zero() || self.fixed_gr != 0 || self.variable_gr != 0
    }
    fn add(&mut self, other: &Month) {
        self.gj += other.gj;
        self.fixed_gr += other.fixed_gr;
        self.variable_gr += other.variable_gr;
    }
}

/// One point of delivery's months (only months with items, oldest first).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub name: Option<String>,
    pub months: Vec<Month>,
}

/// Every point of delivery and their total.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    pub points: Vec<Point>,
    pub total: Vec<Month>,
}

impl Usage {
    /// The total's figures for `month` (zero where nothing was billed).
    pub fn month(&self, month: YearMonth) -> Month {
        Point::find(&self.total, month)
    }
    pub fn is_empty(&self) -> bool {
        self.total.is_empty()
    }
    /// The newest month billed.
    pub fn last_month(&self) -> Option<YearMonth> {
        self.total.last().map(|m| m.month)
    }
}

impl Point {
    pub fn month(&self, month: YearMonth) -> Month {
        Point::find(&self.months, month)
    }
    fn find(months: &[Month], month: YearMonth) -> Month {
        months
            .binary_search_by_key(&month, |m| m.month)
            .map_or_else(|_| Month::empty(month), |i| months[i])
    }
}

/// The figures of `lines`. Per invoice and point, the gigajoules are those of its GJ
/// line with the largest quantity (heat and variable transmission bill the same heat;
/// a correction's negative quantity counts with its sign).
pub fn usage(lines: &[Line]) -> Usage {
    // (point, invoice) → that invoice's figures for the point.
    let mut bills: BTreeMap<(Option<&str>, i64), Month> = BTreeMap::new();
    for line in lines {
        let bill = bills
            .entry((line.point.as_deref(), line.invoice))
            .or_insert_with(|| Month::empty(line.month));
        match part_of(&line.unit) {
            Part::Heat => {
                bill.variable_gr += line.gross_gr;
                if line.quantity.abs() > bill.gj.abs() {
                    bill.gj = line.quantity;
                }
            }
            Part::Fixed => bill.fixed_gr += line.gross_gr,
            Part::OtherVariable => bill.variable_gr += line.gross_gr,
        }
    }
    let mut points: BTreeMap<Option<&str>, BTreeMap<YearMonth, Month>> = BTreeMap::new();
    let mut total: BTreeMap<YearMonth, Month> = BTreeMap::new();
    for ((point, _), bill) in &bills {
        let months = points.entry(*point).or_default();
        months
            .entry(bill.month)
            .or_insert_with(|| Month::empty(bill.month))
            .add(bill);
        total
            .entry(bill.month)
            .or_insert_with(|| Month::empty(bill.month))
            .add(bill);
    }
    Usage {
        points: points
            .into_iter()
            .map(|(name, months)| Point {
                name: name.map(str::to_string),
                months: months.into_values().collect(),
            })
            .collect(),
        total: total.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line(invoice: i64, m: u32, unit: &str, q: Decimal, gross_gr: i64) -> Line {
        Line {
            invoice,
            month: YearMonth {
                year: 2025,
                month: m,
            },
            point: None,
            unit: unit.into(),
            quantity: q,
            gross_gr,
        }
    }

    #[test]
    fn heat_is_counted_once_per_invoice_and_costs_split_by_unit() {
        let lines = [
            line(1, 1, "MW/m-c", dec!(0.015), 18894),
            line(1, 1, "GJ", dec!(9.12), 65286),
            line(1, 1, "MW/m-c", dec!(0.015), 7402),
            line(1, 1, "GJ", dec!(9.12), 24061),
            line(1, 1, "m³", dec!(0.5), 809),
            line(2, 2, "GJ", dec!(7.5), 50000),
        ];
        let u = usage(&lines);
        let jan = u.month(YearMonth {
            year: 2025,
            month: 1,
        });
        assert_eq!(jan.gj, dec!(9.12));
        assert_eq!(jan.fixed_gr, 18894 + 7402);
        assert_eq!(jan.variable_gr, 65286 + 24061 + 809);
        assert_eq!(jan.price_per_gj(), Some(dec!(98.86))); // 901.56 / 9.12 = 98.855
        assert_eq!(u.total.len(), 2);
        assert_eq!(
            u.last_month(),
            Some(YearMonth {
                year: 2025,
                month: 2
            })
        );
        assert_eq!(
            u.month(YearMonth {
                year: 2025,
                month: 3
            })
            .price_per_gj(),
            None
        );
    }

    #[test]
    fn units_choose_the_part() {
        assert_eq!(part_of(" gj "), Part::Heat);
        assert_eq!(part_of("MW/m-c"), Part::Fixed);
        assert_eq!(part_of("MW"), Part::Fixed);
        assert_eq!(part_of("m³"), Part::OtherVariable);
    }
}
