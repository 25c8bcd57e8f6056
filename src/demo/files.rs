//! The demo data set written as the billing system's CSV files. Each file's header is
//! its spec's columns ([`crate::domain::export`]), every column of the format, and each
//! row gives one value per column in that order (the CSV writer refuses a row of
//! another length).

use super::data::{DataSet, Owned};
use crate::domain::export::{self, FileSpec};
use anyhow::Context;
use chrono::NaiveDate;
use std::path::Path;

/// Writes every file of the data set into `dir`.
pub fn write(dir: &Path, set: &DataSet) -> anyhow::Result<()> {
    let number = |i: usize| set.customers[i].number.clone();
    let none = String::new;
    write_file(
        dir,
        &export::CUSTOMERS,
        set.customers.iter().map(|c| {
            vec![
                c.number.clone(),
                c.kind.to_string(),
                c.name.clone(),
                c.pesel.clone().unwrap_or_default(),
                c.nip.clone().unwrap_or_default(),
                c.address.clone(),
                c.area.clone(),
                c.email.clone(),
                none(), // phone
                none(), // interest_regime: by kind
                none(), // bank_account: the utility's
            ]
        }),
    )?;
    write_file(
        dir,
        &export::CONTRACTS,
        set.contracts.iter().map(|contract| {
            let c = &contract.record;
            vec![
                c.number.clone(),
                number(contract.customer),
                c.kind.to_string(),
                c.parent_number.clone().unwrap_or_default(),
                c.title.clone(),
                c.signed_on.to_string(),
                c.valid_from.to_string(),
                opt_date(c.valid_to),
                c.status.to_string(),
                contract.pdf.clone(),
            ]
        }),
    )?;
    write_file(
        dir,
        &export::INVOICES,
        set.invoices.iter().map(|invoice| {
            let i = invoice.record();
            let k = set.ksef.get(&invoice.number);
            vec![
                i.number,
                number(invoice.customer),
                i.kind.to_string(),
                i.issue_date.to_string(),
                i.due_date.to_string(),
                i.description,
                grosze(i.charge_gr),
                grosze(i.credited_gr),
                grosze(i.to_pay_gr),
                i.interest_gr.map(grosze).unwrap_or_default(),
                invoice.pdf.clone().unwrap_or_default(),
                i.interest_for.unwrap_or_default(),
                opt_date(i.interest_to),
                k.and_then(|k| k.number.clone()).unwrap_or_default(),
                k.map(|k| k.hash.clone()).unwrap_or_default(),
                k.map(|k| if k.offline { "offline" } else { "online" })
                    .unwrap_or_default()
                    .to_string(),
                k.and_then(|k| k.kod2.clone()).unwrap_or_default(),
                String::new(),
            ]
        }),
    )?;
    write_file(
        dir,
        &export::INVOICE_ITEMS,
        set.invoices.iter().flat_map(|invoice| {
            invoice.items().map(|l| {
                vec![
                    invoice.number.clone(),
                    l.line_no.to_string(),
                    l.name,
                    l.quantity,
                    l.unit,
                    l.unit_price,
                    grosze(l.net_gr),
                    l.vat_rate,
                    grosze(l.vat_gr),
                    grosze(l.gross_gr),
                    l.point.unwrap_or_default(),
                ]
            })
        }),
    )?;
    write_file(
        dir,
        &export::PAYMENTS,
        set.payments.iter().map(
            |Owned {
                 customer,
                 record: p,
             }| {
                vec![
                    p.reference.clone(),
                    number(*customer),
                    p.paid_on.to_string(),
                    grosze(p.amount_gr),
                    p.invoice_number.clone().unwrap_or_default(),
                    p.title.clone(),
                ]
            },
        ),
    )?;
    write_file(
        dir,
        &export::COLLECTIONS,
        set.cases.iter().map(
            |Owned {
                 customer,
                 record: c,
             }| {
                vec![
                    c.case_number.clone(),
                    number(*customer),
                    c.stage.to_string(),
                    c.status.to_string(),
                    c.opened_on.to_string(),
                    c.updated_on.to_string(),
                    grosze(c.principal_gr),
                    grosze(c.interest_gr),
                    grosze(c.costs_gr),
                    c.court.clone().unwrap_or_default(),
                    c.signature.clone().unwrap_or_default(),
                    c.bailiff.clone().unwrap_or_default(),
                    c.description.clone(),
                ]
            },
        ),
    )?;
    write_file(
        dir,
        &export::MESSAGES,
        set.messages.iter().map(|m| {
            vec![
                m.reference.clone(),
                m.kind.to_string(),
                m.title.clone(),
                m.body.clone(),
                m.valid_from.to_string(),
                opt_date(m.valid_to),
                m.area.clone().unwrap_or_default(),
            ]
        }),
    )
}

/// An amount as the billing system exports it (`1234.56`).
fn grosze(amount: i64) -> String {
    format!("{:.2}", crate::domain::money::from_grosze(amount))
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn write_file(
    dir: &Path,
    spec: &FileSpec,
    rows: impl Iterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    let path = dir.join(spec.file);
    let mut w =
        csv::Writer::from_path(&path).with_context(|| format!("creating {}", path.display()))?;
    w.write_record(spec.names())?;
    for row in rows {
        w.write_record(&row)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
