//! VAT summary of an invoice: per rate, the net total, VAT on that total (rounded half
//! up to the grosz) and the gross total, as a Polish VAT invoice shows it.

use crate::domain::model::InvoiceItem;
use crate::domain::money::{from_grosze, round_grosze};
use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VatLine {
    /// '23', '8', '0', 'zw' (exempt) or 'total'
    pub rate: String,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// The gross total of an invoice from its lines' (net, rate): per rate, the net total
/// plus VAT on that total rounded half up — not the sum of the lines' own gross values,
/// which may differ by a grosz or so.
pub fn gross_total<'a>(
    lines: impl IntoIterator<Item = (Decimal, &'a str)>,
) -> Result<Decimal, String> {
    let mut per_rate: Vec<(&str, Decimal)> = Vec::new();
    for (net, rate) in lines {
        match per_rate.iter_mut().find(|(r, _)| *r == rate) {
            Some((_, total)) => *total += net,
            None => per_rate.push((rate, net)),
        }
    }
    per_rate
        .into_iter()
        .try_fold(Decimal::ZERO, |sum, (rate, net)| {
            Ok(sum + net + vat_on(net, rate)?)
        })
}

/// VAT on a net amount at a rate given as in the export ('23', '8', '0', 'zw').
pub fn vat_on(net: Decimal, rate: &str) -> Result<Decimal, String> {
    let percent = rate_percent(rate)?;
    Ok(round_grosze(net * percent / Decimal::ONE_HUNDRED))
}

/// The rates a Polish VAT invoice uses: 23, 8, 5 and 0 percent, `zw` (exempt,
/// zwolnione), `np` (outside the tax, nie podlega) and `oo` (reverse charge, odwrotne
/// obciążenie). The import accepts these unless the configuration says otherwise.
pub const POLISH_RATES: [&str; 7] = ["23", "8", "5", "0", "zw", "np", "oo"];

/// Codes of rates on which the seller charges no VAT.
const NO_VAT_CODES: [&str; 3] = ["zw", "np", "oo"];

/// The rate as a percentage: `zw`, `np` and `oo` are 0; otherwise a whole number 0–99.
pub fn rate_percent(rate: &str) -> Result<Decimal, String> {
    if NO_VAT_CODES.contains(&rate) {
        return Ok(Decimal::ZERO);
    }
    match rate.parse::<u8>() {
        Ok(n) if n < 100 && !rate.starts_with('+') => Ok(Decimal::from(n)),
        _ => Err(format!(
            "'{rate}' is not a VAT rate (expected a whole percentage such as 23, 8, 0, or zw, np, oo)"
        )),
    }
}

/// A rate of an import row, checked against the accepted set (`allowed`).
pub fn accepted_rate(rate: &str, allowed: &[String]) -> Result<Decimal, String> {
    let percent = rate_percent(rate)?;
    if allowed.iter().any(|a| a == rate) {
        Ok(percent)
    } else {
        Err(format!(
            "'{rate}' is not one of the VAT rates ebok accepts: {} (the operator sets them in [import] vat_rates)",
            allowed.join(", ")
        ))
    }
}

/// Per-rate lines (ordered by rate, highest first) and the total line.
pub fn summarize(items: &[InvoiceItem]) -> (Vec<VatLine>, VatLine) {
    per_rate(items.iter().map(|i| {
        (
            from_grosze(i.net_gr),
            i.vat_rate.as_str(),
            from_grosze(i.vat_gr),
        )
    }))
}

/// The VAT summary of lines given as (net, rate, the line's own VAT): per rate, VAT on
/// the rate's net total, rounded half up; then the total line, the sum of the rates'
/// lines, so that net + VAT = gross on every line of the summary.
pub fn per_rate<'a>(
    lines: impl IntoIterator<Item = (Decimal, &'a str, Decimal)>,
) -> (Vec<VatLine>, VatLine) {
    let mut rates: Vec<(String, Decimal, Decimal)> = Vec::new();
    for (net, rate, line_vat) in lines {
        match rates.iter_mut().find(|(r, _, _)| r == rate) {
            Some((_, n, v)) => {
                *n += net;
                *v += line_vat;
            }
            None => rates.push((rate.to_string(), net, line_vat)),
        }
    }
    // Highest rate first; zw, np, oo after 0; anything unreadable last.
    rates.sort_by_key(|(r, _, _)| {
        std::cmp::Reverse(match r.as_str() {
            "zw" => -1,
            "np" => -2,
            "oo" => -3,
            other => other.parse::<i64>().unwrap_or(-4),
        })
    });
    let lines: Vec<VatLine> = rates
        .into_iter()
        .map(|(rate, net, line_vat)| {
            // An unknown rate can only come from bad data: fall back to the lines' own VAT.
            let vat = vat_on(net, &rate).unwrap_or(line_vat);
            VatLine {
                rate,
                net,
                vat,
                gross: net + vat,
            }
        })
        .collect();
    let total = VatLine {
        rate: "total".to_string(),
        net: lines.iter().map(|l| l.net).sum(),
        vat: lines.iter().map(|l| l.vat).sum(),
        gross: lines.iter().map(|l| l.gross).sum(),
    };
    (lines, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn item(net_gr: i64, rate: &str, vat_gr: i64) -> InvoiceItem {
        InvoiceItem {
            line_no: 1,
            name: "x".into(),
            quantity: "1".into(),
            unit: "szt.".into(),
            unit_price: "0".into(),
            net_gr,
            vat_rate: rate.into(),
            vat_gr,
            gross_gr: net_gr + vat_gr,
            point: None,
        }
    }

    #[test]
    fn vat_rounds_half_up_to_the_grosz() {
        assert_eq!(vat_on(dec!(100), "23"), Ok(dec!(23.00)));
        // 0.50 × 23% = 0.115 -> 0.12
        assert_eq!(vat_on(dec!(0.50), "23"), Ok(dec!(0.12)));
        // 0.06 × 8% = 0.0048 -> 0.00
        assert_eq!(vat_on(dec!(0.06), "8"), Ok(dec!(0.00)));
        // corrections: negative net, half away from zero
        assert_eq!(vat_on(dec!(-0.50), "23"), Ok(dec!(-0.12)));
        assert_eq!(vat_on(dec!(123.45), "zw"), Ok(dec!(0)));
        assert_eq!(vat_on(dec!(123.45), "0"), Ok(dec!(0)));
    }

    #[test]
    fn unknown_rates_are_refused() {
        for bad in ["23%", "", "abc", "100", "-5", "+5", "8.5"] {
            assert!(vat_on(dec!(1), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_configured_rates_are_accepted() {
        let polish: Vec<String> = POLISH_RATES.iter().map(|r| r.to_string()).collect();
        for ok in POLISH_RATES {
            assert!(accepted_rate(ok, &polish).is_ok(), "{ok}");
        }
        // 7% was a Polish rate until 2010; 22% until 2011: a whole percentage, but not
        // one of today's rates.
        let err = accepted_rate("7", &polish).unwrap_err();
        assert!(err.contains("23, 8, 5, 0, zw, np, oo"), "{err}");
        assert!(accepted_rate("22", &polish).is_err());
        // np and oo carry no VAT: 100.00 net is 100.00 gross.
        assert_eq!(
            gross_total([(dec!(100), "np"), (dec!(50), "oo")]),
            Ok(dec!(150))
        );
        // An operator may narrow the set (or widen it with another whole percentage).
        let narrow = vec!["23".to_string()];
        assert!(accepted_rate("8", &narrow).is_err());
        assert!(accepted_rate("xx", &["xx".to_string()]).is_err());
    }

    #[test]
    fn vat_is_computed_on_the_net_total_per_rate() {
        // three lines of 0.50 at 23%: per line 0.12 each (0.36), on the total 1.50 -> 0.35
        let items = vec![
            item(50, "23", 12),
            item(50, "23", 12),
            item(50, "23", 12),
            item(1000, "8", 80),
            item(300, "zw", 0),
        ];
        let (lines, total) = summarize(&items);
        let rates: Vec<&str> = lines.iter().map(|l| l.rate.as_str()).collect();
        assert_eq!(rates, ["23", "8", "zw"]);
        assert_eq!(
            lines[0],
            VatLine {
                rate: "23".into(),
                net: dec!(1.50),
                vat: dec!(0.35),
                gross: dec!(1.85)
            }
        );
        assert_eq!(lines[1].vat, dec!(0.80));
        assert_eq!(lines[2].gross, dec!(3.00));
        assert_eq!(total.rate, "total");
        assert_eq!(total.net, dec!(14.50));
        assert_eq!(total.vat, dec!(1.15));
        assert_eq!(total.gross, dec!(15.65));
    }

    #[test]
    fn an_empty_invoice_sums_to_zero() {
        let (lines, total) = summarize(&[]);
        assert!(lines.is_empty());
        assert_eq!(total.gross, dec!(0));
    }

    #[test]
    fn gross_total_is_per_rate_not_the_sum_of_line_grosses() {
        use rust_decimal_macros::dec;
        // 122.89 + 438.83 + 48.15 + 149.72 = 759.59 net; 23% of the total = 174.71,
        // while the lines' own VAT adds up to 174.70.
        let lines = [
            (dec!(122.89), "23"),
            (dec!(438.83), "23"),
            (dec!(48.15), "23"),
            (dec!(149.72), "23"),
        ];
        assert_eq!(gross_total(lines), Ok(dec!(934.30)));
        let line_sum: Decimal = lines.iter().map(|(n, r)| n + vat_on(*n, r).unwrap()).sum();
        assert_eq!(line_sum, dec!(934.29));
        assert_eq!(
            gross_total([(dec!(100), "zw"), (dec!(100), "8")]),
            Ok(dec!(208.00))
        );
        assert!(gross_total([(dec!(1), "x")]).is_err());
    }
}
