//! The text of an HTML-only mail, one line per block, without the quoted original.
//!
//! mail-parser's own conversion breaks lines only at `<br>` and `</p>`, so Gmail's
//! `<div>SALDO</div><div>RACHUNKI</div>` would become one line. Quotes are dropped here
//! because in HTML they carry no `>` prefix: `<blockquote>`, Gmail's `gmail_quote`,
//! Thunderbird's `moz-cite-prefix`, Yahoo's `yahoo_quoted`; Outlook puts the original
//! after `divRplyFwdMsg` / `appendonsend` unnested, so everything from there is cut.

/// Elements after which a new line starts.
const BLOCKS: &[&str] = &[
    "br",
    "p",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "table",
    "ul",
    "ol",
    "hr",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "dd",
    "dt",
    "address",
];
/// Elements whose content is never text.
const HIDDEN: &[&str] = &["head", "style", "script", "title", "template"];
/// Class names of quote containers.
const QUOTE_CLASSES: &[&str] = &["gmail_quote", "moz-cite-prefix", "yahoo_quoted"];
/// Ids after which an Outlook reply holds only the original.
const CUT_IDS: &[&str] = &["divrplyfwdmsg", "appendonsend"];

struct Tag<'a> {
    name: String,
    closing: bool,
    self_closing: bool,
    attrs: &'a str,
}

/// Converts `html` to text lines.
pub fn to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    // (element name, depth of that name) of a container being skipped
    let mut skipping: Option<(String, usize)> = None;
    let mut pre = 0usize;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skipping.is_none() {
                push_text(&mut out, rest, pre > 0);
            }
            break;
        };
        if skipping.is_none() {
            push_text(&mut out, &rest[..lt], pre > 0);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |i| &after[i + 3..]);
            continue;
        }
        let Some((tag, after)) = read_tag(rest) else {
            // A lone '<' is text.
            if skipping.is_none() {
                out.push('<');
            }
            rest = &rest[1..];
            continue;
        };
        rest = after;
        if let Some((name, depth)) = &mut skipping {
            if tag.name == *name && !tag.self_closing {
                if tag.closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skipping = None;
                        newline(&mut out);
                    }
                } else {
                    *depth += 1;
                }
            }
            continue;
        }
        if tag.closing {
            if tag.name == "pre" {
                pre = pre.saturating_sub(1);
            }
        } else {
            let attrs = tag.attrs.to_ascii_lowercase();
            if CUT_IDS.iter().any(|id| has_attr_word(&attrs, "id", id)) {
                break;
            }
            let quote = tag.name == "blockquote"
                || QUOTE_CLASSES
                    .iter()
                    .any(|c| has_attr_word(&attrs, "class", c));
            if (quote || HIDDEN.contains(&tag.name.as_str())) && !tag.self_closing {
                skipping = Some((tag.name.clone(), 1));
                continue;
            }
            if tag.name == "pre" {
                pre += 1;
            }
        }
        if BLOCKS.contains(&tag.name.as_str()) {
            newline(&mut out);
        }
    }
    out.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Parses `<name attrs>` at the start of `text` (which begins with '<').
fn read_tag(text: &str) -> Option<(Tag<'_>, &str)> {
    let inner = &text[1..];
    let closing = inner.starts_with('/');
    let inner = if closing { &inner[1..] } else { inner };
    let name_len = inner
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(inner.len());
    if name_len == 0 {
        return None;
    }
    let name = inner[..name_len].to_ascii_lowercase();
    // Find the closing '>' outside quoted attribute values.
    let mut quote: Option<char> = None;
    for (i, c) in inner.char_indices().skip(name_len) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                let attrs = &inner[name_len..i];
                let tag = Tag {
                    self_closing: attrs.trim_end().ends_with('/') || name == "br" || name == "hr",
                    name,
                    closing,
                    attrs,
                };
                return Some((tag, &inner[i + 1..]));
            }
            _ => {}
        }
    }
    None
}

/// `attr="… word …"` (attribute values lower-cased by the caller).
fn has_attr_word(attrs: &str, attr: &str, word: &str) -> bool {
    let mut search = attrs;
    while let Some(i) = search.find(attr) {
        let before_ok = i == 0
            || search[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_whitespace());
        let after = search[i + attr.len()..].trim_start();
        if let (true, Some(value)) = (before_ok, after.strip_prefix('=')) {
            let value = value.trim_start();
            let (q, body) = match value.chars().next() {
                Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
                _ => (None, value),
            };
            let end = match q {
                Some(q) => body.find(q).unwrap_or(body.len()),
                None => body
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .unwrap_or(body.len()),
            };
            if body[..end].split_whitespace().any(|w| w == word) {
                return true;
            }
        }
        search = &search[i + attr.len()..];
    }
    false
}

fn newline(out: &mut String) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

fn push_text(out: &mut String, text: &str, pre: bool) {
    let decoded = decode_entities(text);
    if pre {
        out.push_str(&decoded);
        return;
    }
    for (i, word) in decoded.split(char::is_whitespace).enumerate() {
        if i > 0 && !out.ends_with([' ', '\n']) && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// `&amp;`, `&#261;`, `&#x105;` and the named entities of Polish letters.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '#')
            .map(|i| i + 1);
        let decoded = match end {
            Some(end) if rest[end..].starts_with(';') => {
                entity(&rest[1..end]).map(|c| (c, end + 1))
            }
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "bdquo" => '„',
        "rdquo" => '”',
        "oacute" => 'ó',
        "Oacute" => 'Ó',
        "aogon" => 'ą',
        "Aogon" => 'Ą',
        "eogon" => 'ę',
        "Eogon" => 'Ę',
        "cacute" => 'ć',
        "Cacute" => 'Ć',
        "lstrok" => 'ł',
        "Lstrok" => 'Ł',
        "nacute" => 'ń',
        "Nacute" => 'Ń',
        "sacute" => 'ś',
        "Sacute" => 'Ś',
        "zacute" => 'ź',
        "Zacute" => 'Ź',
        "zdot" => 'ż',
        "Zdot" => 'Ż',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn blocks_become_lines_and_entities_are_decoded() {
        let html = "<html><head><style>p{}</style></head><body><div>SALDO</div>\
                    <div>RACHUNKI<br>PDF&nbsp;FV/2025/01/000101</div><p>Pozdrawiam, Zofia Wi&sacute;niewska</p></body></html>";
        assert_eq!(
            to_text(html),
            "SALDO\nRACHUNKI\nPDF FV/2025/01/000101\nPozdrawiam, Zofia Wiśniewska"
        );
    }

    #[test]
    fn quotes_are_dropped() {
        let gmail = "<div dir=\"ltr\">KONTAKT</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon wrote:<br></div>\
                     <blockquote class=\"gmail_quote\"><div>SALDO</div></blockquote></div>";
        assert_eq!(to_text(gmail), "KONTAKT");
        let outlook = "<div>POMOC</div><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> x</div><div>SALDO</div>";
        assert_eq!(to_text(outlook), "POMOC");
        let nested = "<blockquote>a<blockquote>b</blockquote>SALDO</blockquote>WIADOMOSCI";
        assert_eq!(to_text(nested), "WIADOMOSCI");
    }

    #[test]
    fn odd_markup_does_not_panic() {
        for html in [
            "<",
            "a < b",
            "<div",
            "<a href='x>y'>t</a>",
            "&",
            "&#xZZ;",
            "&#99999999;",
        ] {
            let _ = to_text(html);
        }
        assert_eq!(to_text("a < b"), "a < b");
    }
}
