//! invoice_items.csv: the line items of invoices. An invoice's items are one set: when
//! anything in the set changes, the stored items of that invoice are replaced
//! ([`super::item_sets`]).

use super::error::Errors;
use super::fields::{CsvFile, Row};
use super::item_sets::{Group, Item, Writer};
use super::known::Slot;
use super::parse::show_grosze;
use super::report::FileReport;
use super::run::Run;
use super::shared::{Shared, missing};
use crate::domain::export::{INVOICE_ITEMS as SPEC, INVOICES};
use crate::domain::model::InvoiceItem;
use crate::domain::money::{from_grosze, round_grosze, to_grosze};
use crate::domain::vat::{accepted_rate, vat_on};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

pub async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    // An invoice's items usually stand on consecutive lines: such a set is checked and
    // written as soon as the next invoice begins, so memory holds one set, not the
    // file. The sets of invoices whose lines are scattered are held to the end.
    let mut groups = Groups {
        scattered: scattered_invoices(run)?,
        ..Groups::default()
    };
    let mut writer = Writer::load(&mut run.tx).await?;
    loop {
        if let Some(done) = groups.finished.take() {
            writer.add(run, done, &mut report).await?;
        }
        let Some(row) = file.next_row(&mut run.shared.errors) else {
            break;
        };
        if let Some((invoice, number, item)) = check(&mut run.shared, run.vat_rates, &row) {
            groups.add(&mut run.shared.errors, &row, invoice, number, item);
        }
    }
    report.rows = file.rows;
    let Groups {
        current,
        held,
        finished,
        ..
    } = groups;
    for group in finished.into_iter().chain(current).chain(held) {
        writer.add(run, group, &mut report).await?;
    }
    writer.flush(run).await?;
    Ok(report)
}

/// The sets being gathered.
#[derive(Default)]
struct Groups {
    /// Invoices whose lines are not consecutive: their sets are held to the end.
    scattered: HashSet<Slot>,
    held: Vec<Group>,
    held_of: HashMap<Slot, usize>,
    /// The set of the invoice whose lines are being read.
    current: Option<Group>,
    /// The set that ended with the last line: checked and written before the next.
    finished: Option<Group>,
}

impl Groups {
    fn add(&mut self, errors: &mut Errors, row: &Row<'_>, invoice: Slot, number: &str, item: Item) {
        let group = if self.scattered.contains(&invoice) {
            let held = &mut self.held;
            let index = *self.held_of.entry(invoice).or_insert_with(|| {
                held.push(Group::new(invoice, number));
                held.len() - 1
            });
            &mut self.held[index]
        } else {
            if self.current.as_ref().is_some_and(|g| g.invoice != invoice) {
                self.finished = self.current.take();
            }
            self.current
                .get_or_insert_with(|| Group::new(invoice, number))
        };
        let line_no = item.item.line_no;
        if let Some(first) = group.items.iter().find(|i| i.item.line_no == line_no) {
            row.error(
                errors,
                "line",
                format!(
                    "invoice '{number}' has line {line_no} twice (first on line {})",
                    first.line
                ),
            );
            return;
        }
        group.items.push(item);
    }
}

/// Checks one line: its invoice (slot and number) and the item, or `None` with the
/// errors recorded.
fn check<'r>(
    shared: &mut Shared,
    vat_rates: &[String],
    row: &Row<'r>,
) -> Option<(Slot, &'r str, Item)> {
    let errors = &mut shared.errors;
    let invoice = row.text(errors, "invoice").and_then(|number| {
        let slot = shared.invoices.slot(number);
        if slot.is_none() {
            row.error(errors, "invoice", missing("invoice", number, INVOICES.file));
        }
        slot.map(|s| (s, number))
    });
    if let Some((slot, _)) = invoice {
        shared.items_brought.insert(slot);
    }
    let line_no = row
        .text(errors, "line")
        .and_then(|t| match t.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                row.error(
                    errors,
                    "line",
                    format!("'{t}' is not a line number (1, 2, 3, …)"),
                );
                None
            }
        });
    let name = row.text(errors, "name");
    let quantity = row.decimal(errors, "quantity");
    let unit = row.text(errors, "unit");
    let unit_price = row.decimal(errors, "unit_price");
    let net = row.amount(errors, "net");
    let vat_rate = row
        .text(errors, "vat_rate")
        .filter(|r| match accepted_rate(r, vat_rates) {
            Ok(_) => true,
            Err(reason) => {
                row.error(errors, "vat_rate", reason);
                false
            }
        });
    let vat = row.amount(errors, "vat");
    let gross = row.amount(errors, "gross");
    check_net(errors, row, quantity, unit_price, net);
    check_vat(errors, row, net, vat_rate, vat, gross);
    let (
        Some((slot, number)),
        Some(line_no),
        Some(name),
        Some(quantity),
        Some(unit),
        Some(unit_price),
        Some(net_gr),
        Some(vat_rate),
        Some(vat_gr),
        Some(gross_gr),
    ) = (
        invoice, line_no, name, quantity, unit, unit_price, net, vat_rate, vat, gross,
    )
    else {
        return None;
    };
    let item = InvoiceItem {
        line_no,
        name: name.to_string(),
        quantity: quantity.to_string(),
        unit: unit.to_string(),
        unit_price: unit_price.to_string(),
        net_gr,
        vat_rate: vat_rate.to_string(),
        vat_gr,
        gross_gr,
        point: row.opt_text("point").map(str::to_string),
    };
    Some((
        slot,
        number,
        Item {
            line: row.line,
            item,
        },
    ))
}

/// The net must be quantity × unit price, rounded to the grosz.
fn check_net(
    errors: &mut Errors,
    row: &Row<'_>,
    quantity: Option<Decimal>,
    unit_price: Option<Decimal>,
    net: Option<i64>,
) {
    let (Some(q), Some(p), Some(net)) = (quantity, unit_price, net) else {
        return;
    };
    let expected = q.checked_mul(p).map(round_grosze).and_then(to_grosze);
    if expected != Some(net) {
        let shown = expected.map_or_else(|| "too large".to_string(), show_grosze);
        row.error(
            errors,
            "net",
            format!(
                "{} is not quantity × unit_price = {q} × {p} = {shown}",
                show_grosze(net)
            ),
        );
    }
}

/// The VAT must be the rate's share of the net, and the gross their sum.
fn check_vat(
    errors: &mut Errors,
    row: &Row<'_>,
    net: Option<i64>,
    rate: Option<&str>,
    vat: Option<i64>,
    gross: Option<i64>,
) {
    if let (Some(net), Some(rate), Some(vat)) = (net, rate, vat) {
        let expected = vat_on(from_grosze(net), rate).ok().and_then(to_grosze);
        if let Some(expected) = expected.filter(|e| *e != vat) {
            row.error(
                errors,
                "vat",
                format!(
                    "{} is not {rate}% of the net {} = {}",
                    show_grosze(vat),
                    show_grosze(net),
                    show_grosze(expected)
                ),
            );
        }
    }
    if let (Some(net), Some(vat), Some(gross)) = (net, vat, gross)
        && gross != net + vat
    {
        row.error(
            errors,
            "gross",
            format!(
                "{} is not net + vat = {} + {} = {}",
                show_grosze(gross),
                show_grosze(net),
                show_grosze(vat),
                show_grosze(net + vat)
            ),
        );
    }
}

/// The invoices whose item lines are not all consecutive in the file (a quick first
/// pass that reads only the invoice column; its errors are left to the real pass).
fn scattered_invoices(run: &mut Run<'_>) -> anyhow::Result<HashSet<Slot>> {
    let mut scattered = HashSet::new();
    let mut quiet = Errors::default();
    let Some(mut file) = CsvFile::open(run.dir, &SPEC, &mut quiet)? else {
        return Ok(scattered);
    };
    // One bit per invoice slot: its lines have been met and have ended.
    let mut ended = vec![0u64; run.shared.invoices.len().div_ceil(64)];
    let mut last: Option<Slot> = None;
    while let Some(row) = file.next_row(&mut quiet) {
        quiet = Errors::default();
        let Some(slot) = run.shared.invoices.slot(row.raw("invoice")) else {
            continue;
        };
        if last == Some(slot) {
            continue;
        }
        if let Some(previous) = last {
            ended[previous as usize / 64] |= 1 << (previous % 64);
        }
        if ended[slot as usize / 64] & (1 << (slot % 64)) != 0 {
            scattered.insert(slot);
        }
        last = Some(slot);
    }
    Ok(scattered)
}
