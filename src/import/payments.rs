//! payments.csv: money received, optionally settling a named invoice.

use super::fields::Row;
use super::reader::{Checked, Found, KeyedFile, imported};
use super::rowhash::RowHash;
use super::shared::{KeyTable, Shared, of_customer};
use crate::domain::export::INVOICES;
use crate::domain::model::Payment;
use crate::store::import::Imported;

pub struct Payments;

impl KeyedFile for Payments {
    type Record = Imported<Payment>;
    const KEY_NAME: &'static str = "payment reference";
    const KEYS: KeyTable = KeyTable::Own;

    fn check(&mut self, shared: &mut Shared, row: &Row, found: Found) -> Checked<Self::Record> {
        let reference = found.key;
        let Shared {
            errors,
            customers,
            invoices,
            ..
        } = shared;
        let owner = found.owner;
        let paid_on = row.date(errors, "paid_on");
        let amount = row.amount(errors, "amount");
        if amount == Some(0) {
            row.error(errors, "amount", "a payment of 0.00 is not a payment");
        }
        let invoice = row.opt_text("invoice");
        if let (Some(number), Some(owner)) = (invoice, owner)
            && let Err(reason) =
                of_customer(invoices, customers, "invoice", INVOICES.file, number, owner)
        {
            row.error(errors, "invoice", reason);
        }
        let title = row.raw("title");
        let (Some(owner), Some(paid_on), Some(amount_gr)) = (owner, paid_on, amount) else {
            return None;
        };
        let hash = RowHash::new()
            .text(customers.key(owner))
            .date(paid_on)
            .int(amount_gr)
            .opt(invoice)
            .text(title)
            .finish();
        let record = Payment {
            reference: reference.to_string(),
            paid_on,
            amount_gr,
            invoice_number: invoice.map(str::to_string),
            title: title.to_string(),
        };
        imported(record, customers.entry(owner).id, hash)
    }
}
