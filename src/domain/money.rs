//! Exact money: `Decimal` in code, integer grosze in the database.

use rust_decimal::{Decimal, RoundingStrategy};

/// Złoty amount from integer grosze.
pub fn from_grosze(grosze: i64) -> Decimal {
    Decimal::new(grosze, 2)
}

/// Integer grosze from an amount that has at most two decimal places.
pub fn to_grosze(amount: Decimal) -> Option<i64> {
    if amount.normalize().scale() > 2 {
        return None;
    }
    let scaled = amount.checked_mul(Decimal::ONE_HUNDRED)?.normalize();
    i64::try_from(scaled).ok()
}

/// Rounds to whole grosze, half away from zero (the rule for VAT and interest).
pub fn round_grosze(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Parses an amount as billing exports and people write it: `1234.56`, `1234,56`,
/// `-12`, `1 234,56` (spaces as thousands separators). At most two decimals.
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    let valid = !cleaned.is_empty()
        && cleaned
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
        && cleaned.matches('.').count() <= 1;
    let value = if valid {
        cleaned.parse::<Decimal>().ok()
    } else {
        None
    };
    match value {
        Some(v) if v.scale() <= 2 => Ok(v),
        Some(_) => Err(format!("'{text}' has more than two decimal places")),
        None => Err(format!("'{text}' is not an amount (expected e.g. 1234.56)")),
    }
}

/// Formats an amount the way Polish customers write it: `1 234,56 zł`, `-12,00 zł`.
pub fn format_pln(amount: Decimal) -> String {
    format!("{} zł", format_number(amount))
}

/// `1 234,56` without the currency.
pub fn format_number(amount: Decimal) -> String {
    let rounded = round_grosze(amount);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.2}", rounded.abs());
    let (int_part, frac) = text.split_once('.').unwrap_or((&text, "00"));
    format!(
        "{}{},{frac}",
        if negative { "-" } else { "" },
        group_thousands(int_part)
    )
}

/// A quantity or unit price kept as the export wrote it (`10240.56`, `0.015`,
/// `9.120`), written the Polish way with every decimal kept: `10 240,56`, `0,015`,
/// `9,120`. Text that is not a plain decimal is returned unchanged.
pub fn format_decimal(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int_part, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if int_part.is_empty() || !plain(int_part) || !frac.is_none_or(plain) {
        return text.to_string();
    }
    match frac {
        Some(f) => format!("{sign}{},{f}", group_thousands(int_part)),
        None => format!("{sign}{}", group_thousands(int_part)),
    }
}

/// `1234567` → `1 234 567` (groups of three digits, separated by a space).
fn group_thousands(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn formats_polish_amounts() {
        assert_eq!(format_pln(dec!(1234.56)), "1 234,56 zł");
        assert_eq!(format_pln(dec!(0)), "0,00 zł");
        assert_eq!(format_pln(dec!(-12)), "-12,00 zł");
        assert_eq!(format_pln(dec!(1234567.5)), "1 234 567,50 zł");
        assert_eq!(format_pln(dec!(999.999)), "1 000,00 zł");
    }

    #[test]
    fn quantities_and_prices_are_written_the_polish_way_with_every_decimal() {
        assert_eq!(format_decimal("10240.56"), "10 240,56");
        assert_eq!(format_decimal("0.015"), "0,015");
        assert_eq!(format_decimal("9.120"), "9,120");
        assert_eq!(format_decimal("1234567"), "1 234 567");
        assert_eq!(format_decimal("-1500.5"), "-1 500,5");
        assert_eq!(format_decimal("999"), "999");
        // Not a plain decimal: shown as it is rather than mangled.
        assert_eq!(format_decimal("1e5"), "1e5");
        assert_eq!(format_decimal(""), "");
    }

    #[test]
    fn grosze_round_trip_is_exact() {
        assert_eq!(to_grosze(dec!(1234.56)), Some(123456));
        assert_eq!(to_grosze(dec!(-0.01)), Some(-1));
        assert_eq!(to_grosze(dec!(1.005)), None);
        assert_eq!(from_grosze(123456), dec!(1234.56));
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_grosze(dec!(0.125)), dec!(0.13));
        assert_eq!(round_grosze(dec!(-0.125)), dec!(-0.13));
        assert_eq!(round_grosze(dec!(0.124)), dec!(0.12));
    }

    #[test]
    fn parses_amounts_and_rejects_garbage() {
        assert_eq!(parse_amount("1 234,56"), Ok(dec!(1234.56)));
        assert_eq!(parse_amount("-12"), Ok(dec!(-12)));
        assert!(parse_amount("12.345").unwrap_err().contains("two decimal"));
        assert!(parse_amount("12,3,4").is_err());
        assert!(parse_amount("abc").is_err());
        assert!(parse_amount("").is_err());
        assert!(parse_amount("1e5").is_err());
    }
}
