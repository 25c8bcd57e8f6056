//! The command parser: any text is safe to type, and every command line the help shows
//! (name and arguments as printed, with values of the printed kind) parses to that
//! command.

use crate::core::command::{DEFS, Def, Lang, parse};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};

/// One piece of a help line's argument syntax.
#[derive(Debug, Clone)]
enum Piece {
    Literal(String),
    /// `<name>` or a bare format like `RRRR-MM`.
    Value(String),
    /// `a|b` between words: one of them (each a literal or a value).
    OneOf(Vec<Piece>),
    Optional(Vec<Piece>),
}

/// Bare words the help uses for a value (`[strona]`), unlike literals (`do`, `|`).
const PLACEHOLDERS: &[&str] = &[
    "identyfikator",
    "identifier",
    "hasło",
    "password",
    "strona",
    "page",
    "liczba",
    "count",
];

/// Reads the argument syntax as the help prints it: `<x>`, `[…]`, `a|b`, literals.
fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']').expect("a closed [");
            out.push(Piece::Optional(pieces(&inner[..end])));
            rest = inner[end + 1..].trim_start();
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        rest = rest[end..].trim_start();
        out.push(if word.len() > 1 && word.contains('|') {
            Piece::OneOf(word.split('|').map(word_piece).collect())
        } else {
            word_piece(word)
        });
    }
    out
}

/// One word of the syntax: `<x>`, a bare format or placeholder (a value), or a literal.
fn word_piece(word: &str) -> Piece {
    if let Some(name) = word.strip_prefix('<') {
        Piece::Value(name.trim_end_matches('>').to_string())
    } else if word.contains("RRRR") || word.contains("YYYY") || PLACEHOLDERS.contains(&word) {
        Piece::Value(word.to_string())
    } else {
        Piece::Literal(word.to_string())
    }
}

fn words() -> BoxedStrategy<String> {
    "[a-zA-Ząćęłńóśźż]{1,10}( [a-zA-Ząćęłńóśźż0-9.,]{1,10}){0,4}".boxed()
}

/// Values of the kind a placeholder names.
fn value(name: &str) -> BoxedStrategy<String> {
    match name {
        "identyfikator" | "identifier" => "[A-Za-z0-9._-]{3,12}".boxed(),
        "hasło" | "password" => "[!-~ąęłóśżźćń]{1,16}( [!-~]{1,8})?".boxed(),
        "numer" | "number" => "[A-Za-z0-9/._-]{1,30}".boxed(),
        "strona" | "page" => (1u32..10_000).prop_map(|p| p.to_string()).boxed(),
        "nr" | "no." => (1i64..1_000_000, any::<bool>())
            .prop_map(|(n, hash)| format!("{}{n}", if hash { "#" } else { "" }))
            .boxed(),
        "liczba" | "count" => (1u32..=500).prop_map(|n| n.to_string()).boxed(),
        "RRRR" | "YYYY" => (1900i32..2200).prop_map(|y| y.to_string()).boxed(),
        "RRRR-MM" | "YYYY-MM" => (1900i32..2200, 1u32..=12)
            .prop_map(|(y, m)| format!("{y}-{m:02}"))
            .boxed(),
        "RRRR-MM-DD" | "YYYY-MM-DD" => (2000i32..2100, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}"))
            .boxed(),
        "rodzaj" | "kind" => proptest::sample::select(vec![
            "awaria",
            "wylaczenie",
            "remont",
            "taryfa",
            "informacja",
            "failure",
        ])
        .prop_map(str::to_string)
        .boxed(),
        "kwota" | "amount" => (0i64..10_000_000, any::<bool>())
            .prop_map(|(gr, comma)| {
                let sep = if comma { "," } else { "." };
                format!("{}{sep}{:02}", gr / 100, gr % 100)
            })
            .boxed(),
        "data" | "date" => (2000i32..2100, 1u32..=12, 1u32..=28, any::<bool>())
            .prop_map(|(y, m, d, iso)| match iso {
                true => format!("{y}-{m:02}-{d:02}"),
                false => format!("{d:02}.{m:02}.{y}"),
            })
            .boxed(),
        "powód" | "reason" | "tytuł" | "title" | "treść" | "text" | "tekst" | "pytanie"
        | "question" | "opis" | "description" => words(),
        "n" | "dni" | "days" => (1u32..=366).prop_map(|n| n.to_string()).boxed(),
        "klient" | "customer" => "[A-Z]-[0-9]{5}".boxed(),
        "temat" | "subject" => proptest::sample::select(vec![
            "rachunek", "dostawa", "licznik", "moc", "inne", "bill", "capacity",
        ])
        .prop_map(str::to_string)
        .boxed(),
        other => panic!("the help shows <{other}>: teach this test its values"),
    }
}

fn line(pieces: &[Piece]) -> BoxedStrategy<String> {
    let parts: Vec<BoxedStrategy<String>> = pieces
        .iter()
        .map(|p| match p {
            Piece::Literal(l) => Just(l.clone()).boxed(),
            Piece::Value(name) => value(name),
            Piece::OneOf(options) => {
                Union::new(options.iter().map(|o| line(std::slice::from_ref(o)))).boxed()
            }
            Piece::Optional(inner) => {
                Union::new(vec![Just(String::new()).boxed(), line(inner)]).boxed()
            }
        })
        .collect();
    parts
        .prop_map(|values| {
            values
                .into_iter()
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .boxed()
}

/// Every name of every command with arguments in the syntax its help line shows.
fn help_line() -> impl Strategy<Value = (&'static Def, String)> {
    let cases: Vec<BoxedStrategy<(&'static Def, String)>> = DEFS
        .iter()
        .copied()
        .filter(|spec| !spec.hidden)
        .flat_map(|spec| {
            [Lang::Pl, Lang::En].into_iter().flat_map(move |lang| {
                let args = spec.args.get(lang);
                let syntax = pieces(args);
                spec.names.iter().map(move |name| {
                    (line(&syntax), any::<bool>())
                        .prop_map(move |(args, slash)| {
                            let name = if slash {
                                format!("/{name}")
                            } else {
                                name.to_string()
                            };
                            (spec, format!("{name} {args}").trim().to_string())
                        })
                        .boxed()
                })
            })
        })
        .collect();
    Union::new(cases)
}

proptest! {
    #![proptest_config(super::config())]

    #[test]
    fn any_text_parses_or_is_refused_without_panicking(text in "\\PC{0,80}|/?[a-zA-Z@ _-]{0,20}( \\PC{0,20}){0,3}") {
        let _ = parse(&text);
    }

    #[test]
    fn what_the_help_shows_parses((spec, line) in help_line()) {
        let parsed = parse(&line);
        prop_assert!(parsed.is_ok(), "{line:?} → {parsed:?}");
        let command = parsed.unwrap();
        // It is that command (bare `konto` counts as `konta`, the list it shows).
        let counted = command.def().id();
        let bare_account = spec.id() == "account" && counted == "accounts";
        prop_assert!(counted == spec.id() || bare_account, "{:?} → {:?}", line, command);
    }
}
