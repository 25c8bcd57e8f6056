//! The customer's views (S10–S20). Each returns a reply with typed data; presentation
//! (amount and date formats, labels, layout) is the templates' job.

use super::command::{COMMANDS, Lang, lookup};
use super::reply::{Attachment, Reply, View};
use super::{Command, Ctx};
use crate::domain::calendar::{self, YearMonth};
use crate::domain::interest;
use crate::domain::model::{CustomerKind, Invoice, InvoiceItem};
use crate::domain::money::from_grosze;
use crate::domain::vat::{self, VatLine};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

pub(super) fn start(ctx: &Ctx<'_>) -> Reply {
    let mut reply = Reply::new(
        ctx.lang,
        View::new("start", json!({ "logged_in": ctx.account.is_some() })),
    );
    reply.views.push(help_view(ctx));
    reply
}

pub(super) fn help(ctx: &Ctx<'_>) -> Reply {
    Reply::new(ctx.lang, help_view(ctx))
}

#[derive(Serialize)]
struct HelpEntry {
    name: &'static str,
    args: &'static str,
    help: &'static str,
    needs_login: bool,
}

fn help_view(ctx: &Ctx<'_>) -> View {
    let is_staff = ctx
        .account
        .as_ref()
        .is_some_and(|a| a.role == crate::domain::model::Role::Staff);
    let entries: Vec<HelpEntry> = COMMANDS
        .iter()
        .filter(|s| !s.staff || is_staff)
        .map(|s| HelpEntry {
            name: s.name(ctx.lang),
            args: if ctx.lang == Lang::Pl {
                s.args_pl
            } else {
                s.args_en
            },
            help: if ctx.lang == Lang::Pl {
                s.help_pl
            } else {
                s.help_en
            },
            needs_login: s.needs_login,
        })
        .collect();
    View::new(
        "help",
        json!({ "commands": entries, "logged_in": ctx.account.is_some(), "staff": is_staff }),
    )
}

/// Usage of one command, for "bad arguments".
pub(super) fn bad_arguments(lang: Lang, command: &'static str) -> Reply {
    let spec = lookup(command);
    let data = spec.map(|s| {
        json!({
            "name": s.name(lang),
            "args": if lang == Lang::Pl { s.args_pl } else { s.args_en },
            "help": if lang == Lang::Pl { s.help_pl } else { s.help_en },
        })
    });
    Reply::new(lang, View::new("bad_arguments", data))
}

pub(super) async fn language(ctx: &mut Ctx<'_>, lang: Lang) -> anyhow::Result<Reply> {
    let store = ctx.core.store();
    store
        .set_chat_lang(ctx.origin.channel.as_str(), &ctx.origin.source, lang.code())
        .await?;
    if let Some(a) = &ctx.account {
        store.set_account_lang(a.id, lang.code()).await?;
    }
    ctx.lang = lang;
    Ok(Reply::new(
        lang,
        View::new("language_set", json!({ "lang": lang.code() })),
    ))
}

pub(super) fn contact(ctx: &Ctx<'_>) -> Reply {
    Reply::new(ctx.lang, View::new("contact", &ctx.core.settings().utility))
}

pub(super) async fn messages(ctx: &Ctx<'_>) -> anyhow::Result<Reply> {
    let area = match ctx.account.as_ref().and_then(|a| a.customer_id) {
        Some(id) => ctx
            .core
            .store()
            .customer(id)
            .await?
            .map(|c| c.area)
            .unwrap_or_default(),
        None => String::new(),
    };
    let list = ctx
        .core
        .store()
        .announcements(&area, ctx.core.today())
        .await?;
    let regulator = &ctx.core.settings().utility.regulator_url;
    Ok(Reply::new(
        ctx.lang,
        View::new(
            "messages",
            json!({ "messages": list, "regulator_url": regulator }),
        ),
    ))
}

/// Views that need a customer account (staff have no bills of their own).
pub(super) async fn customer_view(ctx: &Ctx<'_>, command: Command) -> anyhow::Result<Reply> {
    let customer_id = ctx.account.as_ref().and_then(|a| a.customer_id);
    let Some(customer_id) = customer_id else {
        return Ok(Reply::new(ctx.lang, View::bare("no_customer_data")));
    };
    let Some(customer) = ctx.core.store().customer(customer_id).await? else {
        return Ok(Reply::new(ctx.lang, View::bare("no_customer_data")));
    };
    let v = CustomerCtx {
        ctx,
        id: customer_id,
        kind: customer.kind,
        today: ctx.core.today(),
    };
    match command {
        Command::Balance => v.balance(&customer.name, &customer.number).await,
        Command::Bills { page } => v.bills(page).await,
        Command::Bill { number } => v.bill(&number).await,
        Command::Pdf { number } => v.pdf(&number).await,
        Command::Calendar { month } => v.calendar(month).await,
        Command::Collections => v.collections().await,
        Command::Documents => v.documents().await,
        Command::Document { number } => v.document(&number).await,
        _ => Ok(Reply::new(ctx.lang, View::bare("empty"))),
    }
}

struct CustomerCtx<'a> {
    ctx: &'a Ctx<'a>,
    id: i64,
    kind: CustomerKind,
    today: NaiveDate,
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
    interest: Decimal,
    /// Computed by ebok to today (not from the billing export).
    interest_estimated: bool,
    has_pdf: bool,
    overdue: bool,
}

impl CustomerCtx<'_> {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }

    fn rates(&self) -> &[interest::RatePeriod] {
        let tables = &self.ctx.core.settings().interest;
        match self.kind {
            CustomerKind::Person => &tables.statutory,
            CustomerKind::Firm => &tables.commercial,
        }
    }

    /// Interest on a bill: the billing system's figure, else accrued to today.
    fn interest(&self, inv: &Invoice) -> (Decimal, bool) {
        if let Some(gr) = inv.interest_gr {
            return (from_grosze(gr), false);
        }
        if inv.to_pay_gr <= 0 {
            return (Decimal::ZERO, false);
        }
        let accrued = interest::accrued(
            from_grosze(inv.to_pay_gr),
            inv.due_date,
            self.today,
            self.rates(),
        );
        (accrued, !accrued.is_zero())
    }

    fn overdue(&self, inv: &Invoice) -> bool {
        inv.to_pay_gr > 0 && calendar::effective_due_date(inv.due_date) < self.today
    }

    fn row(&self, inv: &Invoice) -> BillRow {
        let (interest, interest_estimated) = self.interest(inv);
        BillRow {
            issue_date: inv.issue_date,
            kind: inv.kind.as_str().to_string(),
            number: inv.number.clone(),
            due_date: inv.due_date,
            description: inv.description.clone(),
            charge: from_grosze(inv.charge_gr),
            credited: from_grosze(inv.credited_gr),
            to_pay: from_grosze(inv.to_pay_gr),
            interest,
            interest_estimated,
            has_pdf: inv.pdf_sha256.is_some(),
            overdue: self.overdue(inv),
        }
    }

    async fn balance(&self, name: &str, number: &str) -> anyhow::Result<Reply> {
        let open = self.ctx.core.store().open_invoices(self.id).await?;
        let total_gr: i64 = open.iter().map(|i| i.to_pay_gr).sum();
        let unpaid: Vec<&Invoice> = open.iter().filter(|i| i.to_pay_gr > 0).collect();
        let overdue: Vec<&Invoice> = unpaid.iter().copied().filter(|i| self.overdue(i)).collect();
        let overdue_sum: i64 = overdue.iter().map(|i| i.to_pay_gr).sum();
        let interest: Decimal = overdue.iter().map(|i| self.interest(i).0).sum();
        let next_due = unpaid
            .iter()
            .find(|i| !self.overdue(i))
            .map(|i| self.row(i));
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
        Ok(Reply::new(self.lang(), View::new("balance", data))
            .with_action("bills", "", "rachunki", 0)
            .with_action("calendar", "", "kalendarz", 0))
    }

    async fn bills(&self, page: u32) -> anyhow::Result<Reply> {
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
        let rows: Vec<BillRow> = list.iter().map(|i| self.row(i)).collect();
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
    async fn find_invoice(&self, number: &str) -> anyhow::Result<Option<Invoice>> {
        let store = self.ctx.core.store();
        for candidate in as_typed_then_upper(number) {
            if let Some(inv) = store.invoice(self.id, &candidate).await? {
                return Ok(Some(inv));
            }
        }
        Ok(None)
    }

    async fn bill(&self, number: &str) -> anyhow::Result<Reply> {
        let Some(inv) = self.find_invoice(number).await? else {
            return Ok(not_found(self.lang(), "bill_not_found", number));
        };
        let items: Vec<InvoiceItem> = self.ctx.core.store().invoice_items(inv.id).await?;
        let (vat_lines, total): (Vec<VatLine>, VatLine) = vat::summarize(&items);
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
        let data = json!({ "bill": self.row(&inv), "items": items_json, "vat_lines": vat_lines, "total": total });
        let mut reply = Reply::new(self.lang(), View::new("bill", data));
        if inv.pdf_sha256.is_some() {
            reply = reply.with_action("pdf", &inv.number, format!("pdf {}", inv.number), 0);
        }
        Ok(reply)
    }

    async fn pdf(&self, number: &str) -> anyhow::Result<Reply> {
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
        });
        Ok(reply)
    }

    async fn calendar(&self, month: Option<YearMonth>) -> anyhow::Result<Reply> {
        let month = month.unwrap_or_else(|| YearMonth::of(self.today));
        let list = self
            .ctx
            .core
            .store()
            .unpaid_due_between(self.id, month.first_day(), month.last_day())
            .await?;
        let mut days: Vec<serde_json::Value> = Vec::new();
        let mut marked = std::collections::BTreeSet::new();
        for (date, group) in group_by_due(&list) {
            marked.insert(date.day());
            let bills: Vec<BillRow> = group.iter().map(|i| self.row(i)).collect();
            let sum: Decimal = bills.iter().map(|b| b.to_pay).sum();
            days.push(json!({ "date": date, "bills": bills, "total": sum }));
        }
        let month_total: i64 = list.iter().map(|i| i.to_pay_gr).sum();
        let data = json!({
            "month": month.to_string(), "year": month.year, "month_number": month.month,
            "weeks": weeks(month, &marked, self.today), "days": days,
            "total": from_grosze(month_total), "prev": month.prev().to_string(), "next": month.next().to_string(),
        });
        let mut reply = Reply::new(self.lang(), View::new("calendar", data))
            .with_action(
                "prev_month",
                month.prev().to_string(),
                format!("kalendarz {}", month.prev()),
                0,
            )
            .with_action(
                "next_month",
                month.next().to_string(),
                format!("kalendarz {}", month.next()),
                0,
            );
        reply.replaces_previous = true;
        Ok(reply)
    }

    async fn collections(&self) -> anyhow::Result<Reply> {
        let list = self.ctx.core.store().collections(self.id).await?;
        let cases: Vec<serde_json::Value> = list
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or_default();
                v["principal"] = json!(from_grosze(c.principal_gr));
                v["interest"] = json!(from_grosze(c.interest_gr));
                v["costs"] = json!(from_grosze(c.costs_gr));
                v["total"] = json!(from_grosze(c.principal_gr + c.interest_gr + c.costs_gr));
                v["open"] = json!(c.status == crate::domain::model::CollectionStatus::Open);
                v
            })
            .collect();
        Ok(Reply::new(
            self.lang(),
            View::new("collections", json!({ "cases": cases })),
        ))
    }

    async fn documents(&self) -> anyhow::Result<Reply> {
        let list = self.ctx.core.store().contracts(self.id).await?;
        let mut reply = Reply::new(
            self.lang(),
            View::new("documents", json!({ "documents": list })),
        );
        for (i, c) in list.iter().filter(|c| c.pdf_sha256.is_some()).enumerate() {
            let row = u8::try_from(i).unwrap_or(u8::MAX);
            reply = reply.with_action("download", &c.number, format!("dokument {}", c.number), row);
        }
        Ok(reply)
    }

    async fn document(&self, number: &str) -> anyhow::Result<Reply> {
        let store = self.ctx.core.store();
        let mut found = None;
        for candidate in as_typed_then_upper(number) {
            found = store.contract(self.id, &candidate).await?;
            if found.is_some() {
                break;
            }
        }
        let Some(c) = found else {
            return Ok(not_found(self.lang(), "document_not_found", number));
        };
        self.attach(c.pdf_sha256.as_deref(), c.pdf_name.as_deref(), &c.number)
            .await
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

fn group_by_due(list: &[Invoice]) -> Vec<(NaiveDate, Vec<&Invoice>)> {
    let mut groups: Vec<(NaiveDate, Vec<&Invoice>)> = Vec::new();
    for inv in list {
        match groups.last_mut() {
            Some((d, g)) if *d == inv.due_date => g.push(inv),
            _ => groups.push((inv.due_date, vec![inv])),
        }
    }
    groups
}

/// The month as weeks Monday–Sunday: `null` outside the month, else the day, whether a
/// bill is due that day, and whether it is today.
fn weeks(
    month: YearMonth,
    marked: &std::collections::BTreeSet<u32>,
    today: NaiveDate,
) -> Vec<Vec<serde_json::Value>> {
    let first = month.first_day();
    let offset = first.weekday().num_days_from_monday() as usize;
    let days = month.last_day().day() as usize;
    let mut cells: Vec<serde_json::Value> = vec![serde_json::Value::Null; offset];
    for d in 1..=days {
        let date = first.with_day(d as u32).unwrap_or(first);
        cells
            .push(json!({ "day": d, "due": marked.contains(&(d as u32)), "today": date == today }));
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(serde_json::Value::Null);
    }
    cells.chunks(7).map(<[serde_json::Value]>::to_vec).collect()
}
