//! The bills: the panel with the balance (S10), the bills table page by page (S13), a
//! bill's line items with its VAT lines (S15), and its PDF (S14).

use super::{BillRow, CustomerCtx, as_typed_then_upper, not_found};
use crate::domain::model::{Invoice, InvoiceItem};
use crate::domain::money::from_grosze;
use crate::domain::reply::{Reply, View};
use crate::domain::vat::{self, VatLine};
use rust_decimal::Decimal;
use serde_json::json;

impl CustomerCtx<'_> {
    pub(crate) async fn balance(&self, name: &str, number: &str) -> anyhow::Result<Reply> {
        let open = self.ctx.core.store().open_invoices(self.id).await?;
        let total_gr: i64 = open.iter().map(|i| i.to_pay_gr).sum();
        let unpaid: Vec<&Invoice> = open.iter().filter(|i| i.to_pay_gr > 0).collect();
        let overdue: Vec<&Invoice> = unpaid.iter().copied().filter(|i| self.overdue(i)).collect();
        let overdue_sum: i64 = overdue.iter().map(|i| i.to_pay_gr).sum();
        let book = self.interest_book(&open).await?;
        let interest: Decimal = overdue.iter().map(|i| self.interest(i, &book).0).sum();
        let next_due = unpaid
            .iter()
            .find(|i| !self.overdue(i))
            .map(|i| self.row(i, &book));
        let total = from_grosze(total_gr);
        let state = if total > Decimal::ZERO {
            "owes"
        } else if total < Decimal::ZERO {
            "overpaid"
        } else {
            "settled"
        };
        let data = json!({
            "name": name,
            "customer_number": number,
            "balance": total,
            "overpayment": -total,
            "state": state,
            "unpaid_count": unpaid.len(),
            "overdue": from_grosze(overdue_sum),
            "overdue_count": overdue.len(),
            "interest": interest,
            "next_due": next_due,
            "today": self.today,
        });
        let mut reply = Reply::new(self.lang(), View::new("balance", data))
            .with_action("bills", "", "rachunki", 0)
            .with_action("calendar", "", "kalendarz", 0);
        if total_gr > 0 {
            reply = reply.with_action("pay", "", "zaplac", 1);
        }
        if overdue_sum > 0 && overdue.len() < unpaid.len() {
            reply = reply.with_action("pay_overdue", "", "zaplac zalegle", 1);
        }
        Ok(reply)
    }

    pub(crate) async fn bills(&self, page: u32) -> anyhow::Result<Reply> {
        let per_page = self.ctx.core.settings().app.page_size.max(1);
        let (list, total) = self
            .ctx
            .core
            .store()
            .invoices_page(self.id, page, per_page)
            .await?;
        let pages = u32::try_from((total + i64::from(per_page) - 1) / i64::from(per_page))
            .unwrap_or(u32::MAX)
            .max(1);
        if page > pages {
            return Ok(Reply::new(
                self.lang(),
                View::new("page_out_of_range", json!({ "page": page, "pages": pages })),
            ));
        }
        let book = self.interest_book(&list).await?;
        let rows: Vec<BillRow> = list.iter().map(|i| self.row(i, &book)).collect();
        let payments: Vec<serde_json::Value> = if page == 1 {
            let list = self.ctx.core.store().recent_payments(self.id, 5).await?;
            list.iter()
                .map(|p| json!({ "paid_on": p.paid_on, "amount": from_grosze(p.amount_gr), "invoice_number": p.invoice_number, "title": p.title }))
                .collect()
        } else {
            vec![]
        };
        let data = json!({ "page": page, "pages": pages, "total": total, "rows": rows, "payments": payments });
        let mut reply = Reply::new(self.lang(), View::new("bills", data));
        for (i, inv) in list.iter().enumerate() {
            let row = 1 + u8::try_from(i).unwrap_or(u8::MAX - 1);
            reply = reply.with_action(
                "details",
                &inv.number,
                format!("faktura {}", inv.number),
                row,
            );
            if inv.pdf_sha256.is_some() {
                reply = reply.with_action("pdf", &inv.number, format!("pdf {}", inv.number), row);
            }
        }
        if page > 1 {
            reply = reply.with_action(
                "prev_page",
                (page - 1).to_string(),
                format!("rachunki {}", page - 1),
                0,
            );
        }
        if page < pages {
            reply = reply.with_action(
                "next_page",
                (page + 1).to_string(),
                format!("rachunki {}", page + 1),
                0,
            );
        }
        reply.replaces_previous = true;
        Ok(reply)
    }

    /// Looks a bill up by number as typed, then in upper case.
    pub(super) async fn find_invoice(&self, number: &str) -> anyhow::Result<Option<Invoice>> {
        let store = self.ctx.core.store();
        for candidate in as_typed_then_upper(number) {
            if let Some(inv) = store.invoice(self.id, &candidate).await? {
                return Ok(Some(inv));
            }
        }
        Ok(None)
    }

    pub(crate) async fn bill(&self, number: &str) -> anyhow::Result<Reply> {
        let Some(inv) = self.find_invoice(number).await? else {
            return Ok(not_found(self.lang(), "bill_not_found", number));
        };
        let items: Vec<InvoiceItem> = self.ctx.core.store().invoice_items(inv.id).await?;
        let book = self.interest_book(std::slice::from_ref(&inv)).await?;
        let data = bill_data(&self.row(&inv, &book), &items);
        let mut reply = Reply::new(self.lang(), View::new("bill", data));
        if inv.pdf_sha256.is_some() {
            reply = reply.with_action("pdf", &inv.number, format!("pdf {}", inv.number), 0);
        }
        if inv.to_pay_gr > 0 {
            reply = reply.with_action("pay", &inv.number, format!("zaplac {}", inv.number), 0);
        }
        if inv.ksef.is_ksef() {
            reply = reply.with_action("ksef", &inv.number, format!("ksef {}", inv.number), 1);
        }
        if inv.ksef.xml_sha256.is_some() {
            reply = reply.with_action("xml", &inv.number, format!("xml {}", inv.number), 1);
        }
        Ok(reply)
    }

    pub(crate) async fn pdf(&self, number: &str) -> anyhow::Result<Reply> {
        let Some(inv) = self.find_invoice(number).await? else {
            return Ok(not_found(self.lang(), "bill_not_found", number));
        };
        self.attach(
            inv.pdf_sha256.as_deref(),
            inv.pdf_name.as_deref(),
            &inv.number,
        )
        .await
    }
}

/// The data of the bill view: the bill's row, its items and the VAT summary per rate.
pub(super) fn bill_data(row: &BillRow, items: &[InvoiceItem]) -> serde_json::Value {
    let (vat_lines, total): (Vec<VatLine>, VatLine) = vat::summarize(items);
    let items_json: Vec<serde_json::Value> = items
        .iter()
        .map(|it| {
            json!({
                "line_no": it.line_no, "name": it.name, "quantity": it.quantity, "unit": it.unit,
                "unit_price": it.unit_price, "net": from_grosze(it.net_gr), "vat_rate": it.vat_rate,
                "vat": from_grosze(it.vat_gr), "gross": from_grosze(it.gross_gr),
            })
        })
        .collect();
    json!({ "bill": row, "items": items_json, "vat_lines": vat_lines, "total": total })
}
