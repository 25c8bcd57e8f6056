//! Temporary passwords (expiry, single use, forced change), the password policy, the
//! self-service reset, and consents with withdrawal.

use crate::helpers::{TestApp, backends};
use crate::lifecycle::{NEW_PASSWORD, approved_customer, exec, first_login, queued_reset_password};
use ebok::core::accounts::FirstPassword;
use ebok::domain::model::Role;

#[tokio::test]
async fn a_temporary_password_forces_a_change_before_anything_else() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let (_, id, temporary) = approved_customer(&t, "Jan Kowalski", "jan@example.test").await;
        let chat = t.console("c");
        let out = chat.say(&format!("zaloguj {id} {temporary}")).await;
        assert!(out.contains("ustaw teraz własne hasło"), "{out}");
        // "anuluj" cannot skip it, and whatever else is typed is taken as the new password
        // (and refused by the policy), never run as a command.
        let out = chat.say("anuluj").await;
        assert!(out.contains("ustaw teraz własne hasło"), "{out}");
        for line in ["saldo", "pomoc", "zgody"] {
            let out = chat.say(line).await;
            assert!(out.contains("Podaj nowe hasło"), "{line}: {out}");
            assert!(
                !out.contains("Ogólne bieżące saldo") && !out.contains("Polecenia"),
                "{out}"
            );
        }
        chat.say(NEW_PASSWORD).await;
        let out = chat.say(NEW_PASSWORD).await;
        assert!(out.contains("Hasło zostało zmienione"), "{out}");
        assert!(
            out.contains("Ogólne bieżące saldo"),
            "the panel follows: {out}"
        );
        assert!(chat.say("rachunki").await.contains("FV/2025/10/"));
        assert_eq!(
            chat.send("saldo").await.logged_in_as.as_deref(),
            Some(id.as_str())
        );
        // The identifier stays; the new password works, the temporary one does not.
        chat.say("wyloguj").await;
        assert!(
            t.console("d")
                .say(&format!("zaloguj {id} {NEW_PASSWORD}"))
                .await
                .contains("Zalogowano")
        );
        assert!(
            t.console("e")
                .say(&format!("zaloguj {id} {temporary}"))
                .await
                .contains("nieprawidłowe")
        );
    }
}

#[tokio::test]
async fn a_temporary_password_works_once_and_expires() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let (_, id, temporary) = approved_customer(&t, "Jan Kowalski", "jan@example.test").await;
        let chat = t.console("c");
        chat.say(&format!("zaloguj {id} {temporary}")).await;
        chat.say("anuluj").await;
        chat.say("wyloguj").await;
        let out = t
            .console("d")
            .say(&format!("zaloguj {id} {temporary}"))
            .await;
        assert!(out.contains("zostało już użyte"), "{out}");

        // Expiry: default 7 days, configurable; an expired one is refused.
        let t = TestApp::with_settings(&backend, |s| s.security.temp_password_days = 2).await;
        let mut tx = t.app.store.begin().await.unwrap();
        let creds = t
            .app
            .core
            .create_account(
                &mut tx,
                Role::Staff,
                None,
                "Ewa",
                None,
                FirstPassword::Temporary,
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let account = t
            .app
            .store
            .account_by_identifier(&creds.identifier)
            .await
            .unwrap()
            .unwrap();
        let days = (account.temp_expires_at.unwrap() - chrono::Utc::now()).num_hours();
        assert!((47..=48).contains(&days), "{days} h");
        exec(
            &t,
            "UPDATE accounts SET temp_expires_at = $1",
            chrono::Utc::now() - chrono::Duration::minutes(1),
        )
        .await;
        let out = t
            .console("x")
            .say(&format!("zaloguj {} {}", creds.identifier, creds.password))
            .await;
        assert!(out.contains("Hasło tymczasowe wygasło"), "{out}");
    }
}

#[tokio::test]
async fn the_password_policy_is_asvs_6_2() {
    for backend in backends() {
        // No waits between failed logins: this test tries many wrong passwords.
        let t = TestApp::with_settings(&backend, |s| s.security.login_wait_seconds = 0).await;
        let (_, id, temporary) =
            approved_customer(&t, "Jan Kowalski", "jan.kowalski@example.test").await;
        let chat = t.console("c");
        chat.say(&format!("zaloguj {id} {temporary}")).await;
        let long_ok: String = "Zażółć gęślą jaźń, ".repeat(7).chars().take(128).collect();
        let cut = |n: usize| long_ok.chars().take(n).collect::<String>();
        for (candidate, reason) in [
            ("Krótkie", "za krótkie"),
            (&"a".repeat(129)[..], "za długie"),
            ("password1", "najczęściej używanych"),
            ("qwertyuiop", "najczęściej używanych"),
            ("zaq12wsx", "najczęściej używanych"),
            ("Baseball", "najczęściej używanych"),
            (&format!("moje-{id}-haslo")[..], "identyfikatora"),
            ("kowalski to ja 2025", "identyfikatora"),
            (&temporary[..], "różnić się"),
        ] {
            let out = chat.say(candidate).await;
            assert!(out.contains(reason), "{candidate}: {out}");
        }
        // 8 characters are enough (12+ is recommended), 128 are accepted in full, no
        // composition rules: only letters and spaces.
        let out = chat.say(&long_ok).await;
        assert!(out.contains("Powtórz nowe hasło"), "{out}");
        let out = chat.say(&long_ok).await;
        assert!(out.contains("Hasło zostało zmienione"), "{out}");
        chat.say("wyloguj").await;
        // No truncation and no case folding.
        for (i, wrong) in [cut(72), long_ok.to_uppercase(), cut(127)]
            .iter()
            .enumerate()
        {
            let chat = t.console(&format!("w{i}"));
            chat.say(&format!("zaloguj {id}")).await;
            let out = chat.say(wrong).await;
            assert!(out.contains("nieprawidłowe"), "{out}");
        }
        let ok = t.console("ok");
        ok.say(&format!("zaloguj {id}")).await;
        assert!(ok.say(&long_ok).await.contains("Zalogowano"));
        // The prompt recommends 12+.
        ok.say("haslo").await;
        let out = ok.say(&long_ok).await;
        assert!(out.contains("zalecamy co najmniej 12"), "{out}");
        let out = ok.say("abcdefgh").await;
        assert!(
            out.contains("Powtórz"),
            "eight letters pass the policy: {out}"
        );
    }
}

#[tokio::test]
async fn self_service_reset_answers_alike_and_mails_only_the_address_on_file() {
    for backend in backends() {
        let t = TestApp::with_settings(&backend, |s| s.security.login_wait_seconds = 0).await;
        let (_, id, temporary) = approved_customer(&t, "Jan Kowalski", "jan@example.test").await;
        first_login(&t.console("c"), &id, &temporary, NEW_PASSWORD).await;
        let before = t.app.store.outbox_rows("email").await.unwrap().len();
        let known = t.console("x").say(&format!("reset {id}")).await;
        let unknown = t.console("y").say("reset EB000000").await;
        assert_eq!(known, unknown);
        assert!(
            known.contains("Jeśli taki identyfikator istnieje"),
            "{known}"
        );
        let rows = t.app.store.outbox_rows("email").await.unwrap();
        assert_eq!(
            rows.len(),
            before + 1,
            "only the existing account gets a mail"
        );
        assert_eq!(rows[0].1.recipient, "jan@example.test");
        // The dialogue form works too.
        let chat = t.console("z");
        assert!(chat.say("nowe-haslo").await.contains("identyfikator"));
        assert_eq!(chat.say("EB000001").await, unknown);

        // The current password keeps working until the reset one is used...
        let reset_pw = queued_reset_password(&t, "jan@example.test").await.unwrap();
        assert!(
            t.console("a")
                .say(&format!("zaloguj {id} {NEW_PASSWORD}"))
                .await
                .contains("Zalogowano")
        );
        // ...which works once and forces a change.
        let out = first_login(&t.console("b"), &id, &reset_pw, "Nowe kaloryfery w salonie").await;
        assert!(out.contains("Hasło zostało zmienione"), "{out}");
        let out = t
            .console("d")
            .say(&format!("zaloguj {id} {reset_pw}"))
            .await;
        assert!(out.contains("nieprawidłowe"), "{out}");
        assert!(
            t.console("e")
                .say(&format!("zaloguj {id} {NEW_PASSWORD}"))
                .await
                .contains("nieprawidłowe")
        );

        // At most three reset mails a day per identifier: later ones get the same answer
        // but send nothing.
        let count = || async { t.app.store.outbox_rows("email").await.unwrap().len() };
        let n = count().await;
        for i in 0..3 {
            let out = t
                .console(&format!("r{i}"))
                .say(&format!("reset {id}"))
                .await;
            assert_eq!(out, unknown);
        }
        assert_eq!(count().await, n + 2, "3 per day, one was used above");
        // One source cannot ask endlessly.
        let src = t.console("spammer");
        for i in 0..5 {
            src.say(&format!("reset EB99{i:04}")).await;
        }
        assert!(
            src.say(&format!("reset {id}"))
                .await
                .contains("zbyt wiele próśb")
        );
    }
}

#[tokio::test]
async fn consents_can_be_seen_and_withdrawing_closes_the_account() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let (c, id, temporary) = approved_customer(&t, "Jan Kowalski", "jan@example.test").await;
        let chat = t.console("c");
        first_login(&chat, &id, &temporary, NEW_PASSWORD).await;
        let other = t.console("phone");
        other.say(&format!("zaloguj {id} {NEW_PASSWORD}")).await;
        let out = chat.say("zgody").await;
        let version = &t.app.settings.regulations.version;
        assert!(
            out.contains(&format!(
                "Zgoda na przetwarzanie danych osobowych — regulamin w wersji {version}"
            )),
            "{out}"
        );
        assert!(out.contains("Akceptacja regulaminu"), "{out}");
        // The utility's local date (after 23:00 UTC it is already tomorrow in Warsaw).
        let today = chrono::Utc::now()
            .with_timezone(&ebok::domain::calendar::TZ)
            .format("%d.%m.%Y")
            .to_string();
        assert!(out.contains(&today), "{out}");
        // Only an explicit yes withdraws.
        assert!(
            chat.say("wycofaj-zgode")
                .await
                .contains("zamknie Twoje konto")
        );
        assert!(chat.say("nie").await.contains("bez zmian"));
        assert!(chat.say("saldo").await.contains("Ogólne bieżące saldo"));
        chat.say("wycofaj-zgode").await;
        let out = chat.say("TAK").await;
        assert!(out.contains("konto e-BOK jest zamknięte"), "{out}");
        assert!(chat.say("saldo").await.contains("wymaga zalogowania"));
        assert!(
            other.say("saldo").await.contains("wymaga zalogowania"),
            "every session ends"
        );
        let out = t
            .console("again")
            .say(&format!("zaloguj {id} {NEW_PASSWORD}"))
            .await;
        assert!(!out.contains("Zalogowano"), "{out}");
        // The login says what the withdrawal said: closed, and how to come back.
        assert!(
            out.contains("zamknięte")
                && out.contains("rejestracja")
                && !out.contains("zablokowane"),
            "{out}"
        );
        let en = t.console("again-en");
        en.say("language en").await;
        let out = en.say(&format!("login {id} {NEW_PASSWORD}")).await;
        assert!(
            out.contains("closed") && out.contains("register") && !out.contains("locked"),
            "{out}"
        );
        let account = t
            .app
            .store
            .account_by_identifier(&id)
            .await
            .unwrap()
            .unwrap();
        assert!(account.closed);
        let consents = t.app.store.consents(account.id).await.unwrap();
        let processing = consents
            .iter()
            .find(|c| c.kind == "data_processing")
            .unwrap();
        assert!(processing.withdrawn_at.is_some());
        // The customer may come back with a new request.
        assert!(
            t.app
                .store
                .account_for_customer(c.id)
                .await
                .unwrap()
                .is_none()
        );
    }
}
