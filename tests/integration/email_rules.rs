//! Who gets an answer: RFC 3834 loop protection, the daily cap, a spoofed From, the
//! help for mail without commands, the limits of one mail.

use crate::email_helpers::{EmailRig, customer_account, customer_account_with, drain, text};
use crate::helpers::backends;
use ebok::channels::email::REPLY_CHANNEL;
use ebok::core::accounts::FirstPassword;

/// A sender, extra headers and the expected reason for no reply.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);

/// Every RFC 3834 rule: none of these mails is answered; a normal mail sent after
/// them is (and mail is handled in arrival order, so its reply means they were seen).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn automatic_list_and_robot_mail_is_never_answered() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email rfc3834", |_| {}).await else {
            return;
        };
        rig.start();
        let domain = format!("robots-{:x}.example.test", rand::random::<u32>());
        let fresh = |p: &str| rig.mail.fresh_address_with(p);
        let cases: Vec<Case> = vec![
            (
                fresh("auto1"),
                vec![("Auto-Submitted", "auto-replied")],
                "auto-submitted",
            ),
            (
                fresh("auto2"),
                vec![("Auto-Submitted", "auto-generated")],
                "auto-submitted",
            ),
            (
                fresh("list1"),
                vec![("List-Id", "<ogloszenia.lists.example.test>")],
                "list",
            ),
            (
                fresh("list2"),
                vec![("List-Unsubscribe", "<mailto:leave@example.test>")],
                "list",
            ),
            (fresh("bulk"), vec![("Precedence", "bulk")], "precedence"),
            (fresh("junk"), vec![("Precedence", "junk")], "precedence"),
            (fresh("plist"), vec![("Precedence", "list")], "precedence"),
            (
                fresh("ooo"),
                vec![("X-Auto-Response-Suppress", "All")],
                "x-auto-response-suppress",
            ),
            (format!("MAILER-DAEMON@{domain}"), vec![], "robot-sender"),
            (format!("postmaster@{domain}"), vec![], "robot-sender"),
            (format!("cieplo-request@{domain}"), vec![], "robot-sender"),
            (format!("owner-cieplo@{domain}"), vec![], "robot-sender"),
            (rig.utility.clone(), vec![], "ourselves"),
        ];
        for (from, headers, _) in &cases {
            rig.send_with(from, "POMOC", "KONTAKT", headers).await;
        }
        // A null return path (MAIL FROM:<>) with an ordinary From header.
        let bounce_from = fresh("nullpath");
        let raw = format!(
            "From: {bounce_from}\r\nTo: {}\r\nSubject: POMOC\r\nMessage-ID: <null-{}@x.test>\r\n\r\nKONTAKT\r\n",
            rig.utility,
            rand::random::<u32>()
        );
        send_null_sender(&rig, raw.as_bytes()).await;
        // A delivery-status report.
        let dsn_from = fresh("dsn");
        let dsn = format!(
            "From: {dsn_from}\r\nTo: {}\r\nSubject: Undelivered Mail\r\nMessage-ID: <dsn-{}@x.test>\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nSALDO\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n\
             Reporting-MTA: dns; mail.example.test\r\n\r\nFinal-Recipient: rfc822; x@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n",
            rig.utility,
            rand::random::<u32>()
        );
        rig.mail
            .send_raw(&dsn_from, &rig.utility, dsn.as_bytes())
            .await
            .unwrap();

        let control = fresh("human");
        let id = rig
            .send_with(
                &control,
                "POMOC",
                "KONTAKT",
                &[("Auto-Submitted", "no"), ("Precedence", "first-class")],
            )
            .await;
        let reply = rig.reply_to(&control, &id).await;
        assert!(text(&reply).contains("Wykonane"), "{}", text(&reply));
        rig.replies_settled().await;

        let store = &rig.app().store;
        let mut expected: Vec<(String, String)> = cases
            .iter()
            .map(|(from, _, why)| (from.to_lowercase(), format!("skipped:{why}")))
            .collect();
        expected.push((bounce_from.clone(), "skipped:null-return-path".into()));
        expected.push((dsn_from.clone(), "skipped:report".into()));
        for (from, outcome) in &expected {
            assert_eq!(
                store.email_outcomes(from).await.unwrap(),
                vec![outcome.clone()],
                "{from}"
            );
        }
        let rows = store.outbox_rows(REPLY_CHANNEL).await.unwrap();
        assert_eq!(rows.len(), 1, "only the control mail is answered");
        assert_eq!(rows[0].1.recipient, control);
        for (from, _) in &expected {
            if !from.starts_with("ebok-") {
                assert!(
                    rig.mail
                        .fetch_all(from)
                        .await
                        .unwrap_or_default()
                        .is_empty(),
                    "{from}"
                );
            }
        }
    }
}

async fn send_null_sender(rig: &EmailRig, raw: &[u8]) {
    // mail-support's senders always give an envelope sender; swaks can send <>.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mail.eml");
    std::fs::write(&path, raw).unwrap();
    let status = tokio::process::Command::new("swaks")
        .args([
            "--server",
            &rig.mail.smtp_host,
            "--port",
            &rig.mail.smtp_port.to_string(),
        ])
        .args(["--from", "<>", "--to", &rig.utility, "--helo", "localhost"])
        .args(["--data", &format!("@{}", path.display())])
        .stdout(std::process::Stdio::null())
        .status()
        .await
        .expect("swaks runs");
    assert!(status.success());
}

/// At most N replies per sender per day, then one notice, then silence; counted in the
/// database, so a restarted responder keeps counting.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_daily_cap_sends_one_notice_then_nothing_and_survives_a_restart() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email daily cap", |s| {
            s.email.as_mut().unwrap().daily_reply_cap = 3;
        })
        .await
        else {
            return;
        };
        rig.start_workers();
        let jan = rig.mail.fresh_address_with("jan");
        let mut ids = Vec::new();
        for n in 0..3 {
            ids.push(rig.send(&jan, &format!("Pytanie {n}"), "KONTAKT").await);
        }
        // A "restart" after three: the first responder stops, a new one takes over.
        let first = rig.responder(crate::email_helpers::fast_options());
        drain(&first, 3).await;
        for n in 3..5 {
            ids.push(rig.send(&jan, &format!("Pytanie {n}"), "KONTAKT").await);
        }
        let second = rig.responder(crate::email_helpers::fast_options());
        drain(&second, 2).await;
        for id in &ids[..3] {
            assert!(text(&rig.reply_to(&jan, id).await).contains("Wykonane"));
        }
        let notice = rig.reply_to(&jan, &ids[3]).await;
        assert!(text(&notice).contains("dzienny limit"), "{}", text(&notice));
        assert_eq!(notice.header("Auto-Submitted"), Some("auto-replied"));
        rig.replies_settled().await;
        assert!(rig.replies_to(&jan, &ids[4]).await.is_empty());
        let store = &rig.app().store;
        assert_eq!(
            store.email_outcomes(&jan).await.unwrap(),
            ["replied", "replied", "replied", "cap_notice", "capped"]
        );
        let day = ebok::channels::email::responder::today();
        assert_eq!(
            store.email_daily_replies(&jan, &day).await.unwrap(),
            Some((3, true))
        );
        // Others are not affected.
        let anna = rig.mail.fresh_address_with("anna");
        let id = rig.send(&anna, "", "KONTAKT").await;
        drain(&second, 1).await;
        rig.reply_to(&anna, &id).await;
    }
}

/// Account data goes only to the address on file: not to another From, not to
/// Reply-To, and a later mail from the right address (spoofed) finds no session. The
/// right password from another address runs the commands, but their answers go to the
/// address on file (which is told who wrote); a password change and a first login with
/// a temporary password from another address are refused, and the owner is told.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_spoofed_or_foreign_sender_gets_no_account_data() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email spoofing", |_| {}).await else {
            return;
        };
        let zofia = rig.mail.fresh_address_with("zofia");
        let jan = rig.mail.fresh_address_with("jan");
        let mallory = rig.mail.fresh_address_with("mallory");
        let creds = customer_account(rig.app(), "K-00101", &zofia).await;
        let jans =
            customer_account_with(rig.app(), "K-00102", &jan, FirstPassword::Temporary).await;
        rig.start();

        // Mallory knows the password but writes from her own address.
        let id = rig
            .send(
                &mallory,
                "",
                &format!(
                    "ZALOGUJ {} {}\nSALDO\nRACHUNKI\nHASLO {} Nowe-Haslo-2025! Nowe-Haslo-2025!",
                    creds.identifier, creds.password, creds.password
                ),
            )
            .await;
        let body = text(&rig.reply_to(&mallory, &id).await);
        assert!(
            body.contains(&format!(
                "Odpowiedzi dla konta {} wysłaliśmy tylko na adres e-mail zapisany",
                creds.identifier
            )),
            "{body}"
        );
        assert!(
            !body.contains("Zofia") && !body.contains("Saldo") && !body.contains("FV/2025"),
            "{body}"
        );
        assert!(!body.contains(&creds.password), "{body}");
        // The answers went to Zofia, who is told who wrote; the password stays hers.
        let theirs = rig.reply_to(&zofia, &id).await;
        let body = text(&theirs);
        assert!(body.contains(&format!("z adresu {mallory}")), "{body}");
        assert!(
            body.contains("Zofia Wiśniewska") && body.contains("FV/2025/01/000101"),
            "{body}"
        );
        assert!(body.contains("zmianę hasła"), "refused: {body}");
        assert!(!body.contains("Hasło zostało zmienione"), "{body}");
        assert!(!body.contains(&creds.password), "{body}");
        assert!(!body.contains("Nowe-Haslo-2025!"), "{body}");

        // A first login with a temporary password from another address is refused, and
        // the owner hears of it at the address on file, once a day however often.
        let first = format!("ZALOGUJ {} {}", jans.identifier, jans.password);
        let id = rig.send(&mallory, "", &first).await;
        let body = text(&rig.reply_to(&mallory, &id).await);
        assert!(
            body.contains("pierwsze logowanie hasłem tymczasowym"),
            "{body}"
        );
        assert!(!body.contains("Jan Kowalski"), "{body}");
        let notice = rig
            .mail
            .wait_for_mail(
                &jan,
                |m| m.subject_contains("Próba użycia konta e-BOK z innego adresu"),
                std::time::Duration::from_secs(30),
            )
            .await
            .unwrap();
        // Automatic mail like the replies: no auto-answers to it, bounces go nowhere.
        assert_eq!(notice.header("Auto-Submitted"), Some("auto-generated"));
        assert_eq!(notice.header("X-Auto-Response-Suppress"), Some("All"));
        assert_eq!(notice.header("Return-Path"), Some("<>"));
        let notice = notice.text.unwrap_or_default();
        assert!(notice.contains(&mallory), "{notice}");
        assert!(notice.contains(&jans.identifier), "{notice}");
        assert!(!notice.contains(&jans.password), "{notice}");
        let id = rig.send(&mallory, "", &first).await;
        let body = text(&rig.reply_to(&mallory, &id).await);
        assert!(
            body.contains("pierwsze logowanie hasłem tymczasowym"),
            "{body}"
        );
        let sql =
            "SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE dedupe_key LIKE 'foreign-sender:%'";
        let notices: i64 = ebok::on_pool!(&rig.app().store, |p| sqlx::query_scalar(sql)
            .fetch_one(p)
            .await)
        .unwrap();
        assert_eq!(notices, 1, "{}", rig.t.db.label);

        // Zofia logs in properly.
        let id = rig
            .send(
                &zofia,
                "",
                &format!("ZALOGUJ {} {}\nSALDO", creds.identifier, creds.password),
            )
            .await;
        let body = text(&rig.reply_to(&zofia, &id).await);
        assert!(body.contains("Zofia Wiśniewska"), "{body}");

        // A mail forged with Zofia's From (and Mallory's Reply-To) right after it.
        let id = rig
            .send_with(
                &mallory,
                "SALDO",
                "RACHUNKI\nDOKUMENTY",
                &[("From", &zofia), ("Reply-To", &mallory)],
            )
            .await;
        let reply = rig.reply_to(&zofia, &id).await;
        let body = text(&reply);
        assert!(body.contains("wymaga zalogowania"), "{body}");
        assert!(
            !body.contains("Zofia Wiśniewska") && !body.contains("FV/2025"),
            "{body}"
        );
        rig.replies_settled().await;
        assert!(
            rig.replies_to(&mallory, &id).await.is_empty(),
            "never to Reply-To"
        );
    }
}

/// No command: the help once, with the email rules. Over 20 commands: the rest is
/// counted as ignored, the first of it shown. Unknown words are not echoed with what
/// follows them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn help_for_letters_and_limits_for_long_mails() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email help", |_| {}).await else {
            return;
        };
        rig.start();
        let jan = rig.mail.fresh_address_with("jan");
        let id = rig
            .send(&jan, "Pytanie o fakturę", "Dzień dobry,\nproszę o informację.\nZALOGUJE EB1 Tajne123\n\nPozdrawiam\nJan\ntel. 600 100 200")
            .await;
        let body = text(&rig.reply_to(&jan, &id).await);
        assert_eq!(body.matches("Polecenia e-BOK").count(), 1, "{body}");
        assert!(body.contains("Jak pisać polecenia e-mailem"), "{body}");
        assert!(body.contains("Temat: Pytanie o fakturę"), "{body}");
        assert!(!body.contains("Tajne123"), "{body}");
        assert!(
            body.contains("Pominięto dalsze wiersze: 1.") && !body.contains("tel."),
            "after 5 unknown lines the rest is ignored, only counted:\n{body}"
        );
        assert_eq!(
            body.matches("Nie znam polecenia").count(),
            0,
            "no per-line noise:\n{body}"
        );

        let many: String = (0..25).map(|_| "KONTAKT\n").collect();
        let id = rig.send(&jan, "", &many).await;
        let body = text(&rig.reply_to(&jan, &id).await);
        let (done, ignored) = body.split_once("Pominięte").expect("an ignored section");
        assert_eq!(done.matches("» KONTAKT\n").count(), 20, "{body}");
        assert!(
            ignored.contains("Pominięto dalsze wiersze: 5; pierwszy z nich:\n» KONTAKT\n"),
            "{body}"
        );
        assert!(ignored.contains("najwyżej 20 poleceń"), "{body}");

        // English commands get an English reply.
        let id = rig.send(&jan, "", "HELP\nCONTACT").await;
        let body = text(&rig.reply_to(&jan, &id).await);
        assert!(body.contains("— Done —"), "{body}");
    }
}

/// Prompts are answered by the next lines of the same mail (HASLO: the current password,
/// then the new one twice); none of them is echoed, and the new password works.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_password_change_takes_its_answers_from_the_next_lines() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email password change", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        rig.start();
        let new = "Zielona herbata o poranku 42";
        let id = rig
            .send(
                &jan,
                "",
                &format!(
                    "ZALOGUJ {} {}\nHASLO\n{}\n{new}\n{new}\nSALDO",
                    creds.identifier, creds.password, creds.password
                ),
            )
            .await;
        let reply = rig.reply_to(&jan, &id).await;
        let body = text(&reply);
        assert!(body.contains("Hasło zostało zmienione"), "{body}");
        assert!(body.contains("Jan Kowalski"), "{body}");
        assert_eq!(body.matches("» ••••••").count(), 3, "{body}");
        for secret in [creds.password.as_str(), new] {
            assert!(!body.contains(secret), "{body}");
            assert!(!reply.html.clone().unwrap_or_default().contains(secret));
        }
        // A prompt left open at the end of the mail is explained.
        let id = rig
            .send(&jan, "", &format!("ZALOGUJ {}", creds.identifier))
            .await;
        let body = text(&rig.reply_to(&jan, &id).await);
        assert!(
            body.contains("w kolejnych wierszach tej samej wiadomości"),
            "{body}"
        );
        // The new password works.
        let id = rig
            .send(
                &jan,
                "",
                &format!("ZALOGUJ {} {new}\nSALDO", creds.identifier),
            )
            .await;
        let body = text(&rig.reply_to(&jan, &id).await);
        assert!(
            body.contains("Jan Kowalski") && !body.contains(new),
            "{body}"
        );
    }
}
