//! Mails from real clients (tests/fixtures/email/*.eml), each with the commands it must
//! yield (`*.commands`), parsed with LF and with CRLF line ends; a 10 MB attachment;
//! and the same mails answered end to end through Postfix and Dovecot.

use crate::email_helpers::{EmailRig, drain, fast_options, text};
use crate::helpers::backends;
use ebok::channels::email::{extract, parse};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn fixtures() -> Vec<(String, Vec<u8>, Vec<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/email");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "fixtures missing in {}", dir.display());
    names
        .into_iter()
        .map(|path| {
            let raw = std::fs::read(&path).unwrap();
            let expected = std::fs::read_to_string(path.with_extension("commands"))
                .unwrap_or_else(|_| panic!("{} has no .commands file", path.display()));
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            (name, raw, commands(&expected))
        })
        .collect()
}

/// One input per line; a line starting with a tab continues the input above.
fn commands(file: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in file.lines().filter(|l| !l.starts_with('#')) {
        match (line.strip_prefix('\t'), out.last_mut()) {
            (Some(more), Some(last)) => {
                last.push('\n');
                last.push_str(more);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

fn crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 20);
    for (i, b) in raw.iter().enumerate() {
        if *b == b'\n' && (i == 0 || raw[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(*b);
    }
    out
}

fn inputs(raw: &[u8]) -> Vec<String> {
    let mail = parse::parse(raw).expect("mail-parser reads it");
    extract::extract(&mail.subject, &mail.text)
        .inputs
        .into_iter()
        .map(|i| i.text)
        .collect()
}

#[test]
fn every_fixture_yields_its_commands_with_lf_and_crlf() {
    for (name, raw, expected) in fixtures() {
        assert!(!raw.contains(&b'\r'), "{name}: fixtures are stored with LF");
        assert_eq!(inputs(&raw), expected, "{name} (LF)");
        assert_eq!(inputs(&crlf(&raw)), expected, "{name} (CRLF)");
    }
}

#[test]
fn fixture_headers_are_read_for_threading_and_loops() {
    let all = fixtures();
    let get = |n: &str| parse::parse(&all.iter().find(|f| f.0 == n).unwrap().1).unwrap();
    let outlook = get("outlook_pl_reply");
    assert_eq!(
        outlook.from.as_deref(),
        Some("biuro@sm-zazamcze.example.pl")
    );
    assert_eq!(outlook.references, vec!["b9e8d7c6f5a4@mpec.example.pl"]);
    assert_eq!(outlook.language.as_deref(), Some("pl-pl"));
    let iso = get("iso_8859_2");
    assert_eq!(iso.subject, "Prośba o informację");
    assert_eq!(get("windows_1250").subject, "WIADOMOŚCI");
    // mail-parser reads on past the stray line (Postfix would end the header there).
    let broken = get("malformed_mime");
    assert_eq!(broken.message_id.as_deref(), Some("broken-1@example.pl"));
    assert_eq!(broken.from.as_deref(), Some("jan.kowalski@example.pl"));
}

/// A 10 MB attachment (made here, not committed): the text is still found, quickly.
fn big_mail(from: &str, to: &str) -> Vec<u8> {
    use base64::Engine as _;
    let mut bytes = vec![0u8; 10 * 1024 * 1024];
    let mut x: u32 = 2_463_534_242;
    for b in bytes.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let mut body = String::with_capacity(encoded.len() + encoded.len() / 76 + 1024);
    body.push_str(&format!(
        "From: {from}\nTo: {to}\nSubject: skan faktury\nMessage-ID: <big-{}@example.pl>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n\
         KONTAKT\nWIADOMOSCI\n\n--b\nContent-Type: application/pdf; name=\"skan.pdf\"\n\
         Content-Disposition: attachment; filename=\"skan.pdf\"\nContent-Transfer-Encoding: base64\n\n",
        rand::random::<u32>()
    ));
    for chunk in encoded.as_bytes().chunks(76) {
        body.push_str(std::str::from_utf8(chunk).unwrap());
        body.push('\n');
    }
    body.push_str("--b--\n");
    body.into_bytes()
}

#[test]
fn a_ten_megabyte_attachment_is_no_obstacle() {
    let raw = big_mail("jan@example.pl", "ebok@example.test");
    assert!(raw.len() > 13_000_000);
    for variant in [raw.clone(), crlf(&raw)] {
        let started = Instant::now();
        assert_eq!(inputs(&variant), ["KONTAKT", "WIADOMOSCI"]);
        let took = started.elapsed();
        assert!(took.as_secs() < 10, "parsing took {took:?}");
    }
}

/// The fixtures sent through Postfix (From replaced by a fresh address) and the big mail
/// put into the mailbox over IMAP (Postfix refuses over 10 MB): each gets one reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fixtures_are_answered_end_to_end() {
    let backend = backends().remove(0);
    let Some(mut rig) = EmailRig::new(&backend, "email fixtures end to end", |_| {}).await else {
        return;
    };
    rig.start_workers();
    let mut sent = Vec::new();
    for (name, raw, expected) in fixtures() {
        let from = rig.mail.fresh_address_with(&name.replace('_', "-"));
        // The original bytes (legacy charsets too), with a fresh From.
        let mut mail = format!("From: {from}\n").into_bytes();
        mail.extend_from_slice(&strip_from(&raw));
        rig.mail
            .send_raw(&from, &rig.utility, &crlf(&mail))
            .await
            .unwrap();
        let id = parse::parse(&mail).unwrap().message_id.unwrap_or_default();
        sent.push((name, from, id, expected));
    }
    let big_from = rig.mail.fresh_address_with("big");
    let big = big_mail(&big_from, &rig.utility);
    let big_id = parse::parse(&big).unwrap().message_id.unwrap();
    let (env, utility, big_crlf) = (rig.mail.clone(), rig.utility.clone(), crlf(&big));
    tokio::task::spawn_blocking(move || {
        let mut s = env.imap_session(&utility).unwrap();
        s.append("INBOX", &big_crlf).unwrap();
        s.logout().unwrap();
    })
    .await
    .unwrap();
    drain(&rig.responder(fast_options()), sent.len() + 1).await;

    for (name, from, id, expected) in &sent {
        // Each sender sent one mail (Postfix may have given the malformed one a new id).
        let _ = id;
        let reply = rig
            .mail
            .wait_for_mail(from, |_| true, crate::email_helpers::REPLY_WAIT)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let body = text(&reply);
        // Postfix ends malformed_mime's header at its stray line, so its MIME lines
        // arrive as text: five of them stop the reading before RACHUNKI, and the reply
        // counts the lines it did not read (it lists none of them).
        let expected = if name == "malformed_mime" {
            assert!(
                body.contains("Pominięto dalsze wiersze: 7."),
                "{name}:\n{body}"
            );
            &expected[..1]
        } else {
            &expected[..]
        };
        for input in expected {
            let word = input.split_whitespace().next().unwrap();
            assert!(
                body.contains(&format!("» {word}")),
                "{name}: {word:?} not answered:\n{body}"
            );
        }
        assert!(
            !body.contains("Ciepła woda"),
            "{name}: a password is echoed"
        );
    }
    let body = text(&rig.reply_to(&big_from, &big_id).await);
    assert!(
        body.contains("» KONTAKT") && body.contains("» WIADOMOSCI"),
        "{body}"
    );
}

/// The raw mail without its From header (and the header's continuation lines).
fn strip_from(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut skipping = false;
    let mut in_headers = true;
    for line in raw.split_inclusive(|b| *b == b'\n') {
        if in_headers && (line == b"\n" || line == b"\r\n") {
            in_headers = false;
        }
        if in_headers && line.starts_with(b"From:") {
            skipping = true;
            continue;
        }
        if in_headers && skipping && (line.starts_with(b"\t") || line.starts_with(b" ")) {
            continue;
        }
        skipping = false;
        out.extend_from_slice(line);
    }
    out
}
