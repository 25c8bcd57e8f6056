//! Sending test mail into the stack: swaks (an independent SMTP client) or raw bytes via lettre.

use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use lettre::Transport as _;
use lettre::address::Envelope;

use crate::MailEnv;
use crate::imap_read::{MailError, err};

/// A file to attach with [`MailEnv::send_with_swaks`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingAttachment {
    pub file_name: String,
    /// e.g. `text/csv` or `application/pdf`
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl OutgoingAttachment {
    pub fn new(file_name: &str, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        OutgoingAttachment {
            file_name: file_name.into(),
            content_type: content_type.into(),
            bytes: bytes.into(),
        }
    }
}

/// RFC 2047 `=?UTF-8?B?…?=` words for a non-ASCII header value (ASCII is returned as is).
pub fn encode_header_value(value: &str) -> String {
    if value.is_ascii() {
        return value.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in value.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| {
            format!(
                "=?UTF-8?B?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl MailEnv {
    /// Sends a mail with `swaks` to MAIL_SMTP_HOST:MAIL_SMTP_PORT (no auth: loopback is trusted).
    ///
    /// `subject` may be any UTF-8 (it is RFC 2047-encoded); `body` is sent as
    /// `text/plain; charset=UTF-8` (8bit without attachments, swaks' MIME encoding with them).
    /// `extra_headers` are added or replace swaks' defaults (`From`, `Date`, `Message-Id`, …),
    /// e.g. `("In-Reply-To", "<id@x>")`; their values go out as given (encode non-ASCII yourself
    /// with [`encode_header_value`]).
    pub async fn send_with_swaks(
        &self,
        from: &str,
        to: &str,
        subject: &str,
        body: &str,
        extra_headers: &[(&str, &str)],
        attachments: &[OutgoingAttachment],
    ) -> Result<(), MailError> {
        let env = self.clone();
        let (from, to, subject, body) = (
            from.to_owned(),
            to.to_owned(),
            subject.to_owned(),
            body.to_owned(),
        );
        let headers: Vec<(String, String)> = extra_headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let attachments = attachments.to_vec();
        tokio::task::spawn_blocking(move || {
            let headers: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            env.send_with_swaks_blocking(&from, &to, &subject, &body, &headers, &attachments)
        })
        .await
        .map_err(|e| err("swaks task", e))?
    }

    /// Blocking version of [`MailEnv::send_with_swaks`].
    pub fn send_with_swaks_blocking(
        &self,
        from: &str,
        to: &str,
        subject: &str,
        body: &str,
        extra_headers: &[(&str, &str)],
        attachments: &[OutgoingAttachment],
    ) -> Result<(), MailError> {
        let dir = tempfile::tempdir().map_err(|e| err("tempdir", e))?;
        let body_path = dir.path().join("body.txt");
        std::fs::write(&body_path, body).map_err(|e| err("writing body", e))?;
        let mut cmd = Command::new("swaks");
        cmd.args([
            "--server",
            &self.smtp_host,
            "--port",
            &self.smtp_port.to_string(),
        ])
        .args([
            "--from",
            from,
            "--to",
            to,
            "--helo",
            "localhost",
            "--timeout",
            "15",
        ])
        .args([
            "--header",
            &format!("Subject: {}", encode_header_value(subject)),
        ]);
        if attachments.is_empty() {
            cmd.args(["--body", &format!("@{}", body_path.display())])
                .args(["--add-header", "MIME-Version: 1.0"])
                .args(["--add-header", "Content-Type: text/plain; charset=UTF-8"])
                .args(["--add-header", "Content-Transfer-Encoding: 8bit"]);
        } else {
            cmd.args(["--attach-type", "text/plain; charset=UTF-8"])
                .args(["--attach-body", &format!("@{}", body_path.display())]);
            for (i, a) in attachments.iter().enumerate() {
                let p = dir.path().join(format!("att{i}"));
                std::fs::write(&p, &a.bytes).map_err(|e| err("writing attachment", e))?;
                cmd.args(["--attach-type", &a.content_type])
                    .args(["--attach-name", &a.file_name])
                    .args(["--attach", &format!("@{}", p.display())]);
            }
        }
        for (k, v) in extra_headers {
            cmd.args(["--header", &format!("{k}: {v}")]);
        }
        let out = cmd
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| {
                err(
                    "running swaks (is it installed? scripts/test installs it)",
                    e,
                )
            })?;
        if out.status.success() {
            return Ok(());
        }
        Err(MailError(format!(
            "swaks {from} -> {to} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )))
    }

    /// Sends `raw` (a complete RFC 5322 message, CRLF or LF line ends) over SMTP with envelope
    /// `from` -> `to`, via lettre: the bytes go out as given (dot-stuffed; lettre appends a CRLF
    /// before the final `.`). Postfix adds `Date`/`Message-ID` when missing, Dovecot stores LF.
    pub async fn send_raw(&self, from: &str, to: &str, raw: &[u8]) -> Result<(), MailError> {
        let (env, from, to, raw) = (self.clone(), from.to_owned(), to.to_owned(), raw.to_vec());
        tokio::task::spawn_blocking(move || env.send_raw_blocking(&from, &to, &raw))
            .await
            .map_err(|e| err("send_raw task", e))?
    }

    /// Blocking version of [`MailEnv::send_raw`].
    pub fn send_raw_blocking(&self, from: &str, to: &str, raw: &[u8]) -> Result<(), MailError> {
        let envelope = Envelope::new(
            Some(
                from.parse()
                    .map_err(|e| err(&format!("from {from:?}"), e))?,
            ),
            vec![to.parse().map_err(|e| err(&format!("to {to:?}"), e))?],
        )
        .map_err(|e| err("envelope", e))?;
        let transport = lettre::SmtpTransport::builder_dangerous(&self.smtp_host)
            .port(self.smtp_port)
            .timeout(Some(Duration::from_secs(15)))
            .build();
        transport
            .send_raw(&envelope, raw)
            .map(|_| ())
            .map_err(|e| err(&format!("SMTP {}:{}", self.smtp_host, self.smtp_port), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_encoding() {
        assert_eq!(encode_header_value("Odczyt licznika"), "Odczyt licznika");
        let e = encode_header_value("Zażółć gęślą jaźń");
        assert!(e.starts_with("=?UTF-8?B?") && e.ends_with("?="), "{e}");
        let long = "ąęłńóśźż".repeat(10);
        let e = encode_header_value(&long);
        assert!(e.split(' ').all(|w| w.len() <= 75), "{e}");
        let raw = format!("Subject: {e}\r\n\r\nx\r\n");
        let m = crate::ParsedMail::parse(raw.into_bytes()).unwrap();
        assert_eq!(m.subject.as_deref(), Some(long.as_str()));
    }
}
