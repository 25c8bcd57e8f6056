//! `parse_mode=HTML` the way Telegram (TDLib `parse_html`) parses it, a bit stricter on `&`.
//!
//! Supported tags: b, strong, i, em, u, ins, s, strike, del, span class="tg-spoiler",
//! tg-spoiler, a href, code (class="language-…" inside pre), pre, blockquote [expandable],
//! tg-emoji emoji-id. Anything else is "Unsupported start tag". Only `<` starts a tag, so a bare
//! `>` is plain text (as in Telegram) while a bare `<` is an error.
//!
//! Deliberately stricter than Telegram: every `&` must start `&lt;` `&gt;` `&amp;` `&quot;`
//! `&#NNN;` or `&#xHH;` (with the `;`). Telegram shows an unknown `&foo;` (e.g. `&apos;`, `&nbsp;`)
//! literally, which is always a bug in the bot's escaping.

use crate::text::{Parsed, utf16_len};
use crate::types::Entity;

const TAGS: &[&str] = &[
    "a",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
];

struct Open {
    tag: String,
    arg: String,
    start: usize, // UTF-16 offset in the visible text
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0b' | b'\x0c')
}

/// Decodes the character entity at `s[i..]` (which starts with `&`): `(char, next index)`.
fn entity(s: &str, i: usize) -> Result<(char, usize), String> {
    let rest = &s[i + 1..];
    let bad = || {
        let shown: String = s[i..].chars().take(12).collect();
        Err(format!(
            "Unsupported character entity at byte offset {i} (\"{shown}…\"): the fake (stricter \
             than Telegram) accepts only &lt; &gt; &amp; &quot; &#N; &#xH;; write a literal & as &amp;"
        ))
    };
    let Some(semi) = rest.find(';').filter(|&p| p <= 10) else {
        return bad();
    };
    let name = &rest[..semi];
    let ch = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ if name.starts_with("#x") => u32::from_str_radix(&name[2..], 16)
            .ok()
            .and_then(char::from_u32),
        _ if name.starts_with('#') => name[1..].parse::<u32>().ok().and_then(char::from_u32),
        _ => None,
    };
    match ch {
        Some(c) if c != '\0' => Ok((c, i + 1 + semi + 1)),
        _ => bad(),
    }
}

/// Parses Telegram HTML into visible text + entities, or the error text Telegram would put after
/// "Bad Request: can't parse entities: ".
pub fn parse(s: &str) -> Result<Parsed, String> {
    let b = s.as_bytes();
    let n = b.len();
    let mut text = String::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut entities: Vec<Entity> = Vec::new();
    let mut i = 0;
    while i < n {
        match b[i] {
            b'&' => {
                let (c, next) = entity(s, i)?;
                text.push(c);
                i = next;
            }
            b'<' if i + 1 < n && b[i + 1] == b'/' => {
                let begin = i;
                let Some(open) = stack.pop() else {
                    return Err(format!("Unexpected end tag at byte offset {begin}"));
                };
                i += 2;
                let name_start = i;
                while i < n && !is_space(b[i]) && b[i] != b'>' {
                    i += 1;
                }
                let end_name = s[name_start..i].to_ascii_lowercase();
                while i < n && is_space(b[i]) {
                    i += 1;
                }
                if i >= n || b[i] != b'>' {
                    return Err(format!("Unclosed end tag at byte offset {begin}"));
                }
                i += 1;
                if !end_name.is_empty() && end_name != open.tag {
                    return Err(format!(
                        "Unmatched end tag at byte offset {begin}, expected \"</{}>\", found \"</{end_name}>\"",
                        open.tag
                    ));
                }
                close(open, &text, &mut stack, &mut entities);
            }
            b'<' => {
                let (open, next) = open_tag(s, i, utf16_len(&text))?;
                stack.push(open);
                i = next;
            }
            _ => {
                let c = s[i..].chars().next().expect("char boundary");
                text.push(c);
                i += c.len_utf8();
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{}\"",
            open.tag
        ));
    }
    entities.sort_by(|a, b| a.offset.cmp(&b.offset).then(b.length.cmp(&a.length)));
    Ok(Parsed { text, entities })
}

/// Parses the start tag at `s[begin..]` (a `<`): the open element and the index after `>`.
fn open_tag(s: &str, begin: usize, start: usize) -> Result<(Open, usize), String> {
    let b = s.as_bytes();
    let n = b.len();
    let unclosed = || format!("Unclosed start tag at byte offset {begin}");
    let mut i = begin + 1;
    while i < n && !is_space(b[i]) && b[i] != b'>' {
        i += 1;
    }
    if i >= n {
        return Err(unclosed());
    }
    let tag = s[begin + 1..i].to_ascii_lowercase();
    if !TAGS.contains(&tag.as_str()) {
        return Err(format!(
            "Unsupported start tag \"{tag}\" at byte offset {begin}"
        ));
    }
    let mut arg = String::new();
    loop {
        while i < n && is_space(b[i]) {
            i += 1;
        }
        if i >= n {
            return Err(unclosed());
        }
        if b[i] == b'>' {
            i += 1;
            break;
        }
        let attr_start = i;
        while i < n && !is_space(b[i]) && b[i] != b'=' && b[i] != b'>' {
            i += 1;
        }
        let attr = s[attr_start..i].to_ascii_lowercase();
        if attr.is_empty() {
            return Err(format!(
                "Empty attribute name in the tag \"{tag}\" at byte offset {begin}"
            ));
        }
        while i < n && is_space(b[i]) {
            i += 1;
        }
        if i >= n {
            return Err(unclosed());
        }
        if b[i] != b'=' {
            if tag == "blockquote" && attr == "expandable" {
                arg = "expandable".into();
                continue;
            }
            return Err(format!(
                "Expected equal sign in declaration of an attribute of the tag \"{tag}\" at byte offset {begin}"
            ));
        }
        i += 1;
        while i < n && is_space(b[i]) {
            i += 1;
        }
        if i >= n {
            return Err(unclosed());
        }
        let mut value = String::new();
        if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            i += 1;
            while i < n && b[i] != q {
                if b[i] == b'&' {
                    let (c, next) = entity(s, i)?;
                    value.push(c);
                    i = next;
                } else {
                    let c = s[i..].chars().next().expect("char boundary");
                    value.push(c);
                    i += c.len_utf8();
                }
            }
            if i >= n {
                return Err(unclosed());
            }
            i += 1;
        } else {
            let token_start = i;
            while i < n && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'-') {
                i += 1;
            }
            if i < n && !is_space(b[i]) && b[i] != b'>' {
                return Err(format!(
                    "Unexpected end of name token at byte offset {token_start}"
                ));
            }
            value = s[token_start..i].to_ascii_lowercase();
        }
        match (tag.as_str(), attr.as_str()) {
            ("a", "href") | ("tg-emoji", "emoji-id") => arg = value,
            ("code", "class") if value.starts_with("language-") => arg = value[9..].to_string(),
            ("span", "class") if value.starts_with("tg-") => arg = value[3..].to_string(),
            _ => {} // unknown attributes are ignored, like Telegram does
        }
    }
    if tag == "span" && arg != "spoiler" {
        return Err(format!(
            "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
        ));
    }
    Ok((Open { tag, arg, start }, i))
}

fn valid_link(url: &str) -> bool {
    ["http://", "https://", "tg://", "mailto:"]
        .iter()
        .any(|p| url.starts_with(p))
        && !url.contains(' ')
}

fn close(open: Open, text: &str, stack: &mut [Open], entities: &mut Vec<Entity>) {
    let length = utf16_len(text) - open.start;
    if length == 0 {
        return; // Telegram drops empty entities
    }
    let (kind, url, language) = match open.tag.as_str() {
        "b" | "strong" => ("bold", None, None),
        "i" | "em" => ("italic", None, None),
        "u" | "ins" => ("underline", None, None),
        "s" | "strike" | "del" => ("strikethrough", None, None),
        "span" | "tg-spoiler" => ("spoiler", None, None),
        "a" if valid_link(&open.arg) => ("text_link", Some(open.arg), None),
        "a" => return, // Telegram silently drops links it cannot use
        "code" => {
            if let Some(pre) = stack.last_mut().filter(|p| p.tag == "pre") {
                if !open.arg.is_empty() && pre.start == open.start {
                    pre.arg = open.arg; // <pre><code class="language-x"> = pre with language
                }
                return;
            }
            ("code", None, None)
        }
        "pre" => ("pre", None, Some(open.arg).filter(|a| !a.is_empty())),
        "blockquote" if open.arg == "expandable" => ("expandable_blockquote", None, None),
        "blockquote" => ("blockquote", None, None),
        _ => return, // tg-emoji: custom emoji need a real emoji id
    };
    entities.push(Entity {
        kind: kind.into(),
        offset: open.start,
        length,
        url,
        language,
    });
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
