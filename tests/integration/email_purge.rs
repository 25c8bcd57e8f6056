//! Mail with a password never stays in the utility's mailbox: a multipart mail whose
//! closing boundary is missing is read like a lenient reader reads it (its last part
//! runs to the end), answered and deleted; an automatic mail with a login line gets no
//! answer and is deleted all the same; a crash between the `\Deleted` flag and the
//! expunge leaves nothing behind once a responder connects again, with UIDPLUS or
//! without, while a mail someone else flagged `\Deleted` is never expunged by ebok.

use crate::email_helpers::{EmailRig, customer_account, fast_options, text, until};
use crate::helpers::backends;
use base64::Engine as _;
use ebok::channels::email::{CrashPoint, Options};
use mail_support::ParsedMail;

/// Whether `mail` holds `secret` anywhere (headers, body as stored).
fn holds(mail: &ParsedMail, secret: &str) -> bool {
    String::from_utf8_lossy(&mail.raw).contains(secret)
        || mail.text.as_deref().is_some_and(|t| t.contains(secret))
}

/// Every mail left in the utility's mailbox (expunged ones are gone, `\Deleted` ones
/// are there) that holds `secret`.
async fn left_with(rig: &EmailRig, secret: &str) -> Vec<ParsedMail> {
    let all = rig.mail.fetch_all(&rig.utility).await.expect("IMAP");
    all.into_iter().filter(|m| holds(m, secret)).collect()
}

/// A plain mail with a fixed Message-ID, to deliver the same mail twice.
fn plain(from: &str, to: &str, id: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: e-BOK\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 30 Nov 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n",
        body.replace('\n', "\r\n")
    )
}

/// A multipart/mixed mail around a multipart/alternative whose text part (base64) is
/// the last one, none of them closed (as some clients and gateways send them).
fn unclosed_multipart(from: &str, to: &str, id: &str, body: &str) -> String {
    format!(
        "From: Jan Kowalski <{from}>\r\nTo: {to}\r\nSubject: e-BOK\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 30 Nov 2026 08:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"mixed-b\"\r\n\r\n\
         --mixed-b\r\nContent-Type: multipart/alternative; boundary=\"alt-b\"\r\n\r\n\
         --alt-b\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
        base64::engine::general_purpose::STANDARD.encode(body.replace('\n', "\r\n"))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_multipart_without_its_closing_boundary_is_answered_and_deleted() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email unclosed multipart", |_| {}).await
        else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        rig.start();
        let id = format!("unclosed-{:x}@client.example.test", rand::random::<u64>());
        let body = format!("ZALOGUJ {} {}\nSALDO", creds.identifier, creds.password);
        let raw = unclosed_multipart(&jan, &rig.utility, &id, &body);
        rig.mail
            .send_raw(&jan, &rig.utility, raw.as_bytes())
            .await
            .unwrap();
        let reply = text(&rig.reply_to(&jan, &id).await);
        assert!(reply.contains("Jan Kowalski"), "{reply}");
        assert!(!reply.contains("Polecenia e-BOK"), "not the help:\n{reply}");
        assert!(!reply.contains(&creds.password), "{reply}");
        let r = &rig;
        let gone = id.clone();
        until("the mail with the password to be deleted", || {
            let gone = gone.clone();
            async move { !r.utility_ids().await.contains(&gone) }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_automatic_mail_with_a_login_line_is_not_answered_but_deleted() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email automatic purge", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        rig.start();
        let login = format!("ZALOGUJ {} {}\nSALDO", creds.identifier, creds.password);
        let auto = rig
            .send_with(&jan, "", &login, &[("Auto-Submitted", "auto-replied")])
            .await;
        let quoted = rig
            .send_with(
                &jan,
                &format!("Re: ZALOGUJ {} {}", creds.identifier, creds.password),
                "> SALDO",
                &[("Precedence", "bulk")],
            )
            .await;
        let plain = rig
            .send_with(&jan, "", "KONTAKT", &[("Auto-Submitted", "auto-replied")])
            .await;
        // Mail is handled in arrival order: a reply to this one means those were seen.
        let last = rig.send(&jan, "", "KONTAKT").await;
        rig.reply_to(&jan, &last).await;
        let (r, a, q) = (&rig, &auto, &quoted);
        until(
            "the automatic mails with a password to be deleted",
            || async move {
                let left = r.utility_ids().await;
                !left.contains(a) && !left.contains(q)
            },
        )
        .await;
        assert!(
            rig.utility_ids().await.contains(&plain),
            "automatic mail without a password is kept (marked read)"
        );
        rig.replies_settled().await;
        for id in [&auto, &quoted, &plain] {
            assert!(rig.replies_to(&jan, id).await.is_empty(), "{id}");
        }
        assert_eq!(
            rig.app().store.email_outcomes(&jan).await.unwrap(),
            [
                "skipped:auto-submitted",
                "skipped:precedence",
                "skipped:auto-submitted",
                "replied"
            ]
        );
    }
}

/// Killed after flagging a mail with a password `\Deleted` and before expunging it (the
/// mail is seen by then, so no search for unseen mail finds it again): the next
/// responder expunges it as it connects, with UID EXPUNGE and on the way of servers
/// without UIDPLUS. A mail someone else flagged `\Deleted` stays, flag and all. The
/// same holds for a second copy of the mail (the same Message-ID delivered again,
/// recorded under the first copy's UID).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_between_the_delete_flag_and_the_expunge_leaves_no_password() {
    for backend in backends() {
        for uid_expunge in [true, false] {
            let Some(mut rig) = EmailRig::new(&backend, "email crash before expunge", |_| {}).await
            else {
                return;
            };
            let opts = |crash_at| Options {
                uid_expunge,
                crash_at,
                ..fast_options()
            };
            let jan = rig.mail.fresh_address_with("jan");
            let creds = customer_account(rig.app(), "K-00102", &jan).await;
            let theirs = rig
                .send(&jan, "", "list do biura, usunięty przez kogoś")
                .await;
            let r = &rig;
            let t = theirs.clone();
            until("the other mail to arrive", || {
                let t = t.clone();
                async move { r.utility_ids().await.contains(&t) }
            })
            .await;
            let flagged = rig
                .mail
                .add_flags(&rig.utility, &theirs, "\\Seen \\Deleted");
            assert_eq!(flagged.await.unwrap(), 1);

            let id = format!("purge-{:x}@client.example.test", rand::random::<u64>());
            let login = format!("ZALOGUJ {} {}\nSALDO", creds.identifier, creds.password);
            let raw = plain(&jan, &rig.utility, &id, &login);
            rig.mail
                .send_raw(&jan, &rig.utility, raw.as_bytes())
                .await
                .unwrap();
            let crashing = rig.responder(opts(Some(CrashPoint::AfterDeleteFlag)));
            crate::email_helpers::drain_until_crash(&crashing).await;
            let left = left_with(&rig, &creds.password).await;
            assert_eq!(left.len(), 1, "the crash left the mail");
            assert!(
                left[0].flags.iter().any(|f| f == "\\Deleted")
                    && left[0].flags.iter().any(|f| f == "\\Seen"),
                "{:?}",
                left[0].flags
            );

            // Restarted: nothing unseen to answer, and the password is gone.
            let again = rig.responder(opts(None));
            assert_eq!(again.run_once().await.unwrap(), 0);
            assert_eq!(left_with(&rig, &creds.password).await, []);
            let all = rig.mail.fetch_all(&rig.utility).await.unwrap();
            let kept: Vec<&ParsedMail> = all
                .iter()
                .filter(|m| m.message_id.as_deref() == Some(theirs.as_str()))
                .collect();
            assert_eq!(
                kept.len(),
                1,
                "someone else's \\Deleted mail is not expunged"
            );
            assert!(
                kept[0].flags.iter().any(|f| f == "\\Deleted"),
                "{:?}",
                kept[0].flags
            );

            // The same mail delivered again: flagged as already answered, then the crash.
            rig.mail
                .send_raw(&jan, &rig.utility, raw.as_bytes())
                .await
                .unwrap();
            crate::email_helpers::drain_until_crash(&crashing).await;
            assert_eq!(left_with(&rig, &creds.password).await.len(), 1);
            assert_eq!(again.run_once().await.unwrap(), 0);
            assert_eq!(left_with(&rig, &creds.password).await, []);
            assert_eq!(rig.utility_ids().await, [theirs.as_str()]);

            // The reply committed before the first crash goes out, once.
            rig.start_workers();
            let reply = text(&rig.reply_to(&jan, &id).await);
            assert!(reply.contains("Jan Kowalski"), "{reply}");
            rig.replies_settled().await;
            assert_eq!(rig.replies_to(&jan, &id).await.len(), 1);
        }
    }
}
