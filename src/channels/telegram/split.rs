//! Splitting Telegram HTML into messages of at most [`MAX_TEXT`] visible characters.
//!
//! Telegram counts the text *after* entity parsing, in UTF-16 code units. A long reply is
//! cut at a blank line, else at a line break, else at a space, else anywhere between two
//! characters — never inside a tag or an `&…;` entity. Tags open at the cut are closed at
//! the end of one part and opened again (with their attributes) at the start of the next,
//! so a `<pre>` table stays a table on both sides.

/// Telegram's limit for a message text.
pub const MAX_TEXT: usize = 4096;

#[derive(Debug, Clone)]
enum Token<'a> {
    /// An opening tag as written (`<a href="…">`) and its name.
    Open {
        raw: &'a str,
        name: &'a str,
    },
    Close {
        raw: &'a str,
    },
    /// One visible character, or an entity standing for one.
    Char {
        raw: &'a str,
        ch: char,
        width: usize,
    },
}

fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let take = match c {
            '<' => rest.find('>').map(|end| end + 1),
            '&' => rest
                .find(';')
                .filter(|end| *end <= 10 && !rest[1..*end].contains(['&', '<', ' ']))
                .map(|end| end + 1),
            _ => None,
        };
        let (raw, token) = match (c, take) {
            ('<', Some(len)) => {
                let raw = &rest[..len];
                let inner = raw[1..len - 1].trim();
                if let Some(_closing) = inner.strip_prefix('/') {
                    (raw, Token::Close { raw })
                } else {
                    let name = inner.split(char::is_whitespace).next().unwrap_or(inner);
                    (raw, Token::Open { raw, name })
                }
            }
            ('&', Some(len)) => {
                let raw = &rest[..len];
                // Entities stand for one character; which one only matters for cut points.
                (
                    raw,
                    Token::Char {
                        raw,
                        ch: 'x',
                        width: 1,
                    },
                )
            }
            _ => {
                let raw = &rest[..c.len_utf8()];
                (
                    raw,
                    Token::Char {
                        raw,
                        ch: c,
                        width: c.len_utf16(),
                    },
                )
            }
        };
        out.push(token);
        rest = &rest[raw.len()..];
    }
    out
}

/// The length Telegram counts for `html`: tags dropped, entities one character, UTF-16.
pub fn visible_len(html: &str) -> usize {
    tokens(html)
        .iter()
        .map(|t| match t {
            Token::Char { width, .. } => *width,
            _ => 0,
        })
        .sum()
}

/// A place where a part may end: the token index of the whitespace that is dropped there
/// (or of the first token of the next part, for a hard cut), and the tags open at it.
#[derive(Clone)]
struct Cut<'a> {
    at: usize,
    skip: usize,
    open: Vec<(&'a str, &'a str)>,
    visible: usize,
}

/// Splits `html` into parts of at most `limit` visible UTF-16 units (see the module doc).
/// Parts that would be blank are left out.
pub fn split(html: &str, limit: usize) -> Vec<String> {
    // Every visible character takes at least one byte: a short text fits as it is.
    if html.len() <= limit {
        return if visible_blank(html) {
            Vec::new()
        } else {
            vec![html.to_string()]
        };
    }
    let toks = tokens(html);
    let mut parts = Vec::new();
    let mut start = 0;
    let mut open: Vec<(&str, &str)> = Vec::new();
    let limit = limit.max(8);
    while start < toks.len() {
        // Reserve nothing for the tags: they are invisible to Telegram's count.
        let (end, cut) = scan(&toks, start, &open, limit);
        let Some(cut) = cut else {
            parts.push(render(
                &toks[start..end],
                &open,
                &stack_after(&toks, start, end, &open),
            ));
            break;
        };
        parts.push(render(&toks[start..cut.at], &open, &cut.open));
        open = cut.open;
        start = cut.at + cut.skip;
    }
    parts.retain(|p| !visible_blank(p));
    parts
}

/// Walks from `start` until the limit: returns `(end, None)` when everything fits, else the
/// best place to cut.
fn scan<'a>(
    toks: &[Token<'a>],
    start: usize,
    open: &[(&'a str, &'a str)],
    limit: usize,
) -> (usize, Option<Cut<'a>>) {
    let mut stack = open.to_vec();
    let mut visible = 0;
    // Best cuts by kind: blank line, line break, space.
    let mut best: [Option<Cut<'a>>; 3] = [None, None, None];
    let mut prev_newline = false;
    for (i, tok) in toks.iter().enumerate().skip(start) {
        match tok {
            Token::Open { raw, name } => stack.push((name, raw)),
            Token::Close { .. } => {
                stack.pop();
            }
            Token::Char { ch, width, .. } => {
                if visible + width > limit {
                    let hard = Cut {
                        at: i,
                        skip: 0,
                        open: stack.clone(),
                        visible,
                    };
                    let good = best.into_iter().flatten().find(|c| c.visible * 2 >= limit);
                    return (i, Some(good.unwrap_or(hard)));
                }
                let cut = || Cut {
                    at: i,
                    skip: 1,
                    open: stack.clone(),
                    visible,
                };
                match ch {
                    // A blank line: cut before its first line break, drop both.
                    '\n' if prev_newline => {
                        if let Some(line) = best[1].as_ref().filter(|c| c.at + 1 == i) {
                            best[0] = Some(Cut {
                                skip: 2,
                                ..line.clone()
                            });
                        }
                        best[1] = Some(cut());
                    }
                    '\n' => best[1] = Some(cut()),
                    ' ' => best[2] = Some(cut()),
                    _ => {}
                }
                prev_newline = *ch == '\n';
                visible += width;
            }
        }
    }
    (toks.len(), None)
}

fn stack_after<'a>(
    toks: &[Token<'a>],
    start: usize,
    end: usize,
    open: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut stack = open.to_vec();
    for tok in &toks[start..end] {
        match tok {
            Token::Open { raw, name } => stack.push((name, raw)),
            Token::Close { .. } => {
                stack.pop();
            }
            Token::Char { .. } => {}
        }
    }
    stack
}

/// One part: the tags open before it, its tokens, closing tags for what is still open.
fn render(toks: &[Token<'_>], open_before: &[(&str, &str)], open_after: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (_, raw) in open_before {
        out.push_str(raw);
    }
    for tok in toks {
        match tok {
            Token::Open { raw, .. } | Token::Close { raw } | Token::Char { raw, .. } => {
                out.push_str(raw)
            }
        }
    }
    for (name, _) in open_after.iter().rev() {
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
    drop_empty_pairs(out)
}

/// `<b></b>` left at a cut carries nothing: remove such pairs (repeatedly, for nesting).
fn drop_empty_pairs(mut html: String) -> String {
    loop {
        let toks = tokens(&html);
        let mut remove = None;
        for w in toks.windows(2).enumerate() {
            if let (Token::Open { name, .. }, Token::Close { raw }) = (&w.1[0], &w.1[1])
                && raw.trim_start_matches("</").trim_end_matches('>').trim() == *name
            {
                remove = Some(w.0);
                break;
            }
        }
        let Some(index) = remove else {
            return html;
        };
        let start: usize = toks[..index].iter().map(raw_len).sum();
        let len = raw_len(&toks[index]) + raw_len(&toks[index + 1]);
        html.replace_range(start..start + len, "");
    }
}

fn raw_len(tok: &Token<'_>) -> usize {
    match tok {
        Token::Open { raw, .. } | Token::Close { raw } | Token::Char { raw, .. } => raw.len(),
    }
}

fn visible_blank(html: &str) -> bool {
    tokens(html).iter().all(|t| match t {
        Token::Char { ch, raw, .. } => raw.len() == ch.len_utf8() && ch.is_whitespace(),
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake_telegram::{TextUse, check_text};

    fn check_all(parts: &[String]) {
        for p in parts {
            if let Err(e) = check_text(Some(p), Some("HTML"), TextUse::Send) {
                panic!("Telegram would refuse a part: {e:?}\n{p}");
            }
        }
    }

    fn visible(parts: &[String]) -> String {
        parts
            .iter()
            .map(|p| {
                check_text(Some(p), Some("HTML"), TextUse::Send)
                    .unwrap()
                    .text
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn short_text_is_one_part_unchanged() {
        let html = "<b>Saldo</b>: 12,00 zł &amp; więcej";
        assert_eq!(split(html, MAX_TEXT), vec![html.to_string()]);
    }

    #[test]
    fn long_pre_table_is_cut_at_line_breaks_and_reopened() {
        let rows: Vec<String> = (0..400)
            .map(|i| format!("FV/2025/{i:04} {:>12}", format!("{i},00 zł")))
            .collect();
        let html = format!("<b>Rachunki</b>\n<pre>{}</pre>\nKoniec", rows.join("\n"));
        let parts = split(&html, MAX_TEXT);
        assert!(parts.len() > 1);
        check_all(&parts);
        for p in &parts[1..] {
            assert!(p.starts_with("<pre>"), "{}", &p[..40]);
        }
        for p in &parts[..parts.len() - 1] {
            assert!(p.ends_with("</pre>"), "{}", &p[p.len() - 40..]);
        }
        // Nothing lost: every row is in some part, whole.
        let all = visible(&parts);
        for row in &rows {
            assert!(all.contains(row.as_str()), "{row}");
        }
    }

    #[test]
    fn blank_lines_are_preferred_and_entities_stay_whole() {
        let para = format!("{}&amp;{}", "a".repeat(60), "b".repeat(60));
        let html = vec![para.clone(); 50].join("\n\n");
        let parts = split(&html, 1000);
        check_all(&parts);
        for p in &parts {
            assert!(p.starts_with('a') && p.ends_with('b'), "{p}");
        }
    }

    #[test]
    fn one_huge_word_is_cut_anywhere_but_inside_an_entity() {
        let html = format!("<i>{}</i>", "ż&lt;".repeat(3000));
        let parts = split(&html, MAX_TEXT);
        check_all(&parts);
        assert_eq!(
            visible(&parts).replace('\n', "").chars().count(),
            6000,
            "nothing lost"
        );
    }

    #[test]
    fn emoji_count_two_units() {
        let html = "😀".repeat(3000);
        let parts = split(&html, MAX_TEXT);
        assert_eq!(parts.len(), 2);
        check_all(&parts);
    }

    #[test]
    fn nested_tags_with_attributes_are_reopened() {
        let body = "słowo ".repeat(1500);
        let html = format!("<a href=\"https://ure.gov.pl/?a=1&amp;b=2\"><b>{body}</b></a>");
        let parts = split(&html, MAX_TEXT);
        assert!(parts.len() >= 3);
        check_all(&parts);
        for p in &parts {
            assert!(
                p.starts_with("<a href=\"https://ure.gov.pl/?a=1&amp;b=2\"><b>"),
                "{p}"
            );
            assert!(p.ends_with("</b></a>"));
        }
    }

    #[test]
    fn blank_parts_are_dropped() {
        assert!(split("  \n\n ", MAX_TEXT).is_empty());
    }
}
