//! The form of a noun after a number, by the rule of each language: Polish has three
//! (1 czat, 2–4 czaty, 5 czatów — and 22 czaty, 12 czatów, 112 czatów), English two
//! (1 chat, 2 chats). Templates use it as `{{plural n "czat" "czaty" "czatów"}}`
//! (English: `{{plural n "chat" "chats"}}`); Rust code that writes a count (a mail
//! subject) uses [`category`].

use crate::domain::lang::Lang;

/// Which form a number takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plural {
    /// 1 (pl: czat; en: chat).
    One,
    /// pl: n % 10 in 2..=4 and n % 100 not in 12..=14 (czaty). English has no such form.
    Few,
    /// Everything else (pl: czatów; en: chats), 0 included.
    Many,
}

impl Plural {
    /// The name of the form in `strings.toml` keys (`….one`, `….few`, `….many`).
    pub fn as_str(self) -> &'static str {
        match self {
            Plural::One => "one",
            Plural::Few => "few",
            Plural::Many => "many",
        }
    }
}

/// The form `n` takes in `lang`. A negative number takes the form of its magnitude.
pub fn category(lang: Lang, n: i64) -> Plural {
    let n = n.unsigned_abs();
    if n == 1 {
        return Plural::One;
    }
    match lang {
        Lang::Pl if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) => Plural::Few,
        _ => Plural::Many,
    }
}

/// Of `forms` given as (one, few, many), the one `n` takes; a shorter list (English:
/// one, other) stands its last form for the missing ones.
pub fn choose<'a>(lang: Lang, n: i64, forms: &[&'a str]) -> &'a str {
    let index = match category(lang, n) {
        Plural::One => 0,
        Plural::Few => 1,
        Plural::Many => 2,
    };
    forms
        .get(index)
        .or(forms.last())
        .copied()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polish_has_one_few_and_many_and_english_one_and_other() {
        let pl = ["czat", "czaty", "czatów"];
        let en = ["chat", "chats"];
        let cases = [
            (0, "czatów", "chats"),
            (1, "czat", "chat"),
            (2, "czaty", "chats"),
            (4, "czaty", "chats"),
            (5, "czatów", "chats"),
            (11, "czatów", "chats"),
            (12, "czatów", "chats"),
            (14, "czatów", "chats"),
            (21, "czatów", "chats"),
            (22, "czaty", "chats"),
            (25, "czatów", "chats"),
            (101, "czatów", "chats"),
            (102, "czaty", "chats"),
            (112, "czatów", "chats"),
            (1000, "czatów", "chats"),
        ];
        for (n, polish, english) in cases {
            assert_eq!(choose(Lang::Pl, n, &pl), polish, "pl {n}");
            assert_eq!(choose(Lang::En, n, &en), english, "en {n}");
        }
        assert_eq!(category(Lang::Pl, -3), Plural::Few);
        assert_eq!(category(Lang::En, 2), Plural::Many);
    }
}
