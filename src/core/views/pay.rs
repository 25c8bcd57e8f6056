//! Paying by transfer: for one bill, the overdue bills or the whole balance, who to pay,
//! into which account, how much and under which title, with the QR code a Polish
//! banking app reads to fill the transfer in (see [`crate::payment`]).
//!
//! The amount is what the bills still say is to pay (`to_pay`), to the grosz. Interest
//! for delay is shown but not added: the utility charges it with an interest note, a
//! bill of its own that is paid like any other once issued.

use super::{CustomerCtx, as_typed_then_upper, not_found};
use crate::domain::calendar::effective_due_date;
use crate::domain::model::Invoice;
use crate::domain::money::from_grosze;
use crate::domain::nrb::Nrb;
use crate::domain::reply::{Attachment, Reply, View};
use crate::payment::{png, title, zbp};
use rust_decimal::Decimal;
use serde_json::json;

/// What `pay` is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayTarget {
    /// The whole balance (every unpaid bill, less overpayments).
    Balance,
    /// Every bill past its (effective) due date.
    Overdue,
    /// One bill, by number.
    Bill(String),
}

impl CustomerCtx<'_> {
    pub(crate) async fn pay(
        &self,
        customer_number: &str,
        target: PayTarget,
    ) -> anyhow::Result<Reply> {
        let store = self.ctx.core.store();
        let (scope, number, bills) = match &target {
            PayTarget::Bill(typed) => {
                let mut found = None;
                for candidate in as_typed_then_upper(typed) {
                    if let Some(inv) = store.invoice(self.id, &candidate).await? {
                        found = Some(inv);
                        break;
                    }
                }
                let Some(inv) = found else {
                    return Ok(not_found(self.lang(), "bill_not_found", typed));
                };
                ("bill", Some(inv.number.clone()), vec![inv])
            }
            PayTarget::Overdue => {
                let open = store.open_invoices(self.id).await?;
                let overdue = open.into_iter().filter(|i| self.overdue(i)).collect();
                ("overdue", None, overdue)
            }
            PayTarget::Balance => ("balance", None, store.open_invoices(self.id).await?),
        };
        let amount_gr: i64 = bills.iter().map(|i| i.to_pay_gr).sum();
        if amount_gr <= 0 {
            let data = json!({
                "scope": scope, "number": number,
                "overpaid": amount_gr < 0, "overpayment": from_grosze(-amount_gr),
            });
            return Ok(Reply::new(self.lang(), View::new("pay_nothing_due", data)));
        }
        self.details(customer_number, scope, number.as_deref(), &bills, amount_gr)
            .await
    }

    /// The payment details of `bills` (positive total `amount_gr`) and their QR code.
    async fn details(
        &self,
        customer_number: &str,
        scope: &str,
        number: Option<&str>,
        bills: &[Invoice],
        amount_gr: i64,
    ) -> anyhow::Result<Reply> {
        let settings = self.ctx.core.settings();
        let utility = &settings.utility;
        let individual = self.ctx.core.store().customer_bank_account(self.id).await?;
        let account = Nrb::parse(individual.as_deref().unwrap_or(&utility.bank_account))?;
        let due: Vec<&Invoice> = bills.iter().filter(|i| i.to_pay_gr > 0).collect();
        let credits: Vec<&Invoice> = bills.iter().filter(|i| i.to_pay_gr < 0).collect();
        let numbers: Vec<&str> = due.iter().map(|i| i.number.as_str()).collect();
        // With `[ksef] payment_title`, the title names a KSeF invoice by its KSeF number
        // (35 characters: one line of the title). The QR code's title holds 32, fewer than
        // one KSeF number, so it keeps the invoice numbers.
        let by_ksef = settings.ksef.payment_title;
        let words: Vec<&str> = due
            .iter()
            .map(|i| match (&i.ksef.ksef_number, by_ksef) {
                (Some(k), true) => k.as_str(),
                _ => i.number.as_str(),
            })
            .collect();
        let ksef_title = words.iter().zip(&numbers).any(|(w, n)| w != n);
        let full_title = title::compose(customer_number, &words, title::LINE, title::LINES);
        let qr_title = title::compose(customer_number, &numbers, zbp::TITLE_MAX, 1);
        let transfer = zbp::Transfer {
            nip: utility.nip.chars().filter(char::is_ascii_digit).collect(),
            account: account.digits().to_string(),
            amount_gr,
            name: utility.short_name.clone(),
            title: qr_title.joined(),
        };
        let book = self.interest_book(bills).await?;
        let interest: Decimal = due.iter().map(|i| self.interest(i, &book).0).sum();
        let rows: Vec<serde_json::Value> = due
            .iter()
            .map(|i| {
                let pay_by = effective_due_date(i.due_date);
                json!({
                    "kind": i.kind.as_str(), "number": i.number, "to_pay": from_grosze(i.to_pay_gr),
                    "pay_by": pay_by, "due_date": i.due_date, "moved": pay_by != i.due_date,
                    "overdue": self.overdue(i),
                })
            })
            .collect();
        let credit_rows: Vec<serde_json::Value> = credits
            .iter()
            .map(|i| json!({ "number": i.number, "overpayment": from_grosze(-i.to_pay_gr) }))
            .collect();
        let file_name = match number {
            Some(n) => format!("przelew-{}.png", n.replace('/', "_")),
            // Named in Polish, as the utility's documents are.
            None if scope == "overdue" => format!("przelew-{customer_number}-zalegle.png"),
            None => format!("przelew-{customer_number}-saldo.png"),
        };
        let code = transfer.text();
        let data = json!({
            "no_qr": code.is_none(), "qr_max": from_grosze(zbp::AMOUNT_MAX_GR),
            "several": due.len() > 1,
            "scope": scope, "number": number, "customer_number": customer_number,
            "recipient": utility.name, "address": utility.address,
            "account": account.grouped(), "individual_account": individual.is_some(),
            "amount": from_grosze(amount_gr), "title_lines": full_title.lines,
            "omitted": full_title.omitted, "qr_title": transfer.title,
            "qr_omitted": qr_title.omitted, "bills": rows, "credits": credit_rows,
            "interest": interest, "has_interest": !interest.is_zero(), "file_name": file_name,
            "ksef_title": ksef_title,
        });
        let mut reply = Reply::new(self.lang(), View::new("pay", data));
        if let Some(code) = code {
            reply.attachments.push(Attachment {
                file_name,
                content_type: "image/png".into(),
                body: png::qr_png(&code)?,
                inline: true,
            });
        }
        Ok(reply)
    }
}
