//! The calendar (S16): a month's weeks with the days unpaid bills fall due, and those
//! bills. A bill is on the day it must be paid by (its effective due date, art. 115 KC),
//! the same day the panel, `zaplac`, the .ics file and the reminders name; a bill due on
//! Saturday 31 January is on February's page.

use super::{BillRow, CustomerCtx};
use crate::domain::calendar::{YearMonth, earliest_due_payable_from, effective_due_date};
use crate::domain::model::Invoice;
use crate::domain::money::from_grosze;
use crate::domain::reply::{Reply, View};
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde_json::json;

impl CustomerCtx<'_> {
    pub(crate) async fn calendar(&self, month: Option<YearMonth>) -> anyhow::Result<Reply> {
        let month = month.unwrap_or_else(|| YearMonth::of(self.today));
        let list: Vec<Invoice> = self
            .ctx
            .core
            .store()
            .unpaid_due_between(
                self.id,
                earliest_due_payable_from(month.first_day()),
                month.last_day(),
            )
            .await?
            .into_iter()
            .filter(|i| YearMonth::of(effective_due_date(i.due_date)) == month)
            .collect();
        let mut days: Vec<serde_json::Value> = Vec::new();
        let mut marked = std::collections::BTreeSet::new();
        let book = self.interest_book(&list).await?;
        for (date, group) in group_by_due(&list) {
            marked.insert(date.day());
            let bills: Vec<BillRow> = group.iter().map(|i| self.row(i, &book)).collect();
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
            )
            .with_action("calendar_file", "", "kalendarz ics", 1);
        reply.replaces_previous = true;
        Ok(reply)
    }
}

/// The bills by the day they must be paid by, in order (`list` is in due-date order,
/// and moving a date never passes another's).
fn group_by_due(list: &[Invoice]) -> Vec<(NaiveDate, Vec<&Invoice>)> {
    let mut groups: Vec<(NaiveDate, Vec<&Invoice>)> = Vec::new();
    for inv in list {
        let day = effective_due_date(inv.due_date);
        match groups.last_mut() {
            Some((d, g)) if *d == day => g.push(inv),
            _ => groups.push((day, vec![inv])),
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
