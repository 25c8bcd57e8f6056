//! An owned, parsed e-mail (mail-parser 0.11 underneath).

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};

/// One attachment of a [`ParsedMail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// `filename` / `name` parameter, decoded
    pub file_name: Option<String>,
    /// e.g. `application/pdf`
    pub content_type: String,
    /// decoded contents
    pub bytes: Vec<u8>,
}

/// A mail as read back from a mailbox: raw bytes plus the parts tests usually look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    /// IMAP UID in the mailbox it was read from (0 when parsed from bytes)
    pub uid: u32,
    /// the message exactly as stored
    pub raw: Vec<u8>,
    /// decoded `Subject`
    pub subject: Option<String>,
    /// addresses of `From` (just the addr-specs, e.g. `ebok@example.test`)
    pub from: Vec<String>,
    /// addresses of `To`
    pub to: Vec<String>,
    /// addresses of `Cc`
    pub cc: Vec<String>,
    /// addresses of `Reply-To`
    pub reply_to: Vec<String>,
    /// `Message-ID` without angle brackets
    pub message_id: Option<String>,
    /// `In-Reply-To` ids without angle brackets
    pub in_reply_to: Vec<String>,
    /// `References` ids without angle brackets
    pub references: Vec<String>,
    /// every top-level header in order: (name as written, raw unfolded-as-stored value, trimmed)
    pub headers: Vec<(String, String)>,
    /// first text/plain body (or the text rendering of the HTML one when there is no plain part)
    pub text: Option<String>,
    /// first text/html body, if the mail has one
    pub html: Option<String>,
    /// attachments (not the inline text/html bodies)
    pub attachments: Vec<Attachment>,
    /// IMAP flags when read from a mailbox (`\\Seen`, `\\Deleted` …; empty when parsed from bytes)
    pub flags: Vec<String>,
}

fn addrs(a: Option<&Address>) -> Vec<String> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| x.address.as_deref().map(str::to_owned))
            .collect()
    })
    .unwrap_or_default()
}

fn ids(v: &HeaderValue) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => vec![],
    }
}

impl ParsedMail {
    /// Parses raw RFC 5322 bytes; `None` if mail-parser cannot make a message of them.
    pub fn parse(raw: Vec<u8>) -> Option<ParsedMail> {
        Self::parse_with_uid(0, raw)
    }

    pub(crate) fn parse_with_uid(uid: u32, raw: Vec<u8>) -> Option<ParsedMail> {
        let m = MessageParser::default().parse(&raw)?;
        let html = if m.html_body_count() > 0 && m.html_part(0).is_some_and(|p| p.is_text_html()) {
            m.body_html(0).map(|c| c.into_owned())
        } else {
            None
        };
        let attachments = m
            .attachments()
            .map(|p| Attachment {
                file_name: p.attachment_name().map(str::to_owned),
                content_type: p
                    .content_type()
                    .map(|c| match c.subtype() {
                        Some(s) => format!("{}/{}", c.ctype(), s),
                        None => c.ctype().to_string(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".into())
                    .to_ascii_lowercase(),
                bytes: p.contents().to_vec(),
            })
            .collect();
        let parsed = ParsedMail {
            uid,
            subject: m.subject().map(str::to_owned),
            from: addrs(m.from()),
            to: addrs(m.to()),
            cc: addrs(m.cc()),
            reply_to: addrs(m.reply_to()),
            message_id: m.message_id().map(str::to_owned),
            in_reply_to: ids(m.in_reply_to()),
            references: ids(m.references()),
            headers: m
                .headers_raw()
                .map(|(k, v)| (k.to_string(), v.trim().to_string()))
                .collect(),
            text: m.body_text(0).map(|c| c.into_owned()),
            html,
            attachments,
            raw: Vec::new(),
            flags: Vec::new(),
        };
        Some(ParsedMail { raw, ..parsed })
    }

    /// Raw value of the first header called `name` (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All raw values of the headers called `name` (case-insensitive).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// `true` if the decoded subject contains `needle`.
    pub fn subject_contains(&self, needle: &str) -> bool {
        self.subject.as_deref().is_some_and(|s| s.contains(needle))
    }

    /// `true` if the text body contains `needle`.
    pub fn text_contains(&self, needle: &str) -> bool {
        self.text.as_deref().is_some_and(|s| s.contains(needle))
    }

    /// The attachment with that file name.
    pub fn attachment(&self, file_name: &str) -> Option<&Attachment> {
        self.attachments
            .iter()
            .find(|a| a.file_name.as_deref() == Some(file_name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &str = "From: \"e-BOK\" <ebok@example.test>\r\n\
To: jan@example.test, Anna <anna@example.test>\r\n\
Subject: =?UTF-8?B?WmHFvMOzxYLEhyBnxJnFm2zEhSBqYcW6xYQ=?=\r\n\
Message-ID: <abc@example.test>\r\n\
In-Reply-To: <q1@example.test>\r\n\
X-Ebok: 1\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=UTF-8\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n\
Saldo: 12,34 zł\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"faktura.pdf\"\r\n\
Content-Disposition: attachment; filename=\"faktura.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQK\r\n\
--b1--\r\n";

    #[test]
    fn parses_headers_bodies_and_attachments() {
        let m = ParsedMail::parse(MIXED.as_bytes().to_vec()).unwrap();
        assert_eq!(m.subject.as_deref(), Some("Zażółć gęślą jaźń"));
        assert_eq!(m.from, vec!["ebok@example.test"]);
        assert_eq!(m.to, vec!["jan@example.test", "anna@example.test"]);
        assert_eq!(m.message_id.as_deref(), Some("abc@example.test"));
        assert_eq!(m.in_reply_to, vec!["q1@example.test"]);
        assert_eq!(m.header("x-ebok"), Some("1"));
        assert_eq!(
            m.text.as_deref().map(str::trim_end),
            Some("Saldo: 12,34 zł")
        );
        assert_eq!(m.html, None);
        let a = m.attachment("faktura.pdf").unwrap();
        assert_eq!(a.content_type, "application/pdf");
        assert_eq!(a.bytes, b"%PDF-1.4\n");
        assert_eq!(m.raw, MIXED.as_bytes());
    }
}
