//! `zuzycie` / `usage`: heat used and its cost per month as a chart (PNG) with the
//! same figures as text; the figures are `domain::usage`'s, read from the line items.

use super::CustomerCtx;
use crate::domain::calendar::YearMonth;
use crate::domain::money::from_grosze;
use crate::domain::reply::{Attachment, Reply, View};
use crate::domain::usage::chart::{self, Labels};
use crate::domain::usage::{
    Change, Line, Month, Period, SeasonSums, Usage, Window, change_against_year_before,
    season_sums, usage,
};
use crate::store::UsageItem;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

/// One month of the table.
#[derive(Serialize)]
struct Row {
    month: YearMonth,
    month_number: u32,
    year: i32,
    /// `None` in a month not billed (yet): the table leaves it blank.
    gj: Option<String>,
    gj_before: Option<String>,
    fixed: Option<Decimal>,
    variable: Option<Decimal>,
    total: Option<Decimal>,
    price: Option<Decimal>,
}

impl Row {
    fn of(m: &Month, before: &Month) -> Row {
        let billed = m.has_data();
        Row {
            month: m.month,
            month_number: m.month.month,
            year: m.month.year,
            gj: billed.then(|| gj_text(m.gj)),
            gj_before: before.has_data().then(|| gj_text(before.gj)),
            fixed: billed.then(|| from_grosze(m.fixed_gr)),
            variable: billed.then(|| from_grosze(m.variable_gr)),
            total: billed.then(|| from_grosze(m.total_gr())),
            price: m.price_per_gj(),
        }
    }
}

/// GJ with three decimals, as meters and bills show them.
fn gj_text(gj: Decimal) -> String {
    gj.round_dp(3).to_string()
}

/// A change in percent with its sign: `+18`, `−4`, `0`.
fn signed(pct: Option<Decimal>) -> Option<String> {
    pct.map(|p| match p.cmp(&Decimal::ZERO) {
        std::cmp::Ordering::Greater => format!("+{p}"),
        std::cmp::Ordering::Less => format!("−{}", p.abs()),
        std::cmp::Ordering::Equal => "0".to_string(),
    })
}

fn change_data(c: &Change) -> serde_json::Value {
    json!({
        "month_number": c.now.month.month, "year": c.now.month.year,
        "year_before": c.then.month.year,
        "gj_pct": signed(c.gj_pct), "price_pct": signed(c.price_pct),
        "fixed_pct": signed(c.fixed_pct), "cost_pct": signed(c.cost_pct),
        "cost_diff": from_grosze(c.cost_diff_gr.abs()), "cost_up": c.cost_diff_gr > 0,
        "cost_same": c.cost_diff_gr == 0,
        "most": c.most,
    })
}

fn season_data(s: &SeasonSums) -> serde_json::Value {
    json!({
        "label": format!("{}/{:02}", s.season, (s.season + 1) % 100),
        "months": s.months, "gj": gj_text(s.gj),
        "fixed": from_grosze(s.fixed_gr), "variable": from_grosze(s.variable_gr),
        "total": from_grosze(s.total_gr),
    })
}

/// The line items as the figures need them (quantities were checked at import).
fn lines(items: Vec<UsageItem>) -> Vec<Line> {
    items
        .into_iter()
        .map(|i| Line {
            invoice: i.invoice_id,
            month: YearMonth::of(i.issue_date),
            point: i.point,
            unit: i.unit,
            quantity: i.quantity.parse().unwrap_or_default(),
            gross_gr: i.gross_gr,
        })
        .collect()
}

impl CustomerCtx<'_> {
    pub(crate) async fn usage(
        &self,
        customer_number: &str,
        period: Period,
    ) -> anyhow::Result<Reply> {
        let store = self.ctx.core.store();
        let items = store.usage_items(self.id).await?;
        if items.is_empty() {
            let coverage = store.item_coverage(self.id).await?;
            let data = json!({ "invoices": coverage.invoices });
            return Ok(Reply::new(self.lang(), View::new("usage_missing", data)));
        }
        let usage = usage(&lines(items));
        let this_month = YearMonth::of(self.today);
        let latest = usage.last_month().map_or(this_month, |m| m.min(this_month));
        let mut window = period.window(latest);
        if period == Period::Recent
            && let Some(first) = usage.total.first().map(|m| m.month)
        {
            // A customer billed for fewer than 24 months: no rows before the first bill.
            window.months.retain(|m| *m >= first);
        }
        let months: Vec<Month> = window.months.iter().map(|m| usage.month(*m)).collect();
        let before: Vec<Month> = window
            .months
            .iter()
            .map(|m| usage.month(crate::domain::usage::period::year_before(*m)))
            .collect();
        let mut data = self.usage_data(&usage, &window, &months, &before, period);
        if !months.iter().any(Month::has_data) {
            data["empty"] = json!(true);
            return Ok(Reply::new(self.lang(), View::new("usage", data)));
        }
        let png = self.chart(&window, months, before).await?;
        let file_name = format!(
            "zuzycie-{customer_number}-{}.png",
            period_slug(period, &window)
        );
        data["file_name"] = json!(file_name);
        let mut reply = Reply::new(self.lang(), View::new("usage", data));
        reply.attachments.push(Attachment {
            file_name,
            content_type: "image/png".into(),
            body: png,
            inline: true,
        });
        Ok(reply)
    }

    fn usage_data(
        &self,
        usage: &Usage,
        window: &Window,
        months: &[Month],
        before: &[Month],
        period: Period,
    ) -> serde_json::Value {
        let rows: Vec<Row> = months
            .iter()
            .zip(before)
            .map(|(m, b)| Row::of(m, b))
            .collect();
        let sum = |f: fn(&Month) -> i64| from_grosze(months.iter().map(f).sum());
        let gj: Decimal = months.iter().map(|m| m.gj).sum();
        let last_with_data = months.iter().rev().find(|m| m.has_data());
        let change = last_with_data.and_then(|m| change_against_year_before(usage, m.month));
        let season = last_with_data.map(|m| season_sums(usage, m.month));
        let points = point_rows(usage, window);
        let first = window.months[0];
        let last = window.months[window.months.len() - 1];
        json!({
            "period": match period { Period::Recent => "recent", Period::Year(_) => "year", Period::Season => "season" },
            "year": match period { Period::Year(y) => Some(y), _ => None },
            "season": window.season.map(|s| format!("{}/{:02}", s, (s + 1) % 100)),
            "from_month": first.month, "from_year": first.year,
            "to_month": last.month, "to_year": last.year,
            "rows": rows, "empty": false,
            "gj": gj_text(gj), "fixed": sum(|m| m.fixed_gr), "variable": sum(|m| m.variable_gr),
            "total": sum(Month::total_gr),
            "price": Month { month: last, gj, fixed_gr: 0, variable_gr: months.iter().map(|m| m.variable_gr).sum() }.price_per_gj(),
            "change": change.as_ref().map(change_data),
            "this_season": season.as_ref().map(|s| season_data(&s.0)),
            "last_season": season.as_ref().filter(|s| s.1.total_gr != 0 || !s.1.gj.is_zero()).map(|s| season_data(&s.1)),
            "points": points,
        })
    }

    /// Draws the chart on a blocking thread, so other chats are answered meanwhile.
    async fn chart(
        &self,
        window: &Window,
        months: Vec<Month>,
        before: Vec<Month>,
    ) -> anyhow::Result<Vec<u8>> {
        let labels = self.chart_labels(window)?;
        tokio::task::spawn_blocking(move || chart::render(&months, &before, &labels)).await?
    }

    fn chart_labels(&self, window: &Window) -> anyhow::Result<Labels> {
        let r = self.ctx.core.renderer()?;
        let lang = self.lang();
        let s = |key: &str| r.string(lang, &format!("usage_chart.{key}"));
        let month = |m: YearMonth| {
            format!(
                "{} {}",
                r.string(lang, &format!("month.{}", m.month)),
                m.year
            )
        };
        let first = window.months[0];
        let last = window.months[window.months.len() - 1];
        let title = s("title")
            .replace("{from}", &month(first))
            .replace("{to}", &month(last));
        Ok(Labels {
            title,
            heat: s("heat"),
            cost: s("cost"),
            this_period: s("this_period"),
            year_before: s("year_before"),
            fixed: s("fixed"),
            variable: s("variable"),
            months: std::array::from_fn(|i| r.string(lang, &format!("month_short.{}", i + 1))),
        })
    }
}

/// Each point of delivery's sums over the window, when there is more than one.
fn point_rows(usage: &Usage, window: &Window) -> Vec<serde_json::Value> {
    if usage.points.len() < 2 {
        return Vec::new();
    }
    let rows = usage.points.iter().map(|p| {
        let ms: Vec<Month> = window.months.iter().map(|m| p.month(*m)).collect();
        json!({
            "name": p.name,
            "gj": gj_text(ms.iter().map(|m| m.gj).sum()),
            "total": from_grosze(ms.iter().map(Month::total_gr).sum()),
        })
    });
    rows.collect()
}

/// The period in the file's name: `2025`, `sezon-2025-26`, `2023-12-2025-11`.
fn period_slug(period: Period, window: &Window) -> String {
    let first = window.months[0];
    let last = window.months[window.months.len() - 1];
    match (period, window.season) {
        (Period::Year(y), _) => y.to_string(),
        (Period::Season, Some(s)) => format!("sezon-{s}-{:02}", (s + 1) % 100),
        _ => format!("{first}-{last}"),
    }
}
