//! The command language shared by every front end: English names with Polish aliases,
//! case- and diacritics-insensitive, with or without a leading `/` (and Telegram's
//! `@botname` suffix). The [`COMMANDS`] table also generates the help text.

use super::text::fold;
use crate::domain::calendar::YearMonth;

/// A language of replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Pl,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Pl => "pl",
            Lang::En => "en",
        }
    }
    pub fn parse(text: &str) -> Option<Lang> {
        match fold(text.trim()).as_str() {
            "pl" | "polski" | "polish" | "pol" => Some(Lang::Pl),
            "en" | "english" | "angielski" | "eng" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A parsed command. Secrets (passwords) are wrapped so `Debug` never shows them.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Start,
    Help,
    Login {
        identifier: Option<String>,
        password: Option<Secret>,
    },
    Logout,
    Password {
        old: Option<Secret>,
        new: Option<Secret>,
        repeat: Option<Secret>,
    },
    Balance,
    Bills {
        page: u32,
    },
    Bill {
        number: String,
    },
    Pdf {
        number: String,
    },
    Calendar {
        month: Option<YearMonth>,
    },
    Collections,
    Documents,
    Document {
        number: String,
    },
    Messages,
    Contact,
    Language {
        lang: Lang,
    },
    Cancel,
}

/// A password typed by a user. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One entry of the command table.
#[derive(Debug)]
pub struct CommandSpec {
    /// Canonical English name first, then aliases (folded: lower case, no diacritics).
    pub names: &'static [&'static str],
    pub args_pl: &'static str,
    pub args_en: &'static str,
    pub help_pl: &'static str,
    pub help_en: &'static str,
    /// Shown only to logged-in users (in help and menus).
    pub needs_login: bool,
    /// Staff only: invisible to everyone else.
    pub staff: bool,
}

impl CommandSpec {
    /// The Polish name (first alias) or the English one.
    pub fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.names[0],
            Lang::Pl => self.names.get(1).copied().unwrap_or(self.names[0]),
        }
    }
}

macro_rules! spec {
    ($names:expr, $apl:expr, $aen:expr, $hpl:expr, $hen:expr, $login:expr) => {
        CommandSpec {
            names: $names,
            args_pl: $apl,
            args_en: $aen,
            help_pl: $hpl,
            help_en: $hen,
            needs_login: $login,
            staff: false,
        }
    };
}

pub static COMMANDS: &[CommandSpec] = &[
    spec!(
        &["help", "pomoc"],
        "",
        "",
        "lista poleceń",
        "list of commands",
        false
    ),
    spec!(
        &["login", "zaloguj"],
        "[identyfikator hasło]",
        "[identifier password]",
        "logowanie",
        "log in",
        false
    ),
    spec!(
        &["logout", "wyloguj"],
        "",
        "",
        "bezpieczne wylogowanie",
        "log out safely",
        true
    ),
    spec!(
        &["password", "haslo"],
        "",
        "",
        "zmiana hasła",
        "change your password",
        true
    ),
    spec!(
        &["balance", "saldo"],
        "",
        "",
        "panel: ogólne bieżące saldo",
        "panel: overall current balance",
        true
    ),
    spec!(
        &["bills", "rachunki"],
        "[strona]",
        "[page]",
        "rachunki i płatności",
        "bills and payments",
        true
    ),
    spec!(
        &["bill", "faktura"],
        "<numer>",
        "<number>",
        "pozycje dokumentu (szczegóły faktury)",
        "document items (bill details)",
        true
    ),
    spec!(
        &["pdf"],
        "<numer>",
        "<number>",
        "faktura w PDF",
        "invoice as PDF",
        true
    ),
    spec!(
        &["calendar", "kalendarz"],
        "[RRRR-MM]",
        "[YYYY-MM]",
        "niezapłacone rachunki w terminach płatności",
        "unpaid bills by due date",
        true
    ),
    spec!(
        &["collections", "windykacje"],
        "",
        "",
        "windykacje i postępowania sądowe",
        "debt collection and court cases",
        true
    ),
    spec!(
        &["documents", "dokumenty"],
        "",
        "",
        "umowy i aneksy",
        "contracts and annexes",
        true
    ),
    spec!(
        &["document", "dokument"],
        "<numer>",
        "<number>",
        "umowa lub aneks w PDF",
        "contract or annex as PDF",
        true
    ),
    spec!(
        &["messages", "wiadomosci"],
        "",
        "",
        "komunikaty: awarie, wyłączenia, taryfy",
        "announcements: failures, interruptions, tariffs",
        false
    ),
    spec!(
        &["contact", "kontakt"],
        "",
        "",
        "dane kontaktowe",
        "contact details",
        false
    ),
    spec!(
        &["language", "jezyk"],
        "pl|en",
        "pl|en",
        "język odpowiedzi",
        "reply language",
        false
    ),
    spec!(
        &["cancel", "anuluj"],
        "",
        "",
        "przerwanie bieżącej czynności",
        "cancel the current step",
        false
    ),
];

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

/// The table entry whose names include `word` (already folded).
pub fn lookup(word: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|s| s.names.contains(&word))
}

/// Parses one line of user input.
pub fn parse(text: &str) -> Result<Command, ParseError> {
    let (word, rest) = split_command(text).ok_or(ParseError::Empty)?;
    if word == "start" {
        return Ok(Command::Start);
    }
    let spec = lookup(&word).ok_or_else(|| ParseError::Unknown(word.clone()))?;
    let args: Vec<&str> = rest.split_whitespace().collect();
    let bad = || ParseError::BadArguments {
        command: spec.names[0],
    };
    let one = |args: &[&str]| match args {
        [value] => Ok(value.to_string()),
        _ => Err(bad()),
    };
    let none = |cmd: Command| if args.is_empty() { Ok(cmd) } else { Err(bad()) };
    match spec.names[0] {
        "help" => Ok(Command::Help),
        // The password is the rest of the line: it may contain spaces.
        "login" => match rest.split_once(char::is_whitespace) {
            _ if rest.is_empty() => Ok(Command::Login {
                identifier: None,
                password: None,
            }),
            None => Ok(Command::Login {
                identifier: Some(rest.to_string()),
                password: None,
            }),
            Some((id, pw)) => Ok(Command::Login {
                identifier: Some(id.to_string()),
                password: Some(Secret(pw.trim().to_string())),
            }),
        },
        "logout" => none(Command::Logout),
        "password" => match args.as_slice() {
            [] => Ok(Command::Password {
                old: None,
                new: None,
                repeat: None,
            }),
            [old, new, repeat] => Ok(Command::Password {
                old: Some(Secret(old.to_string())),
                new: Some(Secret(new.to_string())),
                repeat: Some(Secret(repeat.to_string())),
            }),
            _ => Err(bad()),
        },
        "balance" => none(Command::Balance),
        "bills" => match args.as_slice() {
            [] => Ok(Command::Bills { page: 1 }),
            [p] => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .map(|page| Command::Bills { page })
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        "bill" => one(&args).map(|number| Command::Bill { number }),
        "pdf" => one(&args).map(|number| Command::Pdf { number }),
        "calendar" => match args.as_slice() {
            [] => Ok(Command::Calendar { month: None }),
            [m] => YearMonth::parse(m)
                .map(|m| Command::Calendar { month: Some(m) })
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        "collections" => none(Command::Collections),
        "documents" => none(Command::Documents),
        "document" => one(&args).map(|number| Command::Document { number }),
        "messages" => none(Command::Messages),
        "contact" => none(Command::Contact),
        "language" => match args.as_slice() {
            [l] => Lang::parse(l)
                .map(|lang| Command::Language { lang })
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        "cancel" => none(Command::Cancel),
        _ => Err(ParseError::Unknown(word)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_names_and_polish_aliases_parse_alike() {
        for (en, pl) in [
            ("balance", "saldo"),
            ("collections", "windykacje"),
            ("messages", "wiadomości"),
        ] {
            assert_eq!(parse(en), parse(pl));
        }
        assert_eq!(parse("rachunki 2"), Ok(Command::Bills { page: 2 }));
        assert_eq!(parse("bills"), Ok(Command::Bills { page: 1 }));
    }

    #[test]
    fn case_diacritics_slash_and_bot_suffix_are_ignored() {
        assert_eq!(parse("/SALDO"), Ok(Command::Balance));
        assert_eq!(parse("/saldo@ebok_bot"), Ok(Command::Balance));
        assert_eq!(parse("WIADOMOSCI"), Ok(Command::Messages));
        assert_eq!(parse("Wiadomości"), Ok(Command::Messages));
        assert_eq!(
            parse("  Hasło  "),
            Ok(Command::Password {
                old: None,
                new: None,
                repeat: None
            })
        );
        assert_eq!(parse("JĘZYK en"), Ok(Command::Language { lang: Lang::En }));
    }

    #[test]
    fn arguments_keep_their_case() {
        assert_eq!(
            parse("faktura FV/2025/01/0042"),
            Ok(Command::Bill {
                number: "FV/2025/01/0042".into()
            })
        );
        assert_eq!(
            parse("zaloguj K00012 Tajne.Haslo"),
            Ok(Command::Login {
                identifier: Some("K00012".into()),
                password: Some(Secret("Tajne.Haslo".into()))
            })
        );
    }

    #[test]
    fn a_login_password_may_contain_spaces() {
        assert_eq!(
            parse("zaloguj EB000001 Ciepła woda w kranie"),
            Ok(Command::Login {
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
}
