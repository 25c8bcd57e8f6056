//! Reading a line: the command word (folded, without `/` and `@bot`), its row in the
//! table, and the row's parser over the rest. A line is parsed once; the router keeps
//! the parsed command (its metric name comes from it).

use super::def::Args;
use super::def::Def;
use super::table::{Command, ROWS, Row};
use crate::domain::text::fold;

/// Why a line is not a command the user can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Empty,
    /// The first word is no known command (folded).
    Unknown(String),
    /// A known command with arguments that don't fit: which command (English name).
    BadArguments {
        command: &'static str,
    },
}

/// Splits `text` into the command word (folded, without `/` and `@bot`) and the rest.
pub fn split_command(text: &str) -> Option<(String, &str)> {
    let text = text.trim();
    let (head, rest) = match text.find(char::is_whitespace) {
        Some(i) => (&text[..i], text[i..].trim()),
        None => (text, ""),
    };
    let head = head.strip_prefix('/').unwrap_or(head);
    let head = head.split('@').next().unwrap_or(head);
    let head = head.trim_end_matches([':', '.', ',']);
    if head.is_empty() {
        return None;
    }
    Some((fold(head), rest))
}

/// The row whose names include `word` (already folded).
pub fn row(word: &str) -> Option<&'static Row> {
    ROWS.iter().find(|r| r.def.names.contains(&word))
}

/// The declaration whose names include `word` (already folded).
pub fn lookup(word: &str) -> Option<&'static Def> {
    row(word).map(|r| r.def)
}

/// The arguments of `text` after its command word `rest`.
pub(crate) fn args<'a>(line: &'a str, rest: &'a str) -> Args<'a> {
    Args {
        line,
        rest,
        words: rest.split_whitespace().collect(),
    }
}

/// Parses one line of user input.
pub fn parse(text: &str) -> Result<Command, ParseError> {
    let (word, rest) = split_command(text).ok_or(ParseError::Empty)?;
    let row = row(&word).ok_or_else(|| ParseError::Unknown(word.clone()))?;
    (row.parse)(&args(text, rest)).map_err(|_| ParseError::BadArguments {
        command: row.def.id(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::command::{Lang, PublicCommand, Secret};
    use crate::core::commands::{account::*, customer::*, general::*, staff::*};
    use crate::core::views::PayTarget;

    /// What `parse` gives for a command that parses.
    fn ok(command: impl Into<Command>) -> Result<Command, ParseError> {
        Ok(command.into())
    }

    #[test]
    fn account_lifecycle_commands_parse() {
        assert_eq!(
            parse("rejestracja nazwa: Jan Kowalski; pesel: 1"),
            ok(Register {
                form: Secret("nazwa: Jan Kowalski; pesel: 1".into())
            })
        );
        assert_eq!(
            parse("register"),
            ok(Register {
                form: Secret(String::new())
            })
        );
        assert!(!format!("{:?}", parse("rejestracja pesel: 44051401359")).contains("4405"));
        assert_eq!(
            parse("nowe-haslo EB123456"),
            ok(Reset {
                identifier: Some("EB123456".into())
            })
        );
        assert_eq!(parse("zgody"), ok(Consents));
        assert_eq!(
            parse("zatwierdz #12"),
            ok(Approve {
                id: 12,
                email: None
            })
        );
        assert_eq!(parse("approve 7"), ok(Approve { id: 7, email: None }));
        assert_eq!(
            parse("zatwierdz 7 kartoteka"),
            ok(Approve {
                id: 7,
                email: Some("kartoteka".into())
            })
        );
        assert_eq!(
            parse("odrzuc 3 Numer faktury nie zgadza się"),
            ok(Reject {
                id: 3,
                reason: "Numer faktury nie zgadza się".into()
            })
        );
        assert_eq!(
            parse("ZABLOKUJ EB1"),
            ok(Lock {
                identifier: "EB1".into()
            })
        );
        assert_eq!(parse("dziennik"), ok(Audit { limit: 20 }));
        for line in [
            "odrzuc 3",
            "zatwierdz",
            "zatwierdz x",
            "odrzuc x powód",
            "dziennik 0",
        ] {
            assert!(
                matches!(parse(line), Err(ParseError::BadArguments { .. })),
                "{line}"
            );
        }
    }

    #[test]
    fn staff_commands_are_marked_and_need_login() {
        for name in [
            "pending",
            "approve",
            "reject",
            "reset-password",
            "lock",
            "unlock",
            "audit",
        ] {
            let def = lookup(name).unwrap();
            assert!(def.staff() && def.needs_login(), "{name}");
        }
        for name in ["register", "regulations", "reset", "consents", "withdraw"] {
            assert!(!lookup(name).unwrap().staff(), "{name}");
        }
    }

    #[test]
    fn english_names_and_polish_aliases_parse_alike() {
        for (en, pl) in [
            ("balance", "saldo"),
            ("collections", "windykacje"),
            ("messages", "wiadomości"),
            ("version", "wersja"),
        ] {
            assert_eq!(parse(en), parse(pl));
        }
        assert_eq!(parse("rachunki 2"), ok(Bills { page: 2 }));
        assert_eq!(parse("bills"), ok(Bills { page: 1 }));
    }

    #[test]
    fn case_diacritics_slash_and_bot_suffix_are_ignored() {
        assert_eq!(parse("/SALDO"), ok(Balance));
        assert_eq!(parse("/saldo@ebok_bot"), ok(Balance));
        assert_eq!(parse("WIADOMOSCI"), ok(Messages));
        assert_eq!(parse("Wiadomości"), ok(Messages));
        assert_eq!(
            parse("  Hasło  "),
            ok(Password {
                old: None,
                new: None,
                repeat: None
            })
        );
        assert_eq!(parse("JĘZYK en"), ok(Language { lang: Lang::En }));
    }

    #[test]
    fn arguments_keep_their_case() {
        assert_eq!(
            parse("faktura FV/2025/01/0042"),
            ok(Bill {
                number: "FV/2025/01/0042".into()
            })
        );
        assert_eq!(
            parse("zaloguj K00012 Tajne.Haslo"),
            ok(Login {
                identifier: Some("K00012".into()),
                password: Some(Secret("Tajne.Haslo".into()))
            })
        );
    }

    /// The password is kept as typed (the core checks it trimmed first); the line's
    /// own ending and the blanks before the identifier are not part of it.
    #[test]
    fn a_login_password_keeps_its_edge_blanks_for_the_core() {
        let password = |line: &str| match parse(line) {
            Ok(Command::Public(PublicCommand::Login(login))) => login.password.map(|p| p.0),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            password("zaloguj EB000001 Zimowy Wieczór 2026 ").as_deref(),
            Some("Zimowy Wieczór 2026 ")
        );
        assert_eq!(
            password("  /login@ebok_bot   EB000001  Zimowy\r\n").as_deref(),
            Some(" Zimowy")
        );
        assert_eq!(password("ZALOGUJ EB000001 hasło").as_deref(), Some("hasło"));
        assert_eq!(password("zaloguj EB000001   ").as_deref(), None);
    }

    #[test]
    fn a_login_password_may_contain_spaces() {
        assert_eq!(
            parse("zaloguj EB000001 Ciepła woda w kranie"),
            ok(Login {
                identifier: Some("EB000001".into()),
                password: Some(Secret("Ciepła woda w kranie".into()))
            })
        );
    }

    #[test]
    fn bad_arguments_name_the_command() {
        for line in [
            "rachunki zero",
            "rachunki 0",
            "faktura",
            "pdf a b",
            "kalendarz 2025-13",
            "saldo teraz",
            "jezyk de",
            "wersja 2",
        ] {
            assert!(
                matches!(parse(line), Err(ParseError::BadArguments { .. })),
                "{line}"
            );
        }
        assert_eq!(
            parse("kalendarz marzec"),
            Err(ParseError::BadArguments {
                command: "calendar"
            })
        );
    }

    #[test]
    fn pay_takes_a_bill_the_overdue_word_or_nothing() {
        assert_eq!(
            parse("zapłać"),
            ok(Pay {
                target: PayTarget::Balance
            })
        );
        assert_eq!(
            parse("ZAPLAC Zaległe"),
            ok(Pay {
                target: PayTarget::Overdue
            })
        );
        assert_eq!(parse("pay overdue"), parse("zaplac zalegle"));
        assert_eq!(
            parse("pay FV/2025/02/000102"),
            ok(Pay {
                target: PayTarget::Bill("FV/2025/02/000102".into())
            })
        );
        assert!(matches!(
            parse("zaplac a b"),
            Err(ParseError::BadArguments { command: "pay" })
        ));
    }

    #[test]
    fn calendar_link_asks_for_the_subscription_or_revokes_it() {
        assert_eq!(
            parse("kalendarz link"),
            ok(Calendar::Link { revoke: false })
        );
        for revoke in [
            "kalendarz link odwolaj",
            "calendar LINK revoke",
            "kalendarz link odwołaj",
        ] {
            assert_eq!(parse(revoke), ok(Calendar::Link { revoke: true }));
        }
        assert!(matches!(
            parse("kalendarz link K-00102"),
            Err(ParseError::BadArguments { .. })
        ));
    }

    #[test]
    fn calendar_ics_asks_for_the_file() {
        assert_eq!(parse("kalendarz ics"), ok(Calendar::File));
        assert_eq!(parse("calendar ICS"), ok(Calendar::File));
        assert!(matches!(
            parse("kalendarz ics 2025-03"),
            Err(ParseError::BadArguments { .. })
        ));
    }

    #[test]
    fn unknown_and_empty() {
        assert_eq!(
            parse("abrakadabra"),
            Err(ParseError::Unknown("abrakadabra".into()))
        );
        assert_eq!(parse("   "), Err(ParseError::Empty));
        assert_eq!(parse("/"), Err(ParseError::Empty));
    }

    #[test]
    fn passwords_never_show_in_debug() {
        let cmd = parse("login K1 Sekret123").unwrap();
        assert!(!format!("{cmd:?}").contains("Sekret123"));
    }

    /// Every command has one row, under names no other row uses.
    #[test]
    fn every_name_belongs_to_one_command() {
        let mut seen = std::collections::HashSet::new();
        for def in crate::core::command::DEFS {
            for name in def.names {
                assert!(seen.insert(*name), "{name} twice");
                assert_eq!(fold(name), *name, "{name} is not folded");
            }
        }
    }
}
