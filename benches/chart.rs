//! The cost of drawing the usage chart (`zuzycie`): 24 months of a household's figures
//! beside the year before, rendered to PNG many times; prints the median, the 99th
//! percentile and the maximum, and the PNG's size. The target is ≤ 50 ms per chart
//! (docs/usage.md).
//!
//!     cargo bench --bench chart

use ebok::domain::calendar::YearMonth;
use ebok::domain::usage::Month;
use ebok::domain::usage::chart::{Labels, render};
use rust_decimal::Decimal;
use std::time::{Duration, Instant};

const ROUNDS: usize = 200;

fn figures() -> (Vec<Month>, Vec<Month>) {
    let share = [165i64, 145, 125, 80, 35, 20, 15, 15, 30, 80, 130, 160];
    let mut month = YearMonth {
        year: 2023,
        month: 12,
    };
    let mut all = Vec::new();
    for i in 0..36i64 {
        let gj = Decimal::new(share[month.month as usize - 1] * (60 + i % 7), 3);
        let variable_gr = (gj * Decimal::from(9_800)).round().try_into().unwrap_or(0);
        all.push(Month {
            month,
            gj,
            fixed_gr: 26_300 + i * 40,
            variable_gr,
        });
        month = month.next();
    }
    (all[12..].to_vec(), all[..24].to_vec())
}

fn labels() -> Labels {
    Labels {
        title: "Zużycie ciepła i koszt: grudzień 2024 – listopad 2026".into(),
        heat: "Ciepło, GJ".into(),
        cost: "Koszt z VAT, zł".into(),
        this_period: "ten okres".into(),
        year_before: "rok wcześniej".into(),
        fixed: "opłaty stałe (moc zamówiona)".into(),
        variable: "opłaty zmienne (ciepło)".into(),
        months: [
            "sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru",
        ]
        .map(String::from),
    }
}

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("chart benchmark: run it with `cargo bench --bench chart`");
        return Ok(());
    }
    let (months, before) = figures();
    let labels = labels();
    // One untimed round: the font is parsed and registered once per process.
    let png = render(&months, &before, &labels)?;
    let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let out = render(&months, &before, &labels)?;
        times.push(start.elapsed());
        assert_eq!(out.len(), png.len(), "the same figures draw the same image");
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "usage chart, 24 months, {ROUNDS} rounds: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; PNG {} bytes",
        ms(times[ROUNDS / 2]),
        ms(times[ROUNDS * 99 / 100]),
        ms(times[ROUNDS - 1]),
        png.len()
    );
    Ok(())
}
