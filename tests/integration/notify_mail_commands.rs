//! `powiadomienia` by email, through the real Postfix and Dovecot and the email
//! responder: with a login it turns email notifications (to the address on file) on and
//! off per kind; the `List-Unsubscribe` link of a notification mail, mailed from the
//! address on file without a login, turns them off for that address's accounts only —
//! and a mail without a login can never turn anything on.

use crate::email_helpers::{EmailRig, text};
use crate::helpers::backends;
use crate::notifications::account_id;
use crate::telegram_support::{PASSWORD, example_dir, import};
use ebok::core::Channel;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// The kinds on for `identifier` on `channel` at `recipient` ('' for email).
async fn kinds(rig: &EmailRig, identifier: &str, channel: &str, recipient: &str) -> Vec<String> {
    let id = account_id(&rig.t, identifier).await;
    let (mut kinds, _) = rig
        .app()
        .store
        .subscriptions(id, channel, recipient)
        .await
        .unwrap();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn notifications_by_mail_and_the_one_click_turn_off_from_the_address_on_file() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "notify_mail_commands", |s| {
            s.smtp.as_mut().unwrap().digest_window_seconds = 1;
            // No quiet hours: the test runs at any time of day.
            s.notifications.quiet_to = s.notifications.quiet_from;
        })
        .await
        else {
            return;
        };
        import(&rig.t, &example_dir()).await;
        let (jan_mail, zofia_mail) = (rig.mail.fresh_address(), rig.mail.fresh_address());
        let mut ids = Vec::new();
        for (number, email) in [("K-00102", &jan_mail), ("K-00101", &zofia_mail)] {
            let store = &rig.app().store;
            let id = store.customer_id_by_number(number).await.unwrap().unwrap();
            let name = store.customer(id).await.unwrap().unwrap().name;
            ids.push(
                rig.t
                    .account_with_email(Some(id), &name, PASSWORD, email)
                    .await,
            );
        }
        let (jan, zofia) = (ids[0].clone(), ids[1].clone());
        rig.start();

        // By mail, logged in: everything on, then due-date reminders off.
        let sent = rig
            .send(
                &jan_mail,
                &format!("ZALOGUJ {jan} {PASSWORD}"),
                "POWIADOMIENIA WLACZ\nPOWIADOMIENIA WYLACZ TERMINY\n",
            )
            .await;
        let reply = text(&rig.reply_to(&jan_mail, &sent).await);
        assert!(reply.contains("Włączono"), "{reply}");
        assert!(reply.contains("▫️ terminy"), "{reply}");
        assert!(reply.contains("✅ faktury"), "{reply}");
        let on = kinds(&rig, &jan, "email", "").await;
        assert_eq!(
            on,
            [
                "announcement",
                "collection",
                "invoice",
                "overdue",
                "payment"
            ],
            "{}",
            rig.t.db.label
        );
        // Jan also on Telegram; Zofia by email at her own address.
        let tg = rig.t.chat(Channel::Telegram, "5001");
        tg.say(&format!("zaloguj {jan} {PASSWORD}")).await;
        tg.say("powiadomienia wlacz").await;
        let console = rig.t.console("zofia");
        console.say(&format!("zaloguj {zofia} {PASSWORD}")).await;
        console.say("powiadomienia wlacz").await;

        // Without a login a mail cannot turn anything on.
        let sent = rig.send(&jan_mail, "POWIADOMIENIA WLACZ TERMINY", "").await;
        let reply = text(&rig.reply_to(&jan_mail, &sent).await);
        assert!(reply.contains("zaloguj"), "login asked: {reply}");
        assert_eq!(kinds(&rig, &jan, "email", "").await, on, "unchanged");

        // An announcement: a notification mail with its one-click turn-off.
        let staff = rig.t.account(None, "Anna Nowak", PASSWORD).await;
        let desk = rig.t.console("desk");
        desk.say(&format!("zaloguj {staff} {PASSWORD}")).await;
        let draft = desk
            .say("komunikat informacja Nowe godziny BOK | Od poniedziałku 8–16.")
            .await;
        let reference = draft
            .split_whitespace()
            .find(|w| w.starts_with("EBOK-"))
            .unwrap()
            .trim_end_matches(':')
            .to_string();
        desk.say(&format!("komunikat wyslij {reference}")).await;
        let notice = rig
            .mail
            .wait_for_mail(&jan_mail, |m| text(m).contains("Nowe godziny BOK"), WAIT)
            .await
            .expect("the notification mail");
        let link = notice
            .header("List-Unsubscribe")
            .expect("List-Unsubscribe")
            .trim()
            .trim_start_matches("<mailto:")
            .trim_end_matches('>')
            .to_string();
        let (to, query) = link.split_once('?').expect("mailto with a subject");
        assert_eq!(to, rig.utility, "the command mailbox");
        let subject = query
            .strip_prefix("subject=")
            .expect("a subject")
            .replace("%20", " ");

        // The mail program sends it from the address on file: no login.
        let sent = rig.send(&jan_mail, &subject, "").await;
        let reply = text(&rig.reply_to(&jan_mail, &sent).await);
        assert!(
            reply.contains("Powiadomienia e-mailem na ten adres są wyłączone"),
            "{reply}"
        );
        assert_eq!(kinds(&rig, &jan, "email", "").await, Vec::<String>::new());
        assert_eq!(
            kinds(&rig, &jan, "telegram", "5001").await.len(),
            6,
            "Telegram is not email"
        );
        assert_eq!(
            kinds(&rig, &zofia, "email", "").await.len(),
            6,
            "another address is untouched ({})",
            rig.t.db.label
        );
        let audit = rig.app().store.audit_tail(30).await.unwrap();
        assert!(
            audit.iter().any(|a| a.action == "notifications_off"
                && a.detail.contains("mailed from the address on file")),
            "audited: {audit:?}"
        );
        // Zofia got the announcement by mail; an unknown sender's turn-off changes nothing.
        rig.mail
            .wait_for_mail(&zofia_mail, |m| text(m).contains("Nowe godziny BOK"), WAIT)
            .await
            .expect("Zofia's notification");
        let stranger = rig.mail.fresh_address();
        let sent = rig.send(&stranger, &subject, "").await;
        let reply = text(&rig.reply_to(&stranger, &sent).await);
        assert!(reply.contains("wyłączone"), "the same answer: {reply}");
        assert_eq!(kinds(&rig, &zofia, "email", "").await.len(), 6);
    }
}
