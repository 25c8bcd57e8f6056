//! The line items of one invoice as a set: checked against the invoice's charge,
//! fingerprinted, and replaced in the store when the set differs from the stored one.

use super::known::Slot;
use super::parse::show_grosze;
use super::report::FileReport;
use super::rowhash::{RowHash, parse_hex};
use super::run::Run;
use crate::domain::export::INVOICE_ITEMS as SPEC;
use crate::domain::model::InvoiceItem;
use crate::domain::money::{from_grosze, to_grosze};
use crate::domain::vat::gross_total;
use crate::store::Tx;
use crate::store::import::{BATCH_ROWS, ItemRow};
use std::collections::HashMap;

/// An item and the line of the file it stands on.
pub struct Item {
    pub line: u64,
    pub item: InvoiceItem,
}

/// The items of one invoice, in file order.
pub struct Group {
    pub invoice: Slot,
    pub number: String,
    pub items: Vec<Item>,
}

impl Group {
    pub fn new(invoice: Slot, number: &str) -> Group {
        Group {
            invoice,
            number: number.to_string(),
            items: Vec::new(),
        }
    }
}

/// The items of each invoice must come to its charge: per VAT rate, the net total plus
/// VAT on that total (as a Polish VAT invoice computes it).
fn check_totals(run: &mut Run<'_>, group: &Group) {
    let lines = group
        .items
        .iter()
        .map(|i| (from_grosze(i.item.net_gr), i.item.vat_rate.as_str()));
    let Ok(gross) = gross_total(lines) else {
        return;
    };
    let gross = to_grosze(gross).unwrap_or(i64::MAX);
    let charge = run.shared.invoices.entry(group.invoice).extra;
    if gross != charge {
        let first = group.items.first().map_or(0, |i| i.line);
        run.shared.errors.push(
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
pub struct Writer {
    /// The stored sets' fingerprints (first 64 bits) by invoice id.
    stored: HashMap<i64, u64>,
    /// Sets of invoices that had items, and of invoices that had none.
    changed: Vec<(i64, String)>,
    new: Vec<(i64, String)>,
    rows: Vec<ItemRow>,
}

impl Writer {
    /// A writer that knows the stored sets.
    pub async fn load(tx: &mut Tx) -> anyhow::Result<Writer> {
        let mut stored = HashMap::new();
        tx.existing_item_sets(|id, hash| {
            stored.insert(id, parse_hex(hash));
        })
        .await?;
        Ok(Writer {
            stored,
            changed: Vec::new(),
            new: Vec::new(),
            rows: Vec::new(),
        })
    }

    pub async fn add(
        &mut self,
        run: &mut Run<'_>,
        mut group: Group,
        report: &mut FileReport,
    ) -> anyhow::Result<()> {
        check_totals(run, &group);
        group.items.sort_by_key(|i| i.item.line_no);
        let mut h = RowHash::new();
        for Item { item: i, .. } in &group.items {
            h.int(i.line_no)
                .text(&i.name)
                .text(&i.quantity)
                .text(&i.unit)
                .text(&i.unit_price)
                .int(i.net_gr)
                .text(&i.vat_rate)
                .int(i.vat_gr)
                .int(i.gross_gr);
            // Only a named point enters the hash: sets exported before the column
            // existed keep their hash, so an upgrade replaces nothing.
            if let Some(point) = &i.point {
                h.text(point);
            }
        }
        let (fingerprint, hash) = h.finish();
        let invoice_id = run.shared.invoices.entry(group.invoice).id;
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
            item: i.item,
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

    pub async fn flush(&mut self, run: &mut Run<'_>) -> anyhow::Result<()> {
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
