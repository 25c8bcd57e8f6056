//! invoices.csv: invoices, corrections and interest notes with their amounts.

use super::error::Errors;
use super::fields::Row;
use super::known::{Claim, Slot};
use super::ksef::{KsefBook, KsefRow};
use super::parse::show_grosze;
use super::reader::{Checked, Found, KeyedFile, imported};
use super::rowhash::RowHash;
use super::shared::{ChargeChange, KeyTable, LaterRefs, Shared, of_customer, pdf};
use crate::domain::export::INVOICES;
use crate::domain::model::{Invoice, InvoiceKind};
use crate::store::import::Imported;
use chrono::NaiveDate;

pub struct Invoices {
    /// The interest notes' `interest_for`, checked once the whole file is read (the
    /// invoice may come after the note).
    refs: LaterRefs,
    ksef: KsefBook,
}

impl Invoices {
    pub fn new(ksef: KsefBook) -> Invoices {
        Invoices {
            refs: LaterRefs::default(),
            ksef,
        }
    }
}

impl KeyedFile for Invoices {
    type Record = Imported<Invoice>;
    const KEY_NAME: &'static str = "invoice number";
    const KEYS: KeyTable = KeyTable::Invoices;
    const KEY_IS_NUMBER: bool = true;

    fn check(&mut self, shared: &mut Shared, row: &Row, found: Found) -> Checked<Self::Record> {
        let number = found.key;
        let Shared {
            errors,
            customers,
            invoices,
            pdfs,
            charge_changes,
            ..
        } = shared;
        let owner = found.owner;
        let kind: Option<InvoiceKind> = row.choice(errors, "kind");
        let issue_date = row.date(errors, "issue_date");
        let due_date = row.date(errors, "due_date");
        let charge = row.amount(errors, "charge");
        let credited = row.amount(errors, "credited");
        let to_pay = row.amount(errors, "to_pay");
        let interest = row.opt_amount(errors, "interest");
        let pdf = pdf(errors, pdfs, row, "pdf");
        let xml = match (&pdf, row.opt_text("pdf")) {
            (Ok(Some(_)), Some(rel)) => pdfs
                .xml_beside(rel)
                .map_err(|reason| row.error(errors, "pdf", reason)),
            _ => Ok(None),
        };
        let ksef_row = KsefRow {
            invoice: number,
            kind,
            issue_date,
            xml,
        };
        let ksef = self.ksef.check(errors, row, ksef_row);
        row.not_before(errors, ("due_date", due_date), ("issue_date", issue_date));
        check_amounts(errors, row, (charge, credited, to_pay), interest.flatten());
        let charged = charged_interest(errors, row, kind, issue_date, owner, &mut self.refs);
        let description = row.raw("description");
        let (Claim::New(slot) | Claim::Existing(slot)) = found.claim else {
            return None;
        };
        // Kept even for a row with errors, so item lines do not report it missing too.
        if let (Some(owner), Some(charge)) = (owner, charge) {
            let entry = invoices.entry_mut(slot);
            if matches!(found.claim, Claim::Existing(_)) && entry.extra != charge {
                charge_changes.push(ChargeChange {
                    slot,
                    line: row.line,
                    old_gr: entry.extra,
                    new_gr: charge,
                });
            }
            entry.owner = owner;
            entry.extra = charge;
        }
        let (
            Some(owner),
            Some(kind),
            Some(issue_date),
            Some(due_date),
            Some(charge_gr),
            Some(credited_gr),
            Some(to_pay_gr),
            Some(interest_gr),
            Ok(pdf),
            Some((interest_for, interest_to)),
            Some(ksef),
        ) = (
            owner, kind, issue_date, due_date, charge, credited, to_pay, interest, pdf, charged,
            ksef,
        )
        else {
            return None;
        };
        let record = Invoice {
            id: 0,
            number: number.to_string(),
            customer_id: customers.entry(owner).id,
            kind,
            issue_date,
            due_date,
            description: description.to_string(),
            charge_gr,
            credited_gr,
            to_pay_gr,
            interest_gr,
            pdf_sha256: pdf.as_ref().map(|f| f.sha256.clone()),
            pdf_name: pdf.map(|f| f.name),
            interest_for: interest_for.map(str::to_string),
            interest_to,
            ksef,
        };
        let hash = fingerprint(customers.key(owner), &record);
        imported(record, customers.entry(owner).id, hash)
    }

    fn finish(&mut self, shared: &mut Shared) {
        let (invoices, customers) = (&shared.invoices, &shared.customers);
        let file = INVOICES.file;
        self.refs
            .check(&mut shared.errors, file, "interest_for", |r| {
                of_customer(invoices, customers, "invoice", file, &r.key, r.owner).map(|_| ())
            });
    }
}

/// The structured fields of an interest note: `Some((interest_for, interest_to))` when
/// usable (both empty for anything else), `None` after recording an error.
fn charged_interest<'r>(
    errors: &mut Errors,
    row: &Row<'r>,
    kind: Option<InvoiceKind>,
    issue_date: Option<NaiveDate>,
    owner: Option<Slot>,
    refs: &mut LaterRefs,
) -> Option<(Option<&'r str>, Option<NaiveDate>)> {
    let number = row.opt_text("interest_for");
    let to = row.opt_date(errors, "interest_to")?;
    match (number, to) {
        (None, None) => return Some((None, None)),
        (Some(_), Some(_)) if kind != Some(InvoiceKind::InterestNote) => {
            row.error(
                errors,
                "interest_for",
                "only an interest_note names the invoice its interest is for: leave interest_for and interest_to empty",
            );
            return None;
        }
        (Some(_), None) => {
            row.error(
                errors,
                "interest_to",
                "an interest note with interest_for needs interest_to, the last day its interest covers",
            );
            return None;
        }
        (None, Some(_)) => {
            row.error(
                errors,
                "interest_for",
                "an interest note with interest_to needs interest_for, the invoice its interest is for",
            );
            return None;
        }
        (Some(_), Some(_)) => {}
    }
    if let (Some(to), Some(issued)) = (to, issue_date)
        && to > issued
    {
        row.error(
            errors,
            "interest_to",
            format!(
                "{to} is after issue_date {issued}: a note charges interest for days already past"
            ),
        );
        return None;
    }
    if let (Some(number), Some(owner)) = (number, owner) {
        refs.note(row, owner, number);
    }
    Some((number, to))
}

/// `to_pay` must be `charge − credited`, and interest is never negative.
fn check_amounts(
    errors: &mut Errors,
    row: &Row<'_>,
    (charge, credited, to_pay): (Option<i64>, Option<i64>, Option<i64>),
    interest: Option<i64>,
) {
    if let (Some(c), Some(cr), Some(tp)) = (charge, credited, to_pay)
        && tp != c - cr
    {
        row.error(
            errors,
            "to_pay",
            format!(
                "{} is not charge − credited = {} − {} = {}",
                show_grosze(tp),
                show_grosze(c),
                show_grosze(cr),
                show_grosze(c - cr)
            ),
        );
    }
    if interest.is_some_and(|i| i < 0) {
        row.error(errors, "interest", "interest cannot be negative");
    }
}

/// The fingerprint of an invoice's values as the file gives them (its customer by
/// number).
fn fingerprint(customer: &str, i: &Invoice) -> (u64, String) {
    let mut hash = RowHash::new();
    hash.text(customer)
        .text(i.kind.as_str())
        .date(i.issue_date)
        .date(i.due_date)
        .text(&i.description)
        .int(i.charge_gr)
        .int(i.credited_gr)
        .int(i.to_pay_gr)
        .opt_int(i.interest_gr)
        .opt(i.pdf_sha256.as_deref())
        .opt(i.pdf_name.as_deref());
    // Only when given, so rows exported without them keep their fingerprints.
    if let Some(number) = &i.interest_for {
        hash.text(number).opt_date(i.interest_to);
    }
    let k = &i.ksef;
    if *k != Default::default() {
        hash.opt(k.ksef_number.as_deref())
            .opt(k.ksef_hash.as_deref())
            .opt(k.xml_sha256.as_deref())
            .opt(k.ksef_mode.as_deref())
            .opt(k.ksef_kod2.as_deref())
            .opt(k.corrected_ksef.as_deref());
    }
    hash.finish()
}
