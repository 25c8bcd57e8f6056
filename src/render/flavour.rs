//! The three ways a reply is written out, and HTML escaping.

/// How a reply is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// Plain UTF-8 text: console and the text part of emails.
    Text,
    /// Telegram's HTML subset (b, i, code, pre), with &, <, > escaped.
    Telegram,
    /// The HTML part of emails.
    EmailHtml,
}

impl Flavour {
    pub(super) fn is_html(self) -> bool {
        !matches!(self, Flavour::Text)
    }
}

/// Escapes text for Telegram's HTML and for email HTML: only &, <, > and ".
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}
