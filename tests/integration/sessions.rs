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
