//! Exactly once: a crash before or after the commit, kills at random moments, the same
//! mail delivered twice, and a mailbox whose UIDVALIDITY changed.

use crate::email_helpers::{EmailRig, drain, fast_options, text, unseen, until};
use crate::helpers::backends;
use ebok::channels::email::{CrashPoint, Options, REPLY_CHANNEL};
use std::time::Duration;

fn crashing(at: CrashPoint) -> Options {
    Options {
        crash_at: Some(at),
        ..fast_options()
    }
}

/// Killed after the commands ran but before anything was committed: the restarted
/// responder runs the mail again and answers it once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_before_the_commit_loses_nothing() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email crash before commit", |_| {}).await
        else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let id = rig.send(&jan, "KONTAKT", "WIADOMOSCI").await;
        let crashing = rig.responder(crashing(CrashPoint::BeforeCommit));
        let r = &rig;
        until("the mail to arrive", || async move {
            !unseen(r).await.is_empty()
        })
        .await;
        let err = crashing.run_once().await.expect_err("it crashes");
        assert!(format!("{err:#}").contains("simulated crash"), "{err:#}");
        assert!(
            rig.app()
                .store
                .outbox_rows(REPLY_CHANNEL)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(unseen(&rig).await.len(), 1, "the mail is still unseen");

        rig.start();
        let reply = rig.reply_to(&jan, &id).await;
        assert!(text(&reply).contains("Wykonane"));
        rig.replies_settled().await;
        assert_eq!(rig.replies_to(&jan, &id).await.len(), 1);
        let r = &rig;
        until("the mail to be marked seen", || async move {
            unseen(r).await.is_empty()
        })
        .await;
    }
}

/// Killed after the reply was committed but before the mail was flagged: the restarted
/// responder only flags it; the reply goes out once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_crash_after_the_commit_sends_no_second_reply() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email crash after commit", |_| {}).await
        else {
            return;
        };
        let jan = rig.mail.fresh_address_with("jan");
        let id = rig.send(&jan, "KONTAKT", "").await;
        let crashing = rig.responder(crashing(CrashPoint::AfterCommit));
        let r = &rig;
        until("the mail to arrive", || async move {
            !unseen(r).await.is_empty()
        })
        .await;
        crashing.run_once().await.expect_err("it crashes");
        assert_eq!(
            rig.app()
                .store
                .outbox_rows(REPLY_CHANNEL)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(unseen(&rig).await.len(), 1, "not flagged before the crash");

        let again = rig.responder(fast_options());
        assert_eq!(again.run_once().await.unwrap(), 1);
        assert!(unseen(&rig).await.is_empty());
        assert_eq!(
            rig.app()
                .store
                .outbox_rows(REPLY_CHANNEL)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            rig.app().store.email_outcomes(&jan).await.unwrap(),
            ["replied"]
        );
        rig.start_workers();
        rig.reply_to(&jan, &id).await;
        rig.replies_settled().await;
        assert_eq!(rig.replies_to(&jan, &id).await.len(), 1);
    }
}

/// The responder is killed (its task aborted) at random moments while mail flows; in the
/// end every mail has exactly one reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_at_any_moment_every_mail_is_answered_once() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email random kills", |_| {}).await else {
            return;
        };
        rig.start_workers();
        let senders: Vec<String> = (0..3)
            .map(|i| rig.mail.fresh_address_with(&format!("k{i}")))
            .collect();
        let mut ids = Vec::new();
        for round in 0..6u64 {
            for s in &senders {
                ids.push((
                    s.clone(),
                    rig.send(s, "", &format!("KONTAKT\nWIADOMOSCI\nrunda {round}"))
                        .await,
                ));
            }
            let responder = rig.responder(fast_options());
            let task = tokio::spawn(async move {
                let _ = responder.run().await;
            });
            let ms = 20 + (rand::random::<u64>() % 250);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            task.abort();
            let _ = task.await;
        }
        let last = rig.responder(fast_options());
        let r = &rig;
        until("every mail to be dealt with", || {
            let last = last.clone();
            async move {
                last.run_once().await.unwrap();
                unseen(r).await.is_empty()
            }
        })
        .await;
        rig.replies_settled().await;
        for (sender, id) in &ids {
            assert_eq!(rig.replies_to(sender, id).await.len(), 1, "{sender} {id}");
        }
        assert_eq!(
            rig.app()
                .store
                .outbox_rows(REPLY_CHANNEL)
                .await
                .unwrap()
                .len(),
            ids.len()
        );
    }
}

/// The same mail delivered twice (same sender and Message-ID, new UID) is answered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mail_delivered_twice_is_answered_once() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email duplicate", |_| {}).await else {
            return;
        };
        rig.start_workers();
        let jan = rig.mail.fresh_address_with("jan");
        let raw = format!(
            "From: {jan}\r\nTo: {}\r\nSubject: KONTAKT\r\nMessage-ID: <twice-{}@client.example.test>\r\n\r\nPOMOC\r\n",
            rig.utility,
            rand::random::<u32>()
        );
        rig.mail
            .send_raw(&jan, &rig.utility, raw.as_bytes())
            .await
            .unwrap();
        rig.mail
            .send_raw(&jan, &rig.utility, raw.as_bytes())
            .await
            .unwrap();
        drain(&rig.responder(fast_options()), 2).await;
        rig.replies_settled().await;
        assert_eq!(
            rig.app()
                .store
                .outbox_rows(REPLY_CHANNEL)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            rig.app().store.email_outcomes(&jan).await.unwrap(),
            ["replied"]
        );
        assert!(unseen(&rig).await.is_empty());
    }
}

/// A mailbox recreated with a new UIDVALIDITY and the old mail in it: the old mail is
/// not answered again, new mail is.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_uidvalidity_does_not_answer_old_mail_again() {
    for backend in backends() {
        let Some(mut rig) = EmailRig::new(&backend, "email uidvalidity", |s| {
            s.email.as_mut().unwrap().mailbox = "Polecenia".into();
        })
        .await
        else {
            return;
        };
        rig.start_workers();
        let jan = rig.mail.fresh_address_with("jan");
        let tag = rand::random::<u32>();
        let mail = |n: u32| {
            format!(
                "From: {jan}\r\nTo: {}\r\nSubject: KONTAKT\r\nMessage-ID: <uv-{n}-{tag}@client.example.test>\r\n\r\nPOMOC\r\n",
                rig.utility
            )
        };
        let (env, utility) = (rig.mail.clone(), rig.utility.clone());
        let old: Vec<String> = (1..=2).map(mail).collect();
        let first_validity = {
            let (env, utility, old) = (env.clone(), utility.clone(), old.clone());
            tokio::task::spawn_blocking(move || {
                let mut s = env.imap_session(&utility).unwrap();
                s.create("Polecenia").unwrap();
                for m in &old {
                    s.append("Polecenia", m.as_bytes()).unwrap();
                }
                let v = s.select("Polecenia").unwrap().uid_validity.unwrap();
                s.logout().unwrap();
                v
            })
            .await
            .unwrap()
        };
        let responder = rig.responder(fast_options());
        assert_eq!(responder.run_once().await.unwrap(), 2);

        // Recreate the mailbox (a restore from backup, a migration…) with the old
        // mail unseen again, plus one new mail.
        let new = mail(3);
        let second_validity = {
            let (env, utility, old, new) = (env.clone(), utility.clone(), old.clone(), new.clone());
            tokio::task::spawn_blocking(move || {
                let mut s = env.imap_session(&utility).unwrap();
                let mut validity = first_validity;
                while validity == first_validity {
                    // Dovecot derives UIDVALIDITY from the clock: recreate until it differs.
                    s.delete("Polecenia").unwrap();
                    s.create("Polecenia").unwrap();
                    validity = s.select("Polecenia").unwrap().uid_validity.unwrap();
                    if validity == first_validity {
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
                for m in old.iter().chain([&new]) {
                    s.append("Polecenia", m.as_bytes()).unwrap();
                }
                s.logout().unwrap();
                validity
            })
            .await
            .unwrap()
        };
        assert_ne!(first_validity, second_validity);
        assert_eq!(responder.run_once().await.unwrap(), 3);
        rig.replies_settled().await;
        assert_eq!(
            rig.app()
                .store
                .outbox_rows(REPLY_CHANNEL)
                .await
                .unwrap()
                .len(),
            3,
            "two old replies and one new"
        );
        assert_eq!(
            rig.app().store.email_outcomes(&jan).await.unwrap(),
            ["replied", "replied", "replied"]
        );
    }
}
