//! A billing history for the usage tests: Zofia Wiśniewska (K-00101) billed monthly
//! from July 2023 to November 2025 with seasonal heat, prices rising each 1 July; a
//! housing community (F-00301) with bills but no line items. The expected figures are
//! summed here from the rows written, independently of ebok's code.

use crate::telegram_support::{append, example_copy};
use ebok::domain::calendar::YearMonth;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// "Today" in these tests: December 2025, November billed.
pub const TODAY: (i32, u32, u32) = (2025, 12, 10);

/// What one month's rows add up to.
#[derive(Debug, Default, Clone, Copy)]
pub struct Expected {
    pub gj: Decimal,
    pub fixed_gr: i64,
    pub variable_gr: i64,
}

pub struct History {
    pub dir: tempfile::TempDir,
    pub months: BTreeMap<YearMonth, Expected>,
}

fn grosze(d: Decimal) -> i64 {
    (d * Decimal::ONE_HUNDRED).round().try_into().unwrap()
}

/// The net rounded half away from zero and the 23% VAT rounded half up, as the import
/// checks them.
fn priced(q: Decimal, price: Decimal) -> (Decimal, Decimal) {
    let net =
        (q * price).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let vat = (net * Decimal::new(23, 2))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    (net, vat)
}

pub fn history() -> History {
    let dir = example_copy();
    // The example already bills January and February 2025; the rest is added.
    let share = [165, 145, 125, 80, 35, 20, 15, 15, 30, 80, 130, 160];
    let mut invoices = Vec::new();
    let mut items = Vec::new();
    let mut months = BTreeMap::new();
    let mut m = YearMonth {
        year: 2023,
        month: 7,
    };
    let mut seed = 7u64;
    while m
        <= (YearMonth {
            year: 2025,
            month: 11,
        })
    {
        let last = m.last_day();
        if m.year == 2025 && m.month <= 2 {
            m = m.next();
            continue;
        }
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let jitter = 90 + (seed >> 33) % 21; // 90..=110 %
        let gj = Decimal::new(share[m.month as usize - 1] * 56 * jitter as i64 / 100, 3);
        let tariff_year = if m.month >= 7 { m.year } else { m.year - 1 };
        let rise = Decimal::new(100 + 5 * (tariff_year as i64 - 2023), 2);
        let lines = [
            (
                "Opłata za zamówioną moc cieplną",
                Decimal::new(15, 3),
                "MW",
                Decimal::new(975_000, 2) * rise,
            ),
            ("Opłata za ciepło", gj, "GJ", Decimal::new(5_988, 2) * rise),
            (
                "Opłata stała za usługi przesyłowe",
                Decimal::new(15, 3),
                "MW",
                Decimal::new(382_100, 2) * rise,
            ),
            (
                "Opłata zmienna za usługi przesyłowe",
                gj,
                "GJ",
                Decimal::new(2_043, 2) * rise,
            ),
        ];
        let number = format!("FV/{}/{:02}/900101", m.year, m.month);
        let mut e = Expected {
            gj,
            ..Expected::default()
        };
        let mut net_total = Decimal::ZERO;
        for (i, (name, q, unit, price)) in lines.into_iter().enumerate() {
            let price = price.round_dp(2);
            let (net, vat) = priced(q, price);
            net_total += net;
            let gross = net + vat;
            if unit == "MW" {
                e.fixed_gr += grosze(gross);
            } else {
                e.variable_gr += grosze(gross);
            }
            items.push(format!(
                "{number},{},{name},{q},{unit},{price},{net},23,{vat},{gross},",
                i + 1
            ));
        }
        let charge = net_total
            + (net_total * Decimal::new(23, 2))
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        invoices.push(format!(
            "{number},K-00101,invoice,{last},{},Ciepło,{charge},{charge},0.00,,,,",
            last + chrono::Duration::days(14)
        ));
        months.insert(m, e);
        m = m.next();
    }
    // The example's January and February 2025, summed from its own files.
    for (month, number) in [(1, "FV/2025/01/000101"), (2, "FV/2025/02/000101")] {
        let text = std::fs::read_to_string(dir.path().join("invoice_items.csv")).unwrap();
        let mut e = Expected::default();
        for row in text.lines().filter(|l| l.starts_with(number)) {
            let f: Vec<&str> = row.split(',').collect();
            let gross = grosze(f[9].parse().unwrap());
            if f[4] == "GJ" {
                e.gj = f[3].parse().unwrap();
                e.variable_gr += gross;
            } else {
                e.fixed_gr += gross;
            }
        }
        months.insert(YearMonth { year: 2025, month }, e);
    }
    // The housing community's March 2025, two buildings on one invoice.
    let mut net_total = Decimal::ZERO;
    for (line, (point, gj)) in [("ul. Kaliska 76", "120.500"), ("ul. Kaliska 78", "80.250")]
        .into_iter()
        .enumerate()
    {
        let q: Decimal = gj.parse().unwrap();
        let (net, vat) = priced(q, Decimal::new(6_287, 2));
        net_total += net;
        items.push(format!(
            "FV/2025/03/900201,{},Opłata za ciepło,{q},GJ,62.87,{net},23,{vat},{},\"{point}\"",
            line + 1,
            net + vat
        ));
    }
    let charge = net_total
        + (net_total * Decimal::new(23, 2))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    invoices.push(format!(
        "FV/2025/03/900201,F-00201,invoice,2025-03-31,2025-04-14,Ciepło,{charge},{charge},0.00,,,,"
    ));
    invoices.push(
        "FV/2025/11/000301,F-00301,invoice,2025-11-30,2025-12-14,Ciepło,5000.00,0.00,5000.00,,,,"
            .to_string(),
    );
    // The example's items file gains the optional `point` column, empty on its rows.
    let items_file = dir.path().join("invoice_items.csv");
    let old = std::fs::read_to_string(&items_file).unwrap();
    let with_point: String = old
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l},point\n")
            } else {
                format!("{l},\n")
            }
        })
        .collect();
    std::fs::write(&items_file, with_point).unwrap();
    append(dir.path(), "invoices.csv", &invoices);
    append(dir.path(), "invoice_items.csv", &items);
    append(
        dir.path(),
        "customers.csv",
        &["F-00301,firm,Wspólnota Mieszkaniowa Żytnia 5,,888-123-45-63,\"ul. Żytnia 5, 87-800 Włocławek\",Śródmieście / WS-14,zarzad@zytnia5.example.pl,".to_string()],
    );
    History { dir, months }
}

impl History {
    /// The sums over `from..=to`.
    pub fn sum(&self, from: YearMonth, to: YearMonth) -> Expected {
        let mut s = Expected::default();
        for (_, e) in self.months.range(from..=to) {
            s.gj += e.gj;
            s.fixed_gr += e.fixed_gr;
            s.variable_gr += e.variable_gr;
        }
        s
    }
}

/// `1 234,56 zł` as the text replies write it.
pub fn zl(gr: i64) -> String {
    ebok::domain::money::format_pln(ebok::domain::money::from_grosze(gr))
}

/// `123,456` as the text replies write a GJ figure.
pub fn gj(d: Decimal) -> String {
    ebok::domain::money::format_decimal(&d.round_dp(3).to_string())
}
