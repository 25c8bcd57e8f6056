//! `parse_mode=MarkdownV2` (after TDLib's `parse_markdown_v2`) and legacy `Markdown`.

use crate::text::{Parsed, utf16_len};
use crate::types::Entity;

const RESERVED: &str = "_*[]()~`>#+-=|{}.!";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Bold,
    Italic,
    Underline,
    Strikethrough,
    Spoiler,
    Code,
    Pre,
    TextUrl,
}

impl Kind {
    fn api(self) -> &'static str {
        match self {
            Kind::Bold => "bold",
            Kind::Italic => "italic",
            Kind::Underline => "underline",
            Kind::Strikethrough => "strikethrough",
            Kind::Spoiler => "spoiler",
            Kind::Code => "code",
            Kind::Pre => "pre",
            Kind::TextUrl => "text_link",
        }
    }
}

struct Open {
    kind: Kind,
    arg: String,
    start: usize,    // UTF-16 offset
    byte: usize,     // byte offset in the source, for errors
    text_pos: usize, // byte length of the visible text at the start
}

/// MarkdownV2: every one of `_*[]()~\`>#+-=|{}.!` outside an entity marker must be escaped with
/// `\` ("Character '.' is reserved and must be escaped with the preceding '\'").
pub fn parse_v2(s: &str) -> Result<Parsed, String> {
    let b = s.as_bytes();
    let n = b.len();
    let at = |i: usize| if i < n { b[i] } else { 0 };
    let mut text = String::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if c == b'\\' && (1..=126).contains(&at(i + 1)) {
            text.push(at(i + 1) as char);
            i += 2;
            continue;
        }
        let in_code = matches!(stack.last(), Some(o) if matches!(o.kind, Kind::Code | Kind::Pre));
        let reserved = if in_code { "`" } else { RESERVED };
        if !c.is_ascii() || !reserved.contains(c as char) {
            let ch = s[i..].chars().next().expect("char boundary");
            text.push(ch);
            i += ch.len_utf8();
            continue;
        }
        // '>' at the start of a line: a blockquote line marker
        if c == b'>' && !in_code && (i == 0 || b[i - 1] == b'\n') {
            i += 1;
            continue;
        }
        let ends = stack.last().is_some_and(|o| match o.kind {
            Kind::Bold => c == b'*',
            Kind::Italic => c == b'_' && at(i + 1) != b'_',
            Kind::Underline => c == b'_' && at(i + 1) == b'_',
            Kind::Strikethrough => c == b'~',
            Kind::Spoiler => c == b'|' && at(i + 1) == b'|',
            Kind::Code => c == b'`',
            Kind::Pre => c == b'`' && at(i + 1) == b'`' && at(i + 2) == b'`',
            Kind::TextUrl => c == b']',
        });
        if ends {
            let open = stack.pop().expect("non-empty");
            let mut url = None;
            match open.kind {
                Kind::Underline | Kind::Spoiler => i += 1,
                Kind::Pre => i += 2,
                Kind::TextUrl => {
                    if at(i + 1) == b'(' {
                        i += 2;
                        let url_begin = i;
                        let mut u = String::new();
                        while i < n && b[i] != b')' {
                            if b[i] == b'\\' && (1..=126).contains(&at(i + 1)) {
                                u.push(b[i + 1] as char);
                                i += 2;
                            } else {
                                let ch = s[i..].chars().next().expect("char boundary");
                                u.push(ch);
                                i += ch.len_utf8();
                            }
                        }
                        if i >= n {
                            return Err(format!(
                                "Can't find end of a URL at byte offset {url_begin}"
                            ));
                        }
                        url = Some(u);
                    } else {
                        url = Some(text[open.text_pos..].to_string());
                    }
                }
                _ => {}
            }
            let length = utf16_len(&text) - open.start;
            if length > 0 && (open.kind != Kind::TextUrl || url.as_deref().is_some_and(valid_url)) {
                let language = Some(open.arg).filter(|a| !a.is_empty());
                entities.push(Entity {
                    kind: open.kind.api().into(),
                    offset: open.start,
                    length,
                    url,
                    language,
                });
            }
            i += 1;
            continue;
        }
        let byte = i;
        let mut arg = String::new();
        let kind = match c {
            b'_' if at(i + 1) == b'_' => {
                i += 1;
                Kind::Underline
            }
            b'_' => Kind::Italic,
            b'*' => Kind::Bold,
            b'~' => Kind::Strikethrough,
            b'|' if at(i + 1) == b'|' => {
                i += 1;
                Kind::Spoiler
            }
            b'[' => Kind::TextUrl,
            b'`' if at(i + 1) == b'`' && at(i + 2) == b'`' => {
                i += 3;
                let mut end = i;
                while end < n && !b[end].is_ascii_whitespace() && b[end] != b'`' {
                    end += 1;
                }
                if end != i && end < n && b[end] != b'`' {
                    arg = s[i..end].to_string();
                    i = end;
                }
                if at(i) == b'\n' || at(i) == b'\r' {
                    i += if matches!(at(i + 1), b'\n' | b'\r') && at(i) != at(i + 1) {
                        2
                    } else {
                        1
                    };
                }
                i -= 1;
                Kind::Pre
            }
            b'`' => Kind::Code,
            _ => {
                return Err(format!(
                    "Character '{}' is reserved and must be escaped with the preceding '\\'",
                    c as char
                ));
            }
        };
        stack.push(Open {
            kind,
            arg,
            start: utf16_len(&text),
            byte,
            text_pos: text.len(),
        });
        i += 1;
    }
    if let Some(o) = stack.last() {
        let name = match o.kind {
            Kind::Bold => "Bold",
            Kind::Italic => "Italic",
            Kind::Underline => "Underline",
            Kind::Strikethrough => "Strikethrough",
            Kind::Spoiler => "Spoiler",
            Kind::Code => "Code",
            Kind::Pre if !o.arg.is_empty() => "PreCode",
            Kind::Pre => "Pre",
            Kind::TextUrl => "TextUrl",
        };
        return Err(format!(
            "Can't find end of {name} entity at byte offset {}",
            o.byte
        ));
    }
    entities.sort_by(|a, b| a.offset.cmp(&b.offset).then(b.length.cmp(&a.length)));
    Ok(Parsed { text, entities })
}

fn valid_url(u: &str) -> bool {
    ["http://", "https://", "tg://", "mailto:"]
        .iter()
        .any(|p| u.starts_with(p))
}

/// Legacy `Markdown`: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, `[text](url)`;
/// an entity that is not closed is an error ("Can't find end of the entity starting at byte
/// offset N"). No nesting, `\` escapes the markers.
pub fn parse_legacy(s: &str) -> Result<Parsed, String> {
    let b = s.as_bytes();
    let n = b.len();
    let mut text = String::new();
    let mut entities = Vec::new();
    let mut i = 0;
    while i < n {
        let c = b[i];
        if c == b'\\' && i + 1 < n && b"_*`[".contains(&b[i + 1]) {
            text.push(b[i + 1] as char);
            i += 2;
            continue;
        }
        if !b"_*`[".contains(&c) {
            let ch = s[i..].chars().next().expect("char boundary");
            text.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let begin = i;
        let (end_marker, kind): (&str, &str) = match c {
            b'`' if s[i..].starts_with("```") => ("```", "pre"),
            b'`' => ("`", "code"),
            b'*' => ("*", "bold"),
            b'_' => ("_", "italic"),
            _ => ("]", "text_link"),
        };
        let inner_start = i + if kind == "pre" { 3 } else { 1 };
        let Some(rel) = s[inner_start..].find(end_marker) else {
            return Err(format!(
                "Can't find end of the entity starting at byte offset {begin}"
            ));
        };
        let inner = &s[inner_start..inner_start + rel];
        i = inner_start + rel + end_marker.len();
        let mut url = None;
        if kind == "text_link" {
            if s[i..].starts_with('(') {
                let Some(close) = s[i..].find(')') else {
                    return Err(format!("Can't find end of a URL at byte offset {i}"));
                };
                url = Some(s[i + 1..i + close].to_string());
                i += close + 1;
            } else {
                url = Some(inner.to_string());
            }
        }
        let start = utf16_len(&text);
        text.push_str(inner);
        let length = utf16_len(inner);
        if length > 0 && (kind != "text_link" || url.as_deref().is_some_and(valid_url)) {
            entities.push(Entity {
                kind: kind.into(),
                offset: start,
                length,
                url,
                language: None,
            });
        }
    }
    Ok(Parsed { text, entities })
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
