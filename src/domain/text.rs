//! Text normalisation for matching what people type: case, diacritics, spacing.

use unicode_normalization::UnicodeNormalization;

/// Lower case without diacritics: "Wiadomości" → "wiadomosci", "HASŁO" → "haslo".
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ł' => 'l',
            'đ' => 'd',
            'ø' => 'o',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn folds_polish_letters() {
        assert_eq!(super::fold("ZAŻÓŁĆ gęślą JAŹŃ"), "zazolc gesla jazn");
        assert_eq!(super::fold("Wiadomości"), "wiadomosci");
        assert_eq!(super::fold("HASŁO"), "haslo");
    }
}
