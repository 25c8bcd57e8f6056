//! Unit tests of html.rs.
use super::*;

fn ok(s: &str) -> Parsed {
    parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn err(s: &str) -> String {
    match parse(s) {
        Ok(p) => panic!("{s:?} should fail, parsed to {:?}", p.text),
        Err(e) => e,
    }
}

#[test]
fn all_telegram_tags_parse() {
    let p = ok(
        "<b>a</b><strong>b</strong><i>c</i><em>d</em><u>e</u><ins>f</ins><s>g</s>\
                <strike>h</strike><del>i</del><span class=\"tg-spoiler\">j</span><tg-spoiler>k</tg-spoiler>\
                <a href=\"https://example.com/?a=1&amp;b=2\">l</a><code>m</code><pre>n</pre>\
                <pre><code class=\"language-rust\">o</code></pre><blockquote>p</blockquote>\
                <blockquote expandable>q</blockquote>",
    );
    assert_eq!(p.text, "abcdefghijklmnopq");
    let kinds: Vec<&str> = p.entities.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "bold",
            "bold",
            "italic",
            "italic",
            "underline",
            "underline",
            "strikethrough",
            "strikethrough",
            "strikethrough",
            "spoiler",
            "spoiler",
            "text_link",
            "code",
            "pre",
            "pre",
            "blockquote",
            "expandable_blockquote"
        ]
    );
    assert_eq!(
        p.entities[11].url.as_deref(),
        Some("https://example.com/?a=1&b=2")
    );
    assert_eq!(p.entities[14].language.as_deref(), Some("rust"));
    assert_eq!(p.entities[13].language, None);
}

#[test]
fn nesting_offsets_are_utf16() {
    let p = ok("Zł 😀 <b>Saldo: <i>12,34 zł</i></b>");
    assert_eq!(p.text, "Zł 😀 Saldo: 12,34 zł");
    // "Zł 😀 " = Z ł space (surrogate pair) space = 6 UTF-16 units
    assert_eq!(
        (
            p.entities[0].kind.as_str(),
            p.entities[0].offset,
            p.entities[0].length
        ),
        ("bold", 6, 15)
    );
    assert_eq!(
        (
            p.entities[1].kind.as_str(),
            p.entities[1].offset,
            p.entities[1].length
        ),
        ("italic", 13, 8)
    );
}

#[test]
fn entities_decoded_and_bare_gt_allowed() {
    let p = ok("a &lt; b &gt; c &amp; &quot;d&quot; &#261; &#x15B; e > f");
    assert_eq!(p.text, "a < b > c & \"d\" ą ś e > f");
    assert!(p.entities.is_empty());
    assert_eq!(ok("<B>x</B>").entities[0].kind, "bold"); // tags are case-insensitive
    assert_eq!(ok("<b>x</>").text, "x"); // </> closes the innermost tag
}

#[test]
fn unsupported_tags_rejected() {
    assert_eq!(
        err("a<br>b"),
        "Unsupported start tag \"br\" at byte offset 1"
    );
    assert_eq!(
        err("<br/>"),
        "Unsupported start tag \"br/\" at byte offset 0"
    );
    assert_eq!(
        err("<p>x</p>"),
        "Unsupported start tag \"p\" at byte offset 0"
    );
    assert_eq!(
        err("<div>x</div>"),
        "Unsupported start tag \"div\" at byte offset 0"
    );
    assert_eq!(
        err("<span>x</span>"),
        "Tag \"span\" must have class \"tg-spoiler\" at byte offset 0"
    );
}

#[test]
fn bare_lt_and_amp_rejected() {
    assert_eq!(err("1 < 2"), "Unsupported start tag \"\" at byte offset 2");
    assert_eq!(err("x <"), "Unclosed start tag at byte offset 2");
    assert!(err("A & B").contains("byte offset 2"));
    assert!(err("Rock&Roll").contains("byte offset 4"));
    assert!(err("it&apos;s").contains("&apos;"));
    assert!(err("&nbsp;").contains("byte offset 0"));
    assert!(err("<a href=\"https://x/?a=1&b=2\">l</a>").contains("byte offset 23"));
    assert!(err("&#0;").contains("byte offset 0"));
}

#[test]
fn unbalanced_rejected() {
    assert_eq!(
        err("<b>bold"),
        "Can't find end tag corresponding to start tag \"b\""
    );
    assert_eq!(err("bold</b>"), "Unexpected end tag at byte offset 4");
    assert_eq!(
        err("<b><i>x</b></i>"),
        "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\""
    );
    assert_eq!(err("<b>x</b"), "Unclosed end tag at byte offset 4");
    assert_eq!(
        err("<a href=\"x>y</a>"),
        "Unclosed start tag at byte offset 0"
    );
    assert_eq!(
        err("<a href>y</a>"),
        "Expected equal sign in declaration of an attribute of the tag \"a\" at byte offset 0"
    );
}

#[test]
fn links_and_unknown_attributes() {
    let p = ok("<a href='tg://user?id=1' target=\"_blank\">x</a><a href=foo>y</a>");
    assert_eq!(p.text, "xy");
    assert_eq!(
        p.entities.len(),
        1,
        "invalid href is dropped like Telegram does"
    );
    assert_eq!(p.entities[0].url.as_deref(), Some("tg://user?id=1"));
    assert_eq!(
        ok("<b></b>x").entities.len(),
        0,
        "empty entities are dropped"
    );
}
