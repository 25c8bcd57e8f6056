//! PESEL and NIP: every single-digit change of a valid number is refused (their check
//! digits are designed to catch exactly that). The product reads no bank account
//! numbers, and e-BOK identifiers carry no check digit, so there is nothing else of the
//! kind to check.

use crate::domain::ids::{Nip, Pesel, nip_check_digit, pesel_check_digit};
use proptest::prelude::*;

fn digits(text: &str) -> Vec<u32> {
    text.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// A valid PESEL: a real date of birth (any century PESEL can encode) and a serial.
fn pesel() -> impl Strategy<Value = String> {
    (1800i32..2300, 1u32..=12, 1u32..=28, 0u32..10_000).prop_map(|(y, m, d, serial)| {
        let century = match y {
            1800..=1899 => 80,
            1900..=1999 => 0,
            2000..=2099 => 20,
            2100..=2199 => 40,
            _ => 60,
        };
        let head = format!("{:02}{:02}{d:02}{serial:04}", y % 100, m + century);
        format!("{head}{}", pesel_check_digit(&digits(&head)))
    })
}

fn nip() -> impl Strategy<Value = String> {
    (0u64..1_000_000_000).prop_filter_map("no check digit for this head", |n| {
        let head = format!("{n:09}");
        nip_check_digit(&digits(&head)).map(|c| format!("{head}{c}"))
    })
}

/// `text` with the digit at `at` replaced by `digit + shift` (mod 10, never itself).
fn change(text: &str, at: usize, shift: u32) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i == at {
                char::from_digit((c.to_digit(10).unwrap() + shift) % 10, 10).unwrap()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(super::config())]

    #[test]
    fn a_pesel_with_any_one_digit_changed_is_refused(p in pesel(), at in 0usize..11, shift in 1u32..10) {
        prop_assert!(Pesel::parse(&p).is_ok(), "{p} is valid");
        let changed = change(&p, at, shift);
        prop_assert!(Pesel::parse(&changed).is_err(), "{p} → {changed} accepted");
    }

    #[test]
    fn a_nip_with_any_one_digit_changed_is_refused(n in nip(), at in 0usize..10, shift in 1u32..10) {
        prop_assert!(Nip::parse(&n).is_ok(), "{n} is valid");
        let changed = change(&n, at, shift);
        prop_assert!(Nip::parse(&changed).is_err(), "{n} → {changed} accepted");
    }

    #[test]
    fn id_parsers_never_panic(text in "\\PC{0,16}") {
        let _ = Pesel::parse(&text);
        let _ = Nip::parse(&text);
    }
}
