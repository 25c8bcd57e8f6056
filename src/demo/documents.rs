//! The demo's PDF documents: heat-sales contracts, an annex and e-invoices.

use super::data::{Contract, Customer, Invoice};
use super::pdf::{Cell, Writer, left_margin, right_edge};
use crate::config::Utility;
use crate::domain::money::format_number;
use rust_decimal::Decimal;

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

pub fn contract(seller: &Utility, customer: &Customer, c: &Contract) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new(&format!("Umowa {}", c.number), c.signed_on, &c.number)?;
    let heading = if c.parent.is_some() {
        format!("ANEKS do umowy {}", c.parent.as_deref().unwrap_or_default())
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
    for (title, body) in &c.clauses {
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
        Cell::right(172.0, "Netto"),
        Cell::right(right, "VAT 23%"),
    ];
    w.row(&header, 8.5, true);
    for (i, l) in inv.lines.iter().enumerate() {
        w.row(
            &[
                Cell::left(left_margin(), format!("{}.", i + 1)),
                Cell::left(left_margin() + 8.0, l.name),
                Cell::right(118.0, l.quantity.to_string().replace('.', ",")),
                Cell::left(120.0, l.unit),
                Cell::right(152.0, format_number(l.unit_price)),
                Cell::right(172.0, format_number(l.net)),
                Cell::right(right, format_number(l.vat)),
            ],
            8.5,
            false,
        );
    }
    w.rule();
    let sum = |f: fn(&super::tariff::Line) -> Decimal| inv.lines.iter().map(f).sum::<Decimal>();
    w.row(
        &[
            Cell::left(100.0, "Razem wg stawki 23%:"),
            Cell::right(172.0, format_number(sum(|l| l.net))),
            Cell::right(right, format_number(sum(|l| l.vat))),
        ],
        9.0,
        false,
    );
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
