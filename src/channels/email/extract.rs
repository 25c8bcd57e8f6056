//! Which lines of a mail are commands. The subject counts when it is not a reply or a
//! forward (`Re:`, `Odp:`, `Fwd:` … would run an old command again); in the body every
//! non-empty line is one input, except:
//! - quoted lines (`>`), reply headers ("On … wrote:", "W dniu … pisze:",
//!   "… napisał(a):") and mobile footers ("Sent from my iPhone"), which are skipped;
//! - Outlook's unquoted original ("-----Original Message-----", a line of underscores,
//!   a `From:`/`Od:` line followed by `Sent:`/`Wysłane:`/`Date:`), the signature
//!   separator `-- ` and a line `END` / `KONIEC`, after which nothing is read.
//!
//! Consecutive `Field: value` lines (a registration form) form one input, joined to a
//! `REGISTER` / `REJESTRACJA` line just before them.

use crate::core::command::{lookup, split_command};
use crate::core::text::fold;

/// One input for the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The line trimmed (a form: its lines joined).
    pub text: String,
    /// The line as written: what a password answer or a login line gives the core, which
    /// checks a password trimmed and then as typed (see `core::password::as_typed`).
    pub raw: String,
    pub from_subject: bool,
}

/// The inputs of a mail and the subject when it was not read as a command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub inputs: Vec<Input>,
    /// A subject that is neither a reply nor a command (listed as ignored).
    pub ignored_subject: Option<String>,
}

/// Reads the inputs of a mail.
pub fn extract(subject: &str, body: &str) -> Extracted {
    let mut out = Extracted::default();
    match subject_command(subject) {
        SubjectKind::Command(text) => out.inputs.push(Input {
            raw: text.clone(),
            text,
            from_subject: true,
        }),
        SubjectKind::Other(text) => out.ignored_subject = Some(text),
        SubjectKind::Reply | SubjectKind::Empty => {}
    }
    for (text, raw) in group_fields(lines_as_written(body)) {
        out.inputs.push(Input {
            text,
            raw,
            from_subject: false,
        });
    }
    out
}

enum SubjectKind {
    Empty,
    Reply,
    Command(String),
    Other(String),
}

fn subject_command(subject: &str) -> SubjectKind {
    let subject = subject.trim();
    if subject.is_empty() {
        return SubjectKind::Empty;
    }
    if strip_reply_prefix(subject).is_some() {
        return SubjectKind::Reply;
    }
    match split_command(subject) {
        Some((word, _)) if word == "start" || lookup(&word).is_some() => {
            SubjectKind::Command(subject.to_string())
        }
        _ => SubjectKind::Other(subject.to_string()),
    }
}

/// The subject without one `Re:`-like prefix, if it has one.
pub fn strip_reply_prefix(subject: &str) -> Option<&str> {
    let (head, rest) = subject.split_once(':')?;
    let head = fold(head.trim());
    // "Re[2]" and "RE" alike.
    let head = head.split('[').next().unwrap_or("").trim();
    matches!(
        head,
        "re" | "odp" | "odp." | "fw" | "fwd" | "pd" | "aw" | "wg" | "sv" | "tr" | "res" | "r"
    )
    .then_some(rest.trim_start())
}

/// Body lines that may be commands, trimmed, in order.
pub fn body_lines(body: &str) -> Vec<String> {
    lines_as_written(body).into_iter().map(|(t, _)| t).collect()
}

/// [`body_lines`], each also as written (without its line ending).
fn lines_as_written(body: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = body.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if *raw == "-- " || line == "--" || is_end(line) || starts_unquoted_original(&lines, i) {
            break;
        }
        if line.is_empty() || line.starts_with('>') || is_footer(line) {
            continue;
        }
        if is_attribution(line) {
            // Gmail wraps long attributions: "On Mon, … Jan Kowalski <jan@…>" / "wrote:",
            // "pon., 3 mar 2025 o 10:15 Jan <jan@…>" / "napisał(a):".
            if let Some((prev, _)) = out.last() {
                let p = fold(prev);
                let started =
                    p.starts_with("on ") || p.starts_with("w dniu") || p.starts_with("dnia ");
                let marker_only = fold(line).split_whitespace().count() == 1;
                if (started || marker_only) && !is_attribution(prev) {
                    out.pop();
                }
            }
            continue;
        }
        out.push((line.to_string(), raw.to_string()));
    }
    out
}

fn is_end(line: &str) -> bool {
    matches!(
        fold(line).trim_end_matches(['.', '!']),
        "end" | "koniec" | "stop"
    )
}

fn is_attribution(line: &str) -> bool {
    let f = fold(line);
    [
        "wrote:",
        "pisze:",
        "napisal(a):",
        "napisal:",
        "napisala:",
        "schrieb:",
        "a ecrit :",
    ]
    .iter()
    .any(|end| f.ends_with(end))
}

fn is_footer(line: &str) -> bool {
    let f = fold(line);
    [
        "sent from my ",
        "sent from outlook",
        "get outlook for ",
        "wyslane z ",
        "wyslano z ",
    ]
    .iter()
    .any(|p| f.starts_with(p))
}

/// Outlook quotes the original without `>`: cut at its separator or header block.
fn starts_unquoted_original(lines: &[&str], i: usize) -> bool {
    let f = fold(lines[i].trim());
    if f.contains("original message") || f.contains("wiadomosc oryginalna") {
        return f.starts_with('-') || f.starts_with('_');
    }
    if f.len() >= 10 && f.chars().all(|c| c == '_') {
        return true;
    }
    let from_line = f.starts_with("from:") || f.starts_with("od:");
    from_line
        && lines.iter().skip(i + 1).take(3).any(|next| {
            let n = fold(next.trim());
            ["sent:", "date:", "wyslane:", "wyslano:", "data:"]
                .iter()
                .any(|p| n.starts_with(p))
        })
}

/// `key: value` (or `key=value`) where the key is not a command word.
pub fn is_field_line(line: &str) -> bool {
    let Some(at) = line.find([':', '=']) else {
        return false;
    };
    let key = line[..at].trim();
    if line[at + 1..].starts_with("//")
        || key.is_empty()
        || key.chars().count() > 40
        || !key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')'))
    {
        return false;
    }
    // "pdf FV:1" is a command with an argument; "regulamin: tak" is a field.
    let first = line.split_whitespace().next().unwrap_or("");
    let first_is_word = !first.contains([':', '=']);
    !(first_is_word && is_command_word(first))
}

fn is_command_word(word: &str) -> bool {
    split_command(word).is_some_and(|(w, _)| w == "start" || lookup(&w).is_some())
}

fn is_register(line: &str) -> bool {
    split_command(line).is_some_and(|(w, _)| lookup(&w).is_some_and(|s| s.names[0] == "register"))
}

/// Joins runs of field lines into one input (to a `REGISTER` line before them); a
/// joined input is as written what it is trimmed.
fn group_fields(lines: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    // Whether the last entry of `out` accepts more field lines.
    let mut open = false;
    for (line, raw) in lines {
        if is_field_line(&line) {
            match out.last_mut() {
                Some((last, last_raw)) if open => {
                    last.push('\n');
                    last.push_str(&line);
                    last_raw.clone_from(last);
                }
                _ => out.push((line, raw)),
            }
            open = true;
        } else {
            open = is_register(&line);
            out.push((line, raw));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(e: &Extracted) -> Vec<&str> {
        e.inputs.iter().map(|i| i.text.as_str()).collect()
    }

    #[test]
    fn subject_commands_run_unless_the_mail_is_a_reply() {
        let e = extract("SALDO", "RACHUNKI");
        assert_eq!(texts(&e), ["SALDO", "RACHUNKI"]);
        assert!(e.inputs[0].from_subject);
        let e = extract("Re: SALDO", "KONTAKT");
        assert_eq!(texts(&e), ["KONTAKT"]);
        assert_eq!(e.ignored_subject, None);
        let e = extract("Pytanie o fakturę", "POMOC");
        assert_eq!(e.ignored_subject.as_deref(), Some("Pytanie o fakturę"));
        assert_eq!(extract("ODP: x", "").inputs, vec![]);
        assert_eq!(extract("RE[2]: x", "").inputs, vec![]);
    }

    #[test]
    fn quotes_attributions_and_signatures_are_skipped() {
        let body = "SALDO\r\n\r\nOn Mon, 3 Mar 2025 at 10:00, Jan Kowalski <jan@example.pl>\r\nwrote:\r\n> POMOC\r\n>> KONTAKT\r\nRACHUNKI\r\n-- \r\nJan Kowalski\r\nWIADOMOSCI";
        assert_eq!(body_lines(body), ["SALDO", "RACHUNKI"]);
        let pl = "KONTAKT\nW dniu 3.03.2025 o 10:00, Jan Kowalski pisze:\n> SALDO";
        assert_eq!(body_lines(pl), ["KONTAKT"]);
        let gmail_pl = "POMOC\npon., 3 mar 2025 o 10:00 Jan <jan@x.pl> napisał(a):\n> x";
        assert_eq!(body_lines(gmail_pl), ["POMOC"]);
        let wrapped = "POMOC\n\npon., 3 mar 2025 o 10:00 Jan <jan@x.pl>\nnapisał(a):\n\n> x";
        assert_eq!(body_lines(wrapped), ["POMOC"]);
        assert_eq!(body_lines("SALDO\nKONIEC\nRACHUNKI"), ["SALDO"]);
        assert_eq!(body_lines("SALDO\nend.\nRACHUNKI"), ["SALDO"]);
        assert_eq!(body_lines("SALDO\nSent from my iPhone"), ["SALDO"]);
    }

    #[test]
    fn outlook_originals_are_cut() {
        let en = "SALDO\n\nFrom: e-BOK <ebok@example.test>\nSent: Monday, March 3, 2025 10:00 AM\nTo: x\nSubject: y\n\nRACHUNKI";
        assert_eq!(body_lines(en), ["SALDO"]);
        let pl =
            "SALDO\n________________________________\nOd: e-BOK\nWysłane: poniedziałek\nRACHUNKI";
        assert_eq!(body_lines(pl), ["SALDO"]);
        let old = "KONTAKT\n-----Original Message-----\nSALDO";
        assert_eq!(body_lines(old), ["KONTAKT"]);
    }

    #[test]
    fn form_lines_are_one_input_with_their_register_line() {
        let body = "REJESTRACJA\nnazwa: Jan Kowalski\nPESEL: 44051401359\n\nregulamin: tak\nSALDO\numowa: UM/1";
        assert_eq!(
            body_lines(body).len(),
            6,
            "blank lines are dropped before grouping"
        );
        let e = extract("", body);
        assert_eq!(
            texts(&e),
            [
                "REJESTRACJA\nnazwa: Jan Kowalski\nPESEL: 44051401359\nregulamin: tak",
                "SALDO",
                "umowa: UM/1"
            ]
        );
    }

    /// A password goes to the core as written (the core trims it alike for every
    /// channel); everything else is read trimmed.
    #[test]
    fn inputs_keep_the_line_as_written_beside_the_trimmed_one() {
        let e = extract(
            "",
            "  ZALOGUJ K1 Zimowy Wieczór \r\n Zimowy \nREJESTRACJA\nnazwa: Jan \n",
        );
        let pairs: Vec<(&str, &str)> = e
            .inputs
            .iter()
            .map(|i| (i.text.as_str(), i.raw.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("ZALOGUJ K1 Zimowy Wieczór", "  ZALOGUJ K1 Zimowy Wieczór "),
                ("Zimowy", " Zimowy "),
                ("REJESTRACJA\nnazwa: Jan", "REJESTRACJA\nnazwa: Jan"),
            ]
        );
    }

    #[test]
    fn field_lines_are_told_from_commands() {
        assert!(is_field_line("e-mail: jan@example.pl"));
        assert!(is_field_line("regulamin: tak"));
        assert!(is_field_line("imię i nazwisko: Jan"));
        assert!(!is_field_line("PDF FV:1"));
        assert!(!is_field_line("SALDO"));
        assert!(!is_field_line("https://example.pl"));
    }
}
