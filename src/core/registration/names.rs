//! Comparing a typed customer name with the billing record's: case, diacritics,
//! punctuation, word order and legal-form suffixes ("sp. z o.o.", "S.A.") do not count.

use crate::domain::text::fold;

/// Legal forms as folded word sequences (punctuation already turned into spaces).
const LEGAL_FORMS: &[&[&str]] = &[
    &["spolka", "z", "ograniczona", "odpowiedzialnoscia"],
    &["spolka", "komandytowo", "akcyjna"],
    &["spolka", "akcyjna"],
    &["spolka", "jawna"],
    &["spolka", "komandytowa"],
    &["spolka", "partnerska"],
    &["spolka", "cywilna"],
    &["sp", "z", "o", "o"],
    &["sp", "z", "oo"],
    &["spzoo"],
    &["sp", "k", "a"],
    &["s", "k", "a"],
    &["ska"],
    &["sp", "j"],
    &["sp", "k"],
    &["sp", "p"],
    &["s", "a"],
    &["s", "c"],
    &["sa"],
    &["sc"],
    &["spj"],
    &["spk"],
];

/// The name's words, folded, without legal forms, sorted.
pub fn normalise(name: &str) -> Vec<String> {
    let folded = fold(name);
    let spaced: String = folded
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    let mut kept = Vec::new();
    let mut i = 0;
    'outer: while i < words.len() {
        for form in LEGAL_FORMS {
            if words[i..].starts_with(form) {
                i += form.len();
                continue 'outer;
            }
        }
        kept.push(words[i].to_string());
        i += 1;
    }
    kept.sort();
    kept
}

/// How close two names are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameMatch {
    Same,
    /// Every word of one appears in the other ("Jan Kowalski" / "Jan Maria Kowalski").
    Similar,
    Different,
}

pub fn compare(typed: &str, on_file: &str) -> NameMatch {
    let (a, b) = (normalise(typed), normalise(on_file));
    if a.is_empty() || b.is_empty() {
        return NameMatch::Different;
    }
    if a == b {
        return NameMatch::Same;
    }
    let contains = |big: &[String], small: &[String]| small.iter().all(|w| big.contains(w));
    if contains(&a, &b) || contains(&b, &a) {
        NameMatch::Similar
    } else {
        NameMatch::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_diacritics_and_order_do_not_count() {
        assert_eq!(compare("KOWALSKI JAN", "Jan Kowalski"), NameMatch::Same);
        assert_eq!(compare("Zażółć Gęślą", "zazolc gesla"), NameMatch::Same);
        assert_eq!(compare("Łukasz Wróbel", "Wrobel Lukasz"), NameMatch::Same);
        assert_eq!(
            compare("Anna Nowak-Kowalska", "Nowak Kowalska Anna"),
            NameMatch::Same
        );
    }

    #[test]
    fn legal_forms_are_ignored() {
        let on_file = "Zakład Usług Ciepłowniczych Sp. z o.o.";
        for typed in [
            "ZAKŁAD USŁUG CIEPŁOWNICZYCH SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
            "Zaklad Uslug Cieplowniczych sp.z o.o.",
            "Zakład Usług Ciepłowniczych spzoo",
            "Zakład Usług Ciepłowniczych",
        ] {
            assert_eq!(compare(typed, on_file), NameMatch::Same, "{typed}");
        }
        assert_eq!(compare("Ciepłownia S.A.", "CIEPŁOWNIA SA"), NameMatch::Same);
        assert_eq!(
            compare("Kowalscy s.c.", "Kowalscy spółka cywilna"),
            NameMatch::Same
        );
    }

    #[test]
    fn partial_and_different_names() {
        assert_eq!(
            compare("Jan Kowalski", "Jan Maria Kowalski"),
            NameMatch::Similar
        );
        assert_eq!(compare("Jan Nowak", "Jan Kowalski"), NameMatch::Different);
        assert_eq!(compare("Sp. z o.o.", "Sp. z o.o."), NameMatch::Different);
    }
}
