//! Against the real stack of scripts/test: SMTP in (swaks / lettre), IMAP out.
//! Skipped without the MAIL_* variables, except under CI where that is a failure.

use std::time::{Duration, Instant};

use mail_support::{MailEnv, OutgoingAttachment};

const T: Duration = Duration::from_secs(15);

#[tokio::test]
async fn swaks_polish_mail_reads_back_over_imap() {
    let Some(mail) = MailEnv::from_env_or_skip("swaks_polish_mail_reads_back_over_imap") else {
        return;
    };
    let (from, to) = (mail.fresh_address(), mail.fresh_address());
    let subject = "Zażółć gęślą jaźń — odczyt licznika";
    let body = "Dzień dobry,\nstan licznika: 1234,5 GJ\nŻółw źle śpi.\n";
    let t0 = Instant::now();
    mail.send_with_swaks(&from, &to, subject, body, &[("X-Ebok-Test", "1")], &[])
        .await
        .unwrap();
    let got = mail
        .wait_for_mail(&to, |_| true, T)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("swaks -> IMAP in {:?}", t0.elapsed());
    assert_eq!(got.subject.as_deref(), Some(subject));
    assert_eq!(got.from, vec![from.clone()]);
    assert_eq!(got.to, vec![to.clone()]);
    assert_eq!(got.header("X-Ebok-Test"), Some("1"));
    let text = got.text.as_deref().unwrap();
    assert!(text.contains("stan licznika: 1234,5 GJ"), "{text:?}");
    assert!(text.contains("Żółw źle śpi."), "{text:?}");
    assert!(got.attachments.is_empty());
    // it was marked \Seen: a second wait finds nothing new
    let again = mail
        .wait_for_mail(&to, |_| true, Duration::from_millis(300))
        .await;
    assert!(again.is_err(), "{again:?}");
    // but fetch_all still lists it
    let all = mail.fetch_all(&to).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].raw, got.raw);
}

#[tokio::test]
async fn swaks_attachments_and_predicate() {
    let Some(mail) = MailEnv::from_env_or_skip("swaks_attachments_and_predicate") else {
        return;
    };
    let (from, to) = (mail.fresh_address_with("jan"), mail.fresh_address());
    let csv = "punkt;odczyt\nPP-1;123,4\nŁódź;5\n".as_bytes().to_vec();
    let pdf = b"%PDF-1.4\n\x00\xff binary".to_vec();
    mail.send_with_swaks(&from, &to, "pierwszy", "bez załączników", &[], &[])
        .await
        .unwrap();
    mail.send_with_swaks(
        &from,
        &to,
        "drugi",
        "w załączniku odczyty",
        &[],
        &[
            OutgoingAttachment::new("odczyty.csv", "text/csv", csv.clone()),
            OutgoingAttachment::new("faktura.pdf", "application/pdf", pdf.clone()),
        ],
    )
    .await
    .unwrap();
    let got = mail
        .wait_for_mail(&to, |m| m.subject_contains("drugi"), T)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(got.text_contains("w załączniku odczyty"), "{:?}", got.text);
    assert_eq!(got.attachments.len(), 2, "{:?}", got.attachments);
    let a = got.attachment("odczyty.csv").unwrap();
    assert_eq!(a.content_type, "text/csv");
    assert_eq!(a.bytes, csv);
    assert_eq!(got.attachment("faktura.pdf").unwrap().bytes, pdf);
    // the non-matching first mail is still unread and is found next
    let first = mail.wait_for_mail(&to, |_| true, T).await.unwrap();
    assert_eq!(first.subject.as_deref(), Some("pierwszy"));
}

#[tokio::test]
async fn send_raw_keeps_bytes_and_threading_headers() {
    let Some(mail) = MailEnv::from_env_or_skip("send_raw_keeps_bytes_and_threading_headers") else {
        return;
    };
    let (from, to) = (mail.fresh_address(), mail.fresh_address());
    let raw = format!(
        "From: Jan Kowalski <{from}>\r\nTo: <{to}>\r\nSubject: =?UTF-8?Q?Re:_Rozliczenie_za_pa=C5=BAdziernik?=\r\n\
         Date: Fri, 27 Nov 2026 10:00:00 +0100\r\nMessage-ID: <r1@example.test>\r\nIn-Reply-To: <q1@example.test>\r\nReferences: <q0@example.test> <q1@example.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
         <p>Proszę o <b>korektę</b> — źródło: faktura</p>\r\n"
    );
    mail.send_raw(&from, &to, raw.as_bytes()).await.unwrap();
    let got = mail
        .wait_for_mail(
            &to,
            |m| m.message_id.as_deref() == Some("r1@example.test"),
            T,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        got.subject.as_deref(),
        Some("Re: Rozliczenie za październik")
    );
    assert_eq!(got.in_reply_to, vec!["q1@example.test"]);
    assert_eq!(got.references, vec!["q0@example.test", "q1@example.test"]);
    assert!(got.html.as_deref().unwrap().contains("<b>korektę</b>"));
    assert!(got.text.as_deref().unwrap().contains("korektę"));
    // delivery adds Return-Path/Delivered-To/Received on top; the original follows unchanged
    // (it has a Date header, else Postfix would add one)
    // (Dovecot's maildir stores LF line ends)
    let stored = String::from_utf8(got.raw.clone())
        .unwrap()
        .replace("\r\n", "\n");
    // (lettre ends DATA with "\r\n.\r\n" even after a final CRLF: one blank line more)
    assert!(
        stored
            .trim_end()
            .ends_with(raw.replace("\r\n", "\n").trim_end()),
        "{stored}"
    );
}

#[tokio::test]
async fn wait_for_mail_times_out_with_context() {
    let Some(mail) = MailEnv::from_env_or_skip("wait_for_mail_times_out_with_context") else {
        return;
    };
    let to = mail.fresh_address();
    let t0 = Instant::now();
    let e = mail
        .wait_for_mail(&to, |_| true, Duration::from_millis(400))
        .await
        .unwrap_err();
    assert!(t0.elapsed() >= Duration::from_millis(400));
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert!(e.to_string().contains(&to), "{e}");
}

#[test]
fn mail_env_present_under_ci() {
    // scripts/test always exports MAIL_*; CI runs scripts/test, so a missing stack there is a bug
    if std::env::var_os("CI").is_some() {
        assert!(
            MailEnv::from_env().is_some(),
            "CI is set but the MAIL_* variables are missing"
        );
    }
}
