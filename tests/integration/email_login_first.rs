//! The login line takes effect first wherever it stands: `Subject: saldo` with the
//! `ZALOGUJ` line in the body (the example of docs/email.md) shows the balance; the
//! lines answering the login's questions still follow it, then the subject's and the
//! body's commands run in their order.

use crate::email_helpers::{EmailRig, customer_account, customer_account_with, text};
use crate::helpers::backends;
use ebok::core::accounts::FirstPassword;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subject_command_runs_after_the_login_line_of_the_body() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email login first", |_| {}).await else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds = customer_account(rig.app(), "K-00102", &jan).await;
        rig.start();
        let id = rig
            .send(
                &jan,
                "saldo",
                &format!(
                    "ZALOGUJ {} {}\nRACHUNKI\nKONTAKT",
                    creds.identifier, creds.password
                ),
            )
            .await;
        let body = text(&rig.reply_to(&jan, &id).await);
        assert!(!body.contains("wymaga zalogowania"), "{body}");
        assert!(!body.contains(&creds.password), "{body}");
        let at = |needle: &str| {
            body.find(needle)
                .unwrap_or_else(|| panic!("no {needle:?} in:\n{body}"))
        };
        // The login first, then the subject's command, then the body's in order.
        assert!(at("» ZALOGUJ") < at("» saldo"), "{body}");
        assert!(at("» saldo") < at("» RACHUNKI"), "{body}");
        assert!(at("» RACHUNKI") < at("» KONTAKT"), "{body}");
        assert!(body.contains("Jan Kowalski"), "{body}");
    }
}

/// A first login with the temporary password: the two lines below the login line are
/// its new password, even when the subject holds a command.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_lines_answering_the_login_stay_with_it() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email login first prompt", |_| {}).await
        else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let creds =
            customer_account_with(rig.app(), "K-00102", &jan, FirstPassword::Temporary).await;
        let temp = creds.password.clone();
        rig.start();
        let new = "Ciepły kaloryfer zimą 2025";
        let id = rig
            .send(
                &jan,
                "SALDO",
                &format!(
                    "KONTAKT\nZALOGUJ {} {temp}\n{new}\n{new}\nRACHUNKI",
                    creds.identifier
                ),
            )
            .await;
        let body = text(&rig.reply_to(&jan, &id).await);
        assert!(!body.contains("wymaga zalogowania"), "{body}");
        assert!(!body.contains(new) && !body.contains(&temp), "{body}");
        assert!(body.contains("Jan Kowalski"), "{body}");
        // The new password works in the next mail.
        let id = rig
            .send(
                &jan,
                "",
                &format!("ZALOGUJ {} {new}\nSALDO", creds.identifier),
            )
            .await;
        let body = text(&rig.reply_to(&jan, &id).await);
        assert!(body.contains("Jan Kowalski"), "{body}");
    }
}
