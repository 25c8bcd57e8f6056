//! Passwords with a blank at either end. A new one is refused wherever a password is set,
//! with the reason; a login treats the password alike in every channel and form (one
//! line, step by step, by mail): trimmed, so what an app or a mail line drops does not
//! matter; and a password stored with such a blank before the rule still logs in (it is
//! checked as typed once the trimmed form fails), with the advice to change it.
//!
//! Through the `ebok console` binary, the Telegram front end on the fake Bot API, and
//! mails through the real Postfix and Dovecot.

use crate::email_helpers::{EmailRig, customer_account, text};
use crate::helpers::{OWN_BANK_ACCOUNT, TestApp, backends};
use crate::lifecycle::{NEW_PASSWORD, person};
use crate::telegram_support::{Bot, PASSWORD, has};
use std::process::{Command, Stdio};

/// Typed with a trailing space, as `haslo` stored it before the rule.
const SPACED: &str = "Zimowy Wieczór 2026 ";
const TRIMMED: &str = "Zimowy Wieczór 2026";
const REFUSED: &str = "Hasło nie może zaczynać się ani kończyć spacją";
const CHANGED: &str = "Hasło zostało zmienione";
const ADVICE: &str = "Twoje hasło zaczyna się albo kończy spacją";

/// `ebok console` on `db_url` with `input` piped on stdin; its standard output.
fn console(db_url: &str, input: &str) -> String {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ebok"))
        .current_dir(dir.path())
        .args(["--database", db_url, "console", "--name", "terminal"])
        .env_remove("EBOK_CONFIG")
        .env("EBOK_UTILITY__BANK_ACCOUNT", OWN_BANK_ACCOUNT)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ebok console");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Where `needle` first appears in `text` at or after `from` (the test fails otherwise).
fn after(text: &str, from: usize, needle: &str) -> usize {
    text[from..]
        .find(needle)
        .map(|i| from + i)
        .unwrap_or_else(|| panic!("no {needle:?} after byte {from} in:\n{text}"))
}

#[tokio::test]
async fn the_console_refuses_an_edge_blank_and_logs_in_alike_in_every_form() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
        let id = t.account(Some(c.id), &c.name, NEW_PASSWORD).await;
        // The change refuses the spaced password and takes the same one without the
        // space; then it logs in one-line and step by step, typed with blanks or not.
        let script = format!(
            "zaloguj {id} {NEW_PASSWORD}\nhaslo\n{NEW_PASSWORD}\n{SPACED}\n{TRIMMED}\n{TRIMMED}\n\
             wyloguj\nzaloguj {id} {SPACED}\nwyloguj\nzaloguj\n{id}\n {SPACED}\nwyloguj\n\
             zaloguj {id} {TRIMMED}\n"
        );
        let out = console(&t.db.url, &script);
        let refused = after(&out, 0, REFUSED);
        let changed = after(&out, refused, CHANGED);
        // One line with the blank, step by step with blanks, one line without.
        let mut at = changed;
        for _ in 0..3 {
            at = after(&out, at, "Wylogowano");
            at = after(&out, at, "✅ Zalogowano");
        }
        assert!(!out.contains("nieprawidłowe"), "{}: {out}", t.db.label);
        assert!(!out.contains(ADVICE), "{out}");
    }
}

#[tokio::test]
async fn a_password_stored_with_a_blank_still_logs_in_at_the_console() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let c = person(&t, "Jan Kowalski", Some("jan@example.test")).await;
        // As `haslo` stored it before the rule.
        let id = t.account(Some(c.id), &c.name, SPACED).await;
        let script = format!(
            "zaloguj {id} {SPACED}\nwyloguj\nzaloguj\n{id}\n{SPACED}\n\
             haslo\n{SPACED}\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
        );
        let out = console(&t.db.url, &script);
        assert!(!out.contains("nieprawidłowe"), "{}: {out}", t.db.label);
        let first = after(&out, 0, "✅ Zalogowano");
        let advice = after(&out, first, ADVICE);
        let second = after(&out, advice, "✅ Zalogowano");
        after(&out, second, ADVICE);
        // The old password as typed also passes the change's check of the current one.
        after(&out, second, CHANGED);
        // The trimmed form is another password: it does not open the account.
        let out = console(&t.db.url, &format!("zaloguj {id} {TRIMMED}\n"));
        assert!(out.contains("nieprawidłowe"), "{out}");
    }
}

#[tokio::test]
async fn telegram_refuses_an_edge_blank_and_logs_in_alike() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let zofia = bot.customer_account("K-00101").await;
        let user = 7101;
        bot.login(user, &zofia).await;
        bot.say(user, "haslo", has("stare hasło")).await;
        bot.say(user, PASSWORD, has("nowe hasło")).await;
        let refusal = bot.say(user, SPACED, has(REFUSED)).await;
        assert!(
            refusal
                .visible()
                .contains("Spacje w środku hasła są w porządku"),
            "{}",
            refusal.visible()
        );
        bot.say(user, TRIMMED, has("Powtórz")).await;
        bot.say(user, TRIMMED, has(CHANGED)).await;
        bot.say(user, "wyloguj", has("Wylogowano")).await;
        // A phone that keeps the space sends it: one line and step by step alike.
        let panel = bot
            .say(
                user,
                &format!("zaloguj {zofia} {SPACED}"),
                has("✅ Zalogowano"),
            )
            .await;
        assert!(!panel.visible().contains(ADVICE), "{}", panel.visible());
        bot.say(user, "wyloguj", has("Wylogowano")).await;
        bot.say(user, "zaloguj", has("identyfikator")).await;
        bot.say(user, &zofia, has("hasło")).await;
        bot.say(user, SPACED, has("✅ Zalogowano")).await;
        bot.assert_no_errors();
    }
}

#[tokio::test]
async fn telegram_logs_in_with_a_password_stored_with_a_blank() {
    for backend in backends() {
        let bot = Bot::start(&backend).await;
        let store = &bot.t.app.store;
        let customer = store.customer_id_by_number("K-00102").await.unwrap();
        let jan = bot.t.account(customer, "Jan Kowalski", SPACED).await;
        let user = 7201;
        let panel = bot
            .say(
                user,
                &format!("/zaloguj {jan} {SPACED}"),
                has("✅ Zalogowano"),
            )
            .await;
        assert!(panel.visible().contains(ADVICE), "{}", panel.visible());
        assert!(
            panel.visible().contains("Jan Kowalski"),
            "{}",
            panel.visible()
        );
        bot.say(user, "wyloguj", has("Wylogowano")).await;
        bot.say(user, "zaloguj", has("identyfikator")).await;
        bot.say(user, &jan, has("hasło")).await;
        bot.say(user, SPACED, has("✅ Zalogowano")).await;
        bot.assert_no_errors();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mail_refuses_an_edge_blank_and_logs_in_alike() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "password blanks by mail", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        let (id, old) = (creds.identifier.clone(), creds.password.clone());
        rig.start();
        let ask = async |body: String| {
            let mail = rig.send(&jan, "", &body).await;
            text(&rig.reply_to(&jan, &mail).await)
        };
        // The new password's lines end with a space: refused, and nothing changes.
        let body = ask(format!(
            "ZALOGUJ {id} {old}\nHASLO\n{old}\n{SPACED}\n{SPACED}\n"
        ))
        .await;
        assert!(body.contains(REFUSED), "{body}");
        assert!(!body.contains(CHANGED), "{body}");
        let body = ask(format!("ZALOGUJ {id} {old}\nSALDO\n")).await;
        assert!(
            body.contains("Jan Kowalski"),
            "the old one still works: {body}"
        );
        let body = ask(format!(
            "ZALOGUJ {id} {old}\nHASLO\n{old}\n{TRIMMED}\n{TRIMMED}\n"
        ))
        .await;
        assert!(body.contains(CHANGED), "{body}");
        // The LOGIN line and the step-by-step form, with the space typed or not.
        for login in [
            format!("ZALOGUJ {id} {SPACED}"),
            format!("ZALOGUJ {id} {TRIMMED}"),
            format!("ZALOGUJ {id}\n{SPACED}"),
        ] {
            let body = ask(format!("{login}\nSALDO\n")).await;
            assert!(body.contains("Jan Kowalski"), "{login:?}: {body}");
            assert!(!body.contains(ADVICE), "{body}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mail_logs_in_with_a_password_stored_with_a_blank() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "stored blank by mail", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        let id = creds.identifier.clone();
        store_password(&rig.t, &id, SPACED).await;
        rig.start();
        for login in [
            format!("ZALOGUJ {id} {SPACED}"),
            format!("ZALOGUJ {id}\n{SPACED}"),
        ] {
            let mail = rig.send(&jan, "", &format!("{login}\nSALDO\n")).await;
            let body = text(&rig.reply_to(&jan, &mail).await);
            assert!(body.contains("Jan Kowalski"), "{login:?}: {body}");
            assert!(body.contains(ADVICE), "{body}");
        }
    }
}

/// Stores `password` as the account's current one, as it was stored before the rule.
async fn store_password(t: &TestApp, identifier: &str, password: &str) {
    let store = &t.app.store;
    let account = store
        .account_by_identifier(identifier)
        .await
        .unwrap()
        .unwrap();
    let hash = ebok::core::password::hash(password.to_string())
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.set_password(account.id, &hash, false, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}
