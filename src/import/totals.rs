//! Figures that add up across files: an invoice already in ebok whose charge changes
//! must still come to the sum of its line items, unless the same run brings its new
//! items (which invoice_items.csv then checks against the new charge).

use super::parse::show_grosze;
use super::run::Run;
use super::shared::ChargeChange;
use crate::domain::export::INVOICES;
use crate::domain::money::{from_grosze, to_grosze};
use crate::domain::vat::gross_total;
use std::collections::HashMap;

/// Refuses each changed charge that the invoice's stored items no longer add up to.
pub async fn check_changed_charges(run: &mut Run<'_>) -> anyhow::Result<()> {
    let shared = &run.shared;
    let changes: Vec<ChargeChange> = shared
        .charge_changes
        .iter()
        .filter(|c| !shared.items_brought.contains(&c.slot))
        .copied()
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = changes
        .iter()
        .map(|c| shared.invoices.entry(c.slot).id)
        .collect();
    let mut lines: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for item in run.tx.item_lines(&ids).await? {
        lines
            .entry(item.invoice_id)
            .or_default()
            .push((item.net_gr, item.vat_rate));
    }
    for (change, id) in changes.iter().zip(ids) {
        // An invoice without items (an interest note, say) has nothing to add up.
        let Some(items) = lines.get(&id) else {
            continue;
        };
        let gross = gross_total(
            items
                .iter()
                .map(|(net, rate)| (from_grosze(*net), rate.as_str())),
        )
        .ok()
        .and_then(to_grosze);
        if gross == Some(change.new_gr) {
            continue;
        }
        let gross = gross.map_or_else(|| "an unreadable total".to_string(), show_grosze);
        run.shared.errors.push(
            INVOICES.file,
            change.line,
            Some("charge"),
            format!(
                "the charge changes from {} to {} but the invoice's {} line items in ebok come to {gross} \
                 (VAT per rate on the net totals); send the invoice's new items in invoice_items.csv \
                 in the same import, or correct the charge",
                show_grosze(change.old_gr),
                show_grosze(change.new_gr),
                items.len(),
            ),
        );
    }
    Ok(())
}
