//! The Telegram splitter: whatever HTML the renderer makes, every part is HTML Telegram
//! accepts, within the limit, and together the parts keep all visible text in order
//! (only the whitespace at a cut is dropped).

use crate::channels::telegram::split::{MAX_TEXT, split, visible_len};
use fake_telegram::{TextUse, check_text, parse_entities};
use proptest::prelude::*;

/// Visible text as templates produce it: Polish letters, emoji, escaped specials,
/// spaces, line breaks and blank lines.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => "[a-zA-Z0-9ąęłńóśźżĄĘŁŃÓŚŹŻ,.:;()/-]{1,12}",
            2 => Just(" ".to_string()),
            2 => Just("\n".to_string()),
            1 => Just("\n\n".to_string()),
            1 => Just("&amp;".to_string()),
            1 => Just("&lt;".to_string()),
            1 => Just("&gt;".to_string()),
            1 => Just("&quot;".to_string()),
            1 => Just("😀".to_string()),
            1 => Just("zł".to_string()),
        ],
        0..40,
    )
    .prop_map(|pieces| pieces.concat())
}

/// Telegram HTML: text with nested tags (also with attributes) around parts of it.
fn html() -> impl Strategy<Value = String> {
    let leaf = text();
    leaf.prop_recursive(3, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..6).prop_map(|v| v.concat()),
            (
                proptest::sample::select(vec!["b", "i", "u", "s", "code", "pre", "blockquote"]),
                inner.clone()
            )
                .prop_map(|(tag, body)| format!("<{tag}>{body}</{tag}>")),
            inner.prop_map(|body| format!(
                "<a href=\"https://mpec.example/?a=1&amp;b=2\">{body}</a>"
            )),
        ]
    })
}

/// The text Telegram shows for `html` (the fake Bot API's parser).
fn shown(html: &str) -> String {
    parse_entities(html, Some("HTML"))
        .map(|p| p.text)
        .unwrap_or_else(|e| panic!("not Telegram HTML: {e:?}\n{html}"))
}

fn no_space(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `<pre>` inside `<pre>` or `<code>` is not Telegram HTML: such inputs are not made by
/// the renderer, so they are left out.
fn renderable(html: &str) -> bool {
    parse_entities(html, Some("HTML")).is_ok()
}

proptest! {
    #![proptest_config(super::config())]

    #[test]
    fn parts_are_valid_short_enough_and_keep_the_text(
        html in html().prop_filter("Telegram HTML", |h| renderable(h)),
        limit in 8usize..200,
    ) {
        let parts = split(&html, limit);
        for part in &parts {
            prop_assert!(
                check_text(Some(part), Some("HTML"), TextUse::Send).is_ok(),
                "Telegram would refuse {:?} (from {:?})", part, html
            );
            prop_assert!(visible_len(part) <= limit, "{} > {}: {:?}", visible_len(part), limit, part);
        }
        let joined: String = parts.iter().map(|p| shown(p)).collect();
        prop_assert_eq!(no_space(&joined), no_space(&shown(&html)), "from {:?}", html);
    }

    #[test]
    fn long_replies_fit_telegrams_limit(html in html().prop_filter("Telegram HTML", |h| renderable(h))) {
        // Repeated past the limit, as a long list of bills is.
        let times = (MAX_TEXT * 3 / 2 / visible_len(&html).max(1) + 1).min(2000);
        let html = html.repeat(times);
        let parts = split(&html, MAX_TEXT);
        for part in &parts {
            prop_assert!(check_text(Some(part), Some("HTML"), TextUse::Send).is_ok());
        }
        let joined: String = parts.iter().map(|p| shown(p)).collect();
        prop_assert_eq!(no_space(&joined), no_space(&shown(&html)));
    }

    #[test]
    fn any_text_is_split_without_panicking(text in "\\PC{0,300}", limit in 0usize..100) {
        let _ = split(&text, limit);
        let _ = visible_len(&text);
    }
}
