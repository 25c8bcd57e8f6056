//! The heat tariff of the demo: the usual district-heating components, a price list
//! that changes every 1 July, and a seasonal consumption profile.

use crate::domain::money::round_grosze;
use crate::domain::vat::vat_on;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// One tariff component: name, unit of the quantity and its price for the 2023/24
/// tariff year (from 1 July 2023).
pub struct Component {
    pub name: &'static str,
    pub unit: &'static str,
    base_price: Decimal,
}

pub const CAPACITY: Component = Component {
    name: "Opłata za zamówioną moc cieplną",
    unit: "MW/m-c",
    base_price: dec!(9480.00),
};
pub const HEAT: Component = Component {
    name: "Opłata za ciepło",
    unit: "GJ",
    base_price: dec!(58.20),
};
pub const TRANSMISSION_FIXED: Component = Component {
    name: "Opłata stała za usługi przesyłowe",
    unit: "MW/m-c",
    base_price: dec!(3715.00),
};
pub const TRANSMISSION_VARIABLE: Component = Component {
    name: "Opłata zmienna za usługi przesyłowe",
    unit: "GJ",
    base_price: dec!(19.86),
};
pub const CARRIER: Component = Component {
    name: "Opłata za nośnik ciepła",
    unit: "m³",
    base_price: dec!(13.15),
};

/// The VAT rate on heat.
pub const VAT_RATE: &str = "23";

impl Component {
    /// The net unit price in force on `day`: prices rise 4% each 1 July.
    pub fn price(&self, day: NaiveDate) -> Decimal {
        let tariff_year = if day.month() >= 7 {
            day.year()
        } else {
            day.year() - 1
        };
        let mut price = self.base_price;
        for _ in 2023..tariff_year {
            price = round_grosze(price * dec!(1.04));
        }
        for _ in tariff_year..2023 {
            price = round_grosze(price / dec!(1.04));
        }
        price
    }
}

/// Share (per mille) of a year's heat used in each month: heating in winter, only hot
/// water in summer.
const MONTH_SHARE: [u32; 12] = [165, 145, 125, 80, 35, 20, 15, 15, 30, 80, 130, 160];

pub fn month_share(month: u32) -> Decimal {
    Decimal::from(MONTH_SHARE[(month as usize + 11) % 12]) / dec!(1000)
}

/// One priced line of an invoice.
#[derive(Debug, Clone)]
pub struct Line {
    pub name: &'static str,
    pub unit: &'static str,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
    /// The building (point of delivery) the line bills, for customers with several.
    pub point: Option<&'static str>,
}

pub fn line(component: &Component, quantity: Decimal, day: NaiveDate) -> Line {
    let unit_price = component.price(day);
    let net = round_grosze(quantity * unit_price);
    let vat = vat_on(net, VAT_RATE).unwrap_or_default();
    Line {
        name: component.name,
        unit: component.unit,
        quantity,
        unit_price,
        net,
        vat,
        gross: net + vat,
        point: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn prices_change_on_the_first_of_july() {
        assert_eq!(HEAT.price(ymd(2024, 6, 30)), dec!(58.20));
        assert_eq!(HEAT.price(ymd(2024, 7, 1)), dec!(60.53));
        assert_eq!(HEAT.price(ymd(2025, 7, 1)), dec!(62.95));
        assert_eq!(HEAT.price(ymd(2023, 6, 1)), dec!(55.96));
    }

    #[test]
    fn the_year_adds_up() {
        let total: Decimal = (1..=12).map(month_share).sum();
        assert_eq!(total, dec!(1));
        assert!(month_share(1) > month_share(7) * dec!(10));
    }

    #[test]
    fn a_line_has_vat_at_23_percent() {
        let l = line(&HEAT, dec!(9.120), ymd(2024, 1, 31));
        assert_eq!(l.net, dec!(530.78)); // 9.12 × 58.20 = 530.784
        assert_eq!(l.vat, dec!(122.08)); // 122.0794
        assert_eq!(l.gross, dec!(652.86));
    }
}
