//! Money: what is printed reads back as the same amount, and parsers never panic.

use crate::domain::money::{format_number, from_grosze, parse_amount, to_grosze};
use crate::import::parse::{parse_decimal, parse_grosze, show_grosze};
use proptest::prelude::*;

/// Amounts as large as the import accepts (13 digits of złoty).
fn grosze() -> impl Strategy<Value = i64> {
    -999_999_999_999_999i64..=999_999_999_999_999
}

proptest! {
    #![proptest_config(super::config())]

    #[test]
    fn polish_formatting_parses_back_to_the_same_amount(g in grosze()) {
        let amount = from_grosze(g);
        let shown = format_number(amount);
        prop_assert_eq!(parse_amount(&shown), Ok(amount), "{}", shown);
        prop_assert_eq!(to_grosze(amount), Some(g));
    }

    #[test]
    fn the_import_format_round_trips(g in grosze()) {
        let shown = show_grosze(g);
        prop_assert_eq!(parse_grosze(&shown), Ok(g), "{}", shown);
    }

    #[test]
    fn money_parsers_never_panic(text in "[-+0-9., \u{a0}a-z]{0,24}|\\PC{0,24}") {
        let _ = parse_amount(&text);
        let _ = parse_grosze(&text);
        let _ = parse_decimal(&text);
    }
}
