//! The command language shared by every front end: English names with Polish aliases,
//! case- and diacritics-insensitive, with or without a leading `/` (and Telegram's
//! `@botname` suffix). The [`COMMANDS`] table also generates the help text.

use crate::domain::calendar::YearMonth;
pub use crate::domain::lang::Lang;
use crate::domain::text::fold;

/// A parsed command. Secrets (passwords) are wrapped so `Debug` never shows them.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Start,
    Help,
    Login {
        identifier: Option<String>,
        password: Option<Secret>,
    },
    /// `all`: every account logged in to in this chat, else only the current one.
    Logout {
        all: bool,
    },
    /// The accounts logged in to in this chat, with their balances.
    Accounts,
    /// Switch to another account open in this chat: its number in the list or its
    /// identifier.
    Account {
        which: String,
    },
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
    /// Payment details and the transfer QR code.
    Pay {
        target: PayTarget,
    },
    Calendar {
        month: Option<YearMonth>,
    },
    /// The unpaid bills' due dates as an iCalendar file (`calendar ics`).
    CalendarFile,
    /// A private subscription URL of that file (`calendar link`), or revoking it
    /// (`calendar link revoke`).
    CalendarLink {
        revoke: bool,
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
    /// Registration request; `form` holds any fields typed after the command (it may
    /// contain a PESEL, so it is a [`Secret`] and never printed).
    Register {
        form: Secret,
    },
    Regulations,
    /// Self-service reset: a new temporary password to the address on file.
    Reset {
        identifier: Option<String>,
    },
    Consents,
    Withdraw,
    /// Notification settings of this chat (Telegram) or of the address on file.
    Notifications {
        change: NotifyChange,
    },
    // Staff only.
    Pending,
    /// `email`: which address gets the credentials when the request's differs from the
    /// billing record's (`wniosek`/`request`, `kartoteka`/`billing`, or the address).
    Approve {
        id: i64,
        email: Option<String>,
    },
    Reject {
        id: i64,
        reason: String,
    },
    ResetPassword {
        identifier: String,
    },
    Lock {
        identifier: String,
    },
    Unlock {
        identifier: String,
    },
    Audit {
        limit: u32,
    },
    /// Publish an announcement: the rest of the line, read by `core::announce`.
    Announce {
        text: String,
    },
}

/// What `pay` is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayTarget {
    /// The whole balance (every unpaid bill, less overpayments).
    Balance,
    /// Every bill past its (effective) due date.
    Overdue,
    /// One bill, by number.
    Bill(String),
}

/// The words that ask `pay` for the overdue bills (folded).
const OVERDUE_WORDS: &[&str] = &["zalegle", "overdue"];
/// The word after `calendar link` that turns the subscription off.
const REVOKE_WORDS: &[&str] = &["odwolaj", "revoke"];

/// What `powiadomienia` changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyChange {
    /// Nothing: show the settings.
    Show,
    /// Turn one kind (or every kind) on.
    On(Option<crate::domain::notice::Kind>),
    /// Turn one kind (or every kind) off.
    Off(Option<crate::domain::notice::Kind>),
    /// End every subscription of the account, on every chat and by email.
    OffEverywhere,
    /// Quiet hours on or off.
    Quiet(bool),
}

/// `wlacz`/`on` → true, `wylacz`/`off` → false.
fn on_off(word: &str) -> Option<bool> {
    match fold(word).as_str() {
        "wlacz" | "on" | "tak" | "yes" => Some(true),
        "wylacz" | "off" | "nie" | "no" => Some(false),
        _ => None,
    }
}

fn notify_change(args: &[&str]) -> Option<NotifyChange> {
    use crate::domain::notice::Kind;
    let everywhere = |w: &str| matches!(fold(w).as_str(), "wszedzie" | "everywhere" | "all-chats");
    let quiet = |w: &str| {
        matches!(
            fold(w).as_str(),
            "cisza" | "quiet" | "godziny-ciszy" | "quiet-hours"
        )
    };
    match args {
        [] => Some(NotifyChange::Show),
        [q, on] if quiet(q) => on_off(on).map(NotifyChange::Quiet),
        [on] => on_off(on).map(|on| {
            if on {
                NotifyChange::On(None)
            } else {
                NotifyChange::Off(None)
            }
        }),
        [off, w] if on_off(off) == Some(false) && everywhere(w) => {
            Some(NotifyChange::OffEverywhere)
        }
        [on, kind] => {
            let kind = Kind::parse_word(kind)?;
            on_off(on).map(|on| {
                if on {
                    NotifyChange::On(Some(kind))
                } else {
                    NotifyChange::Off(Some(kind))
                }
            })
        }
        _ => None,
    }
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

macro_rules! staff_spec {
    ($names:expr, $apl:expr, $aen:expr, $hpl:expr, $hen:expr) => {
        CommandSpec {
            names: $names,
            args_pl: $apl,
            args_en: $aen,
            help_pl: $hpl,
            help_en: $hen,
            needs_login: true,
            staff: true,
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
        "[wszystkie]",
        "[all]",
        "bezpieczne wylogowanie z bieżącego konta (albo ze wszystkich)",
        "log out safely from the current account (or from all)",
        true
    ),
    spec!(
        &["accounts", "konta"],
        "",
        "",
        "konta zalogowane w tej rozmowie, z saldami",
        "accounts logged in to in this chat, with balances",
        true
    ),
    spec!(
        &["account", "konto"],
        "<nr>",
        "<no.>",
        "przełączenie na inne zalogowane konto",
        "switch to another logged-in account",
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
        &["pay", "zaplac"],
        "[numer|zalegle]",
        "[number|overdue]",
        "dane do przelewu i kod QR: rachunek, zaległe albo całe saldo",
        "transfer details and QR code: a bill, the overdue ones or the whole balance",
        true
    ),
    spec!(
        &["calendar", "kalendarz"],
        "[RRRR-MM|ics|link]",
        "[YYYY-MM|ics|link]",
        "niezapłacone rachunki w terminach płatności; ics — plik do kalendarza w telefonie; link — prywatny adres subskrypcji dla aplikacji kalendarza (link odwolaj — wyłącza go)",
        "unpaid bills by due date; ics: a file for your phone's calendar; link: a private subscription address for a calendar app (link revoke: turns it off)",
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
    spec!(
        &["register", "rejestracja"],
        "",
        "",
        "wniosek o dostęp do e-BOK",
        "request access to e-BOK",
        false
    ),
    spec!(
        &["regulations", "regulamin"],
        "",
        "",
        "regulamin e-BOK",
        "the e-BOK regulations",
        false
    ),
    spec!(
        &["reset", "nowe-haslo"],
        "[identyfikator]",
        "[identifier]",
        "nie pamiętam hasła: nowe hasło tymczasowe na adres e-mail z kartoteki",
        "forgotten password: a new temporary password to the address on file",
        false
    ),
    spec!(
        &["consents", "zgody"],
        "",
        "",
        "moje zgody i wersja regulaminu",
        "my consents and the regulations' version",
        true
    ),
    spec!(
        &["withdraw", "wycofaj-zgode"],
        "",
        "",
        "wycofanie zgody na przetwarzanie danych (zamyka konto)",
        "withdraw the data-processing consent (closes the account)",
        true
    ),
    spec!(
        &["notifications", "powiadomienia"],
        "[wlacz|wylacz]",
        "[on|off]",
        "powiadomienia o fakturach, wpłatach, terminach, zaległościach, windykacji i awariach (też: wylacz terminy, cisza wylacz)",
        "notifications of bills, payments, due dates, overdue bills, collections and outages (also: off due, quiet off)",
        true
    ),
    staff_spec!(
        &["pending", "wnioski"],
        "",
        "",
        "wnioski o dostęp z wynikami automatycznej weryfikacji",
        "access requests with the automatic verification results"
    ),
    staff_spec!(
        &["approve", "zatwierdz"],
        "<nr> [wniosek|kartoteka]",
        "<no.> [request|billing]",
        "zatwierdzenie wniosku: konto i hasło tymczasowe e-mailem (gdy adres z wniosku różni się od kartoteki — który)",
        "approve a request: account and temporary password by email (when the request's address differs from the billing record's — which one)"
    ),
    staff_spec!(
        &["reject", "odrzuc"],
        "<nr> <powód>",
        "<no.> <reason>",
        "odrzucenie wniosku (klient dostaje powód e-mailem)",
        "reject a request (the customer gets the reason by email)"
    ),
    staff_spec!(
        &["reset-password", "resetuj-haslo"],
        "<identyfikator>",
        "<identifier>",
        "nowe hasło tymczasowe dla konta (e-mailem, kończy sesje)",
        "new temporary password for an account (by email, ends sessions)"
    ),
    staff_spec!(
        &["lock", "zablokuj"],
        "<identyfikator>",
        "<identifier>",
        "blokada konta (kończy sesje)",
        "lock an account (ends its sessions)"
    ),
    staff_spec!(
        &["unlock", "odblokuj"],
        "<identyfikator>",
        "<identifier>",
        "odblokowanie konta",
        "unlock an account"
    ),
    staff_spec!(
        &["audit", "dziennik"],
        "[liczba]",
        "[count]",
        "dziennik zdarzeń: kto, co, kiedy",
        "audit log: who, what, when"
    ),
    staff_spec!(
        &["announce", "komunikat"],
        "<rodzaj> [obszar=WS-31,WS-32] [do RRRR-MM-DD] <tytuł> | <treść>",
        "<kind> [area=WS-31,WS-32] [until YYYY-MM-DD] <title> | <text>",
        "komunikat dla klientów (awaria, wylaczenie, remont, taryfa, informacja) z powiadomieniem; potem: komunikat wyslij|postep|wstrzymaj <nr>",
        "an announcement to customers (failure, interruption, maintenance, tariff, information) with notifications; then: announce send|progress|stop <ref>"
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

/// What follows the identifier of a login line, as typed after the one blank that
/// separates them: the login checks it trimmed, then as typed (a password stored with a
/// blank at an end, before such passwords were refused).
fn typed_password<'a>(text: &'a str, identifier: &str) -> &'a str {
    let line = text.trim_start().trim_end_matches(['\r', '\n']);
    let after_word = line.find(char::is_whitespace).map_or("", |i| &line[i..]);
    let after_id = after_word
        .trim_start()
        .strip_prefix(identifier)
        .unwrap_or_default();
    let mut rest = after_id.chars();
    rest.next();
    rest.as_str()
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
            Some((id, _)) => Ok(Command::Login {
                identifier: Some(id.to_string()),
                password: Some(Secret(typed_password(text, id).to_string())),
            }),
        },
        "logout" => match args.as_slice() {
            [] => Ok(Command::Logout { all: false }),
            [w] if matches!(fold(w).as_str(), "wszystkie" | "wszystko" | "all") => {
                Ok(Command::Logout { all: true })
            }
            _ => Err(bad()),
        },
        "accounts" => none(Command::Accounts),
        "account" => match args.as_slice() {
            [] => Ok(Command::Accounts),
            [which] => Ok(Command::Account {
                which: which.to_string(),
            }),
            _ => Err(bad()),
        },
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
        "pay" => match args.as_slice() {
            [] => Ok(Command::Pay {
                target: PayTarget::Balance,
            }),
            [word] if OVERDUE_WORDS.contains(&fold(word).as_str()) => Ok(Command::Pay {
                target: PayTarget::Overdue,
            }),
            [number] => Ok(Command::Pay {
                target: PayTarget::Bill(number.to_string()),
            }),
            _ => Err(bad()),
        },
        "calendar" => match args.as_slice() {
            [] => Ok(Command::Calendar { month: None }),
            [word] if fold(word) == "ics" => Ok(Command::CalendarFile),
            [word] if fold(word) == "link" => Ok(Command::CalendarLink { revoke: false }),
            [word, off] if fold(word) == "link" && REVOKE_WORDS.contains(&fold(off).as_str()) => {
                Ok(Command::CalendarLink { revoke: true })
            }
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
        "register" => Ok(Command::Register {
            form: Secret(rest.to_string()),
        }),
        "regulations" => none(Command::Regulations),
        "reset" => match args.as_slice() {
            [] => Ok(Command::Reset { identifier: None }),
            [id] => Ok(Command::Reset {
                identifier: Some(id.to_string()),
            }),
            _ => Err(bad()),
        },
        "consents" => none(Command::Consents),
        "withdraw" => none(Command::Withdraw),
        "notifications" => notify_change(&args)
            .map(|change| Command::Notifications { change })
            .ok_or_else(bad),
        "pending" => none(Command::Pending),
        "approve" => match args.as_slice() {
            [id] => request_number(id)
                .map(|id| Command::Approve { id, email: None })
                .ok_or_else(bad),
            [id, email] => request_number(id)
                .map(|id| Command::Approve {
                    id,
                    email: Some(email.to_string()),
                })
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        "reject" => {
            let (id, reason) = match rest.split_once(char::is_whitespace) {
                Some((id, reason)) => (id, reason.trim()),
                None => (rest, ""),
            };
            match request_number(id) {
                Some(id) if !reason.is_empty() => Ok(Command::Reject {
                    id,
                    reason: reason.to_string(),
                }),
                _ => Err(bad()),
            }
        }
        "reset-password" => one(&args).map(|identifier| Command::ResetPassword { identifier }),
        "lock" => one(&args).map(|identifier| Command::Lock { identifier }),
        "unlock" => one(&args).map(|identifier| Command::Unlock { identifier }),
        "audit" => match args.as_slice() {
            [] => Ok(Command::Audit { limit: 20 }),
            [n] => n
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=500).contains(n))
                .map(|limit| Command::Audit { limit })
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        "announce" if !rest.is_empty() => Ok(Command::Announce {
            text: rest.to_string(),
        }),
        "announce" => Err(bad()),
        _ => Err(ParseError::Unknown(word)),
    }
}

/// A request number as staff type it: `12` or `#12`.
fn request_number(text: &str) -> Option<i64> {
    text.trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_lifecycle_commands_parse() {
        assert_eq!(
            parse("rejestracja nazwa: Jan Kowalski; pesel: 1"),
            Ok(Command::Register {
                form: Secret("nazwa: Jan Kowalski; pesel: 1".into())
            })
        );
        assert_eq!(
            parse("register"),
            Ok(Command::Register {
                form: Secret(String::new())
            })
        );
        assert!(!format!("{:?}", parse("rejestracja pesel: 44051401359")).contains("4405"));
        assert_eq!(
            parse("nowe-haslo EB123456"),
            Ok(Command::Reset {
                identifier: Some("EB123456".into())
            })
        );
        assert_eq!(parse("zgody"), Ok(Command::Consents));
        assert_eq!(
            parse("zatwierdz #12"),
            Ok(Command::Approve {
                id: 12,
                email: None
            })
        );
        assert_eq!(
            parse("approve 7"),
            Ok(Command::Approve { id: 7, email: None })
        );
        assert_eq!(
            parse("zatwierdz 7 kartoteka"),
            Ok(Command::Approve {
                id: 7,
                email: Some("kartoteka".into())
            })
        );
        assert_eq!(
            parse("odrzuc 3 Numer faktury nie zgadza się"),
            Ok(Command::Reject {
                id: 3,
                reason: "Numer faktury nie zgadza się".into()
            })
        );
        assert_eq!(
            parse("ZABLOKUJ EB1"),
            Ok(Command::Lock {
                identifier: "EB1".into()
            })
        );
        assert_eq!(parse("dziennik"), Ok(Command::Audit { limit: 20 }));
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
            let spec = lookup(name).unwrap();
            assert!(spec.staff && spec.needs_login, "{name}");
        }
        for name in ["register", "regulations", "reset", "consents", "withdraw"] {
            assert!(!lookup(name).unwrap().staff, "{name}");
        }
    }

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

    /// The password is kept as typed (the core checks it trimmed first); the line's
    /// own ending and the blanks before the identifier are not part of it.
    #[test]
    fn a_login_password_keeps_its_edge_blanks_for_the_core() {
        let password = |line: &str| match parse(line) {
            Ok(Command::Login { password, .. }) => password.map(|p| p.0),
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
    fn pay_takes_a_bill_the_overdue_word_or_nothing() {
        assert_eq!(
            parse("zapłać"),
            Ok(Command::Pay {
                target: PayTarget::Balance
            })
        );
        assert_eq!(
            parse("ZAPLAC Zaległe"),
            Ok(Command::Pay {
                target: PayTarget::Overdue
            })
        );
        assert_eq!(parse("pay overdue"), parse("zaplac zalegle"));
        assert_eq!(
            parse("pay FV/2025/02/000102"),
            Ok(Command::Pay {
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
            Ok(Command::CalendarLink { revoke: false })
        );
        for revoke in [
            "kalendarz link odwolaj",
            "calendar LINK revoke",
            "kalendarz link odwołaj",
        ] {
            assert_eq!(parse(revoke), Ok(Command::CalendarLink { revoke: true }));
        }
        assert!(matches!(
            parse("kalendarz link K-00102"),
            Err(ParseError::BadArguments { .. })
        ));
    }

    #[test]
    fn calendar_ics_asks_for_the_file() {
        assert_eq!(parse("kalendarz ics"), Ok(Command::CalendarFile));
        assert_eq!(parse("calendar ICS"), Ok(Command::CalendarFile));
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
}
