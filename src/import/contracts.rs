//! contracts.csv: heat-sales contracts and their annexes (an annex names its contract,
//! which may stand before or after it in the file, so parents are checked at the end).

use super::fields::Row;
use super::known::{Claim, Known};
use super::reader::{Checked, Found, KeyedFile, imported};
use super::rowhash::RowHash;
use super::shared::{KeyTable, LaterRef, LaterRefs, Shared, of_customer, pdf};
use crate::domain::export::CONTRACTS;
use crate::domain::model::{Contract, ContractKind, ContractStatus};
use crate::store::import::Imported;

#[derive(Default)]
pub struct Contracts {
    /// The annexes' `parent`, checked once the whole file is read.
    parents: LaterRefs,
}

impl KeyedFile for Contracts {
    type Record = Imported<Contract>;
    const KEY_NAME: &'static str = "contract number";
    const KEYS: KeyTable = KeyTable::Contracts;
    const KEY_IS_NUMBER: bool = true;

    fn check(&mut self, shared: &mut Shared, row: &Row, found: Found) -> Checked<Self::Record> {
        let number = found.key;
        let Shared {
            errors,
            customers,
            contracts,
            pdfs,
            ..
        } = shared;
        let owner = found.owner;
        let kind: Option<ContractKind> = row.choice(errors, "kind");
        let title = row.text(errors, "title");
        let signed_on = row.date(errors, "signed_on");
        let valid_from = row.date(errors, "valid_from");
        let valid_to = row.opt_date(errors, "valid_to");
        let status: Option<ContractStatus> = row.choice(errors, "status");
        let pdf = pdf(errors, pdfs, row, "pdf");
        let parent = row.opt_text("parent");
        match (kind, parent) {
            (Some(ContractKind::Annex), None) => row.error(
                errors,
                "parent",
                "an annex needs the number of its contract",
            ),
            (Some(ContractKind::Contract), Some(_)) => row.error(
                errors,
                "parent",
                "only an annex has a parent contract: leave it empty for a contract",
            ),
            _ => {}
        }
        row.not_before(
            errors,
            ("valid_to", valid_to.flatten()),
            ("valid_from", valid_from),
        );
        let (
            Some(owner),
            Some(kind),
            Some(title),
            Some(signed_on),
            Some(valid_from),
            Some(valid_to),
            Some(status),
            Ok(pdf),
        ) = (
            owner, kind, title, signed_on, valid_from, valid_to, status, pdf,
        )
        else {
            return None;
        };
        let (Claim::New(slot) | Claim::Existing(slot)) = found.claim else {
            return None;
        };
        let entry = contracts.entry_mut(slot);
        entry.owner = owner;
        entry.extra = i64::from(kind == ContractKind::Annex);
        if let Some(parent) = parent {
            self.parents.note(row, owner, parent);
        }
        let record = Contract {
            id: 0,
            number: number.to_string(),
            kind,
            parent_number: parent.map(str::to_string),
            title: title.to_string(),
            signed_on,
            valid_from,
            valid_to,
            status,
            pdf_sha256: pdf.as_ref().map(|f| f.sha256.clone()),
            pdf_name: pdf.map(|f| f.name),
        };
        let hash = fingerprint(customers.key(owner), &record);
        imported(record, customers.entry(owner).id, hash)
    }

    fn finish(&mut self, shared: &mut Shared) {
        let (contracts, customers) = (&shared.contracts, &shared.customers);
        self.parents
            .check(&mut shared.errors, CONTRACTS.file, "parent", |p| {
                parent_is_valid(contracts, customers, p)
            });
    }
}

/// An annex must point at a contract (not an annex) of the same customer.
fn parent_is_valid(contracts: &Known, customers: &Known, p: &LaterRef) -> Result<(), String> {
    if contracts.get(&p.key).is_some_and(|e| e.extra == 1) {
        return Err(format!(
            "'{}' is an annex; an annex must name a contract",
            p.key
        ));
    }
    let file = CONTRACTS.file;
    of_customer(contracts, customers, "contract", file, &p.key, p.owner).map(|_| ())
}

/// The fingerprint of a contract's values as the file gives them (its customer by
/// number).
fn fingerprint(customer: &str, c: &Contract) -> (u64, String) {
    RowHash::new()
        .text(customer)
        .text(c.kind.as_str())
        .opt(c.parent_number.as_deref())
        .text(&c.title)
        .date(c.signed_on)
        .date(c.valid_from)
        .opt_date(c.valid_to)
        .text(c.status.as_str())
        .opt(c.pdf_sha256.as_deref())
        .opt(c.pdf_name.as_deref())
        .finish()
}
