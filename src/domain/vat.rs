//! VAT summary of an invoice: per rate, the net total, VAT on that total (rounded half
//! up to the grosz) and the gross total, as a Polish VAT invoice shows it.
//! OWNER: domain helper — signatures are fixed, bodies to be completed with tests.

use crate::domain::model::InvoiceItem;
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VatLine {
    /// '23', '8', '0', 'zw' (exempt) or 'total'
    pub rate: String,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// VAT on a net amount at a rate given as in the export ('23', '8', '0', 'zw').
pub fn vat_on(net: Decimal, rate: &str) -> Result<Decimal, String> {
    let _ = (net, rate);
    todo!("domain helper")
}

/// Per-rate lines (ordered by rate, highest first) and the total line.
pub fn summarize(items: &[InvoiceItem]) -> (Vec<VatLine>, VatLine) {
    let _ = items;
    todo!("domain helper")
}
