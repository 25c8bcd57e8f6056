//! Unit tests of markdown.rs.
use super::*;

#[test]
fn v2_entities_and_escapes() {
    let p =
        parse_v2("*Saldo:* _12,34 zł_ __u__ ~s~ ||sp|| `c` [link](https://x\\.pl/a\\)b) 1\\.5\\!")
            .unwrap();
    assert_eq!(p.text, "Saldo: 12,34 zł u s sp c link 1.5!");
    let kinds: Vec<&str> = p.entities.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "bold",
            "italic",
            "underline",
            "strikethrough",
            "spoiler",
            "code",
            "text_link"
        ]
    );
    assert_eq!(p.entities[6].url.as_deref(), Some("https://x.pl/a)b"));
    let pre = parse_v2("```rust\nfn main() {}\n```").unwrap();
    assert_eq!(pre.text, "fn main() {}\n");
    assert_eq!(pre.entities[0].language.as_deref(), Some("rust"));
    assert_eq!(parse_v2(">cytat\n>dalej").unwrap().text, "cytat\ndalej");
}

#[test]
fn v2_reserved_characters_must_be_escaped() {
    assert_eq!(
        parse_v2("Saldo: 12.34 zł").unwrap_err(),
        "Character '.' is reserved and must be escaped with the preceding '\\'"
    );
    assert!(parse_v2("Koniec!").unwrap_err().contains("'!'"));
    assert!(parse_v2("a-b").unwrap_err().contains("'-'"));
    assert!(parse_v2("(x)").unwrap_err().contains("'('"));
    assert!(parse_v2("`a.b`").is_ok(), "only ` is reserved inside code");
}

#[test]
fn v2_unclosed_entities() {
    assert_eq!(
        parse_v2("*bold").unwrap_err(),
        "Can't find end of Bold entity at byte offset 0"
    );
    assert_eq!(
        parse_v2("a _it").unwrap_err(),
        "Can't find end of Italic entity at byte offset 2"
    );
    assert_eq!(
        parse_v2("[x](http://a").unwrap_err(),
        "Can't find end of a URL at byte offset 4"
    );
}

#[test]
fn legacy_markdown() {
    let p = parse_legacy("*b* _i_ `c` [l](https://x.pl) 1.5! a-b").unwrap();
    assert_eq!(p.text, "b i c l 1.5! a-b");
    assert_eq!(p.entities.len(), 4);
    assert_eq!(
        parse_legacy("snake_case").unwrap_err(),
        "Can't find end of the entity starting at byte offset 5"
    );
}
