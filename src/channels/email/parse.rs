//! An inbound mail as the responder needs it: who sent it, what it answers, its headers
//! for loop protection, and the text to read commands from. mail-parser does the MIME
//! work (base64, quoted-printable, RFC 2047 words, ISO-8859-2 and Windows-1250 among
//! its charsets); this module picks the text and undoes `format=flowed`.

use mail_parser::{MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

/// The parts of an inbound mail the responder uses.
#[derive(Debug, Clone, Default)]
pub struct Inbound {
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// `References` (then `In-Reply-To` when there are none), without angle brackets.
    pub references: Vec<String>,
    /// The first `From` address, lower case.
    pub from: Option<String>,
    /// Decoded subject ("" when missing).
    pub subject: String,
    /// The first text/plain part, or the text of an HTML-only mail (quotes removed).
    pub text: String,
    /// Top-level headers: lower-case name and raw value.
    pub headers: Vec<(String, String)>,
    /// `multipart/report` or a `message/delivery-status` part: a DSN or an MDN.
    pub is_report: bool,
    /// `Content-Language` of the mail, if any.
    pub language: Option<String>,
    /// The attached files, named as the sender named them (a case may take them).
    pub attachments: Vec<crate::core::IncomingFile>,
}

impl Inbound {
    /// Raw value of the first header called `name` (lower case), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }
}

/// Parses raw RFC 5322 bytes; `None` when mail-parser finds no message at all.
pub fn parse(raw: &[u8]) -> Option<Inbound> {
    let message = MessageParser::default().parse(raw)?;
    match close_open_multiparts(&message, raw) {
        Some(repaired) => MessageParser::default()
            .parse(&repaired)
            .map(|m| inbound(&m)),
        None => Some(inbound(&message)),
    }
}

/// Clients and gateways send multiparts without their closing boundary; mail-parser
/// then files the last part as unreadable and the mail seems empty. Like lenient
/// readers, such a part runs to the end of the mail: the missing closing delimiters
/// are appended (innermost first) and the mail is parsed again. `None`: nothing open.
fn close_open_multiparts(message: &mail_parser::Message<'_>, raw: &[u8]) -> Option<Vec<u8>> {
    let open: Vec<String> = message
        .parts
        .iter()
        .filter_map(|p| p.content_type())
        .filter(|c| c.ctype().eq_ignore_ascii_case("multipart"))
        .filter_map(|c| c.attribute("boundary"))
        .filter(|b| !contains(raw, format!("--{b}--").as_bytes()))
        .map(str::to_string)
        .collect();
    if open.is_empty() {
        return None;
    }
    let mut repaired = raw.to_vec();
    for boundary in open.iter().rev() {
        repaired.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    }
    Some(repaired)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn inbound(message: &mail_parser::Message<'_>) -> Inbound {
    let headers: Vec<(String, String)> = message
        .headers_raw()
        .map(|(k, v)| (k.to_ascii_lowercase(), unfold(v)))
        .collect();
    let from = message
        .from()
        .and_then(|a| a.iter().find_map(|x| x.address.as_deref()))
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'));
    let mut references = ids(message.references());
    if references.is_empty() {
        references = ids(message.in_reply_to());
    }
    let is_report = message.parts.iter().any(|p| {
        p.content_type().is_some_and(|c| {
            let (t, s) = (c.ctype(), c.subtype().unwrap_or(""));
            (t.eq_ignore_ascii_case("multipart") && s.eq_ignore_ascii_case("report"))
                || (t.eq_ignore_ascii_case("message")
                    && (s.eq_ignore_ascii_case("delivery-status")
                        || s.eq_ignore_ascii_case("disposition-notification")))
        })
    });
    let language = headers
        .iter()
        .find(|(k, _)| k == "content-language")
        .map(|(_, v)| v.trim().to_lowercase());
    Inbound {
        message_id: message
            .message_id()
            .map(|m| m.trim().to_string())
            .filter(|m| !m.is_empty()),
        references,
        from,
        subject: message.subject().unwrap_or("").trim().to_string(),
        text: body_text(message),
        headers,
        is_report,
        language,
        // Images embedded in the HTML (a signature's logo: inline, or with a Content-ID)
        // are not the sender's documents.
        attachments: message
            .attachments()
            .filter(|p| {
                let inline = p
                    .content_disposition()
                    .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
                !inline && p.content_id().is_none()
            })
            .map(|p| crate::core::IncomingFile {
                name: p.attachment_name().unwrap_or("zalacznik").to_string(),
                body: p.contents().to_vec(),
            })
            .collect(),
    }
}

/// A stable key for "this mail": the sender and Message-ID, or the raw bytes when the
/// mail has no Message-ID. The same mail delivered twice (or seen again after a
/// UIDVALIDITY change) has the same fingerprint.
pub fn fingerprint(mail: Option<&Inbound>, raw: &[u8]) -> String {
    let mut hash = Sha256::new();
    match mail.and_then(|m| m.message_id.as_deref().map(|id| (m, id))) {
        Some((m, id)) => {
            hash.update(m.from.as_deref().unwrap_or("").as_bytes());
            hash.update(b"\n");
            hash.update(id.as_bytes());
            format!("mid:{}", hex::encode(hash.finalize()))
        }
        None => {
            hash.update(raw);
            format!("raw:{}", hex::encode(hash.finalize()))
        }
    }
}

fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    match value {
        mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
        mail_parser::HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn unfold(value: &str) -> String {
    value
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first text body; HTML-only mails are turned into text without their quotes.
fn body_text(message: &mail_parser::Message<'_>) -> String {
    let Some(part) = message.text_part(0) else {
        return String::new();
    };
    match &part.body {
        PartType::Text(text) => {
            let flowed = part.content_type().is_some_and(|c| {
                c.attribute("format")
                    .is_some_and(|f| f.eq_ignore_ascii_case("flowed"))
            });
            let delsp = part.content_type().is_some_and(|c| {
                c.attribute("delsp")
                    .is_some_and(|f| f.eq_ignore_ascii_case("yes"))
            });
            let text = text.replace("\r\n", "\n");
            if flowed { unflow(&text, delsp) } else { text }
        }
        PartType::Html(html) => super::html::to_text(html),
        _ => String::new(),
    }
}

/// Undoes RFC 3676 `format=flowed`: a line ending in a space continues on the next one
/// (of the same quote depth); a leading space is stuffing. The signature separator
/// `-- ` is never joined.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for raw in text.split('\n') {
        let depth = raw.chars().take_while(|c| *c == '>').count();
        let body = &raw[depth..];
        let body = body.strip_prefix(' ').unwrap_or(body);
        let soft = body.ends_with(' ') && body != "-- ";
        let piece = if soft && delsp {
            &body[..body.len() - 1]
        } else {
            body
        };
        match out.last_mut() {
            Some(last) if open && last.chars().take_while(|c| *c == '>').count() == depth => {
                last.push_str(piece);
            }
            _ => out.push(format!("{}{}", ">".repeat(depth), piece)),
        }
        open = soft;
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowed_lines_are_joined_and_the_signature_kept() {
        let text = "REJESTRACJA nazwa: Jan Kowalski; \npesel: 44051401359\n-- \nJan";
        assert_eq!(
            unflow(text, false),
            "REJESTRACJA nazwa: Jan Kowalski; pesel: 44051401359\n-- \nJan"
        );
        assert_eq!(unflow("ab \ncd", true), "abcd");
        assert_eq!(
            unflow("> quoted \n> more\nSALDO", false),
            ">quoted more\nSALDO"
        );
    }

    #[test]
    fn a_multipart_without_its_closing_boundary_is_read_to_the_end() {
        for (encoding, body) in [
            ("base64", "WkFMT0dVSiBFQjEgaGFzxYJvDQpTQUxETw==".to_string()),
            (
                "quoted-printable",
                "ZALOGUJ EB1 has=C5=82o\r\nSALDO".to_string(),
            ),
        ] {
            let raw = format!(
                "From: jan@example.pl\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
                 Content-Type: multipart/mixed; boundary=\"out\"\r\n\r\n\
                 --out\r\nContent-Type: multipart/alternative; boundary=\"in\"\r\n\r\n\
                 --in\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: {encoding}\r\n\r\n{body}\r\n"
            );
            let mail = parse(raw.as_bytes()).unwrap();
            assert_eq!(
                mail.text.trim_end(),
                "ZALOGUJ EB1 hasło\nSALDO",
                "{encoding}"
            );
            let whole = format!("{raw}--in--\r\n--out--\r\n");
            assert_eq!(
                parse(whole.as_bytes()).unwrap().text.trim_end(),
                mail.text.trim_end()
            );
        }
    }

    #[test]
    fn fingerprints_follow_sender_and_message_id() {
        let a = Inbound {
            message_id: Some("x@y".into()),
            from: Some("a@b".into()),
            ..Inbound::default()
        };
        let b = Inbound {
            from: Some("c@d".into()),
            ..a.clone()
        };
        assert_eq!(fingerprint(Some(&a), b"1"), fingerprint(Some(&a), b"2"));
        assert_ne!(fingerprint(Some(&a), b"1"), fingerprint(Some(&b), b"1"));
        assert!(fingerprint(None, b"1").starts_with("raw:"));
    }

    #[test]
    fn attachments_are_the_senders_files_not_the_logo_in_the_html() {
        let raw = "From: jan@example.test\r\nSubject: x\r\nMIME-Version: 1.0\r\n\
            Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n\
            --M\r\nContent-Type: multipart/related; boundary=\"R\"\r\n\r\n\
            --R\r\nContent-Type: text/html\r\n\r\n<p>wniosek</p><img src=\"cid:logo\">\r\n\
            --R\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\n\
            Content-Disposition: inline; filename=\"logo.png\"\r\n\r\nPNGDATA\r\n--R--\r\n\
            --M\r\nContent-Type: application/pdf\r\n\
            Content-Disposition: attachment; filename=\"audyt.pdf\"\r\n\r\n%PDF-1.4 x\r\n--M--\r\n";
        let mail = parse(raw.as_bytes()).unwrap();
        let names: Vec<&str> = mail.attachments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["audyt.pdf"]);
        assert!(mail.attachments[0].body.starts_with(b"%PDF-1.4"));
    }
}
