//! The customer's views (S10–S20). Each returns a reply with typed data; presentation
//! (amount and date formats, labels, layout) is the templates' job.
//!
//! One file per group: [`general`] (start, help, language, contact, messages),
//! [`bills`] (the panel, the bills table, a bill's details, its PDF), [`calendar`]
//! (the due-date calendar) and [`documents`] (collections, contracts and their PDFs).
//! This file holds what they share: the dispatcher of the views that need a customer
//! account, [`CustomerCtx`] with its helpers and the bills table's [`BillRow`].

mod bills;
mod calendar;
mod documents;
mod general;
pub(crate) mod ics;
mod ksef;
mod pay;
#[cfg(test)]
mod totals_props;
mod usage;

pub(crate) use general::{bad_arguments, contact, help, language, messages, start};
pub(crate) use ksef::verification_link;
pub(crate) use pay::PayTarget;

use super::Ctx;
use super::command::Lang;
use crate::domain::calendar::effective_due_date;
use crate::domain::interest::{self, RatePeriod, Regime};
use crate::domain::model::Customer;
use crate::domain::model::{Invoice, InvoiceKind};
use crate::domain::money::from_grosze;
use crate::domain::reply::{Attachment, Reply, View};
use crate::rates;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// The customer's views, for the customer read with the session.
pub(crate) fn for_customer<'a>(ctx: &'a Ctx<'a>, customer: &Customer) -> CustomerCtx<'a> {
    CustomerCtx {
        ctx,
        id: customer.id,
        regime: customer.regime(),
        today: ctx.core.today(),
    }
}

/// The customer's views: one customer, its interest regime and today.
pub(crate) struct CustomerCtx<'a> {
    ctx: &'a Ctx<'a>,
    id: i64,
    regime: Regime,
    today: NaiveDate,
}

/// What computing interest to today needs, read only when some bill needs it: the
/// table in force for the customer's regime, each bill's payments and the last day an
/// interest note charged it for.
#[derive(Default)]
struct InterestBook {
    table: Vec<RatePeriod>,
    payments: HashMap<String, Vec<(NaiveDate, Decimal)>>,
    charged_to: HashMap<String, NaiveDate>,
}

/// One row of the bills table (S13: all ten columns).
#[derive(Serialize)]
struct BillRow {
    issue_date: NaiveDate,
    kind: String,
    number: String,
    due_date: NaiveDate,
    description: String,
    charge: Decimal,
    credited: Decimal,
    to_pay: Decimal,
    /// A negative `to_pay` shown as what it is: an overpayment (nadpłata), positive.
    overpaid: bool,
    overpayment: Decimal,
    /// The date payment is due by law: a due date on a Saturday, Sunday or public
    /// holiday moves to the next working day (art. 115 KC).
    pay_by: NaiveDate,
    /// `pay_by` differs from the date on the document.
    moved: bool,
    interest: Decimal,
    /// Computed by ebok to today (not from the billing export).
    interest_estimated: bool,
    has_pdf: bool,
    overdue: bool,
    /// Issued through KSeF: its KSeF number, or still offline awaiting it.
    ksef: bool,
    ksef_number: Option<String>,
    ksef_offline: bool,
    corrected_ksef: Option<String>,
    has_xml: bool,
}

impl CustomerCtx<'_> {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }

    /// Whether ebok computes this bill's interest itself: unpaid, overdue, not an
    /// interest note (no interest on interest, art. 482 §1 KC) and without a figure from
    /// the billing system.
    fn computes_interest(&self, inv: &Invoice) -> bool {
        inv.interest_gr.is_none() && inv.kind != InvoiceKind::InterestNote && self.overdue(inv)
    }

    /// Reads what [`Self::interest`] needs for `bills`, when any of them needs it.
    async fn interest_book(&self, bills: &[Invoice]) -> anyhow::Result<InterestBook> {
        if !bills.iter().any(|i| self.computes_interest(i)) {
            return Ok(InterestBook::default());
        }
        let core = self.ctx.core;
        let tables = rates::in_force(core.store(), core.settings()).await?;
        let mut book = InterestBook {
            table: tables.table(self.regime).to_vec(),
            ..InterestBook::default()
        };
        for (number, day, gr) in core.store().invoice_payments(self.id).await? {
            book.payments
                .entry(number)
                .or_default()
                .push((day, from_grosze(gr)));
        }
        for (number, to) in core.store().interest_charged(self.id).await? {
            let last = book.charged_to.entry(number).or_insert(to);
            *last = (*last).max(to);
        }
        Ok(book)
    }

    /// Interest on a bill: the billing system's figure, else owed to today.
    fn interest(&self, inv: &Invoice, book: &InterestBook) -> (Decimal, bool) {
        if let Some(gr) = inv.interest_gr {
            return (from_grosze(gr), false);
        }
        if !self.computes_interest(inv) {
            return (Decimal::ZERO, false);
        }
        let delay = interest::Delay {
            unpaid: from_grosze(inv.to_pay_gr),
            due: inv.due_date,
            charged_to: book.charged_to.get(&inv.number).copied(),
            payments: book
                .payments
                .get(&inv.number)
                .map(Vec::as_slice)
                .unwrap_or_default(),
        };
        let owed = interest::owed(&delay, self.today, &book.table);
        (owed, !owed.is_zero())
    }

    fn overdue(&self, inv: &Invoice) -> bool {
        inv.to_pay_gr > 0 && effective_due_date(inv.due_date) < self.today
    }

    fn row(&self, inv: &Invoice, book: &InterestBook) -> BillRow {
        let (interest, interest_estimated) = self.interest(inv, book);
        BillRow::new(inv, interest, interest_estimated, self.overdue(inv))
    }

    /// The stored PDF as an attachment, named as imported or after the document number.
    async fn attach(
        &self,
        sha: Option<&str>,
        pdf_name: Option<&str>,
        number: &str,
    ) -> anyhow::Result<Reply> {
        let default_name = format!("{}.pdf", number.replace('/', "_"));
        let file_name = pdf_name.unwrap_or(&default_name);
        let file = match sha {
            Some(sha) => self.ctx.core.store().file(sha).await?,
            None => None,
        };
        let Some(file) = file else {
            return Ok(not_found(self.lang(), "pdf_unavailable", number));
        };
        let mut reply = Reply::new(
            self.lang(),
            View::new(
                "file_sent",
                json!({ "number": number, "file_name": file_name }),
            ),
        );
        reply.attachments.push(Attachment {
            file_name: file_name.to_string(),
            content_type: file.content_type,
            body: file.body,
            inline: false,
        });
        Ok(reply)
    }
}

impl BillRow {
    fn new(inv: &Invoice, interest: Decimal, interest_estimated: bool, overdue: bool) -> BillRow {
        BillRow {
            issue_date: inv.issue_date,
            kind: inv.kind.as_str().to_string(),
            number: inv.number.clone(),
            due_date: inv.due_date,
            description: inv.description.clone(),
            charge: from_grosze(inv.charge_gr),
            credited: from_grosze(inv.credited_gr),
            to_pay: from_grosze(inv.to_pay_gr),
            overpaid: inv.to_pay_gr < 0,
            overpayment: from_grosze(-inv.to_pay_gr.min(0)),
            pay_by: effective_due_date(inv.due_date),
            moved: effective_due_date(inv.due_date) != inv.due_date,
            interest,
            interest_estimated,
            has_pdf: inv.pdf_sha256.is_some(),
            overdue,
            ksef: inv.ksef.is_ksef(),
            ksef_number: inv.ksef.ksef_number.clone(),
            ksef_offline: inv.ksef.awaiting_number(),
            corrected_ksef: inv.ksef.corrected_ksef.clone(),
            has_xml: inv.ksef.xml_sha256.is_some(),
        }
    }
}

/// The numbers to look a document up by: as typed, then in upper case ("fv/1" finds
/// "FV/1").
fn as_typed_then_upper(number: &str) -> Vec<String> {
    let upper = number.to_uppercase();
    if upper == number {
        vec![upper]
    } else {
        vec![number.to_string(), upper]
    }
}

fn not_found(lang: Lang, template: &'static str, number: &str) -> Reply {
    Reply::new(lang, View::new(template, json!({ "number": number })))
}
