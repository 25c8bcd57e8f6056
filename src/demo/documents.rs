//! The demo's PDF documents: heat-sales contracts, an annex and e-invoices.

use super::data::{Contract, Customer, Invoice};
use super::tariff::VAT_RATE;
use crate::config::Utility;
use crate::domain::money::{format_decimal, format_number};
use crate::domain::pdf::{Cell, Writer, left_margin, right_edge};
use crate::domain::vat::per_rate;

fn date(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

fn parties(w: &mut Writer, seller: &Utility, customer: &Customer) {
    w.text("Sprzedawca:", 10.0, true);
    w.text(&seller.name, 10.0, false);
    w.text(
        &format!("{}, NIP {}", seller.address, seller.nip),
        10.0,
        false,
    );
    w.gap(2.0);
    w.text("Odbiorca:", 10.0, true);
    w.text(&customer.name, 10.0, false);
    w.text(&customer.address, 10.0, false);
    let id = match (&customer.nip, &customer.pesel) {
        (Some(nip), _) => match crate::domain::ids::Nip::parse(nip) {
            Ok(nip) => format!("NIP {}", nip.formatted()),
            Err(_) => format!("NIP {nip}"),
        },
        (None, Some(pesel)) => format!("PESEL *******{}", &pesel[7..]),
        _ => String::new(),
    };
    w.text(
        &format!(
            "Nr odbiorcy {}, {}, węzeł cieplny: {}",
            customer.number, id, customer.area
        ),
        10.0,
        false,
    );
}

pub fn contract(
    seller: &Utility,
    customer: &Customer,
    contract: &Contract,
) -> anyhow::Result<Vec<u8>> {
    let c = &contract.record;
    let mut w = Writer::new(&format!("Umowa {}", c.number), c.signed_on, &c.number)?;
    let heading = if let Some(parent) = &c.parent_number {
        format!("ANEKS do umowy {parent}")
    } else {
        "UMOWA KOMPLEKSOWA SPRZEDAŻY CIEPŁA".to_string()
    };
    w.text(&heading, 15.0, true);
    w.text(&format!("nr {}", c.number), 12.0, true);
    w.text(
        &format!("zawarta we Włocławku dnia {}", date(c.signed_on)),
        10.0,
        false,
    );
    w.rule();
    parties(&mut w, seller, customer);
    w.rule();
    for (title, body) in &contract.clauses {
        w.gap(1.5);
        w.text(title, 11.0, true);
        w.paragraph(body, 10.0);
    }
    w.gap(14.0);
    w.row(
        &[
            Cell::left(
                left_margin() + 6.0,
                "........................................",
            ),
            Cell::left(118.0, "........................................"),
        ],
        10.0,
        false,
    );
    w.row(
        &[
            Cell::left(left_margin() + 16.0, "Sprzedawca"),
            Cell::left(132.0, "Odbiorca"),
        ],
        9.0,
        false,
    );
    w.finish()
}

pub fn invoice(seller: &Utility, customer: &Customer, inv: &Invoice) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new(
        &format!("Faktura {}", inv.number),
        inv.issue_date,
        &inv.number,
    )?;
    w.text(&format!("Faktura VAT nr {}", inv.number), 15.0, true);
    w.text(
        &format!(
            "Data wystawienia: {}    Termin płatności: {}",
            date(inv.issue_date),
            date(inv.due_date)
        ),
        10.0,
        false,
    );
    w.text(&inv.description, 10.0, false);
    w.rule();
    parties(&mut w, seller, customer);
    w.rule();
    let right = right_edge();
    let header = [
        Cell::left(left_margin(), "Lp."),
        Cell::left(left_margin() + 8.0, "Nazwa"),
        Cell::right(118.0, "Ilość"),
        Cell::left(120.0, "J.m."),
        Cell::right(152.0, "Cena netto"),
        Cell::right(174.0, "Netto"),
        Cell::right(right, "Stawka VAT"),
    ];
    w.row(&header, 8.5, true);
    for (i, l) in inv.lines.iter().enumerate() {
        w.row(
            &[
                Cell::left(left_margin(), format!("{}.", i + 1)),
                Cell::left(left_margin() + 8.0, l.name),
                Cell::right(118.0, format_decimal(&l.quantity.to_string())),
                Cell::left(120.0, l.unit),
                Cell::right(152.0, format_number(l.unit_price)),
                Cell::right(174.0, format_number(l.net)),
                Cell::right(right, format!("{}%", VAT_RATE)),
            ],
            8.5,
            false,
        );
    }
    w.rule();
    w.row(
        &[
            Cell::right(128.0, "Netto"),
            Cell::right(152.0, "VAT"),
            Cell::right(right, "Brutto"),
        ],
        8.5,
        true,
    );
    for row in summary(inv) {
        w.row(
            &[
                Cell::left(left_margin() + 8.0, &row.label),
                Cell::right(128.0, &row.net),
                Cell::right(152.0, &row.vat),
                Cell::right(right, &row.gross),
            ],
            9.0,
            row.label == "Razem:",
        );
    }
    w.gap(2.0);
    w.row(
        &[
            Cell::left(100.0, "Do zapłaty (brutto):"),
            Cell::right(right, format!("{} zł", format_number(inv.charge))),
        ],
        11.0,
        true,
    );
    w.gap(6.0);
    w.paragraph(
        &format!(
            "Prosimy o wpłatę na rachunek 00 1020 1026 0000 0000 0000 0000 (rachunek przykładowy, \
             dane demonstracyjne) do dnia {}. W tytule przelewu prosimy podać numer faktury. \
             Za opóźnienie w zapłacie naliczamy odsetki ustawowe.",
            date(inv.due_date)
        ),
        9.0,
    );
    w.gap(4.0);
    w.text(
        &format!(
            "{}, tel. {}, {}",
            seller.short_name, seller.phone, seller.email
        ),
        8.5,
        false,
    );
    w.finish()
}

/// One line of an invoice's VAT summary as printed: label, net, VAT, gross.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub label: String,
    pub net: String,
    pub vat: String,
    pub gross: String,
}

/// The VAT summary printed under the items: per rate, VAT on the rate's net total
/// rounded half up (as ebok's own view of the bill computes it), then the total, so
/// net + VAT = gross on every line and the total gross is the charge.
pub fn summary(inv: &Invoice) -> Vec<SummaryRow> {
    let (rates, total) = per_rate(inv.lines.iter().map(|l| (l.net, VAT_RATE, l.vat)));
    let row = |label: String, l: &crate::domain::vat::VatLine| SummaryRow {
        label,
        net: format_number(l.net),
        vat: format_number(l.vat),
        gross: format_number(l.gross),
    };
    let mut rows: Vec<SummaryRow> = rates
        .iter()
        .map(|l| {
            let shown = if l.rate.chars().all(|c| c.is_ascii_digit()) {
                format!("{}%", l.rate)
            } else {
                l.rate.clone()
            };
            row(format!("Razem wg stawki {shown}:"), l)
        })
        .collect();
    rows.push(row("Razem:".to_string(), &total));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::tariff::Line;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn line(net: Decimal, vat: Decimal) -> Line {
        Line {
            name: "Opłata",
            unit: "GJ",
            point: None,
            quantity: dec!(1),
            unit_price: net,
            net,
            vat,
            gross: net + vat,
        }
    }

    #[test]
    fn the_pdf_summary_is_vat_on_the_net_total_and_adds_up() {
        // Jan's February bill: nets 122.89 + 438.83 + 48.15 + 149.72 = 759.59; the
        // lines' own VAT 28.26 + 100.93 + 11.07 + 34.44 = 174.70, but 23% of the net
        // total is 174.7057 → 174.71, and 759.59 + 174.71 = 934.30, the charge.
        let inv = Invoice {
            number: "FV/2025/02/000102".into(),
            customer: 0,
            kind: "invoice",
            issue_date: chrono::NaiveDate::from_ymd_opt(2025, 2, 28).unwrap(),
            due_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 14).unwrap(),
            description: String::new(),
            lines: vec![
                line(dec!(122.89), dec!(28.26)),
                line(dec!(438.83), dec!(100.93)),
                line(dec!(48.15), dec!(11.07)),
                line(dec!(149.72), dec!(34.44)),
            ],
            charge: dec!(934.30),
            credited: Decimal::ZERO,
            pdf: None,
            interest_for: None,
        };
        let rows = summary(&inv);
        let shown: Vec<[&str; 4]> = rows
            .iter()
            .map(|r| [&*r.label, &*r.net, &*r.vat, &*r.gross])
            .collect();
        assert_eq!(
            shown,
            [
                ["Razem wg stawki 23%:", "759,59", "174,71", "934,30"],
                ["Razem:", "759,59", "174,71", "934,30"],
            ]
        );
    }
}
