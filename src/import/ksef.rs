//! The KSeF columns of invoices.csv (docs/ksef.md): the KSeF number (its checksum, the
//! utility's NIP, a date not before the issue date, one invoice's only, never changed
//! once imported), the XML's hash (given, or computed from the XML beside the PDF, and
//! both agreeing), online or offline, an offline invoice's KOD II link, and the KSeF
//! number a correction corrects.

use super::error::Errors;
use super::fields::Row;
use super::pdf::XmlRef;
use super::shared::duplicate;
use crate::domain::ksef::{self, KsefMode, KsefNumber};
use crate::domain::model::{InvoiceKind, InvoiceKsef};
use chrono::NaiveDate;
use std::collections::HashMap;

/// The longest KOD II link accepted (a certificate link is about 300 characters).
const MAX_LINK: usize = 1000;

/// What the KSeF checks of a run keep between rows.
#[derive(Default)]
pub struct KsefBook {
    /// The utility's NIP (digits); `None`: any NIP with a valid checksum.
    pub seller_nip: Option<String>,
    /// Stored: KSeF number → invoice number, and invoice number → KSeF number.
    pub stored_by_ksef: HashMap<String, String>,
    pub stored_by_invoice: HashMap<String, String>,
    /// This file's KSeF numbers: number → line.
    seen: HashMap<String, u64>,
}

/// One row's KSeF fields as the checks need them.
pub struct KsefRow<'x> {
    pub invoice: &'x str,
    pub kind: Option<InvoiceKind>,
    pub issue_date: Option<NaiveDate>,
    /// The XML beside the PDF: `Err` when unusable (error recorded).
    pub xml: Result<Option<XmlRef>, ()>,
}

impl KsefBook {
    pub fn new(seller_nip: Option<String>, stored: Vec<(String, String)>) -> KsefBook {
        let mut book = KsefBook {
            seller_nip,
            ..KsefBook::default()
        };
        for (invoice, number) in stored {
            book.stored_by_ksef.insert(number.clone(), invoice.clone());
            book.stored_by_invoice.insert(invoice, number);
        }
        book
    }

    /// The row's KSeF fields; `None` after recording an error.
    pub fn check(&mut self, errors: &mut Errors, row: &Row, r: KsefRow) -> Option<InvoiceKsef> {
        let before = errors.len();
        let number = self.number(errors, row, &r);
        let mode = row.opt_text("ksef_mode").and_then(|m| {
            m.parse::<KsefMode>()
                .map_err(|e| row.error(errors, "ksef_mode", e))
                .ok()
        });
        let mode = mode.or(number.as_ref().map(|_| KsefMode::Online));
        let hash = hash(errors, row, &r.xml);
        let kod2 = row.opt_text("ksef_kod2");
        let corrected = corrected(errors, row, r.kind);
        match mode {
            None if (hash.is_some() || kod2.is_some()) && row.opt_text("ksef_mode").is_none() => {
                row.error(
                    errors,
                    "ksef_hash",
                    "a KSeF hash, XML or KOD II for an invoice with neither ksef_number nor ksef_mode offline",
                );
            }
            // A number given but refused has its own error.
            Some(KsefMode::Online) if row.opt_text("ksef_number").is_none() => row.error(
                errors,
                "ksef_number",
                "an invoice issued online has its KSeF number (an offline one: ksef_mode offline)",
            ),
            Some(_) if hash.is_none() && r.xml.is_ok() => row.error(
                errors,
                "ksef_hash",
                "a KSeF invoice needs ksef_hash or its XML beside the PDF (the same path ending in .xml): the verification code carries its hash",
            ),
            _ => {}
        }
        if let Some(link) = kod2 {
            kod2_link(errors, row, mode, link);
        }
        if errors.len() > before || r.xml.is_err() {
            return None;
        }
        let xml = r.xml.ok().flatten();
        Some(InvoiceKsef {
            ksef_number: number.map(|n| n.to_string()),
            ksef_hash: hash,
            xml_sha256: xml.map(|x| x.sha256),
            ksef_mode: mode.map(|m| m.as_str().to_string()),
            ksef_kod2: kod2.map(str::to_string),
            corrected_ksef: corrected,
        })
    }

    /// The KSeF number, checked against the utility's NIP, the issue date, the file and
    /// the database.
    fn number(&mut self, errors: &mut Errors, row: &Row, r: &KsefRow) -> Option<KsefNumber> {
        let stored = self.stored_by_invoice.get(r.invoice);
        let Some(text) = row.opt_text("ksef_number") else {
            if let Some(old) = stored {
                row.error(
                    errors,
                    "ksef_number",
                    format!("invoice '{}' has KSeF number {old} since an earlier import: a KSeF number is never removed", r.invoice),
                );
            }
            return None;
        };
        let n = KsefNumber::parse(text)
            .map_err(|e| row.error(errors, "ksef_number", format!("'{text}': {e}")))
            .ok()?;
        let mut ok = true;
        let mut fail = |reason: String| {
            row.error(errors, "ksef_number", reason);
            ok = false;
        };
        if let Some(nip) = &self.seller_nip
            && n.nip() != nip
        {
            fail(format!(
                "{n} begins with NIP {}, not the utility's {nip}: KSeF numbers the seller's invoices",
                n.nip()
            ));
        }
        if let Some(issued) = r.issue_date
            && n.received() < issued
        {
            fail(format!(
                "{n} says KSeF received it on {}, before its issue_date {issued}",
                n.received()
            ));
        }
        if let Some(old) = stored
            && old != n.as_str()
        {
            fail(format!(
                "invoice '{}' has KSeF number {old} since an earlier import: a KSeF number never changes",
                r.invoice
            ));
        }
        if let Some(other) = self.stored_by_ksef.get(n.as_str())
            && other != r.invoice
        {
            fail(format!(
                "{n} is already the KSeF number of invoice '{other}'"
            ));
        }
        if let Some(first) = self.seen.get(n.as_str()) {
            duplicate(
                errors,
                row,
                "ksef_number",
                "KSeF number",
                n.as_str(),
                *first,
            );
            return None;
        }
        self.seen.insert(n.to_string(), row.line);
        ok.then_some(n)
    }
}

/// `ksef_hash`, or the hash of the XML beside the PDF; both given, they must agree.
fn hash(errors: &mut Errors, row: &Row, xml: &Result<Option<XmlRef>, ()>) -> Option<String> {
    let given = row.opt_text("ksef_hash");
    if let Some(h) = given
        && !ksef::is_hash(h)
    {
        row.error(
            errors,
            "ksef_hash",
            format!("'{h}' is not a SHA-256 in Base64URL without padding (43 characters of A-Z a-z 0-9 - _)"),
        );
        return None;
    }
    match (given, xml) {
        (Some(h), Ok(Some(x))) if h != x.ksef_hash => {
            row.error(
                errors,
                "ksef_hash",
                format!("{h} is not the hash of {} ({})", x.path, x.ksef_hash),
            );
            None
        }
        (_, Ok(Some(x))) => Some(x.ksef_hash.clone()),
        (given, _) => given.map(str::to_string),
    }
}

/// The KOD II link: only an offline invoice has one, an https link to a certificate.
fn kod2_link(errors: &mut Errors, row: &Row, mode: Option<KsefMode>, link: &str) {
    if mode != Some(KsefMode::Offline) {
        row.error(
            errors,
            "ksef_kod2",
            "only an invoice issued offline (ksef_mode offline) has a KOD II link",
        );
    } else if !link.starts_with("https://")
        || !link.contains("/certificate/")
        || link.len() > MAX_LINK
        || link.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        row.error(
            errors,
            "ksef_kod2",
            format!("'{link}' is not a KOD II link (https://…/certificate/…, one line, at most {MAX_LINK} characters)"),
        );
    }
}

/// `corrected_ksef`: only on a correction, a valid KSeF number.
fn corrected(errors: &mut Errors, row: &Row, kind: Option<InvoiceKind>) -> Option<String> {
    let text = row.opt_text("corrected_ksef")?;
    if kind != Some(InvoiceKind::Correction) {
        row.error(
            errors,
            "corrected_ksef",
            "only a correction names the KSeF number of the invoice it corrects",
        );
        return None;
    }
    match KsefNumber::parse(text) {
        Ok(n) => Some(n.to_string()),
        Err(e) => {
            row.error(errors, "corrected_ksef", format!("'{text}': {e}"));
            None
        }
    }
}
