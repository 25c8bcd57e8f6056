//! The full story by email: register → staff approve by email → credentials arrive →
//! first login with the new password twice → LOGIN + SALDO + RACHUNKI + PDF in one mail
//! → one reply with the answers and the PDF attached, threaded to the request.

use crate::email_helpers::{EmailRig, text};
use crate::helpers::backends;
use mail_support::ParsedMail;
use std::path::Path;

const PESEL: &str = "58031245127";
const STAFF_PASSWORD: &str = "Dyżur w ciepłowni 2025";
const NEW_PASSWORD: &str = "Kaloryfer grzeje mocno 77";

fn line_after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"))
}

/// The two digits the anti-bot check asks for, from the reply text.
fn captcha_answer(reply: &str) -> String {
    let digits: Vec<char> = line_after(reply, "🤖 Zabezpieczenie przed automatami:")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let asked = reply
        .lines()
        .find(|l| l.trim_start().starts_with("Wpisz "))
        .expect("the positions are named");
    let positions: Vec<usize> = asked
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .take(2)
        .collect();
    positions.iter().map(|p| digits[p - 1]).collect()
}

fn assert_threaded(reply: &ParsedMail, request_id: &str) {
    assert_eq!(reply.in_reply_to, vec![request_id.to_string()]);
    assert!(
        reply.references.iter().any(|r| r == request_id),
        "{:?}",
        reply.references
    );
    assert_eq!(reply.header("Auto-Submitted"), Some("auto-replied"));
    assert!(
        reply.html.is_some(),
        "a multipart/alternative reply has an HTML part"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn register_approve_login_and_ask_for_everything_in_one_mail() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email story", |_| {}).await else {
            return;
        };
        let app = rig.app().clone();
        ebok::import::run(
            &app.store,
            &app.pesel_key,
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-example"),
        )
        .await
        .expect("the example billing data imports");
        let staff = rig.mail.fresh_address_with("staff");
        let zofia = rig.mail.fresh_address_with("zofia");
        let staff_creds =
            ebok::core::staff::create_staff(&app.core, "staff.anna", "Anna Nowak", Some(&staff))
                .await
                .unwrap();
        rig.start();

        // 1. Registration by mail: the form, then the anti-bot check by replying.
        let form = format!(
            "REJESTRACJA\nnazwa: Zofia Wiśniewska\npesel: {PESEL}\nfaktura: FV/2025/02/000101\n\
             umowa: UM/2019/0101\ne-mail: {zofia}\nzgoda: tak\nregulamin: tak\n\n-- \nZofia"
        );
        let id = rig.send(&zofia, "Wniosek o dostęp", &form).await;
        let reply = rig.reply_to(&zofia, &id).await;
        assert_threaded(&reply, &id);
        let body = text(&reply);
        assert!(body.contains("Sprawdź wniosek"), "{body}");
        assert!(!body.contains(PESEL), "the PESEL is never echoed:\n{body}");
        assert!(body.contains("odpowiedz na tę wiadomość"), "{body}");
        let answer = captcha_answer(&body);
        let quoted: String = body.lines().map(|l| format!("> {l}\n")).collect();
        let id2 = rig
            .send_with(
                &zofia,
                &format!("Re: {}", reply.subject.clone().unwrap_or_default()),
                &format!("{answer}\n\nW dniu 3.03.2025 o 10:00, e-BOK pisze:\n{quoted}"),
                &[(
                    "In-Reply-To",
                    &format!("<{}>", reply.message_id.clone().unwrap()),
                )],
            )
            .await;
        let reply = rig.reply_to(&zofia, &id2).await;
        let body = text(&reply);
        assert!(body.contains("został przyjęty"), "{body}");
        let pending = app.store.pending_registrations(10).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].channel, "email");
        let request = pending[0].id;
        // The registration mail carried a PESEL: it is gone from the utility's mailbox.
        let left = rig.utility_ids().await;
        assert!(!left.contains(&id), "{left:?}");

        // 2. Staff: first login with the temporary password (new one twice), then
        //    the pending list and the approval, all in one mail. Her address differs
        //    from the billing record's: staff choose the request's (`WNIOSEK`).
        let sid = rig
            .send(
                &staff,
                "",
                &format!(
                    "ZALOGUJ staff.anna {}\n{STAFF_PASSWORD}\n{STAFF_PASSWORD}\nWNIOSKI\nZATWIERDZ {request} WNIOSEK",
                    staff_creds.password
                ),
            )
            .await;
        let reply = rig.reply_to(&staff, &sid).await;
        let body = text(&reply);
        assert!(body.contains("Hasło zostało zmienione"), "{body}");
        assert!(
            body.contains(&format!("Wniosek nr {request} zatwierdzony")),
            "{body}"
        );
        for secret in [staff_creds.password.as_str(), STAFF_PASSWORD] {
            assert!(!body.contains(secret), "a password is echoed:\n{body}");
            assert!(!reply.html.clone().unwrap().contains(secret));
        }
        assert!(body.contains("ZALOGUJ staff.anna ••••••"), "{body}");
        assert!(
            !rig.utility_ids().await.contains(&sid),
            "a mail with a password is deleted"
        );

        // 3. The credentials arrive (the outbox's mail worker).
        let creds = rig
            .mail
            .wait_for_mail(
                &zofia,
                |m| m.text_contains("Hasło tymczasowe"),
                crate::email_helpers::REPLY_WAIT,
            )
            .await
            .expect("the credentials mail");
        let creds_text = text(&creds);
        let identifier = line_after(&creds_text, "Identyfikator:").to_string();
        let temporary = line_after(&creds_text, "Hasło tymczasowe:").to_string();

        // 4. First login: the new password on the next two lines.
        let id3 = rig
            .send(
                &zofia,
                "",
                &format!("ZALOGUJ {identifier} {temporary}\n{NEW_PASSWORD}\n{NEW_PASSWORD}"),
            )
            .await;
        let body = text(&rig.reply_to(&zofia, &id3).await);
        assert!(body.contains("Hasło zostało zmienione"), "{body}");
        assert!(
            !body.contains(&temporary) && !body.contains(NEW_PASSWORD),
            "{body}"
        );

        // 5. Everything in one mail, one reply with the PDF.
        let id4 = rig
            .send(
                &zofia,
                "e-BOK",
                &format!(
                    "LOGIN {identifier} {NEW_PASSWORD}\nSALDO\nRACHUNKI\nPDF FV/2025/02/000101\n\n-- \nZofia Wiśniewska\ntel. 600 100 200"
                ),
            )
            .await;
        let reply = rig.reply_to(&zofia, &id4).await;
        assert_threaded(&reply, &id4);
        assert_eq!(reply.subject.as_deref(), Some("Re: e-BOK"));
        let body = text(&reply);
        for expected in [
            "Wykonane",
            "» LOGIN",
            "Ogólne bieżące saldo",
            "FV/2025/01/000101",
            "» PDF FV/2025/02/000101",
            "Zofia Wiśniewska",
        ] {
            assert!(body.contains(expected), "{expected:?} missing:\n{body}");
        }
        assert!(!body.contains(NEW_PASSWORD), "{body}");
        assert!(!body.contains("Niezrozumiałe"), "{body}");
        let pdf = reply
            .attachments
            .iter()
            .find(|a| a.content_type == "application/pdf")
            .expect("the invoice PDF is attached");
        let original = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs/import-example/pdf/FV-2025-02-000101.pdf"),
        )
        .unwrap();
        assert_eq!(pdf.bytes, original);
        let html = reply.html.clone().unwrap();
        assert!(
            html.contains("<b>") && html.contains("Ogólne bieżące saldo"),
            "{html}"
        );

        // Exactly one reply per request, and the account was logged out after each mail.
        rig.replies_settled().await;
        for request in [&id, &id2, &id3, &id4] {
            assert_eq!(rig.replies_to(&zofia, request).await.len(), 1, "{request}");
        }
        let chat = app.store.chat("email", &zofia).await.unwrap().unwrap();
        assert!(
            chat.account_id.is_none() && chat.sessions == 0,
            "each mail is its own session"
        );
        let audit = app.store.audit_tail(50).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"registration_approved"), "{actions:?}");
        assert!(actions.contains(&"logout"), "{actions:?}");
        println!("email story passed on {}", rig.t.db.label);
    }
}
