//! collections.csv: debt-collection cases, from a reminder to court and the bailiff.

use super::error::Errors;
use super::fields::Row;
use super::reader::{Checked, Found, KeyedFile, imported};
use super::rowhash::RowHash;
use super::shared::{KeyTable, Shared};
use crate::domain::model::{Collection, CollectionStage, CollectionStatus};
use crate::store::import::Imported;

pub struct Collections;

impl KeyedFile for Collections {
    type Record = Imported<Collection>;
    const KEY_NAME: &'static str = "case number";
    const KEYS: KeyTable = KeyTable::Own;

    fn check(&mut self, shared: &mut Shared, row: &Row, found: Found) -> Checked<Self::Record> {
        let case = found.key;
        let Shared {
            errors, customers, ..
        } = shared;
        let owner = found.owner;
        let stage: Option<CollectionStage> = row.choice(errors, "stage");
        let status: Option<CollectionStatus> = row.choice(errors, "status");
        let opened_on = row.date(errors, "opened_on");
        let updated_on = row.date(errors, "updated_on");
        let principal = row.amount(errors, "principal");
        let interest = row.opt_amount(errors, "interest");
        let costs = row.opt_amount(errors, "costs");
        for (column, value) in [
            ("principal", principal),
            ("interest", interest.flatten()),
            ("costs", costs.flatten()),
        ] {
            if value.is_some_and(|v| v < 0) {
                row.error(errors, column, "cannot be negative");
            }
        }
        row.not_before(errors, ("updated_on", updated_on), ("opened_on", opened_on));
        let (court, signature, bailiff) = (
            row.opt_text("court"),
            row.opt_text("signature"),
            row.opt_text("bailiff"),
        );
        check_stage(errors, row, stage, (court, signature, bailiff));
        let description = row.raw("description");
        let (
            Some(owner),
            Some(stage),
            Some(status),
            Some(opened_on),
            Some(updated_on),
            Some(principal_gr),
            Some(interest),
            Some(costs),
        ) = (
            owner, stage, status, opened_on, updated_on, principal, interest, costs,
        )
        else {
            return None;
        };
        let (interest_gr, costs_gr) = (interest.unwrap_or(0), costs.unwrap_or(0));
        let record = Collection {
            case_number: case.to_string(),
            stage,
            status,
            opened_on,
            updated_on,
            principal_gr,
            interest_gr,
            costs_gr,
            court: court.map(str::to_string),
            signature: signature.map(str::to_string),
            bailiff: bailiff.map(str::to_string),
            description: description.to_string(),
        };
        let hash = fingerprint(customers.key(owner), &record);
        imported(record, customers.entry(owner).id, hash)
    }
}

/// A case in court names the court and its signature; enforcement names the bailiff.
fn check_stage(
    errors: &mut Errors,
    row: &Row,
    stage: Option<CollectionStage>,
    (court, signature, bailiff): (Option<&str>, Option<&str>, Option<&str>),
) {
    if stage == Some(CollectionStage::Court) {
        if court.is_none() {
            row.error(errors, "court", "a case in court needs the court's name");
        }
        if signature.is_none() {
            row.error(
                errors,
                "signature",
                "a case in court needs its signature (e.g. I C 1234/25)",
            );
        }
    }
    if stage == Some(CollectionStage::Enforcement) && bailiff.is_none() {
        row.error(errors, "bailiff", "enforcement needs the bailiff's name");
    }
}

/// The fingerprint of a case's values as the file gives them (its customer by number,
/// missing interest and costs as 0.00).
fn fingerprint(customer: &str, c: &Collection) -> (u64, String) {
    RowHash::new()
        .text(customer)
        .text(c.stage.as_str())
        .text(c.status.as_str())
        .date(c.opened_on)
        .date(c.updated_on)
        .int(c.principal_gr)
        .int(c.interest_gr)
        .int(c.costs_gr)
        .opt(c.court.as_deref())
        .opt(c.signature.as_deref())
        .opt(c.bailiff.as_deref())
        .text(&c.description)
        .finish()
}
