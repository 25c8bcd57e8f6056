//! Property test: over many generated invoices, every total ebok renders — the bill
//! view as plain text (console, the text part of emails), as Telegram HTML and as
//! email HTML, and the VAT summary of the demo's invoice PDFs — equals the sum of its
//! parts to the grosz, read back from the rendered text as a customer reads it.
//!
//! The number of cases is bounded so that it runs in seconds; for a longer run set
//! `PROPTEST_CASES`, e.g. `PROPTEST_CASES=20000 cargo test --lib totals_props`.

use super::BillRow;
use super::bills::bill_data;
use crate::demo::{data, documents, tariff};
use crate::domain::lang::Lang;
use crate::domain::model::{Invoice, InvoiceItem, InvoiceKind};
use crate::domain::money::round_grosze;
use crate::domain::reply::View;
use crate::domain::vat::gross_total;
use crate::render::{Flavour, Renderer};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const RATES: [&str; 7] = ["23", "8", "5", "0", "zw", "np", "oo"];
const UNITS: [&str; 5] = ["GJ", "MW", "m³", "MW/m-c", "szt."];
const NBSP: char = '\u{a0}';

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new(None).expect("built-in templates"))
}

/// One generated line: quantity and unit price as the export writes them.
#[derive(Debug, Clone)]
struct Line {
    quantity: Decimal,
    unit_price: Decimal,
    unit: &'static str,
    rate: &'static str,
}

impl Line {
    fn net(&self) -> Decimal {
        round_grosze(self.quantity * self.unit_price)
    }
}

/// Quantities up to 500 with 0–3 decimals, prices up to 2 000 zł with 0–2 decimals:
/// a line comes to at most 1 000 000 zł, an invoice of up to 8 lines to under 10
/// million, which the bill view's columns hold.
fn line(negative: bool) -> impl Strategy<Value = Line> {
    (
        1i64..=500_000,
        0u32..=3,
        1i64..=200_000,
        0u32..=2,
        0..UNITS.len(),
        0..RATES.len(),
    )
        .prop_map(move |(q, q_scale, p, p_scale, unit, rate)| {
            let sign = if negative { -1 } else { 1 };
            // Scale 3 keeps the mantissa; smaller scales divide it so the size stays put.
            let q = Decimal::new(sign * q / 10i64.pow(3 - q_scale), q_scale);
            let p = Decimal::new(p / 10i64.pow(2 - p_scale), p_scale);
            Line {
                quantity: if q.is_zero() {
                    Decimal::new(sign, 0)
                } else {
                    q
                },
                unit_price: if p.is_zero() { Decimal::ONE } else { p },
                unit: UNITS[unit],
                rate: RATES[rate],
            }
        })
}

/// An invoice (or, one time in eight, a correction with negative quantities) and the
/// share of its charge paid so far: sometimes nothing, sometimes more than all of it.
fn invoice() -> impl Strategy<Value = (Vec<Line>, i64)> {
    prop::bool::weighted(0.125)
        .prop_flat_map(|negative| (prop::collection::vec(line(negative), 1..=8), 0i64..=130))
}

fn vat_percent(rate: &str) -> i64 {
    rate.parse().unwrap_or(0)
}

/// VAT in grosze on a net in grosze, rounded half away from zero, by integer
/// arithmetic (independent of the code under test).
fn vat_gr(net_gr: i64, percent: i64) -> i64 {
    let scaled = net_gr.abs() * percent;
    let vat = (scaled + 50) / 100;
    if net_gr < 0 { -vat } else { vat }
}

fn grosze(amount: Decimal) -> i64 {
    i64::try_from(amount * Decimal::ONE_HUNDRED).expect("grosze fit")
}

fn model(lines: &[Line], paid_percent: i64) -> (Invoice, Vec<InvoiceItem>) {
    let items: Vec<InvoiceItem> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let net_gr = grosze(l.net());
            let vat = vat_gr(net_gr, vat_percent(l.rate));
            InvoiceItem {
                line_no: i as i64 + 1,
                name: format!("Pozycja {}", i + 1),
                quantity: l.quantity.to_string(),
                unit: l.unit.to_string(),
                unit_price: l.unit_price.to_string(),
                net_gr,
                vat_rate: l.rate.to_string(),
                vat_gr: vat,
                gross_gr: net_gr + vat,
                point: None,
            }
        })
        .collect();
    // The charge as the import demands it: per rate, net total plus VAT on it.
    let charge = gross_total(lines.iter().map(|l| (l.net(), l.rate))).expect("known rates");
    let charge_gr = grosze(charge);
    let credited_gr = charge_gr * paid_percent / 100;
    let invoice = Invoice {
        id: 1,
        number: "FV/2026/11/000001".into(),
        customer_id: 1,
        kind: if charge_gr < 0 {
            InvoiceKind::Correction
        } else {
            InvoiceKind::Invoice
        },
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        due_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
        description: "Ciepło – listopad 2026".into(),
        charge_gr,
        credited_gr,
        to_pay_gr: charge_gr - credited_gr,
        interest_gr: Some(0),
        pdf_sha256: None,
        pdf_name: None,
        interest_for: None,
        interest_to: None,
        ksef: Default::default(),
    };
    (invoice, items)
}

/// The rendered text as a customer reads it: markup removed.
fn visible(rendered: &str) -> String {
    let mut out = String::with_capacity(rendered.len());
    let mut in_tag = false;
    for c in rendered.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every amount (`-1 234,56`, groups of three separated by `sep`) in a line, in grosze.
fn amounts(line: &str, sep: char) -> Vec<i64> {
    let c: Vec<char> = line.chars().collect();
    let digit = |i: usize| c.get(i).is_some_and(char::is_ascii_digit);
    let mut found = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let negative = c[i] == '-' && digit(i + 1);
        let start = if negative { i + 1 } else { i };
        if !digit(start) || (i > 0 && (digit(i - 1) || c[i - 1] == ',')) {
            i += 1;
            continue;
        }
        let mut j = start;
        while digit(j) {
            j += 1;
        }
        let mut text: String = c[start..j].iter().collect();
        let first_group = j - start;
        while first_group <= 3
            && c.get(j) == Some(&sep)
            && (1..=3).all(|k| digit(j + k))
            && !digit(j + 4)
        {
            text.extend(&c[j + 1..j + 4]);
            j += 4;
        }
        if c.get(j) == Some(&',') && digit(j + 1) && digit(j + 2) && !digit(j + 3) {
            text.push_str(&format!("{}{}", c[j + 1], c[j + 2]));
            let value: i64 = text.parse().expect("digits");
            found.push(if negative { -value } else { value });
            i = j + 3;
        } else {
            i = j;
        }
    }
    found
}

/// A decimal as written in the view (`10 240,56`, `0,015`).
fn decimal(text: &str, sep: char) -> Decimal {
    let plain: String = text
        .chars()
        .filter(|c| *c != sep)
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    plain
        .parse()
        .unwrap_or_else(|_| panic!("'{text}' is not a number"))
}

/// What the bill view shows, read back from its text.
#[derive(Debug, Default)]
struct Shown {
    /// Per line: quantity, unit price, net (grosze), rate as shown.
    items: Vec<(Decimal, Decimal, i64, String)>,
    /// Per rate as shown ("23%", "zw", …): net, VAT, gross.
    rates: BTreeMap<String, [i64; 3]>,
    total: Option<[i64; 3]>,
    charge: Option<i64>,
    credited: Option<i64>,
    to_pay: Option<i64>,
    overpaid: Option<i64>,
}

fn read_view(text: &str, lang: Lang, sep: char) -> Shown {
    let (net_word, total_word, charge, credited, to_pay, overpaid) = match lang {
        Lang::Pl => (
            " zł netto, VAT ",
            "razem",
            "obciążenie",
            "uznanie",
            "do zapłaty",
            "nadpłata",
        ),
        Lang::En => (
            " zł net, VAT ",
            "total",
            "charged",
            "credited",
            "to pay",
            "overpaid",
        ),
    };
    let mut shown = Shown::default();
    for line in text.lines() {
        let first = |l: &str| amounts(l, sep).first().copied();
        if let Some((left, rest)) = line.split_once(" × ") {
            let (price, rest) = rest.split_once(" zł = ").expect("price");
            let (net, rate) = rest.split_once(net_word).expect("net");
            let (quantity, _unit) = left.trim().rsplit_once(' ').expect("unit");
            shown.items.push((
                decimal(quantity, sep),
                decimal(price, sep),
                grosze(decimal(net, sep)),
                rate.to_string(),
            ));
        } else if line.starts_with(charge) {
            shown.charge = first(line);
        } else if line.starts_with(credited) {
            shown.credited = first(line);
        } else if line.starts_with(to_pay) {
            shown.to_pay = first(line);
        } else if line.starts_with(overpaid) {
            shown.overpaid = first(line);
        } else if let &[net, vat, gross] = amounts(line, sep).as_slice() {
            let label = summary_label(line);
            if label == total_word {
                shown.total = Some([net, vat, gross]);
            } else {
                shown.rates.insert(label, [net, vat, gross]);
            }
        }
    }
    shown
}

/// The first column of a summary line: `23%`, `zw`, `razem`, … (a number right after
/// the label may touch it when it is wider than its column).
fn summary_label(line: &str) -> String {
    let trimmed = line.trim_start();
    if let Some(end) = trimmed.find('%') {
        return trimmed[..=end].to_string();
    }
    trimmed.chars().take_while(|c| c.is_alphabetic()).collect()
}

/// Checks one rendering of the bill view against the sums of its parts.
fn check_view(lines: &[Line], invoice: &Invoice, text: &str, lang: Lang, sep: char) {
    let shown = read_view(text, lang, sep);
    assert_eq!(shown.items.len(), lines.len(), "{text}");
    let mut per_rate: BTreeMap<String, i64> = BTreeMap::new();
    for (q, p, net, rate) in &shown.items {
        // A line's net is its quantity × unit price, as shown, rounded to the grosz.
        assert_eq!(grosze(round_grosze(q * p)), *net, "{text}");
        *per_rate.entry(rate.clone()).or_default() += net;
    }
    let mut sums = [0i64; 3];
    assert_eq!(shown.rates.len(), per_rate.len(), "{text}");
    for (rate, net) in &per_rate {
        let [r_net, r_vat, r_gross] = shown.rates[rate];
        let percent = rate.trim_end_matches('%').parse().unwrap_or(0);
        assert_eq!(
            r_net, *net,
            "rate {rate}: net is the sum of its lines\n{text}"
        );
        assert_eq!(
            r_vat,
            vat_gr(r_net, percent),
            "rate {rate}: VAT on the net total\n{text}"
        );
        assert_eq!(r_net + r_vat, r_gross, "rate {rate}: net + VAT\n{text}");
        for (s, v) in sums.iter_mut().zip([r_net, r_vat, r_gross]) {
            *s += v;
        }
    }
    assert_eq!(
        shown.total,
        Some(sums),
        "the total is the sum of the rates\n{text}"
    );
    assert_eq!(shown.charge, Some(invoice.charge_gr), "{text}");
    assert_eq!(
        sums[2], invoice.charge_gr,
        "the items come to the charge\n{text}"
    );
    let credited = shown.credited.expect("credited shown");
    match (shown.to_pay, shown.overpaid) {
        (Some(to_pay), None) => assert_eq!(invoice.charge_gr - credited, to_pay, "{text}"),
        (None, Some(over)) => {
            assert!(over > 0, "{text}");
            assert_eq!(credited - invoice.charge_gr, over, "{text}");
        }
        other => panic!("to pay / overpaid: {other:?}\n{text}"),
    }
}

/// The demo's invoice PDF for the same lines (heat is all at 23%): its VAT summary
/// adds up and comes to the charge.
fn check_pdf(lines: &[Line]) {
    let pdf_lines: Vec<tariff::Line> = lines
        .iter()
        .map(|l| {
            let net = l.net();
            let vat = crate::domain::vat::vat_on(net, tariff::VAT_RATE).unwrap();
            tariff::Line {
                name: "Opłata za ciepło",
                unit: l.unit,
                quantity: l.quantity,
                unit_price: l.unit_price,
                net,
                vat,
                gross: net + vat,
                point: None,
            }
        })
        .collect();
    let charge = gross_total(pdf_lines.iter().map(|l| (l.net, tariff::VAT_RATE))).unwrap();
    let inv = data::Invoice {
        number: "FV/2026/11/000001".into(),
        customer: 0,
        kind: "invoice",
        issue_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        due_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
        description: String::new(),
        lines: pdf_lines,
        charge,
        credited: Decimal::ZERO,
        pdf: None,
        interest_for: None,
    };
    let rows = documents::summary(&inv);
    let read = |s: &str| amounts(s, ' ')[0];
    let net_total: i64 = lines.iter().map(|l| grosze(l.net())).sum();
    let mut sums = [0i64; 3];
    let (total, rates) = rows.split_last().expect("a total row");
    assert_eq!(total.label, "Razem:");
    for row in rates {
        let [net, vat, gross] = [read(&row.net), read(&row.vat), read(&row.gross)];
        assert_eq!(net + vat, gross, "{row:?}");
        assert_eq!(vat, vat_gr(net, 23), "{row:?}");
        for (s, v) in sums.iter_mut().zip([net, vat, gross]) {
            *s += v;
        }
    }
    assert_eq!(sums[0], net_total);
    assert_eq!(
        [read(&total.net), read(&total.vat), read(&total.gross)],
        sums
    );
    assert_eq!(
        sums[2],
        grosze(charge),
        "the PDF's total gross is the charge"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn every_rendered_total_is_the_sum_of_its_parts((lines, paid) in invoice()) {
        let (invoice, items) = model(&lines, paid);
        let row = BillRow::new(&invoice, Decimal::ZERO, false, false);
        let view = View::new("bill", bill_data(&row, &items));
        for lang in [Lang::Pl, Lang::En] {
            let text = renderer().view(Flavour::Text, lang, &view).unwrap();
            check_view(&lines, &invoice, &text, lang, ' ');
            for flavour in [Flavour::Telegram, Flavour::EmailHtml] {
                let html = visible(&renderer().view(flavour, lang, &view).unwrap());
                // In HTML the thousands separator is a non-breaking space: every
                // amount reads the same with it as the text does with a plain space.
                prop_assert_eq!(amounts(&html, NBSP), amounts(&text, ' '));
                check_view(&lines, &invoice, &html, lang, NBSP);
            }
        }
        check_pdf(&lines);
    }
}

#[test]
fn amounts_are_read_back_as_written() {
    assert_eq!(
        amounts("razem1 234 567,89     174,71 -12,00 zł", ' '),
        [123456789, 17471, -1200]
    );
    assert_eq!(amounts("23%   10 240,56", ' '), [1024056]);
    assert_eq!(amounts("0,015 MW", ' '), Vec::<i64>::new());
    assert_eq!(amounts("10\u{a0}240,56 zł", NBSP), [1024056]);
    // With the wrong separator the groups fall apart and the amount reads differently.
    assert_eq!(amounts("10\u{a0}240,56 zł", ' '), [24056]);
}
