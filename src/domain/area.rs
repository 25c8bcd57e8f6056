//! Heat areas: an announcement for `WS-31,WS-32` reaches the customers whose billing
//! `area` is one of those or names one of them as a part ("Zazamcze / WS-31" is in
//! `WS-31` and in `Zazamcze`), compared without case or diacritics. Nothing else: `WS-3`
//! is not `WS-31`.

use super::text::fold;

/// The targets of a comma-separated list (`WS-31, WS-32`), folded; empty: everyone.
pub fn targets(list: &str) -> Vec<String> {
    list.split(',')
        .map(|t| fold(t.trim()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether a customer in `area` is among `targets` (empty targets: everyone).
pub fn matches(targets: &[String], area: &str) -> bool {
    if targets.is_empty() {
        return true;
    }
    let whole = fold(area.trim());
    targets
        .iter()
        .any(|t| *t == whole || area.split('/').any(|part| fold(part.trim()) == *t))
}

/// Of the `areas` customers are in, those an announcement for `targets` reaches.
pub fn reached<'a>(targets: &[String], areas: &'a [String]) -> Vec<&'a str> {
    areas
        .iter()
        .filter(|a| matches(targets, a))
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_area_is_matched_whole_or_by_a_part_exactly() {
        let t = targets("WS-31, ws-32");
        assert!(matches(&t, "Zazamcze / WS-31"));
        assert!(matches(&t, "WS-32"));
        assert!(!matches(&t, "Zazamcze / WS-30"));
        assert!(!matches(&targets("WS-3"), "Zazamcze / WS-31"));
        assert!(matches(&targets("śródmieście"), "Śródmieście / WS-12"));
        assert!(matches(&targets(""), "anything"));
        assert!(!matches(&t, ""));
    }
}
