//! Command extraction from mail: any bytes are safe, and a quoted line (`>` in plain
//! text, in any transfer encoding, with or without `format=flowed`; a `<blockquote>` in
//! HTML) is never read as a command.

use crate::channels::email::extract::extract;
use crate::channels::email::parse::parse;
use base64::Engine;
use proptest::prelude::*;

/// Marks text that was quoted: no input may contain it.
const QUOTED: &str = "QUOTEDXYZ";

/// One body line: a command-ish line of the customer's, or a quoted one.
#[derive(Debug, Clone)]
enum Line {
    Own(String),
    Quoted { depth: usize, text: String },
}

fn line() -> impl Strategy<Value = Line> {
    let own = prop_oneof![
        Just("SALDO".to_string()),
        Just("rachunki 2".to_string()),
        Just("pdf FV/2025/10/000102".to_string()),
        Just(String::new()),
        Just("Dzień dobry, ".to_string()),
        "[a-zA-Ząęłóśżźćń0-9 :;,./-]{0,30}",
    ];
    let quoted = (
        1usize..4,
        prop_oneof![
            Just("SALDO".to_string()),
            Just("pdf FV/1".to_string()),
            Just("zaloguj EB123456 haslo".to_string()),
            "[a-zA-Z0-9 :]{0,20}",
        ],
        any::<bool>(),
    )
        .prop_map(|(depth, text, soft)| Line::Quoted {
            depth,
            // A trailing space makes a flowed line soft (continued on the next one).
            text: format!("{text} {QUOTED}{}", if soft { " " } else { "" }),
        });
    prop_oneof![3 => own.prop_map(Line::Own), 2 => quoted]
}

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Plain,
    QuotedPrintable,
    Base64,
}

fn body_text(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| match l {
            Line::Own(t) => t.clone(),
            Line::Quoted { depth, text } => format!("{} {text}", ">".repeat(*depth)),
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'\r' | b'\n' => out.push(b as char),
            b'=' | 0x80.. => out.push_str(&format!("={b:02X}")),
            _ => out.push(b as char),
        }
    }
    out
}

fn plain_mail(lines: &[Line], encoding: Encoding, flowed: bool) -> Vec<u8> {
    let text = body_text(lines);
    let (cte, body) = match encoding {
        Encoding::Plain => ("8bit", text),
        Encoding::QuotedPrintable => ("quoted-printable", quoted_printable(&text)),
        Encoding::Base64 => (
            "base64",
            base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
        ),
    };
    let format = if flowed { "; format=flowed" } else { "" };
    format!(
        "From: Jan <jan@example.test>\r\nTo: ebok@mpec.example\r\nSubject: Re: e-BOK\r\n\
         Message-ID: <1@example.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8{format}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn html_mail(lines: &[Line]) -> Vec<u8> {
    let mut html = String::from("<html><body>");
    for l in lines {
        match l {
            Line::Own(t) => html.push_str(&format!("<div>{}</div>", escape(t))),
            Line::Quoted { depth, text } => {
                html.push_str(&"<blockquote>".repeat(*depth));
                html.push_str(&format!("<div>{}</div>", escape(text)));
                html.push_str(&"</blockquote>".repeat(*depth));
            }
        }
    }
    html.push_str("</body></html>");
    format!(
        "From: jan@example.test\r\nSubject: e-BOK\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
    )
    .into_bytes()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn inputs(raw: &[u8]) -> Vec<String> {
    let Some(mail) = parse(raw) else {
        return Vec::new();
    };
    extract(&mail.subject, &mail.text)
        .inputs
        .into_iter()
        .map(|i| i.text)
        .collect()
}

proptest! {
    #![proptest_config(super::config())]

    #[test]
    fn any_bytes_are_read_without_panicking(raw in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = inputs(&raw);
    }

    #[test]
    fn any_mime_looking_mail_is_read_without_panicking(
        headers in "(Content-Type: (text/plain|text/html|multipart/mixed; boundary=b)(; format=flowed)?(; delsp=yes)?\r\n)?(Content-Transfer-Encoding: (base64|quoted-printable|7bit)\r\n)?",
        body in "\\PC{0,200}|[ >=\r\n-]{0,60}",
    ) {
        let raw = format!("From: a@b.c\r\nSubject: x\r\n{headers}\r\n{body}");
        let _ = inputs(raw.as_bytes());
    }

    #[test]
    fn a_quoted_line_is_never_a_command(
        lines in proptest::collection::vec(line(), 1..12),
        encoding in prop_oneof![Just(Encoding::Plain), Just(Encoding::QuotedPrintable), Just(Encoding::Base64)],
        flowed in any::<bool>(),
        html in any::<bool>(),
    ) {
        let raw = if html { html_mail(&lines) } else { plain_mail(&lines, encoding, flowed) };
        for input in inputs(&raw) {
            prop_assert!(
                !input.contains(QUOTED),
                "a quoted line was read as {:?} from\n{}",
                input,
                String::from_utf8_lossy(&raw)
            );
        }
    }
}
