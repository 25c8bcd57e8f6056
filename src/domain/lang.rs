//! The languages of replies.

use super::text::fold;

/// A language of replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Pl,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }
    pub fn parse(text: &str) -> Option<Lang> {
        match fold(text.trim()).as_str() {
            "pl" | "polski" | "polish" | "pol" => Some(Lang::Pl),
            "en" | "english" | "angielski" | "eng" => Some(Lang::En),
            _ => None,
        }
    }
}
