//! Outages: SMTP down (the reply waits in the outbox and goes out once it is back),
//! IMAP connections dropped (the responder reconnects with backoff and carries on),
//! and the TLS modes.

use crate::email_helpers::{
    EmailRig, Proxy, drain, email_settings, fast_options, smtp_settings, text, unseen, until,
};
use crate::helpers::backends;
use ebok::channels::email::REPLY_CHANNEL;
use ebok::config::TlsMode;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replies_wait_out_an_smtp_outage_and_go_out_once() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email smtp outage", |_| {}).await else {
            return;
        };
        let proxy = Proxy::start(rig.mail.smtp_port).await;
        proxy.set_up(false);
        let smtp = smtp_settings(&rig.mail, &rig.utility, proxy.port);
        rig.start_reply_worker(&smtp);
        let responder = rig.responder(fast_options());
        let jan = rig.mail.fresh_address_with("jan");
        let id = rig.send(&jan, "KONTAKT", "").await;
        drain(&responder, 1).await;
        let store = rig.app().store.clone();
        until("two failed delivery attempts", || {
            let store = store.clone();
            async move {
                let rows = store.outbox_rows(REPLY_CHANNEL).await.unwrap();
                rows.first()
                    .is_some_and(|(_, r)| r.attempts >= 2 && r.last_error.is_some())
            }
        })
        .await;
        let (_, row) = &store.outbox_rows(REPLY_CHANNEL).await.unwrap()[0];
        assert_eq!(row.status, "pending", "a transient failure is retried");
        assert!(rig.replies_to(&jan, &id).await.is_empty());

        proxy.set_up(true);
        let reply = rig.reply_to(&jan, &id).await;
        assert!(text(&reply).contains("Wykonane"));
        rig.replies_settled().await;
        assert_eq!(rig.replies_to(&jan, &id).await.len(), 1);
        let (_, row) = &store.outbox_rows(REPLY_CHANNEL).await.unwrap()[0];
        assert_eq!(row.status, "sent");
        assert!(
            !row.payload.contains("Wykonane"),
            "the content is scrubbed after delivery"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_responder_reconnects_after_the_imap_connection_drops() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email imap disconnect", |_| {}).await else {
            return;
        };
        let proxy = Proxy::start(rig.mail.imap_port).await;
        let (mail, utility) = (rig.mail.clone(), rig.utility.clone());
        let mut settings = (*rig.t.app.settings).clone();
        settings.email = Some(email_settings(
            &mail,
            &utility,
            proxy.port,
            TlsMode::Starttls,
        ));
        let app = ebok::app::App::with_store(settings, rig.t.db.store.clone())
            .await
            .unwrap();
        let responder =
            ebok::channels::email::Responder::new(app, fast_options(), rig.wake.clone()).unwrap();
        rig.spawn(tokio::spawn(async move {
            let _ = responder.run().await;
        }));
        rig.start_workers();
        let jan = rig.mail.fresh_address_with("jan");
        let id = rig.send(&jan, "KONTAKT", "").await;
        rig.reply_to(&jan, &id).await;

        // The server drops the connection and refuses new ones for a while.
        proxy.set_up(false);
        proxy.cut();
        let id2 = rig.send(&jan, "WIADOMOSCI", "").await;
        let p = &proxy;
        until("two refused reconnects", || async move { p.refused() >= 2 }).await;
        assert!(rig.replies_to(&jan, &id2).await.is_empty());
        proxy.set_up(true);
        let reply = rig.reply_to(&jan, &id2).await;
        assert!(text(&reply).contains("Wykonane"));
        rig.replies_settled().await;
        assert_eq!(rig.replies_to(&jan, &id).await.len(), 1);
        assert_eq!(rig.replies_to(&jan, &id2).await.len(), 1);
    }
}

/// Implicit TLS (IMAPS) and plain IMAP on loopback work; plain to another host is
/// refused before connecting; a wrong CA fails the TLS handshake.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tls_modes_implicit_starttls_and_plain_on_loopback() {
    let backend = backends().remove(0);
    let Some(rig) = EmailRig::new(&backend, "email tls modes", |_| {}).await else {
        return;
    };
    let jan = rig.mail.fresh_address_with("jan");
    let (mail, utility) = (rig.mail.clone(), rig.utility.clone());
    for (n, (port, tls)) in [
        (mail.imaps_port, TlsMode::Implicit),
        (mail.imap_port, TlsMode::Plain),
        (mail.imap_port, TlsMode::Starttls),
    ]
    .into_iter()
    .enumerate()
    {
        rig.send(&jan, "KONTAKT", &format!("tryb {n}")).await;
        let mut settings = (*rig.t.app.settings).clone();
        settings.email = Some(email_settings(&mail, &utility, port, tls));
        let app = ebok::app::App::with_store(settings, rig.t.db.store.clone())
            .await
            .unwrap();
        let responder =
            ebok::channels::email::Responder::new(app, fast_options(), rig.wake.clone()).unwrap();
        drain(&responder, 1).await;
    }
    assert!(unseen(&rig).await.is_empty());

    let mut remote = email_settings(&mail, &utility, 143, TlsMode::Plain);
    remote.imap_host = "imap.example.com".into();
    let target = ebok::channels::email::imap::Target::from_settings(
        &remote,
        std::time::Duration::from_secs(5),
    );
    let err = target.check().unwrap_err().to_string();
    assert!(err.contains("loopback"), "{err}");

    let mut wrong_ca = email_settings(&mail, &utility, mail.imaps_port, TlsMode::Implicit);
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.pem");
    // A CA that signed nothing the test servers use.
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=other-ca",
        ])
        .arg("-keyout")
        .arg(dir.path().join("other.key"))
        .arg("-out")
        .arg(&other)
        .output()
        .expect("openssl runs");
    assert!(made.status.success());
    wrong_ca.ca_cert = Some(other);
    let target = ebok::channels::email::imap::Target::from_settings(
        &wrong_ca,
        std::time::Duration::from_secs(5),
    );
    let err =
        tokio::task::spawn_blocking(move || ebok::channels::email::imap::connect(&target).err())
            .await
            .unwrap()
            .expect("an untrusted certificate is refused");
    assert!(format!("{err:#}").contains("TLS"), "{err:#}");
}

/// Without IDLE (a server that lacks it, here switched off) the responder polls.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_idle_the_responder_polls() {
    let backend = backends().remove(0);
    let Some(mut rig) = EmailRig::new(&backend, "email polling", |_| {}).await else {
        return;
    };
    let responder = rig.responder(ebok::channels::email::Options {
        idle: false,
        ..fast_options()
    });
    rig.spawn(tokio::spawn(async move {
        let _ = responder.run().await;
    }));
    rig.start_workers();
    let jan = rig.mail.fresh_address_with("jan");
    for subject in ["KONTAKT", "WIADOMOSCI"] {
        let id = rig.send(&jan, subject, "").await;
        assert!(text(&rig.reply_to(&jan, &id).await).contains("Wykonane"));
    }
}
