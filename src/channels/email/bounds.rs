//! What a reply may hold. The `From` of a mail can be forged, so whatever a mail holds
//! (megabytes of garbage, twenty commands with long answers) its reply stays small: a
//! typed line is echoed cleaned and cut to [`ECHO_WIDTH`], and the text part and the
//! HTML part are each at most [`MAX_PART_BYTES`], the answers that do not fit cut off
//! with a note. No control character of a mail is ever echoed: they would garble the
//! reply (or, the bidirectional ones, make it read differently from what it says).

use crate::render::escape_html;

/// The most a reply's text part, and its HTML part, may hold (UTF-8 bytes).
pub const MAX_PART_BYTES: usize = 64 * 1024;
/// The widest an echoed line may be, in characters (then `…`).
pub const ECHO_WIDTH: usize = 80;

/// Characters never shown: control characters (C0 but the line end and the tab, DEL,
/// C1), the bidirectional controls and the Unicode line and paragraph separators.
fn hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\t'))
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` without the characters a reply never shows; letters of every script, emoji
/// and the replacement character stay.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !hidden(*c)).collect()
}

/// One line as shown back: spacing characters become spaces, other hidden characters
/// `�` (something was there), cut to `width` characters with `…`.
pub fn echo_line(text: &str, width: usize) -> String {
    let clean = text.trim().chars().map(|c| match c {
        '\t' | '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{2028}' | '\u{2029}' => ' ',
        c if hidden(c) => '\u{fffd}',
        c => c,
    });
    let mut out = String::new();
    for (n, c) in clean.enumerate() {
        if n == width {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

/// How much of an answer a shortened reply shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cut {
    /// The beginning of the answer, up to a line.
    Part,
    /// Nothing of it (its command is still listed).
    Left,
}

/// One answer's body in both parts, as the reply will show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub text: String,
    pub html: String,
    pub cut: Option<Cut>,
}

/// Fits the answers' bodies (text, HTML) in order into `text_room` and `html_room`
/// bytes: whole while they fit; the first one that does not is cut after its last
/// line that fits (its HTML then made from that text, so no tag is left open) and
/// every later one is left out.
pub fn fit(bodies: Vec<(String, String)>, text_room: usize, html_room: usize) -> Vec<Shown> {
    let (mut text_room, mut html_room) = (text_room, html_room);
    let mut full = true;
    let mut out = Vec::with_capacity(bodies.len());
    for (text, html) in bodies {
        if full && text.len() <= text_room && html.len() <= html_room {
            text_room -= text.len();
            html_room -= html.len();
            out.push(Shown {
                text,
                html,
                cut: None,
            });
            continue;
        }
        let part = if full {
            head_lines(&text, text_room, html_room)
        } else {
            String::new()
        };
        full = false;
        let html = escape_html(&part);
        let cut = if part.is_empty() {
            Cut::Left
        } else {
            Cut::Part
        };
        out.push(Shown {
            text: part,
            html,
            cut: Some(cut),
        });
    }
    out
}

/// The first lines of `text` that take at most `text_room` bytes, and at most
/// `html_room` once escaped for HTML.
fn head_lines(text: &str, text_room: usize, html_room: usize) -> String {
    let (mut t, mut h) = (0, 0);
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        let escaped = escape_html(line).len();
        if t + line.len() > text_room || h + escaped > html_room {
            break;
        }
        t += line.len();
        h += escaped;
        end = t;
    }
    text[..end].trim_end().to_string()
}

/// The last resort when a reply is over the limit even without its answers (it never
/// should be: everything else in it is short): the text cut at a character, with
/// `note` after it, and the HTML made from that text by `wrap` (which may add up to
/// 1 KiB around it).
pub fn hard_cut(text: &str, note: &str, wrap: impl Fn(&str) -> String) -> (String, String) {
    let room = MAX_PART_BYTES - 1024 - 2 * escape_html(note).len();
    let (mut t, mut h) = (0, 0);
    let mut end = 0;
    for c in text.chars() {
        t += c.len_utf8();
        h += escape_html(c.encode_utf8(&mut [0; 4])).len();
        if t > room || h > room {
            break;
        }
        end = t;
    }
    let text = format!("{}\n\n{note}", &text[..end]);
    let html = wrap(&escape_html(&text));
    (text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_keep_letters_and_drop_controls() {
        assert_eq!(
            echo_line("zażółć\u{7}gęślą\tjaźń 😀\u{fffd}", 80),
            "zażółć\u{fffd}gęślą jaźń 😀\u{fffd}"
        );
        assert_eq!(echo_line("SALDO\u{202e}2", 80), "SALDO\u{fffd}2");
        assert_eq!(
            echo_line(&"ą".repeat(200), 80),
            format!("{}…", "ą".repeat(80))
        );
        assert_eq!(echo_line("  krótko  ", 80), "krótko");
        assert_eq!(
            printable("a\u{1}b\u{7f}c\u{85}d\ne\tf\u{2066}g"),
            "abcd\ne\tfg"
        );
    }

    #[test]
    fn answers_fit_whole_then_one_in_part_then_none() {
        let body = |n: usize| ("x\n".repeat(n), "<b>x</b>\n".repeat(n));
        let shown = fit(vec![body(10), body(10), body(10), body(10)], 50, 1000);
        let cuts: Vec<_> = shown.iter().map(|s| s.cut).collect();
        assert_eq!(cuts, [None, None, Some(Cut::Part), Some(Cut::Left)]);
        assert_eq!(shown[2].text, "x\n".repeat(5).trim_end());
        assert_eq!(shown[2].html, shown[2].text, "made from the text");
        assert!(shown[3].text.is_empty() && shown[3].html.is_empty());
        // HTML is the tighter limit: escaping counts.
        let lt = ("<<<<\n".repeat(10), "&lt;&lt;&lt;&lt;\n".repeat(10));
        let shown = fit(vec![lt], 1000, 45);
        assert_eq!(shown[0].text, "<<<<\n<<<<");
        assert_eq!(shown[0].cut, Some(Cut::Part));
        // Nothing fits: left out.
        let shown = fit(vec![("a long line\n".into(), String::new())], 3, 3);
        assert_eq!(shown[0].cut, Some(Cut::Left));
    }

    #[test]
    fn the_last_resort_stays_under_the_limit() {
        let (text, html) = hard_cut(&"<ż>".repeat(100_000), "✂️", |b| format!("<p>{b}</p>"));
        assert!(text.len() <= MAX_PART_BYTES && html.len() <= MAX_PART_BYTES);
        assert!(text.ends_with("✂️"));
    }
}
