//! invoice_items.csv: the line items of invoices. An invoice's items are one set: when
//! anything in the set changes, the stored items of that invoice are replaced.

use super::Run;
use super::error::Errors;
use super::fields::CsvFile;
use super::fields::{Spec, show_grosze};
use super::known::Slot;
use super::report::FileReport;
use super::rowhash::{RowHash, parse_hex};
use crate::domain::money::{round_grosze, to_grosze};
use crate::domain::vat::{accepted_rate, vat_on};
use crate::store::import::{BATCH_ROWS, ItemRow};
use std::collections::HashMap;

pub static SPEC: Spec = Spec {
    file: "invoice_items.csv",
    required: &[
        "invoice",
        "line",
        "name",
        "quantity",
        "unit",
        "unit_price",
        "net",
        "vat_rate",
        "vat",
        "gross",
    ],
    optional: &[],
};

struct Item {
    line: u64,
    line_no: i64,
    name: String,
    quantity: String,
    unit: String,
    unit_price: String,
    net_gr: i64,
    vat_rate: String,
    vat_gr: i64,
    gross_gr: i64,
}

/// The items of one invoice, in file order.
struct Group {
    invoice: Slot,
    number: String,
    items: Vec<Item>,
}

pub(super) async fn import(run: &mut Run<'_>) -> anyhow::Result<FileReport> {
    let mut report = FileReport::new(SPEC.file);
    let Some(mut file) = run.open(&SPEC)? else {
        return Ok(report);
    };
    // An invoice's items usually stand on consecutive lines: such a set is checked and
    // written as soon as the next invoice begins, so memory holds one set, not the
    // file. The sets of invoices whose lines are scattered are held to the end.
    let scattered = scattered_invoices(run)?;
    let mut stored = HashMap::new();
    run.tx
        .existing_item_sets(|id, hash| {
            stored.insert(id, parse_hex(hash));
        })
        .await?;
    let mut writer = Writer::new(stored);
    let mut current: Option<Group> = None;
    let mut held: Vec<Group> = Vec::new();
    let mut held_of: HashMap<Slot, usize> = HashMap::new();
    let mut finished: Option<Group> = None;
    while !run.errors.full() {
        if let Some(done) = finished.take() {
            writer.add(run, done, &mut report).await?;
        }
        let errors = &mut run.errors;
        let Some(row) = file.next_row(errors) else {
            break;
        };
        report.rows += 1;
        let invoice = row.text(errors, "invoice").and_then(|number| {
            let slot = run.invoices.slot(number);
            if slot.is_none() {
                row.error(
                    errors,
                    "invoice",
                    format!("invoice '{number}' is neither in invoices.csv nor in the database"),
                );
            }
            slot.map(|s| (s, number))
        });
        if let Some((slot, _)) = invoice {
            run.items_brought.insert(slot);
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
        let vat_rate =
            row.text(errors, "vat_rate")
                .filter(|r| match accepted_rate(r, run.vat_rates) {
                    Ok(_) => true,
                    Err(reason) => {
                        row.error(errors, "vat_rate", reason);
                        false
                    }
                });
        let vat = row.amount(errors, "vat");
        let gross = row.amount(errors, "gross");
        if let (Some(q), Some(p), Some(net)) = (quantity, unit_price, net) {
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
        if let (Some(net), Some(rate), Some(vat)) = (net, vat_rate, vat) {
            let expected = vat_on(crate::domain::money::from_grosze(net), rate)
                .ok()
                .and_then(to_grosze);
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
            continue;
        };
        let group = if scattered.contains(&slot) {
            let index = *held_of.entry(slot).or_insert_with(|| {
                held.push(Group::new(slot, number));
                held.len() - 1
            });
            &mut held[index]
        } else {
            if current.as_ref().is_some_and(|g| g.invoice != slot) {
                // Checked and written at the top of the next round (`run` is borrowed).
                finished = current.take();
            }
            current.get_or_insert_with(|| Group::new(slot, number))
        };
        if let Some(first) = group.items.iter().find(|i| i.line_no == line_no) {
            row.error(
                errors,
                "line",
                format!(
                    "invoice '{number}' has line {line_no} twice (first on line {})",
                    first.line
                ),
            );
            continue;
        }
        group.items.push(Item {
            line: row.line,
            line_no,
            name: name.to_string(),
            quantity: quantity.to_string(),
            unit: unit.to_string(),
            unit_price: unit_price.to_string(),
            net_gr,
            vat_rate: vat_rate.to_string(),
            vat_gr,
            gross_gr,
        });
    }
    for group in finished.into_iter().chain(current).chain(held) {
        writer.add(run, group, &mut report).await?;
    }
    writer.flush(run).await?;
    Ok(report)
}

impl Group {
    fn new(invoice: Slot, number: &str) -> Group {
        Group {
            invoice,
            number: number.to_string(),
            items: Vec::new(),
        }
    }
}

/// The invoices whose item lines are not all consecutive in the file (a quick first
/// pass that reads only the invoice column; its errors are left to the real pass).
fn scattered_invoices(run: &mut Run<'_>) -> anyhow::Result<std::collections::HashSet<Slot>> {
    let mut scattered = std::collections::HashSet::new();
    let mut quiet = Errors::default();
    let Some(mut file) = CsvFile::open(run.dir, &SPEC, &mut quiet)? else {
        return Ok(scattered);
    };
    // One bit per invoice slot: its lines have been met and have ended.
    let mut ended = vec![0u64; run.invoices.len().div_ceil(64)];
    let mut last: Option<Slot> = None;
    while let Some(row) = file.next_row(&mut quiet) {
        quiet = Errors::default();
        let Some(slot) = run.invoices.slot(row.raw("invoice")) else {
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

/// The items of each invoice must come to its charge: per VAT rate, the net total plus
/// VAT on that total (as a Polish VAT invoice computes it).
fn check_totals(run: &mut Run<'_>, group: &Group) {
    let lines = group.items.iter().map(|i| {
        (
            crate::domain::money::from_grosze(i.net_gr),
            i.vat_rate.as_str(),
        )
    });
    let Ok(gross) = crate::domain::vat::gross_total(lines) else {
        return;
    };
    let gross = crate::domain::money::to_grosze(gross).unwrap_or(i64::MAX);
    let charge = run.invoices.entry(group.invoice).extra;
    if gross != charge {
        let first = group.items.first().map_or(0, |i| i.line);
        run.errors.push(
            SPEC.file,
            first,
            Some("gross"),
            format!(
                "the items of invoice '{}' come to {} gross (VAT per rate on the net totals) but the invoice charge is {} (off by {})",
                group.number,
                show_grosze(gross),
                show_grosze(charge),
                show_grosze(gross - charge)
            ),
        );
    }
}

/// Replaces the items of invoices whose set differs from the stored one, a few
/// thousand rows at a time.
struct Writer {
    /// The stored sets' fingerprints (first 64 bits) by invoice id.
    stored: HashMap<i64, u64>,
    /// Sets of invoices that had items, and of invoices that had none.
    changed: Vec<(i64, String)>,
    new: Vec<(i64, String)>,
    rows: Vec<ItemRow>,
}

impl Writer {
    fn new(stored: HashMap<i64, u64>) -> Writer {
        Writer {
            stored,
            changed: Vec::new(),
            new: Vec::new(),
            rows: Vec::new(),
        }
    }

    async fn add(
        &mut self,
        run: &mut Run<'_>,
        mut group: Group,
        report: &mut FileReport,
    ) -> anyhow::Result<()> {
        check_totals(run, &group);
        group.items.sort_by_key(|i| i.line_no);
        let mut h = RowHash::new();
        for i in &group.items {
            h.int(i.line_no)
                .text(&i.name)
                .text(&i.quantity)
                .text(&i.unit)
                .text(&i.unit_price)
                .int(i.net_gr)
                .text(&i.vat_rate)
                .int(i.vat_gr)
                .int(i.gross_gr);
        }
        let (fingerprint, hash) = h.finish();
        let invoice_id = run.invoices.entry(group.invoice).id;
        let count = group.items.len() as u64;
        let had_items = match self.stored.get(&invoice_id) {
            Some(old) if *old == fingerprint => {
                report.unchanged += count;
                return Ok(());
            }
            Some(_) => {
                report.updated += count;
                true
            }
            None => {
                report.inserted += count;
                false
            }
        };
        if !run.writing() {
            return Ok(());
        }
        self.rows.extend(group.items.into_iter().map(|i| ItemRow {
            invoice_id,
            line_no: i.line_no,
            name: i.name,
            quantity: i.quantity,
            unit: i.unit,
            unit_price: i.unit_price,
            net_gr: i.net_gr,
            vat_rate: i.vat_rate,
            vat_gr: i.vat_gr,
            gross_gr: i.gross_gr,
        }));
        if had_items {
            self.changed.push((invoice_id, hash));
        } else {
            self.new.push((invoice_id, hash));
        }
        if self.rows.len() >= 20 * BATCH_ROWS {
            self.flush(run).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, run: &mut Run<'_>) -> anyhow::Result<()> {
        if run.writing() {
            let bulk = &mut run.bulk;
            run.tx
                .replace_items(&self.changed, &self.new, &self.rows, bulk)
                .await?;
        }
        self.changed.clear();
        self.new.clear();
        self.rows.clear();
        Ok(())
    }
}
