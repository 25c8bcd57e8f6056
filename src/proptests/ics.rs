//! Calendar UIDs: every (customer, bill) pair gets its own, so a calendar app never
//! merges two bills into one event; and the UID decodes back to the pair it came from.

use crate::ics::uid;
use proptest::prelude::*;

/// Numbers made of the characters that tell numbers apart only slightly: separators a
/// billing system may use (`/`, `-`, `.`, `_`, space), what the encoding itself uses
/// (`%`, `@`) and letters with diacritics.
fn number() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('/'),
            Just('-'),
            Just('.'),
            Just('_'),
            Just(' '),
            Just('%'),
            Just('@'),
            Just('ą'),
            Just('F'),
            Just('V'),
            Just('0'),
            Just('7'),
        ],
        1..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// Characters a number may hold in one place where another holds a different one.
const SEPARATORS: [char; 6] = ['/', '-', '.', '_', ' ', '%'];

/// `text` with the character at `at` (modulo its length) replaced by the separator
/// `pick` (modulo their number), or the next one if that is the same character.
fn change(text: &str, at: usize, pick: usize) -> String {
    let at = at % text.chars().count();
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            let with = SEPARATORS[pick % SEPARATORS.len()];
            match i {
                _ if i != at => c,
                _ if with != c => with,
                _ => SEPARATORS[(pick + 1) % SEPARATORS.len()],
            }
        })
        .collect()
}

/// The pair a UID was made of: the inverse of [`uid`] (the test of injectivity).
fn decode(text: &str) -> Option<(String, String)> {
    let (pair, _domain) = text.rsplit_once('@')?;
    let (customer, bill) = pair.split_once('.')?;
    Some((unescape(customer, false)?, unescape(bill, true)?))
}

fn unescape(part: &str, bill: bool) -> Option<String> {
    let mut bytes = Vec::new();
    let mut rest = part.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'%' => {
                let hex = std::str::from_utf8(rest.get(..2)?).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &rest[2..];
            }
            b'-' if bill => bytes.push(b'/'),
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

proptest! {
    #![proptest_config(super::config())]

    #[test]
    fn a_uid_decodes_to_its_customer_and_bill(customer in number(), bill in number()) {
        let made = uid(&customer, &bill, "mpec.example");
        prop_assert_eq!(decode(&made), Some((customer.clone(), bill.clone())), "{}", made);
        prop_assert_eq!(made.clone(), uid(&customer, &bill, "mpec.example"), "stable");
    }

    #[test]
    fn bills_differing_in_one_character_get_different_uids(
        bill in number(),
        at in 0usize..12,
        pick in 0usize..SEPARATORS.len(),
    ) {
        let other = change(&bill, at, pick);
        prop_assert_ne!(&other, &bill);
        prop_assert_ne!(uid("K-00102", &bill, "d"), uid("K-00102", &other, "d"));
    }

    #[test]
    fn distinct_pairs_get_distinct_uids(
        a in (number(), number()),
        b in (number(), number()),
    ) {
        prop_assume!(a != b);
        prop_assert_ne!(uid(&a.0, &a.1, "d"), uid(&b.0, &b.1, "d"));
    }
}
