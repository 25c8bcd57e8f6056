//! A reply stays small whatever the mail holds. The `From` of a mail can be forged, so a
//! big reply to a small (or to any) mail would let anyone aim ebok's mail at a stranger:
//! garbage gets at most five echoed lines and a count of the rest, a mail of many
//! commands gets answers up to the size limit and a line saying what was left out, and
//! no control character typed in a mail comes back in either part.

use crate::email_helpers::{EmailRig, customer_account, text};
use crate::helpers::backends;
use mail_support::ParsedMail;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The most a reply's text part, and its HTML part, may hold (docs/email.md).
const MAX_PART_BYTES: usize = 64 * 1024;

/// Characters that must never reach a reply: C0 controls but the line ends and the
/// tab, DEL and the C1 controls.
fn controls(part: &str) -> Vec<char> {
    part.chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .collect()
}

/// The decoded text and HTML parts of a reply.
fn parts(reply: &ParsedMail) -> (String, String) {
    (text(reply), reply.html.clone().unwrap_or_default())
}

/// About 3 MB of random bytes in lines of 100–400 bytes. Every line starts with a
/// letter, holds no CR, LF, `:` or `=` (so each line is one input, none a form field),
/// and any other byte value, control characters included. The first line is Polish
/// text with a BEL in it. Returns the body and its number of lines.
fn random_lines(seed: u64) -> (Vec<u8>, usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut body = "zażółć\u{7}gęślą jaźń\r\n".as_bytes().to_vec();
    let mut lines = 1;
    while body.len() < 3 * 1024 * 1024 {
        body.push(rng.gen_range(b'a'..=b'z'));
        for _ in 0..rng.gen_range(100..400) {
            let b: u8 = rng.r#gen();
            body.push(if matches!(b, b'\r' | b'\n' | b':' | b'=') {
                b'x'
            } else {
                b
            });
        }
        body.extend_from_slice(b"\r\n");
        lines += 1;
    }
    (body, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_megabytes_of_random_bytes_get_a_short_clean_reply() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email random bytes", |_| {}).await else {
            return;
        };
        rig.start();
        let jan = rig.mail.fresh_address_with("jan");
        let id = format!("garbage-{:x}@client.example.test", rand::random::<u64>());
        let (body, lines) = random_lines(rand::random());
        let mut raw = format!(
            "From: {jan}\r\nTo: {}\r\nMessage-ID: <{id}>\r\n\
             Date: Mon, 30 Nov 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
            rig.utility
        )
        .into_bytes();
        raw.extend_from_slice(&body);
        rig.mail.send_raw(&jan, &rig.utility, &raw).await.unwrap();

        let reply = rig.reply_to(&jan, &id).await;
        let (body, html) = parts(&reply);
        println!(
            "{}: a {} byte mail of {lines} lines got a {} byte reply (text {} B, HTML {} B)",
            rig.t.db.label,
            raw.len(),
            reply.raw.len(),
            body.len(),
            html.len()
        );
        assert!(body.len() <= MAX_PART_BYTES && html.len() <= MAX_PART_BYTES);
        assert!(reply.raw.len() < 3 * MAX_PART_BYTES, "{}", reply.raw.len());
        let echoed: Vec<&str> = body.lines().filter(|l| l.starts_with("» ")).collect();
        assert!(
            (1..=5).contains(&echoed.len()),
            "{} lines echoed:\n{body}",
            echoed.len()
        );
        assert!(
            echoed.iter().all(|l| l.chars().count() <= 2 + 80 + 1),
            "{echoed:?}"
        );
        let rest = ebok::domain::money::format_decimal(&(lines - 5).to_string());
        assert!(
            body.contains(&format!("Pominięto dalsze wiersze: {rest}.")),
            "the count of the other {} lines:\n{body}",
            lines - 5
        );
        assert!(body.contains("zażółć") && body.contains("gęślą"), "{body}");
        assert_eq!(controls(&body), Vec::<char>::new(), "{body:?}");
        assert_eq!(controls(&html), Vec::<char>::new(), "{html:?}");
        assert!(body.contains("Polecenia e-BOK"), "the help:\n{body}");
    }
}

/// Staff announcements for everyone, each about 1 KB: `WIADOMOSCI` shows them all.
async fn long_announcements(app: &ebok::app::App, n: usize) {
    let from = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let mut tx = app.store.begin().await.unwrap();
    for i in 0..n {
        let body = format!("Komunikat {i}: ")
            + &"Przerwa w dostawie ciepła do budynków przy ul. Żeromskiego. ".repeat(16);
        tx.insert_announcement(&ebok::store::NewAnnouncement {
            reference: &format!("EBOK-TEST-{i}"),
            kind: "information",
            title: &format!("Ogłoszenie numer {i}"),
            body: &body,
            valid_from: from,
            valid_to: None,
            area: None,
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Twenty commands whose answers together are far over the limit: the reply holds the
/// answers that fit, in order, says on top that it was shortened and what to do, and
/// marks the commands whose answers were left out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_long_answers_are_cut_at_the_limit_with_a_note() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email many answers", |_| {}).await else {
            return;
        };
        long_announcements(rig.app(), 8).await;
        rig.start();
        let jan = rig.mail.fresh_address_with("jan");
        let many: String = (0..20).map(|_| "WIADOMOSCI\n").collect();
        let id = rig.send(&jan, "", &many).await;
        let reply = rig.reply_to(&jan, &id).await;
        let (body, html) = parts(&reply);
        println!(
            "{}: 20 x WIADOMOSCI ({} B mail) got a {} byte reply (text {} B, HTML {} B)",
            rig.t.db.label,
            many.len(),
            reply.raw.len(),
            body.len(),
            html.len()
        );
        assert!(body.len() <= MAX_PART_BYTES, "{}", body.len());
        assert!(html.len() <= MAX_PART_BYTES, "{}", html.len());
        let note = "Odpowiedź skrócona: w jednym e-mailu wysyłamy najwyżej 64 KB tekstu.";
        assert!(body.contains(note), "{body}");
        assert!(html.contains("Odpowiedź skrócona</b>"), "{html}");
        assert_eq!(
            body.matches("» WIADOMOSCI").count(),
            20,
            "every command listed"
        );
        let left = body.matches("» WIADOMOSCI ✂️\n").count();
        let part = body
            .matches("✂️ […] (dalsza część się nie zmieściła)")
            .count();
        let whole = 20 - left - part;
        assert!(
            part <= 1 && left >= 10 && whole >= 5,
            "{whole} {part} {left}"
        );
        // In order: the first answers whole, with every announcement, then at most one
        // in part, then only the commands.
        let answers: Vec<&str> = body.split("» WIADOMOSCI").skip(1).collect();
        for (n, answer) in answers.iter().enumerate() {
            let all = (0..8).all(|i| answer.contains(&format!("Ogłoszenie numer {i}")));
            if n < whole {
                assert!(all, "answer {n} whole:\n{answer}");
            } else if n >= whole + part {
                assert!(answer.starts_with(" ✂️\n") && !answer.contains("Ogłoszenie"));
            }
        }
    }
}

/// The same file asked for twice is attached once (a forged or careless mail of twenty
/// `PDF` lines does not make a reply of twenty copies).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_file_asked_for_twice_is_attached_once() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email files once", |_| {}).await else {
            return;
        };
        let zofia = rig.mail.fresh_address_with("zofia");
        let creds = customer_account(rig.app(), "K-00101", &zofia).await;
        rig.start();
        let body = format!(
            "ZALOGUJ {} {}\nPDF FV/2025/02/000101\nPDF FV/2025/02/000101\nPDF FV/2025/01/000101",
            creds.identifier, creds.password
        );
        let id = rig.send(&zofia, "", &body).await;
        let reply = rig.reply_to(&zofia, &id).await;
        let names: Vec<_> = reply
            .attachments
            .iter()
            .filter_map(|a| a.file_name.clone())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0] != names[1], "{names:?}");
        let text = text(&reply);
        assert_eq!(text.matches("» PDF FV/2025/02/000101").count(), 2, "{text}");
        let listed = text
            .lines()
            .find(|l| l.starts_with("📎 W załączniku:"))
            .unwrap_or_default();
        assert_eq!(listed.matches(".pdf").count(), 2, "{listed}");
    }
}
