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
use crate::domain::text::fold;

/// One input for the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The line trimmed (a form: its lines joined).
    pub text: String,
    /// The line as written: what a password answer or a login line gives the core, which
    /// checks a password trimmed and then as typed (see `core::password::as_typed`).
    pub raw: String,
    pub from_subject: bool,
    /// The mail's attachments, on the first line whose command takes files (a case).
    pub files: Vec<crate::core::IncomingFile>,
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
            files: Vec::new(),
        }),
        SubjectKind::Other(text) => out.ignored_subject = Some(text),
        SubjectKind::Reply | SubjectKind::Empty => {}
    }
    for (text, raw) in group_fields(lines_as_written(body)) {
        out.inputs.push(Input {
            text,
            raw,
            from_subject: false,
            files: Vec::new(),
        });
    }
    out
}

/// Gives the mail's attachments to the line of a case that takes them: the first whose
/// command takes files and has arguments (a form, `sprawa <nr> dopisz`), else the first
/// whose command takes files; with none, nothing takes them.
pub fn attach(extracted: &mut Extracted, files: Vec<crate::core::IncomingFile>) {
    let takes = |i: &Input, with_args: bool| {
        split_command(&i.text).is_some_and(|(w, rest)| {
            lookup(&w).is_some_and(|d| d.takes_files) && (!with_args || !rest.is_empty())
        })
    };
    let at = (extracted.inputs.iter().position(|i| takes(i, true)))
        .or_else(|| extracted.inputs.iter().position(|i| takes(i, false)));
    if let Some(at) = at {
        extracted.inputs[at].files = files;
    }
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
    // A form's command with more words ("Wniosek o dostęp", "Reklamacja rachunku") is a
    // title, not a command: the form is in the body.
    let runs = |word: &str, rest: &str| {
        word == "start" || lookup(word).is_some_and(|d| !d.takes_form || rest.is_empty())
    };
    match split_command(subject) {
        Some((word, rest)) if runs(&word, rest) => SubjectKind::Command(subject.to_string()),
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

/// What the markers of a line (a reply header, a footer, `KONIEC`, Outlook's separator)
/// are told by: its first and last characters folded, and the whole line folded when
/// it is short enough to be a marker that is matched whole. Folding only these keeps a
/// mail of megabytes of garbage cheap to read.
struct Folded {
    head: String,
    tail: String,
    whole: Option<String>,
}

/// Characters of a line's head and tail looked at (the longest marker prefix or suffix
/// is shorter).
const ENDS: usize = 24;
/// Lines up to this many bytes are folded whole (Outlook's separator lines).
const WHOLE_MAX: usize = 200;

impl Folded {
    fn new(line: &str) -> Folded {
        let head: String = line.chars().take(ENDS).collect();
        let skip = line.chars().count().saturating_sub(ENDS);
        let tail: String = line.chars().skip(skip).collect();
        Folded {
            head: fold(&head),
            tail: fold(&tail),
            whole: (line.len() <= WHOLE_MAX).then(|| fold(line)),
        }
    }
}

/// Body lines that may be commands, trimmed, in order.
pub fn body_lines(body: &str) -> Vec<String> {
    lines_as_written(body).into_iter().map(|(t, _)| t).collect()
}

/// [`body_lines`], each also as written (without its line ending).
fn lines_as_written(body: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = body.lines().map(|l| l.trim_end_matches('\r')).collect();
    let folded: Vec<Folded> = lines.iter().map(|l| Folded::new(l.trim())).collect();
    let mut out: Vec<(String, String)> = Vec::new();
    // The folded form of each line kept.
    let mut out_folded: Vec<&Folded> = Vec::new();
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        let f = &folded[i];
        if *raw == "-- " || line == "--" || is_end(f) || starts_unquoted_original(&folded, i) {
            break;
        }
        if line.is_empty() || line.starts_with('>') || is_footer(f) {
            continue;
        }
        if is_attribution(f) {
            // Gmail wraps long attributions: "On Mon, … Jan Kowalski <jan@…>" / "wrote:",
            // "pon., 3 mar 2025 o 10:15 Jan <jan@…>" / "napisał(a):".
            if let Some(p) = out_folded.last() {
                let h = &p.head;
                let started =
                    h.starts_with("on ") || h.starts_with("w dniu") || h.starts_with("dnia ");
                let marker_only = line.split_whitespace().count() == 1;
                if (started || marker_only) && !is_attribution(p) {
                    out.pop();
                    out_folded.pop();
                }
            }
            continue;
        }
        out.push((line.to_string(), raw.to_string()));
        out_folded.push(f);
    }
    out
}

fn is_end(f: &Folded) -> bool {
    f.whole
        .as_deref()
        .is_some_and(|w| matches!(w.trim_end_matches(['.', '!']), "end" | "koniec" | "stop"))
}

fn is_attribution(f: &Folded) -> bool {
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
    .any(|end| f.tail.ends_with(end))
}

fn is_footer(f: &Folded) -> bool {
    [
        "sent from my ",
        "sent from outlook",
        "get outlook for ",
        "wyslane z ",
        "wyslano z ",
    ]
    .iter()
    .any(|p| f.head.starts_with(p))
}

/// Outlook quotes the original without `>`: cut at its separator or header block.
fn starts_unquoted_original(folded: &[Folded], i: usize) -> bool {
    let f = &folded[i];
    if let Some(w) = f.whole.as_deref() {
        if w.contains("original message") || w.contains("wiadomosc oryginalna") {
            return w.starts_with('-') || w.starts_with('_');
        }
        if w.len() >= 10 && w.chars().all(|c| c == '_') {
            return true;
        }
    }
    let from_line = f.head.starts_with("from:") || f.head.starts_with("od:");
    from_line
        && folded.iter().skip(i + 1).take(3).any(|n| {
            ["sent:", "date:", "wyslane:", "wyslano:", "data:"]
                .iter()
                .any(|p| n.head.starts_with(p))
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
    split_command(line).is_some_and(|(w, _)| lookup(&w).is_some_and(|s| s.takes_form))
}

/// Joins runs of field lines into one input (to a `REGISTER` line before them).
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
