//! Login, logout, password change and sessions through the core, as a user sees them.

use crate::helpers::{TestApp, backends};

const PASSWORD: &str = "Ciepła woda w kranie";

#[tokio::test]
async fn login_logout_and_the_seed_failure_text() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let id = t.account(None, "Anna Nowak", PASSWORD).await;
        let chat = t.console("c1");

        let out = chat.say("saldo").await;
        assert!(out.contains("wymaga zalogowania"), "{out}");

        let out = chat.say(&format!("zaloguj {id} złe-hasło")).await;
        assert!(
            out.contains("Niestety podany identyfikator lub hasło są nieprawidłowe"),
            "{out}"
        );
        assert!(out.contains("Zaloguj się ponownie po 5 sek."), "{out}");

        // Within the 5 seconds even the right password is refused.
        let out = chat.say(&format!("zaloguj {id} {PASSWORD}")).await;
        assert!(out.contains("Zaloguj się ponownie po"), "{out}");
        assert!(!out.contains("Zalogowano"), "{out}");
    }
}

#[tokio::test]
async fn unknown_identifier_gets_the_same_answer_as_a_wrong_password() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let id = t.account(None, "Anna Nowak", PASSWORD).await;
        let wrong = t
            .console("a")
            .say(&format!("zaloguj {id} nie-to-haslo"))
            .await;
        let unknown = t.console("b").say("zaloguj EB999999 nie-to-haslo").await;
        assert_eq!(wrong, unknown);
    }
}

#[tokio::test]
async fn dialogue_login_then_logout_ends_the_session() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let id = t.account(None, "Anna Nowak", PASSWORD).await;
        let chat = t.console("c1");
        assert!(chat.say("zaloguj").await.contains("identyfikator"));
        let reply = chat.send(&id).await;
        assert_eq!(reply.expect, ebok::core::Expect::Secret);
        let reply = chat.send(PASSWORD).await;
        assert!(reply.input_was_secret);
        assert_eq!(reply.logged_in_as.as_deref(), Some(id.as_str()));
        let out = chat.say("wyloguj").await;
        assert!(out.contains("Wylogowano"), "{out}");
        assert!(chat.say("rachunki").await.contains("wymaga zalogowania"));
    }
}

#[tokio::test]
async fn an_unknown_word_is_not_echoed_back() {
    // A password typed when no dialogue waits for one must not come back in the reply.
    let t = TestApp::new(&crate::helpers::Backend::Sqlite).await;
    let out = t.console("c1").say("Tajne-Haslo-Klienta-2025").await;
    assert!(out.contains("Nie znam tego polecenia"), "{out}");
    assert!(!out.contains("Tajne"), "{out}");
}

#[tokio::test]
async fn guessing_the_current_password_in_an_open_session_is_throttled() {
    for backend in backends() {
        let t = TestApp::new(&backend).await;
        let id = t.account(None, "Anna Nowak", PASSWORD).await;
        let chat = t.console("c1");
        assert!(
            chat.say(&format!("zaloguj {id} {PASSWORD}"))
                .await
                .contains("Zalogowano")
        );
        assert!(chat.say("haslo").await.contains("stare hasło"));
        let out = chat.say("zle-haslo-1").await;
        assert!(out.contains("Stare hasło jest nieprawidłowe"), "{out}");
        assert!(out.contains("po 5 sek."), "{out}");
        // The right password within the wait is refused without being checked.
        assert!(chat.say("haslo").await.contains("stare hasło"));
        let out = chat.say(PASSWORD).await;
        assert!(out.contains("Zaloguj się ponownie po"), "{out}");
        assert!(!out.contains("nowe hasło"), "{out}");
    }
}
