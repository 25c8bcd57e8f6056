//! Text and caption rules: parse_mode, emptiness, length in UTF-16 code units after parsing.

use crate::types::{ApiError, Entity};
use crate::{html, markdown};

/// Maximum length of a message text after entity parsing (UTF-16 code units).
pub const MAX_TEXT: usize = 4096;
/// Maximum length of a media caption after entity parsing (UTF-16 code units).
pub const MAX_CAPTION: usize = 1024;

/// Visible text and its entities.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    pub text: String,
    pub entities: Vec<Entity>,
}

/// Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2, `ż` 1).
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Parses `s` according to `parse_mode` (case-insensitive; `None`/empty = plain text).
/// Errors are complete Bot API descriptions.
pub fn parse(s: &str, parse_mode: Option<&str>) -> Result<Parsed, ApiError> {
    let mode = parse_mode.unwrap_or("").to_ascii_lowercase();
    let res = match mode.as_str() {
        "" => Ok(Parsed {
            text: s.to_string(),
            entities: Vec::new(),
        }),
        "html" => html::parse(s),
        "markdownv2" => markdown::parse_v2(s),
        "markdown" => markdown::parse_legacy(s),
        _ => return Err(ApiError::bad("unsupported parse_mode")),
    };
    res.map_err(|e| ApiError::bad(format!("can't parse entities: {e}")))
}

/// Where a text is going: the length limit and the error descriptions differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextUse {
    /// sendMessage `text`
    Send,
    /// editMessageText `text`
    Edit,
    /// sendDocument/sendPhoto/editMessageCaption `caption`
    Caption,
}

/// Applies Telegram's rules for a message text or caption: parse entities, trim, then
/// 1..=4096 (text) or 0..=1024 (caption) UTF-16 code units.
pub fn check(
    s: Option<&str>,
    parse_mode: Option<&str>,
    usage: TextUse,
) -> Result<Parsed, ApiError> {
    let Some(s) = s else {
        return match usage {
            TextUse::Caption => Ok(Parsed::default()),
            _ => Err(ApiError::bad("message text is empty")),
        };
    };
    let mut p = parse(s, parse_mode)?;
    // Telegram strips leading/trailing whitespace; entities are shifted accordingly
    let lead = utf16_len(&p.text) - utf16_len(p.text.trim_start());
    let trimmed = p.text.trim().to_string();
    let len = utf16_len(&trimmed);
    if lead > 0 || trimmed.len() != p.text.len() {
        for e in &mut p.entities {
            let start = e.offset.saturating_sub(lead).min(len);
            let end = (e.offset + e.length).saturating_sub(lead).min(len);
            e.offset = start;
            e.length = end - start;
        }
        p.entities.retain(|e| e.length > 0);
        p.text = trimmed;
    }
    match usage {
        TextUse::Send | TextUse::Edit if len == 0 => Err(ApiError::bad("message text is empty")),
        TextUse::Send if len > MAX_TEXT => Err(ApiError::bad("message is too long")),
        TextUse::Edit if len > MAX_TEXT => Err(ApiError::bad("MESSAGE_TOO_LONG")),
        TextUse::Caption if len > MAX_CAPTION => Err(ApiError::bad("message caption is too long")),
        _ => Ok(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(r: Result<Parsed, ApiError>) -> String {
        r.unwrap_err().description
    }

    #[test]
    fn utf16_counting() {
        assert_eq!(utf16_len("zażółć gęślą jaźń"), 17);
        assert_eq!(utf16_len("😀"), 2);
        assert_eq!(utf16_len("👍🏽"), 4); // emoji + skin tone modifier, both astral
        assert_eq!(utf16_len("€"), 1);
    }

    #[test]
    fn text_length_limits_count_visible_utf16() {
        let polish = "ż".repeat(4096); // 8192 bytes, 4096 UTF-16 units: allowed
        assert_eq!(
            check(Some(&polish), None, TextUse::Send)
                .unwrap()
                .text
                .chars()
                .count(),
            4096
        );
        let over = "ą".repeat(4097);
        assert_eq!(
            desc(check(Some(&over), None, TextUse::Send)),
            "Bad Request: message is too long"
        );
        assert_eq!(
            desc(check(Some(&over), None, TextUse::Edit)),
            "Bad Request: MESSAGE_TOO_LONG"
        );
        let emoji = "😀".repeat(2049); // 4098 units although only 2049 chars
        assert_eq!(
            desc(check(Some(&emoji), None, TextUse::Send)),
            "Bad Request: message is too long"
        );
        // tags do not count: 4096 visible characters wrapped in <b> is fine in HTML...
        let tagged = format!("<b>{}</b>", "ł".repeat(4096));
        assert!(check(Some(&tagged), Some("HTML"), TextUse::Send).is_ok());
        // ...and entities count as one character each
        let ents = "&lt;".repeat(4096);
        assert!(check(Some(&ents), Some("html"), TextUse::Send).is_ok());
        let ents = "&amp;".repeat(4097);
        assert_eq!(
            desc(check(Some(&ents), Some("HTML"), TextUse::Send)),
            "Bad Request: message is too long"
        );
    }

    #[test]
    fn empty_text() {
        for t in [None, Some(""), Some("  \n "), Some("<b> </b>")] {
            assert_eq!(
                desc(check(t, Some("HTML"), TextUse::Send)),
                "Bad Request: message text is empty",
                "{t:?}"
            );
        }
        assert_eq!(
            check(None, None, TextUse::Caption).unwrap(),
            Parsed::default()
        );
    }

    #[test]
    fn caption_limit() {
        assert!(check(Some(&"ś".repeat(1024)), None, TextUse::Caption).is_ok());
        assert_eq!(
            desc(check(Some(&"ś".repeat(1025)), None, TextUse::Caption)),
            "Bad Request: message caption is too long"
        );
        assert!(
            desc(check(Some("<p>x</p>"), Some("HTML"), TextUse::Caption))
                .starts_with("Bad Request: can't parse entities: Unsupported start tag")
        );
    }

    #[test]
    fn parse_modes() {
        assert_eq!(
            desc(parse("x", Some("Markdown3"))),
            "Bad Request: unsupported parse_mode"
        );
        assert_eq!(
            parse("<b>x</b>", None).unwrap().text,
            "<b>x</b>",
            "no parse_mode = plain text"
        );
        assert_eq!(parse("1 < 2 & 3", Some("")).unwrap().text, "1 < 2 & 3");
        assert!(desc(parse("1.5", Some("MarkdownV2"))).contains("reserved"));
    }

    #[test]
    fn trimming_shifts_entities() {
        let p = check(Some("\n  <b>Saldo</b>  \n"), Some("HTML"), TextUse::Send).unwrap();
        assert_eq!(p.text, "Saldo");
        assert_eq!((p.entities[0].offset, p.entities[0].length), (0, 5));
    }
}
