//! How an input is shown back in a reply: a password never (masked), a line that was
//! not understood only by its first word (it may be a mistyped password), a command
//! as typed; every one cleaned of control characters and cut (see [`super::bounds`]).

use super::bounds::{ECHO_WIDTH, echo_line};
use super::secret::{MASK, is_login};

/// A command as typed (cleaned, cut to [`ECHO_WIDTH`]); a multi-line input (a form)
/// shows its first line.
pub(super) fn full_echo(text: &str) -> String {
    let mut lines = text.lines();
    let first = echo_line(lines.next().unwrap_or(""), ECHO_WIDTH);
    if lines.next().is_some() {
        format!("{first} […]")
    } else {
        first
    }
}

/// The command word and, for a login, the identifier; the rest masked.
pub(super) fn masked_echo(text: &str) -> String {
    let word = |w: &str| echo_line(w, WORD_WIDTH);
    let first = word(text.split_whitespace().next().unwrap_or(""));
    match text.split_whitespace().nth(1) {
        Some(id) if is_login(text) => format!("{first} {} {MASK}", word(id)),
        _ => format!("{first} {MASK}"),
    }
}

/// The widest a word shown alone may be (then `…`).
const WORD_WIDTH: usize = 40;

/// Only the first word: what follows may be anything (even a mistyped password).
pub fn short_echo(text: &str) -> String {
    let mut words = text.split_whitespace();
    let first = echo_line(words.next().unwrap_or(""), WORD_WIDTH);
    if words.next().is_some() {
        format!("{first} …")
    } else {
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_never_show_what_follows_a_secret_or_an_unknown_word() {
        assert_eq!(
            masked_echo("ZALOGUJ EB000001 Tajne Hasło"),
            format!("ZALOGUJ EB000001 {MASK}")
        );
        assert_eq!(
            masked_echo("rejestracja\npesel: 1"),
            format!("rejestracja {MASK}")
        );
        assert_eq!(short_echo("ZALOGUJE EB1 haslo"), "ZALOGUJE …");
        assert_eq!(full_echo("rachunki 2"), "rachunki 2");
        assert_eq!(full_echo("REJESTRACJA\nnip: 1"), "REJESTRACJA […]");
    }

    #[test]
    fn echoes_are_cut_and_carry_no_control_characters() {
        let long = full_echo(&format!("pdf {}", "ż".repeat(200)));
        assert_eq!(long.chars().count(), 81, "{long}");
        assert!(long.ends_with('…'));
        assert_eq!(short_echo("sal\u{1}do\u{7f} x"), "sal\u{fffd}do\u{fffd} …");
        assert_eq!(
            masked_echo(&format!("ZALOGUJ {} hasło", "E".repeat(100))),
            format!("ZALOGUJ {}… {MASK}", "E".repeat(40))
        );
    }
}
