//! The strict parsers of the export's values, whose errors say what was expected.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// `YYYY-MM-DD` and nothing else.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
    shape
        .then(|| NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10)))
        .flatten()
        .ok_or_else(|| format!("'{text}' is not a date (expected YYYY-MM-DD, e.g. 2025-03-14)"))
}

/// An amount with a dot and at most two decimals (`1234.56`, `-12.5`, `7`), in grosze.
pub fn parse_grosze(text: &str) -> Result<i64, String> {
    let bad = || {
        format!("'{text}' is not an amount (expected digits, a dot and two decimals, e.g. 1234.56)")
    };
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 13 || !digits(whole) || !digits(frac) {
        return Err(bad());
    }
    if frac.len() > 2 || (body.contains('.') && frac.is_empty()) {
        return Err(if frac.len() > 2 {
            format!("'{text}' has more than two decimal places")
        } else {
            bad()
        });
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let grosze = whole * 100 + frac;
    Ok(if negative { -grosze } else { grosze })
}

/// An exact decimal with a dot (`2.5`, `123.456789`), at most 10 decimals.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = body.split_once('.').unwrap_or((body, "0"));
    let ok = !whole.is_empty()
        && !frac.is_empty()
        && whole.len() <= 15
        && frac.len() <= 10
        && whole
            .bytes()
            .chain(frac.bytes())
            .all(|c| c.is_ascii_digit());
    ok.then(|| text.parse::<Decimal>().ok())
        .flatten()
        .ok_or_else(|| {
            format!("'{text}' is not a number (expected digits with a dot, e.g. 12.345)")
        })
}

/// Grosze as the file writes them: `1234.56`, `-0.05`.
pub fn show_grosze(grosze: i64) -> String {
    let sign = if grosze < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", grosze.abs() / 100, grosze.abs() % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict_iso() {
        assert_eq!(
            parse_date("2025-03-14"),
            Ok(NaiveDate::from_ymd_opt(2025, 3, 14).unwrap())
        );
        for bad in [
            "2025-3-14",
            "14.03.2025",
            "2025-02-30",
            "2025-13-01",
            "",
            "2025/03/14",
            "２025-03-14",
        ] {
            let err = parse_date(bad).unwrap_err();
            assert!(err.contains("expected YYYY-MM-DD"), "{bad}: {err}");
        }
    }

    #[test]
    fn amounts_become_grosze() {
        assert_eq!(parse_grosze("1234.56"), Ok(123456));
        assert_eq!(parse_grosze("-12.5"), Ok(-1250));
        assert_eq!(parse_grosze("7"), Ok(700));
        assert_eq!(parse_grosze("0.05"), Ok(5));
        assert_eq!(parse_grosze("-0.05"), Ok(-5));
        assert_eq!(
            parse_grosze("1.005").unwrap_err(),
            "'1.005' has more than two decimal places"
        );
        for bad in ["1,50", "1 234.56", "", "-", ".5", "5.", "1e3", "+5", "12a"] {
            let err = parse_grosze(bad).unwrap_err();
            assert!(err.contains("is not an amount"), "{bad}: {err}");
        }
    }

    #[test]
    fn decimals_keep_their_digits() {
        assert_eq!(parse_decimal("2.500").unwrap().to_string(), "2.500");
        assert_eq!(parse_decimal("-3").unwrap().to_string(), "-3");
        for bad in ["2,5", "1e3", "", ".5", "5.", "1.12345678901"] {
            assert!(parse_decimal(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grosze_are_shown_as_in_the_file() {
        assert_eq!(show_grosze(123456), "1234.56");
        assert_eq!(show_grosze(-5), "-0.05");
        assert_eq!(show_grosze(0), "0.00");
    }
}
