//! Mail with a password never stays in the utility's mailbox: a multipart mail whose
//! closing boundary is missing is read like a lenient reader reads it (its last part
//! runs to the end), answered and deleted; an automatic mail with a login line gets no
//! answer and is deleted all the same.

use crate::email_helpers::{EmailRig, customer_account, text, until};
use crate::helpers::backends;
use base64::Engine as _;

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
